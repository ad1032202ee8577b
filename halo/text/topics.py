"""Topics per video with BERTopic, fitted on that video's utterances and their embeddings.

Settings scale with the number of utterances n so one code path works from ~100 to ~5,000:
UMAP keeps n_neighbors ~ n/20 (5..15) and n_components <= 5; HDBSCAN's min_cluster_size ~ n/25
(5..40), so a short video still gets a few topics and an hour-long one is not shattered.
Outliers (-1) are reassigned to the nearest topic by embedding (BERTopic's reduce_outliers,
strategy "embeddings"), so every utterance has a topic. A fit that finds no cluster falls back
to agglomerative clusters of the embeddings, labelled by their most frequent content words: the
output is always valid.

Below MIN_DOCS_FOR_BERTOPIC utterances the agglomerative clusters are the answer, not a fallback:
there UMAP's layout (random init, a few dozen points) is chaotic. On the bundled sample (52
recognised utterances) a 1e-6 relative change of the embeddings -- what a different CPU's BLAS
kernels make -- gave 2 to 6 topics depending on the bits, and moved the chunker's decision at
the third topic change (bench/bench_chunk_margins.py); average-linkage clusters of the same
vectors did not change under noise up to 1e-2.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

#: fewer utterances than this get agglomerative clusters (see the module docstring)
MIN_DOCS_FOR_BERTOPIC = 100
MIN_DOCS_FOR_CLUSTERS = 8  # fewer than this are one topic
_WORD = re.compile(r"[a-zA-Z][a-zA-Z'-]{2,}")


@dataclass
class TopicResult:
    """Topic id per utterance (0..k-1, no outliers), a label per topic id, and how it was made."""

    topics: list[int]
    labels: dict[int, str]
    method: str


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS | {"yeah", "okay", "um", "uh", "mm", "hmm", "gonna", "just", "like",
                                 "know", "think", "really", "right", "don't", "it's", "that's"}


def keyword_label(texts: list[str], n_words: int = 3) -> str:
    """Most frequent content words of ``texts``, joined with '_' (BERTopic's label style)."""
    stop = _stop_words()
    counts = Counter(w.lower() for t in texts for w in _WORD.findall(t) if w.lower() not in stop)
    words = [w for w, _ in counts.most_common(n_words)]
    return "_".join(words) if words else "misc"


def _fallback(texts: list[str], vectors: np.ndarray, method: str) -> TopicResult:
    """Agglomerative clusters of the embeddings (one topic when there are few utterances)."""
    n = len(texts)
    if n >= MIN_DOCS_FOR_CLUSTERS and len(vectors):
        from sklearn.cluster import AgglomerativeClustering

        n_clusters = max(1, min(8, n // 10))
        labels = (AgglomerativeClustering(n_clusters=n_clusters, metric="cosine", linkage="average")
                  .fit_predict(vectors).tolist() if n_clusters > 1 else [0] * n)
    else:
        labels = [0] * n
    names = {t: keyword_label([x for x, lab in zip(texts, labels) if lab == t]) for t in set(labels)}
    return TopicResult(topics=[int(x) for x in labels], labels=names, method=method)


def _renumber(raw: list[int]) -> list[int]:
    """Topic ids in order of first appearance, 0..k-1."""
    order: dict[int, int] = {}
    for t in raw:
        order.setdefault(t, len(order))
    return [order[t] for t in raw]


def fit_topics(texts: list[str], vectors: np.ndarray, seed: int = 42) -> TopicResult:
    """Fit BERTopic on one video's utterances (``vectors``: their precomputed embeddings)."""
    n = len(texts)
    if n < MIN_DOCS_FOR_CLUSTERS:
        return _fallback(texts, vectors, "single-topic (too few utterances to cluster)")
    if n < MIN_DOCS_FOR_BERTOPIC:
        return _fallback(texts, vectors,
                         f"agglomerative (BERTopic is unstable below {MIN_DOCS_FOR_BERTOPIC} utterances)")
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    umap_model = UMAP(
        n_neighbors=int(np.clip(n // 20, 5, 15)),
        n_components=int(min(5, n - 3)),
        min_dist=0.0,
        metric="cosine",
        random_state=seed,
        low_memory=True,
    )
    hdbscan_model = HDBSCAN(
        min_cluster_size=int(np.clip(n // 25, 5, 40)),
        min_samples=int(np.clip(n // 100, 1, 10)),
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=True,
    )
    vectorizer = CountVectorizer(stop_words=sorted(_stop_words()), min_df=1, max_df=1.0)
    model = BERTopic(
        umap_model=umap_model,
        hdbscan_model=hdbscan_model,
        vectorizer_model=vectorizer,
        embedding_model=None,
        calculate_probabilities=False,
        verbose=False,
    )
    try:
        raw, _ = model.fit_transform(texts, embeddings=np.asarray(vectors, dtype=np.float32))
    except (ValueError, TypeError) as exc:  # degenerate inputs (e.g. identical utterances)
        log.warning("BERTopic failed on %d utterances (%s); using embedding clusters", n, exc)
        return _fallback(texts, vectors, f"agglomerative fallback ({type(exc).__name__})")
    raw = list(map(int, raw))
    if all(t == -1 for t in raw):
        return _fallback(texts, vectors, "agglomerative fallback (BERTopic found no cluster)")
    if any(t == -1 for t in raw):
        raw = list(map(int, model.reduce_outliers(texts, raw, strategy="embeddings",
                                                  embeddings=np.asarray(vectors, dtype=np.float32))))
    ids = _renumber(raw)
    labels: dict[int, str] = {}
    for new, old in zip(ids, raw):
        if new not in labels:
            words = [w for w, _ in (model.get_topic(old) or [])][:3]
            labels[new] = "_".join(words) if words else keyword_label(
                [t for t, r in zip(texts, raw) if r == old])
    return TopicResult(topics=ids, labels=labels, method="bertopic")

"""Segmentation evaluation: the chunker vs fixed-length and TextTiling baselines, Pk/WindowDiff.

Documents come from halo.eval.datasets (Choi .ref files, QMSum meetings). Text benchmarks have
no times, so each unit gets a synthetic duration of words / 2.5 s (150 words per minute) and the
chunker runs without min/max durations (config limits 0 and infinity); pauses and scene cuts are
absent, every other signal is computed as on a video.

What each method is told: rows marked "(told k)" receive the true number of segments of each
document and return exactly that many (the fixed-length baseline always needs a count, so the
fair comparison is chunker-told-k vs fixed-told-k). Rows without it choose the number themselves
(TextTiling's mean - std/2 cutoff; the chunker's fragmentation penalty).

Embeddings (and BERTScore gap coherence, when asked for) are computed once per document per run
and shared by every method and ablation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from halo.chunking.baselines import fixed_cuts, texttiling_cuts
from halo.chunking.dp import cuts_to_masses
from halo.chunking.metrics import pk, windowdiff
from halo.chunking.rules import ChunkingConfig, chunk_utterances
from halo.eval.datasets import SegDoc

WORDS_PER_SECOND = 2.5


@dataclass
class DocFeatures:
    """What every method may use for one document, computed once."""

    doc: SegDoc
    utterances: pd.DataFrame
    vectors: np.ndarray
    tokens: np.ndarray
    topics: list[int] | None = None
    gap_f1: np.ndarray | None = None


@dataclass
class FeatureCache:
    """Per-run cache: embeddings / topics / BERTScore per document id."""

    with_topics: bool = False
    with_bertscore: bool = False
    items: dict[str, DocFeatures] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=lambda: {"embed": 0.0, "topics": 0.0,
                                                               "bertscore": 0.0})

    def get(self, doc: SegDoc) -> DocFeatures:
        if doc.doc_id not in self.items:
            self.items[doc.doc_id] = self._compute(doc)
        return self.items[doc.doc_id]

    def _compute(self, doc: SegDoc) -> DocFeatures:
        from halo.text.embed import embed_texts
        from halo.text.tokens import count_tokens

        t0 = time.perf_counter()
        vectors = embed_texts(doc.units)
        self.seconds["embed"] += time.perf_counter() - t0
        features = DocFeatures(doc, text_utterances(doc), vectors,
                               np.asarray(count_tokens(doc.units)))
        if self.with_topics:
            from halo.text.topics import fit_topics

            t0 = time.perf_counter()
            features.topics = fit_topics(doc.units, vectors).topics
            self.seconds["topics"] += time.perf_counter() - t0
        if self.with_bertscore:
            from halo.text.coherence import gap_coherence

            t0 = time.perf_counter()
            features.gap_f1 = gap_coherence(doc.units, window_words=ChunkingConfig().window_words)
            self.seconds["bertscore"] += time.perf_counter() - t0
        return features


def text_utterances(doc: SegDoc) -> pd.DataFrame:
    """A text document as utterances with synthetic times (words / 2.5 s, no pauses)."""
    words = np.array([max(len(u.split()), 1) for u in doc.units], dtype=float)
    ends = np.cumsum(words / WORDS_PER_SECOND)
    starts = np.concatenate([[0.0], ends[:-1]])
    return pd.DataFrame({
        "utt_id": np.arange(len(doc.units)), "start": starts, "end": ends,
        "speaker": doc.speakers if doc.speakers is not None else [None] * len(doc.units),
        "scene_id": [0] * len(doc.units), "text": doc.units})


Method = Callable[[DocFeatures], list[int]]


def chunker_method(config: ChunkingConfig, told_k: bool) -> Method:
    def run(f: DocFeatures) -> list[int]:
        return chunk_utterances(
            f.utterances, f.vectors, config, topics=f.topics, gap_f1=f.gap_f1,
            n_chunks=f.doc.n_segments if told_k else None,
            coherence_fn=lambda groups: [1.0] * len(groups),
            token_fn=lambda texts: [0] * len(texts)).cuts
    return run


def fixed_method(f: DocFeatures) -> list[int]:
    return fixed_cuts(len(f.doc.units), f.doc.n_segments)


def texttiling_method(told_k: bool, window_words: float = 60.0) -> Method:
    def run(f: DocFeatures) -> list[int]:
        return texttiling_cuts(f.doc.units, f.vectors, f.doc.n_segments if told_k else None,
                               window_words)
    return run


def evaluate(docs: list[SegDoc], methods: dict[str, Method], cache: FeatureCache,
             dataset: str = "") -> list[dict]:
    """Mean Pk / WindowDiff / tokens per segment of each method over ``docs``."""
    rows = []
    for name, method in methods.items():
        pks, wds, seg_tokens = [], [], []
        t0 = time.perf_counter()
        for doc in docs:
            f = cache.get(doc)
            cuts = method(f)
            hyp = cuts_to_masses(cuts, len(doc.units))
            pks.append(pk(doc.truth, hyp))
            wds.append(windowdiff(doc.truth, hyp))
            seg_tokens.append(float(f.tokens.sum()) / len(hyp))
        rows.append({"dataset": dataset, "method": name, "pk": float(np.mean(pks)),
                     "windowdiff": float(np.mean(wds)),
                     "mean_segment_tokens": float(np.mean(seg_tokens)), "n_docs": len(docs),
                     "seconds": time.perf_counter() - t0})
    return rows


# --- the report behind `halo eval segmentation` ---------------------------------------------

def chunker_config(**overrides) -> ChunkingConfig:
    """The chunker as evaluated on text: its defaults, minus duration limits (text benchmarks have
    no real times; see module docstring)."""
    return ChunkingConfig(min_chunk_duration=0.0, max_chunk_duration=1e12, **overrides)


def ablation_methods(base: ChunkingConfig, names: list[str]) -> dict[str, Method]:
    """Cohesion alone, then each boundary signal added alone, then all minus each one."""
    off = {name: 0.0 for name in base.weights}
    methods: dict[str, Method] = {
        "halo: cohesion only (told k)": chunker_method(base.model_copy(update={"weights": off}), True)}
    for name in names:
        only = {**off, name: base.weights[name]}
        methods[f"halo: cohesion + {name} (told k)"] = chunker_method(
            base.model_copy(update={"weights": only}), True)
    for name in names:
        without = {**base.weights, name: 0.0}
        methods[f"halo: all - {name} (told k)"] = chunker_method(
            base.model_copy(update={"weights": without}), True)
    methods["halo: signals only, no cohesion (told k)"] = chunker_method(
        base.model_copy(update={"cohesion_weight": 0.0}), True)
    return methods


def segmentation_report(
    choi_dir: str | None = None,
    qmsum_file: str | None = None,
    *,
    limit: int | None = None,
    with_topics: bool = False,
    with_bertscore: bool = False,
    ablation: bool = False,
) -> list[dict]:
    """Rows of the segmentation table for the given benchmarks (see module docstring)."""
    from halo.eval.datasets import load_choi, load_qmsum

    rows: list[dict] = []
    config = chunker_config()
    if choi_dir:
        docs = load_choi(choi_dir, limit)
        cache = FeatureCache()  # Choi's sentences are ~70 per document: topics/BERTScore add nothing
        rows += evaluate(docs, {
            "fixed-length (told k)": fixed_method,
            "TextTiling (told k)": texttiling_method(True, config.window_words),
            "TextTiling": texttiling_method(False, config.window_words),
            "halo chunker (told k)": chunker_method(config, True),
            "halo chunker": chunker_method(config, False),
        }, cache, "choi")
    if qmsum_file:
        docs = load_qmsum(qmsum_file, limit)
        cache = FeatureCache(with_topics=with_topics, with_bertscore=with_bertscore)
        methods: dict[str, Method] = {
            "fixed-length (told k)": fixed_method,
            "TextTiling (told k)": texttiling_method(True, config.window_words),
            "halo chunker (told k)": chunker_method(config, True),
        }
        if ablation:
            names = ["semantic", "speaker", "floor", "cue"]
            names += ["topic"] if with_topics else []
            names += ["coherence"] if with_bertscore else []
            methods.update(ablation_methods(config, names))
        rows += evaluate(docs, methods, cache, "qmsum")
    return rows


JSON_KEYS = ("method", "pk", "windowdiff", "mean_segment_tokens", "n_docs")


def print_rows(rows: list[dict], as_json: bool = False) -> None:
    """A rich table per benchmark, or (``as_json``) a JSON list of the documented row keys."""
    if as_json:
        import json

        print(json.dumps([{"dataset": r["dataset"], **{k: r[k] for k in JSON_KEYS}} for r in rows],
                         indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        part = [r for r in rows if r["dataset"] == dataset]
        table = Table(title=f"{dataset}: {part[0]['n_docs']} documents (lower is better)")
        for column in ("method", "Pk", "WindowDiff", "tokens/segment", "seconds"):
            table.add_column(column, justify="left" if column == "method" else "right")
        for r in part:
            table.add_row(r["method"], f"{r['pk']:.4f}", f"{r['windowdiff']:.4f}",
                          f"{r['mean_segment_tokens']:.0f}", f"{r['seconds']:.1f}")
        console.print(table)

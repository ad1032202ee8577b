"""Text stages: sentence `embeddings` and BERTopic `topics` per utterance, and the Q&A
windows and quotable sentences (`qa_index`) built once per video so `halo ask` loads Parquet
instead of re-embedding."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from halo.qa.retrieval import UNIT, WINDOW_WORDS, build_qa_index
from halo.stages.result import Markdown, StageResult
from halo.text.embed import embed_texts
from halo.text.topics import fit_topics

EMBEDDING_COLUMNS = ["utt_id", "vector"]
TOPIC_COLUMNS = ["utt_id", "topic", "topic_label"]


def _texts(utterances: pd.DataFrame) -> list[str]:
    return utterances["text"].fillna("").astype(str).tolist() if len(utterances) else []


def _utt_ids(utterances: pd.DataFrame) -> list[int]:
    return utterances["utt_id"].astype("int64").tolist() if len(utterances) else []


def vectors_of(embeddings: pd.DataFrame) -> np.ndarray:
    """The `embeddings` frame's vector column as a float32 (n, dim) array."""
    if not len(embeddings):
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([np.asarray(v, dtype=np.float32) for v in embeddings["vector"]])


def embeddings(utterances: pd.DataFrame, model: str = "", device: str = "cpu") -> StageResult:
    """One L2-normalised sentence embedding per utterance ('' model = bundled all-MiniLM-L6-v2)."""
    t0 = time.perf_counter()
    vectors = embed_texts(_texts(utterances), model, device)
    seconds = time.perf_counter() - t0
    df = pd.DataFrame({"utt_id": _utt_ids(utterances), "vector": [v.tolist() for v in vectors]},
                      columns=EMBEDDING_COLUMNS)
    return StageResult(df, {
        "model": model or "all-MiniLM-L6-v2 (bundled)",
        "dimension": int(vectors.shape[1]),
        "processing_s": round(seconds, 3),
        "utterances_per_s": round(len(df) / max(seconds, 1e-9), 1),
    })


def topics(utterances: pd.DataFrame, embeddings: pd.DataFrame) -> StageResult:
    """BERTopic fitted on this video's utterances: a topic id and label per utterance."""
    t0 = time.perf_counter()
    result = fit_topics(_texts(utterances), vectors_of(embeddings))
    seconds = time.perf_counter() - t0
    df = pd.DataFrame({
        "utt_id": _utt_ids(utterances),
        "topic": pd.Series(result.topics, dtype="int64"),
        "topic_label": [result.labels.get(t, "") for t in result.topics]}, columns=TOPIC_COLUMNS)
    sizes = df.groupby(["topic", "topic_label"]).size().reset_index(name="utterances")
    return StageResult(df, {
        "n_topics": int(df["topic"].nunique()),
        "method": result.method,
        "processing_s": round(seconds, 3),
        "topics": Markdown(sizes.to_markdown(index=False) if len(sizes) else "(none)"),
    })


def qa_index(chunks: pd.DataFrame, utterances: pd.DataFrame) -> StageResult:
    """Timed windows inside each chunk and the sentences a local answer may quote, embedded
    (halo/qa/retrieval.py)."""
    t0 = time.perf_counter()
    index = build_qa_index(chunks.sort_values("start", kind="stable").reset_index(drop=True), utterances)
    windows = index[index["kind"] == UNIT]
    return StageResult(index, {
        "window_words": WINDOW_WORDS,
        "windows": len(windows),
        "quotable_sentences": len(index) - len(windows),
        "mean_window_s": round(float((windows["end"] - windows["start"]).mean()), 1) if len(windows) else 0.0,
        "processing_s": round(time.perf_counter() - t0, 3),
    })

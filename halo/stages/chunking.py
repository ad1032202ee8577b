"""Chunking stage: `chunks`, cut where speakers, scenes, topics and meaning change, within the
configured min/max duration, each chunk's text then joined with the slide lines shown in it."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pandas as pd

from halo.chunking.rules import ChunkingConfig
from halo.chunking.strip import strip_markdown
from halo.chunking.video import chunk_video
from halo.stages.result import FileLink, Markdown, StageResult, real_time_factor
from halo.stages.text import vectors_of
from halo.storage import write_bytes_atomic
from halo.text.tokens import TOKENIZER_NAME
from halo.validation import chunk_length_problems, chunk_order_problems
from halo.vision.ocr import ON_SCREEN_MARK, chunks_with_on_screen_text

ORDER_CHECK = "chunks_in_time_order"
LENGTH_CHECK = "chunks_within_duration_limits"  # a soft expectation: reported as a warning


def chunks(utterances: pd.DataFrame, embeddings: pd.DataFrame, topics: pd.DataFrame, scenes: pd.DataFrame,
           on_screen_text: pd.DataFrame, config: ChunkingConfig, timeline_path: Path, *,
           coherence_model: str = "", coherence_layers: int = 6) -> StageResult:
    """The chunk table; the timeline picture (speakers, scenes, topics, cuts) goes to ``timeline_path``."""
    t0 = time.perf_counter()
    ordered = utterances.sort_values("start").reset_index(drop=True)
    vectors = vectors_of(embeddings.set_index("utt_id").loc[ordered["utt_id"]].reset_index()
                         if len(ordered) else embeddings)
    topic_ids = (topics.set_index("utt_id").loc[ordered["utt_id"], "topic"].astype(int).tolist()
                 if len(ordered) else None)
    out = chunk_video(ordered, vectors, topic_ids, scenes, config,
                      coherence_model=coherence_model, coherence_layers=coherence_layers)
    df = chunks_with_on_screen_text(out.result.chunks, on_screen_text)
    seconds = time.perf_counter() - t0
    write_bytes_atomic(timeline_path, out.timeline_png)
    duration = float(scenes["end"].max()) if len(scenes) else float(df["end"].max() if len(df) else 0)
    reasons = df["boundary_reason"].str.replace(r" \([0-9.]+\)", "", regex=True).value_counts()
    strip = strip_markdown(list(zip(df["start"], df["end"])), duration)
    image = base64.b64encode(out.timeline_png).decode("ascii")
    return StageResult(df, {
        # Small enough for the UI to draw inline on the asset page; the full figure is below.
        **({"timeline": Markdown(strip)} if strip else {}),
        "total_tokens": int(df["n_tokens"].sum()),
        "chunks_with_on_screen_text": int(df["text"].str.contains(ON_SCREEN_MARK, regex=False).sum()),
        "mean_tokens": round(float(df["n_tokens"].mean()), 1) if len(df) else 0.0,
        "max_tokens": int(df["n_tokens"].max()) if len(df) else 0,
        "mean_coherence": round(float(df["coherence"].mean()), 3) if len(df) else 0.0,
        "mean_duration_s": round(float((df["end"] - df["start"]).mean()), 1) if len(df) else 0.0,
        "tokenizer": TOKENIZER_NAME,
        "coherence_model": coherence_model or "all-MiniLM-L6-v2 (bundled), 6 layers",
        "scenes_only": out.from_scenes_only,
        "processing_s": round(seconds, 3),
        **{f"{k}_s": round(v, 3) for k, v in out.seconds.items()},
        "real_time_factor": real_time_factor(seconds, duration),
        "boundary_reasons": Markdown(reasons.to_frame("cuts").to_markdown()),
        "timeline_path": FileLink(str(timeline_path)),
        "timeline_detail": Markdown(f"![chunk timeline](data:image/png;base64,{image})"),
    }, problems={
        ORDER_CHECK: chunk_order_problems(df),
        LENGTH_CHECK: chunk_length_problems(df, config.min_chunk_duration, config.max_chunk_duration),
    })

"""LLM stages: `chunk_summaries` and `video_summary` (overview + timed chapters).

Each takes an LLMService (Gemini or the labelled local backend, built by the caller for one
video and asset) and the answer cache; every call lands in the ledger store as it is made, so
money spent before a failure is still counted. The summaries are also stored as the cache's
L3 fallback rows.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from halo.llm.baseline import MediaStreams
from halo.llm.gemini import CALLS_IN_FLIGHT
from halo.llm.ledger import CallRecord, records_frame, summarize_costs
from halo.llm.prompts import clock
from halo.llm.service import LLMService
from halo.llm.summarize import plan_chunks, summarize_chunks, summarize_video
from halo.stages.result import Markdown, StageResult
from halo.vision.slides import titled_by_slides

PREVIEW_ROWS = 10


def backend_tags(records: list[CallRecord]) -> dict[str, str]:
    """The backends that really answered (gemini, local, cache), as a run tag value."""
    return {"halo/backend": "-".join(sorted({r.backend for r in records})) or "none"}  # tag values: [A-Za-z0-9_.-]


def spend_metrics(records: list[CallRecord], seconds: float) -> dict[str, Any]:
    """The numbers a user audits on every spending stage."""
    return {
        **summarize_costs(records_frame(records)),
        "backend": ", ".join(sorted({r.backend for r in records})) or "none",
        "models": ", ".join(sorted({r.model for r in records})) or "none",
        "processing_s": round(seconds, 3),
    }


def l3_rows(chunk_summaries: pd.DataFrame) -> list[dict]:
    """Chunk summaries as the cache's L3 fallback rows."""
    return [{"text": r.summary, "start": r.start, "end": r.end, "chunk_id": int(r.chunk_id)}
            for r in chunk_summaries.itertuples(index=False)]


def chunk_summaries(chunks: pd.DataFrame, scenes: pd.DataFrame, service: LLMService, cache: Any, *,
                    streams: MediaStreams, batch_size: int = CALLS_IN_FLIGHT, use_batch_api: bool = False,
                    poll_s: float = 30.0) -> StageResult:
    """A 2-3 sentence summary per chunk (keyframes attached only where the picture matters);
    ``streams``: the picture and sound tracks the probe found (what the naive baseline sends)."""
    t0 = time.perf_counter()
    df = summarize_chunks(service, plan_chunks(chunks, scenes, streams=streams), batch_size=batch_size,
                          use_batch_api=use_batch_api, poll_s=poll_s)
    cache.store_summaries(service.video_id, l3_rows(df))
    records = service.ledger.records
    return StageResult(df, {
        **spend_metrics(records, time.perf_counter() - t0),
        "chunks_with_images": int((df["n_images"] > 0).sum()),
        "preview": Markdown(df[["chunk_id", "summary", "backend", "cost_usd"]].head(PREVIEW_ROWS).to_markdown(index=False)),
    }, tags=backend_tags(records))


def video_summary(chunk_summaries: pd.DataFrame, on_screen_text: pd.DataFrame, service: LLMService, cache: Any, *,
                  use_batch_api: bool = False, poll_s: float = 30.0) -> StageResult:
    """The video's overview and its chapters ({start, title}, starts snapped to chunk starts);
    a chapter under one slide for most of its time takes that slide's title."""
    t0 = time.perf_counter()
    summary, chapters, answer = summarize_video(service, chunk_summaries, use_batch_api=use_batch_api, poll_s=poll_s)
    end = float(chunk_summaries["end"].max()) if len(chunk_summaries) else 0.0
    chapters = titled_by_slides(chapters, on_screen_text, end)
    cache.store_summaries(service.video_id, l3_rows(chunk_summaries) + [
        {"text": summary, "start": 0.0, "end": end, "chunk_id": -1}])
    r = answer.record
    df = pd.DataFrame([{
        "video_id": service.video_id, "summary": summary, "chapters": chapters, "cost_usd": r.cost_usd,
        "backend": r.backend, "model": r.model, "input_tokens": r.input_tokens,
        "cached_tokens": r.cached_tokens, "output_tokens": r.output_tokens, "cache_tier": r.cache_tier,
    }])
    records = service.ledger.records
    return StageResult(df, {
        **spend_metrics(records, time.perf_counter() - t0),
        "chapters": len(chapters),
        "summary": Markdown(summary + "\n\n" + "\n".join(f"- {clock(c['start'])} {c['title']}" for c in chapters)),
    }, tags=backend_tags(records))

"""LLM assets: `chunk_summaries` and `video_summary` (summary + timed chapters).

Calls go through GeminiResource (Gemini, or the local backend when no key is set) and the
cache resource; every call lands in the ledger store that `cost_ledger` reads. They share the
"gemini" concurrency pool so runs across videos respect one API quota.
"""


import time

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from halo.ids import validate_video_id
from halo.llm.gemini import env_api_key
from halo.llm.ledger import records_frame, summarize_costs
from halo.llm.prompts import clock
from halo.llm.summarize import plan_chunks, summarize_chunks, summarize_video
from halo_assets.partitions import videos_partitions
from halo_resources.cache import CacheResource
from halo_resources.gemini import GeminiResource

PREVIEW_ROWS = 10
# What the LLM assets will run on, as the code location sees it when it loads (the UI shows it as
# the assets' kind); each materialization's `halo/backend` tag records what really answered.
LLM_KIND = "gemini" if env_api_key() else "local-llm"


def backend_tags(records: list) -> dict[str, str]:
    """The backends that really answered this materialization (gemini, local, cache)."""
    return {"halo/backend": "-".join(sorted({r.backend for r in records})) or "none"}  # tag values: [A-Za-z0-9_.-]


def spend_metadata(records: list, seconds: float, rows: int) -> dict:
    """The numbers a user audits on every spending asset."""
    totals = summarize_costs(records_frame(records))
    models = sorted({r.model for r in records})
    return {
        "dagster/row_count": rows,
        **totals,
        "backend": ", ".join(sorted({r.backend for r in records})) or "none",
        "models": ", ".join(models) or "none",
        "processing_s": round(seconds, 3),
    }


def l3_rows(chunk_summaries: pd.DataFrame) -> list[dict]:
    """Chunk summaries as the cache's L3 fallback rows."""
    return [{"text": r.summary, "start": r.start, "end": r.end, "chunk_id": int(r.chunk_id)}
            for r in chunk_summaries.itertuples(index=False)]


@asset(partitions_def=videos_partitions, group_name="llm", kinds={LLM_KIND}, pool="gemini")
def chunk_summaries(
    context: AssetExecutionContext,
    chunks: pd.DataFrame,
    scenes: pd.DataFrame,
    gemini: GeminiResource,
    cache: CacheResource,
) -> MaterializeResult:
    """A 2-3 sentence summary per chunk (keyframes attached only where the picture matters)."""
    video_id = validate_video_id(context.partition_key)
    t0 = time.perf_counter()
    tiered = cache.get_cache()
    service = gemini.service(video_id, "chunk_summaries", context.run_id, tiered)
    tasks = plan_chunks(chunks, scenes)
    df = summarize_chunks(service, tasks, batch_size=gemini.batch_size,
                          use_batch_api=gemini.batch_mode(context.run.tags), poll_s=gemini.batch_poll_s)
    tiered.store_summaries(video_id, l3_rows(df))
    meta = spend_metadata(service.ledger.records, time.perf_counter() - t0, len(df))
    meta["chunks_with_images"] = int((df["n_images"] > 0).sum())
    meta["preview"] = MetadataValue.md(df[["chunk_id", "summary", "backend", "cost_usd"]].head(PREVIEW_ROWS).to_markdown(index=False))
    return MaterializeResult(value=df, metadata=meta, tags=backend_tags(service.ledger.records))


@asset(partitions_def=videos_partitions, group_name="llm", kinds={LLM_KIND}, pool="gemini")
def video_summary(
    context: AssetExecutionContext,
    chunk_summaries: pd.DataFrame,
    gemini: GeminiResource,
    cache: CacheResource,
) -> MaterializeResult:
    """The video's overview and its chapters ({start, title}, starts snapped to chunk starts)."""
    video_id = validate_video_id(context.partition_key)
    t0 = time.perf_counter()
    tiered = cache.get_cache()
    service = gemini.service(video_id, "video_summary", context.run_id, tiered)
    summary, chapters, answer = summarize_video(service, chunk_summaries, use_batch_api=gemini.batch_mode(context.run.tags),
                                                poll_s=gemini.batch_poll_s)
    end = float(chunk_summaries["end"].max()) if len(chunk_summaries) else 0.0
    tiered.store_summaries(video_id, l3_rows(chunk_summaries) + [
        {"text": summary, "start": 0.0, "end": end, "chunk_id": -1}])
    r = answer.record
    df = pd.DataFrame([{
        "video_id": video_id, "summary": summary, "chapters": chapters, "cost_usd": r.cost_usd,
        "backend": r.backend, "model": r.model, "input_tokens": r.input_tokens,
        "cached_tokens": r.cached_tokens, "output_tokens": r.output_tokens, "cache_tier": r.cache_tier,
    }])
    meta = spend_metadata(service.ledger.records, time.perf_counter() - t0, 1)
    meta["chapters"] = len(chapters)
    meta["summary"] = MetadataValue.md(summary + "\n\n" + "\n".join(
        f"- {clock(c['start'])} {c['title']}" for c in chapters))
    return MaterializeResult(value=df, metadata=meta, tags=backend_tags(service.ledger.records))

"""LLM assets: `chunk_summaries` and `video_summary` (summary + timed chapters).

Calls go through GeminiResource (Gemini, or the local backend when no key is set) and the
cache resource; every call lands in the ledger store that `cost_ledger` reads. They share the
"gemini" concurrency pool so runs across videos respect one API quota.
"""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, asset

from halo.ids import validate_video_id
from halo.llm.baseline import probed_streams
from halo.llm.gemini import env_api_key
from halo.stages import llm
from halo.store import local_keyframes
from halo_assets.metadata import materialize
from halo_assets.partitions import videos_partitions
from halo_resources.cache import CacheResource
from halo_resources.gemini import GeminiResource

# What the LLM assets will run on, as the code location sees it when it loads (the UI shows it as
# the assets' kind); each materialization's `halo/backend` tag records what really answered.
LLM_KIND = "gemini" if env_api_key() else "local-llm"


@asset(partitions_def=videos_partitions, group_name="llm", kinds={LLM_KIND}, pool="gemini")
def chunk_summaries(context: AssetExecutionContext, chunks: pd.DataFrame, scenes: pd.DataFrame,
                    video_file: pd.DataFrame, gemini: GeminiResource, cache: CacheResource) -> MaterializeResult:
    """A 2-3 sentence summary per chunk (keyframes attached only where the picture matters).
    Reads the probe (video_file) for whether the file has a picture and sound at all: the naive
    baseline sends only what it has (an audio-only file its sound, a silent video its frames)."""
    video_id = validate_video_id(context.partition_key)
    tiered = cache.get_cache()
    result = llm.chunk_summaries(
        chunks, local_keyframes(video_id, scenes), gemini.service(video_id, "chunk_summaries", context.run_id, tiered), tiered,
        streams=probed_streams(video_file), batch_size=gemini.batch_size, use_batch_api=gemini.batch_mode(context.run.tags), poll_s=gemini.batch_poll_s)
    return materialize("chunk_summaries", result)


@asset(partitions_def=videos_partitions, group_name="llm", kinds={LLM_KIND}, pool="gemini")
def video_summary(context: AssetExecutionContext, chunk_summaries: pd.DataFrame, on_screen_text: pd.DataFrame,
                  gemini: GeminiResource, cache: CacheResource) -> MaterializeResult:
    """The video's overview and its chapters ({start, title}, starts snapped to chunk starts);
    a chapter under one slide for most of its time takes that slide's title."""
    video_id = validate_video_id(context.partition_key)
    tiered = cache.get_cache()
    result = llm.video_summary(
        chunk_summaries, on_screen_text, gemini.service(video_id, "video_summary", context.run_id, tiered), tiered,
        use_batch_api=gemini.batch_mode(context.run.tags), poll_s=gemini.batch_poll_s)
    return materialize("video_summary", result)

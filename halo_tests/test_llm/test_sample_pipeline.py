"""The whole pipeline on the bundled sample with no API key: every asset from video_file to
cost_ledger materializes, the LLM assets on the local backend at $0."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from halo import registry
from halo.chunking.chapters import MIN_CHAPTERS
from halo.paths import samples_dir
from halo.store import parquet_root
from halo_assets.definitions import ASSETS
from halo_resources.cache import CacheResource
from halo_resources.environments import get_resources


@pytest.mark.slow
def test_sample_pipeline_offline(data_root, no_key_env, fresh_redis):
    video = data_root / "videos" / "meeting.mp4"
    video.parent.mkdir(parents=True)
    shutil.copy(samples_dir() / "meeting.mp4", video)
    entry, _ = registry.register(video)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    partitioned = [a for a in ASSETS if getattr(a, "partitions_def", None) is not None]
    resources = {**get_resources("local"), "cache": CacheResource(redis_url=fresh_redis)}
    result = materialize(partitioned, partition_key=entry.video_id, instance=instance, resources=resources)
    assert result.success
    chunks = pd.read_parquet(parquet_root() / "chunks" / f"{entry.video_id}.parquet")
    cs = pd.read_parquet(parquet_root() / "chunk_summaries" / f"{entry.video_id}.parquet")
    assert len(cs) == len(chunks) > 1 and set(cs["backend"]) == {"local"}
    vs = pd.read_parquet(parquet_root() / "video_summary" / f"{entry.video_id}.parquet")
    chapters = [c["start"] for c in vs.iloc[0]["chapters"]]  # topic chapters of whole chunks
    assert set(chapters) <= set(chunks["start"]) and len(chapters) == min(len(chunks), MIN_CHAPTERS)
    ledger = pd.read_parquet(parquet_root() / "cost_ledger" / f"{entry.video_id}.parquet")
    assert len(ledger) == len(chunks) + 1 and ledger["cost_usd"].sum() == 0
    assert ledger["naive_tokens"].sum() > 0

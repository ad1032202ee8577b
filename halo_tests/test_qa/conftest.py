"""Fixtures for Q&A tests: the bundled sample processed once per session (offline, ~1-2 min),
and per-test data roots holding a copy of the processed outputs. The redis-server and Gemini
REST server fixtures are the LLM tests' own (imported, not rewritten)."""

from __future__ import annotations

import shutil

import pytest
from dagster import DagsterInstance, materialize

from halo.cache import CacheConfig, TieredCache
from halo_tests.test_llm.conftest import (  # noqa: F401 - fixtures shared with the LLM tests
    fresh_redis, gemini_env, gemini_server, no_key_env, redis_url,
)

VIDEO_ID = "meeting"
KEY_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL")


@pytest.fixture(scope="session")
def processed_sample_root(tmp_path_factory, redis_url):
    """A data root where the bundled sample went through the whole pipeline (local backend)."""
    from halo import registry
    from halo.paths import samples_dir
    from halo_assets.definitions import ASSETS
    from halo_resources.cache import CacheResource
    from halo_resources.environments import get_resources

    root = tmp_path_factory.mktemp("qa-sample") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HALO_DATA_DIR", str(root))
        for name in KEY_VARS:
            mp.delenv(name, raising=False)
        video = root / "videos" / "meeting.mp4"
        video.parent.mkdir(parents=True)
        shutil.copy(samples_dir() / "meeting.mp4", video)
        entry, _ = registry.register(video)
        assert entry.video_id == VIDEO_ID
        instance = DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("videos", [VIDEO_ID])
        partitioned = [a for a in ASSETS if getattr(a, "partitions_def", None) is not None]
        resources = {**get_resources("local"), "cache": CacheResource(redis_url=redis_url)}
        assert materialize(partitioned, partition_key=VIDEO_ID, instance=instance, resources=resources).success
    return root


@pytest.fixture
def sample_root(processed_sample_root, data_root):
    """This test's own data root with the processed sample's outputs and registry (no ledger, no sessions)."""
    for item in processed_sample_root.iterdir():
        if item.name in ("ledger", "qa", "cache", "dagster", "media", "videos"):
            continue
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, data_root / item.name)
    return data_root


@pytest.fixture
def cache(fresh_redis):
    tiered = TieredCache(CacheConfig(redis_url=fresh_redis))
    yield tiered
    tiered.close()

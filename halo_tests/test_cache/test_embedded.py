"""The embedded redis-server: started by HALO under data/cache, reused, persisted, loopback only."""

from __future__ import annotations

import contextlib

import pytest

from halo.cache import CacheConfig, TieredCache
from halo.cache.redis_server import ensure_embedded_redis, running_embedded, stop_embedded_redis
from halo_tests.test_cache.conftest import KW, META


@pytest.fixture
def embedded(data_root):
    yield data_root / "cache"
    stop_embedded_redis(data_root / "cache")


def test_embedded_server_is_reused_and_loopback_only(embedded):
    first = ensure_embedded_redis()
    second = ensure_embedded_redis()
    assert first == second and first.data_dir == embedded
    import redis

    with contextlib.closing(redis.Redis.from_url(first.url)) as client:
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        assert client.config_get("dir")["dir"] == str(embedded)
        assert client.config_get("appendonly")["appendonly"] == "yes"


def test_entries_survive_a_restart_of_the_embedded_server(embedded):
    cache = TieredCache(CacheConfig(redis_url="", reconnect_interval_s=0.0))
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    cache.store_summaries("meeting", [{"text": "Laura opens the meeting.", "start": 0, "end": 9, "chunk_id": 0}])
    pid = running_embedded().pid
    assert stop_embedded_redis() is True
    assert running_embedded() is None
    assert (embedded / "halo.aof").stat().st_size > 0

    fresh = TieredCache(CacheConfig(redis_url=""))  # a later run: starts the server again
    assert fresh.lookup("meeting", "Who chaired the meeting?", semantic=False, **KW).answer == "Laura."
    assert fresh.lookup("meeting", "Who was chairing the meeting?", **KW).tier == "l2"
    assert fresh.fallback("meeting", "who opened it?").meta["chunk_id"] == 0
    assert running_embedded().pid != pid
    # The first cache object notices the old server is gone and reconnects to the new one.
    assert cache.lookup("meeting", "Who chaired the meeting?", **KW).answer == "Laura."
    cache.close()
    fresh.close()


def test_a_copied_data_folder_gets_its_own_server(embedded, tmp_path):
    """A data folder copied while its server runs carries the state file along; the copy must
    neither use the original's server (its cached answers) nor stop it."""
    import shutil

    original = ensure_embedded_redis()
    copy = tmp_path / "copy" / "cache"
    shutil.copytree(embedded, copy)
    try:
        assert running_embedded(copy) is None
        assert stop_embedded_redis(copy) is False
        assert running_embedded() == original  # the original's server is untouched
        own = ensure_embedded_redis(copy)
        assert own.port != original.port and own.data_dir == copy
    finally:
        stop_embedded_redis(copy)
    assert running_embedded() == original

"""CacheResource inside a real Dagster run, and its registration in get_resources."""

from __future__ import annotations

from dagster import DagsterInstance, asset, materialize

from halo_resources.cache import CacheResource
from halo_resources.environments import get_resources
from halo_tests.test_cache.conftest import KW, META


def test_cache_resource_in_an_asset(redis_url):
    seen: dict = {}

    @asset
    def answers(cache: CacheResource) -> None:
        tiered = cache.get_cache()
        assert tiered is cache.get_cache()
        tiered.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
        seen["l1"] = tiered.lookup("meeting", "Who chaired the meeting?", **KW)
        seen["l2"] = tiered.lookup("meeting", "Who was chairing the meeting?", **KW)
        seen["stats"] = tiered.stats()

    result = materialize([answers], instance=DagsterInstance.ephemeral(),
                         resources={"cache": CacheResource(redis_url=redis_url, l1_max_size=50)})
    assert result.success
    assert seen["l1"].tier == "l1" and seen["l2"].tier == "l2"
    assert seen["stats"]["l1"]["max_size"] == 50 and seen["stats"]["l2"]["hits"] == 1


def test_get_resources_uses_redis_url_env(monkeypatch, redis_url):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert get_resources("local")["cache"].redis_url == ""
    monkeypatch.setenv("REDIS_URL", redis_url)
    resource = get_resources("local")["cache"]

    @asset
    def probe(cache: CacheResource) -> None:
        assert cache.redis_url == redis_url
        assert cache.get_cache().stats()["available"] is True

    assert materialize([probe], instance=DagsterInstance.ephemeral(), resources={"cache": resource}).success

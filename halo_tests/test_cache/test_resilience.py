"""Redis dies mid-run: the cache degrades to "uncached" with one warning, then recovers."""

from __future__ import annotations

import logging

from halo_tests.test_cache.conftest import KW, META


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and r.name.startswith("halo.cache")]


def test_killed_server_degrades_with_one_warning_and_recovers(make_cache, redis_server, caplog):
    cache = make_cache()
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    assert cache.lookup("meeting", "Who chaired the meeting?", **KW).answer == "Laura."
    # Make the entry durable on disk (AOF fsyncs every second; a crash may lose the last one).
    redis_server.client().save()

    redis_server.kill()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="halo.cache"):
        for i in range(5):  # a pipeline keeps calling: nothing raises, nothing is cached
            assert cache.lookup("meeting", "Who chaired the meeting?", **KW) is None
            assert cache.lookup("meeting", f"question {i}?", **KW) is None
            cache.store("meeting", f"question {i}?", f"answer {i}", meta=META, **KW)
        assert cache.fallback("meeting", "budget?") is None
        assert cache.stats() == {"available": False, "redis": cache.url}
    warnings = _warnings(caplog)
    assert sum("during lookup" in w for w in warnings) == 1
    assert sum("during store" in w for w in warnings) == 1
    assert all("127.0.0.1" in w for w in warnings)

    redis_server.start()  # same port, same data directory
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="halo.cache"):
        hit = cache.lookup("meeting", "Who chaired the meeting?", **KW)
    assert hit is not None and hit.answer == "Laura."  # persisted entry, reconnected client
    assert any("reachable again" in r.getMessage() for r in caplog.records)
    cache.store("meeting", "question 9?", "answer 9", meta=META, **KW)
    assert cache.lookup("meeting", "question 9?", **KW).answer == "answer 9"
    assert cache.stats()["available"] is True


def test_unreachable_url_from_the_start_never_raises(make_cache, caplog):
    from halo.cache.redis_server import free_loopback_port

    cache = make_cache(redis_url=f"redis://127.0.0.1:{free_loopback_port()}/0")
    with caplog.at_level(logging.WARNING, logger="halo.cache"):
        assert cache.lookup("meeting", "Who chaired the meeting?", **KW) is None
        cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
        cache.store_summaries("meeting", [{"text": "x", "start": 0, "end": 1, "chunk_id": 0}])
        assert cache.clear() == 0
    assert len(_warnings(caplog)) == 4  # one per operation kind


def test_password_protected_server(password_redis_server, make_cache, caplog):
    good = make_cache(redis_url=password_redis_server.url)
    good.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    assert good.lookup("meeting", "Who chaired the meeting?", **KW).answer == "Laura."
    assert "s3cret" not in good.url and "s3cret" not in str(good.stats())

    wrong = make_cache(redis_url=f"redis://:wrong@127.0.0.1:{password_redis_server.port}/0")
    with caplog.at_level(logging.WARNING, logger="halo.cache"):
        assert wrong.lookup("meeting", "Who chaired the meeting?", **KW) is None
    assert _warnings(caplog) and not any("s3cret" in w or "wrong" in w for w in _warnings(caplog))

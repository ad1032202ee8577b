"""Fixtures for LLM tests: a local Gemini REST server, a real redis-server, the key in the env."""

from __future__ import annotations

import pytest

from halo.cache.redis_server import free_loopback_port, start_redis_server
from halo_tests.gemini_server import GeminiServer

API_KEY = "AIzaSy-HALO-TEST-SECRET-9f8e7d6c5b4a"


@pytest.fixture
def gemini_server():
    server = GeminiServer(timeout_sleep_s=2.0).start()
    yield server
    server.stop()


@pytest.fixture
def gemini_env(gemini_server, monkeypatch):
    """The key and endpoint as a user sets them: GEMINI_API_KEY + GOOGLE_GEMINI_BASE_URL."""
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", API_KEY)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", gemini_server.base_url)
    return gemini_server


@pytest.fixture
def no_key_env(monkeypatch):
    for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    port = free_loopback_port()
    proc = start_redis_server(tmp_path_factory.mktemp("llm-redis"), port, detach=False)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def fresh_redis(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.close()
    return redis_url

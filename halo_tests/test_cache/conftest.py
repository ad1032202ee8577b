"""A real redis-server per test session, on a free loopback port (never fakeredis).

The server runs the same binary and persistence settings as the embedded one
(halo.cache.redis_server.start_redis_server), in a temporary directory. Tests that kill it
restart it on the same port with ``server.restart()``.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import redis

from halo.cache import CacheConfig, TieredCache
from halo.cache.redis_server import free_loopback_port, start_redis_server


@dataclass
class RedisUnderTest:
    directory: Path
    port: int
    password: str = ""
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = start_redis_server(self.directory, self.port, password=self.password, detach=False)

    def kill(self) -> None:
        """SIGKILL: the server dies as in a crash (no final save)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM: a clean shutdown (Redis saves RDB/AOF first)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password or None)


def _server(tmp_path_factory, name: str, password: str = ""):
    server = RedisUnderTest(tmp_path_factory.mktemp(name), free_loopback_port(), password)
    server.start()
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = _server(tmp_path_factory, "redis")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def password_redis_server(tmp_path_factory):
    server = _server(tmp_path_factory, "redis-auth", password="s3cret-test-pw")
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """The session server, emptied for this test (restarted first if a test left it dead)."""
    if redis_server.proc is None or redis_server.proc.poll() is not None:
        redis_server.start()
    with contextlib.closing(redis_server.client()) as client:
        client.flushall()
    return redis_server.url


@pytest.fixture
def make_cache(redis_url):
    """Build TieredCaches on the test server (real MiniLM embeddings)."""
    caches: list[TieredCache] = []

    def make(**overrides) -> TieredCache:
        cfg = CacheConfig(redis_url=overrides.pop("redis_url", redis_url), reconnect_interval_s=0.0,
                          **overrides)
        cache = TieredCache(cfg)
        caches.append(cache)
        return cache

    yield make
    for cache in caches:
        cache.close()


META = {"model": "gemini-2.5-flash", "input_tokens": 1200, "output_tokens": 80, "cost_usd": 0.00056}
KW = {"model": "gemini-2.5-flash", "prompt_version": "qa-v1"}


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)

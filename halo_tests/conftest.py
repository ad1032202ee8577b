"""Shared fixtures. Each test gets its own data root, so tests never touch data/ or each other."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def stop_embedded_redis_servers(tmp_path_factory):
    """The embedded redis-server outlives the process that starts it (a warm cache for the next
    run); in tests that would leave one server per test data root, so stop them all at the end."""
    yield
    from halo.cache.redis_server import STATE_FILE, stop_embedded_redis

    for state in tmp_path_factory.getbasetemp().rglob(STATE_FILE):
        stop_embedded_redis(state.parent)


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    """A private HALO_DATA_DIR for one test."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("HALO_DATA_DIR", str(root))
    return root

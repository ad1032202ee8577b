"""HALO_ENV really switches resource sets: local, ci (never spends), prod (services required)."""

from __future__ import annotations

import pytest

from halo.errors import HaloError
from halo.store import parquet_root
from halo_resources.environments import get_resources

SERVICES = ("REDIS_URL", "HALO_STORAGE_ROOT", "GOOGLE_API_KEY", "GEMINI_API_KEY")


@pytest.fixture
def clean_env(monkeypatch):
    for name in SERVICES + ("HALO_ENV",):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_local_uses_a_key_when_one_is_set(clean_env):
    assert get_resources("local")["gemini"].backend == "local"
    clean_env.setenv("GEMINI_API_KEY", "k")
    assert get_resources("local")["gemini"].backend == "gemini"


def test_ci_never_calls_gemini_even_with_a_key(clean_env):
    clean_env.setenv("GEMINI_API_KEY", "k")
    clean_env.setenv("HALO_ENV", "ci")
    resources = get_resources()
    assert resources["gemini"].backend == "local" and resources["cache"].redis_url == ""


def test_prod_requires_every_shared_service(clean_env):
    clean_env.setenv("HALO_ENV", "prod")
    with pytest.raises(HaloError, match="REDIS_URL, HALO_STORAGE_ROOT, GEMINI_API_KEY"):
        get_resources()
    clean_env.setenv("REDIS_URL", "redis://cache:6379/0")
    clean_env.setenv("HALO_STORAGE_ROOT", "s3://bucket/halo")
    clean_env.setenv("GOOGLE_API_KEY", "k")
    resources = get_resources()
    assert resources["gemini"].backend == "gemini"
    assert resources["io_manager"].base_path == ""  # the store's parquet root: every output under one root
    assert str(parquet_root()) == "s3://bucket/halo/parquet"


def test_unknown_environment_is_refused(clean_env):
    with pytest.raises(HaloError, match="local, ci, prod"):
        get_resources("staging")

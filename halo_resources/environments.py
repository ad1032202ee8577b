"""One switch for resources by environment (local / ci / prod), not ifs spread over assets.

``HALO_ENV`` picks the set:

- ``local`` (default): works offline; uses a service only when the environment names one
  (REDIS_URL, GEMINI_API_KEY / GOOGLE_API_KEY, HALO_STORAGE_ROOT=s3://..., HF_TOKEN).
- ``ci``: like local, but never calls Gemini or spends money, even if a key is in the
  environment: the LLM is the local backend.
- ``prod``: every shared service must be named (REDIS_URL, a Gemini key, HALO_STORAGE_ROOT);
  a missing one is an error at load time, not a silent fallback to the embedded defaults.
"""

from __future__ import annotations

import os
from typing import Any

from dagster import EnvVar

from halo.cache import TieredCache
from halo.errors import HaloError
from halo_resources.cache import CacheResource
from halo_resources.gemini import GeminiResource
from halo_resources.io_manager import ParquetIOManager
from halo_resources.models import ModelsResource

ENVIRONMENTS = ("local", "ci", "prod")


def get_resources(env: str | None = None) -> dict[str, Any]:
    """Resources for ``env`` (default ``$HALO_ENV`` or "local")."""
    env = env or os.environ.get("HALO_ENV") or "local"
    if env not in ENVIRONMENTS:
        raise HaloError(f"HALO_ENV={env!r} is not a resource set. Fix: set HALO_ENV to one of "
                        f"{', '.join(ENVIRONMENTS)} (or unset it for local).")
    key_var = _gemini_key_var()
    if env == "prod":
        missing = [v for v in ("REDIS_URL", "HALO_STORAGE_ROOT") if not os.environ.get(v)]
        missing += [] if key_var else ["GEMINI_API_KEY"]
        if missing:
            raise HaloError(f"HALO_ENV=prod needs {', '.join(missing)} set (shared Redis, shared "
                            "storage, a Gemini key). Fix: export them, or use HALO_ENV=local.")
    if env == "ci":
        gemini = GeminiResource(use_local=True)
    else:
        gemini = GeminiResource(api_key=EnvVar(key_var)) if key_var else GeminiResource()
    return {
        "io_manager": ParquetIOManager(),  # under halo.store's root: HALO_STORAGE_ROOT or the data root
        "models": ModelsResource(hf_token=EnvVar("HF_TOKEN")) if os.environ.get("HF_TOKEN") else ModelsResource(),
        "cache": CacheResource(redis_url=EnvVar("REDIS_URL"))
        if os.environ.get("REDIS_URL")
        else CacheResource(),
        "gemini": gemini,
    }


def environment_cache() -> TieredCache:
    """The answer cache of ``get_resources()`` (REDIS_URL, else the embedded redis-server), for
    code outside a Dagster run: the CLI's `halo cache`, dropping a video's entries."""
    return get_resources()["cache"].process_config_and_initialize().get_cache()


def _gemini_key_var() -> str:
    """The env var holding the Gemini key, as google-genai picks it (GOOGLE_API_KEY first)."""
    return next((k for k in ("GOOGLE_API_KEY", "GEMINI_API_KEY") if os.environ.get(k)), "")

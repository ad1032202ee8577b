"""One switch for resources by environment (local / ci / prod), not ifs spread over assets.

``HALO_ENV`` picks the set; every set works offline with embedded defaults unless the
environment provides a service (REDIS_URL, GEMINI_API_KEY, HALO_STORAGE_ROOT=s3://...).
"""

from __future__ import annotations

import os
from typing import Any

from dagster import EnvVar

from halo_resources.cache import CacheResource
from halo_resources.gemini import GeminiResource
from halo_resources.io_manager import ParquetIOManager
from halo_resources.models import ModelsResource


def get_resources(env: str | None = None) -> dict[str, Any]:
    """Resources for ``env`` (default ``$HALO_ENV`` or "local")."""
    env = env or os.environ.get("HALO_ENV", "local")
    storage_root = os.environ.get("HALO_STORAGE_ROOT", "")
    return {
        "io_manager": ParquetIOManager(base_path=storage_root),
        "models": ModelsResource(hf_token=EnvVar("HF_TOKEN")) if os.environ.get("HF_TOKEN") else ModelsResource(),
        "cache": CacheResource(redis_url=EnvVar("REDIS_URL"))
        if os.environ.get("REDIS_URL")
        else CacheResource(),
        "gemini": GeminiResource(api_key=EnvVar(k)) if (k := _gemini_key_var()) else GeminiResource(),
    }


def _gemini_key_var() -> str:
    """The env var holding the Gemini key, as google-genai picks it (GOOGLE_API_KEY first)."""
    return next((k for k in ("GOOGLE_API_KEY", "GEMINI_API_KEY") if os.environ.get(k)), "")

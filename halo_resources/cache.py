"""CacheResource: the three-tier answer cache (L1 exact, L2 semantic, L3 summary fallback).

Its fields are halo.cache's CacheConfig (declared once there). ``redis_url`` empty = the embedded
redis-server HALO starts itself under data/cache/ (persisted, shared by every process on the
machine). Set it (``EnvVar("REDIS_URL")``) to use a shared Redis: ``redis://``, ``rediss://``
(TLS) and ``redis://:password@host`` (auth) URLs are passed as they are to redis-py. Assets call
``cache.get_cache()`` and use the TieredCache interface.
"""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import PrivateAttr

from halo.cache import CacheConfig, TieredCache


class CacheResource(ConfigurableResource, CacheConfig):
    """Sizes are entries per tier (L3: summary rows); ttl in seconds, 0 = never expire."""

    _cache: TieredCache | None = PrivateAttr(default=None)

    def config(self) -> CacheConfig:
        return CacheConfig(**{name: getattr(self, name) for name in CacheConfig.model_fields})

    def get_cache(self) -> TieredCache:
        """One TieredCache per resource instance (its FAISS indexes are built once per worker)."""
        if self._cache is None:
            self._cache = TieredCache(self.config())
        return self._cache

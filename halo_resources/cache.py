"""CacheResource: the three-tier answer cache (L1 exact, L2 semantic, L3 summary fallback).

``redis_url`` empty = the embedded redis-server HALO starts itself under data/cache/ (persisted,
shared by every process on the machine). Set it (``EnvVar("REDIS_URL")``) to use a shared Redis:
``redis://``, ``rediss://`` (TLS) and ``redis://:password@host`` (auth) URLs are passed as they
are to redis-py. Assets call ``cache.get_cache()`` and use the TieredCache interface.
"""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from halo.cache import CacheConfig, TieredCache


class CacheResource(ConfigurableResource):
    """Sizes are entries per tier (L3: summary rows); ttl in seconds, 0 = never expire."""

    l1_max_size: int = Field(10_000, description="L1 exact entries kept (LRU beyond)")
    l2_max_size: int = Field(10_000, description="L2 semantic entries kept (LRU beyond)")
    l3_max_size: int = Field(20_000, description="L3 summary rows kept (LRU videos beyond)")
    l2_similarity_threshold: float = Field(
        0.70, description="cosine similarity an L2 candidate needs (the verifier decides after)"
    )
    l2_min_evidence_overlap: float = Field(
        0.3, description="share of retrieved chunks a Q&A question and a cached answer must have in common"
    )
    l2_ivf_min_vectors: int = Field(
        20_000, description="a video's L2 index turns approximate (IVF) from this many vectors; 0 = always exact"
    )
    ttl: int = Field(30 * 24 * 3600, description="seconds an entry lives; 0 = no expiry")
    redis_url: str = Field("", description="'' = embedded redis-server in data/cache; else a Redis URL")

    _cache: TieredCache | None = PrivateAttr(default=None)

    def config(self) -> CacheConfig:
        return CacheConfig(
            l1_max_size=self.l1_max_size,
            l2_max_size=self.l2_max_size,
            l3_max_size=self.l3_max_size,
            l2_similarity_threshold=self.l2_similarity_threshold,
            l2_min_evidence_overlap=self.l2_min_evidence_overlap,
            l2_ivf_min_vectors=self.l2_ivf_min_vectors,
            ttl=self.ttl,
            redis_url=self.redis_url,
        )

    def get_cache(self) -> TieredCache:
        """One TieredCache per resource instance (its FAISS indexes are built once per worker)."""
        if self._cache is None:
            self._cache = TieredCache(self.config())
        return self._cache

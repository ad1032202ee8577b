"""Three-tier answer cache: L1 exact and L2 semantic (FAISS) in Redis, L3 summary fallback.

Use :class:`TieredCache` (see tiered.py for the interface the LLM layer calls).
"""

from halo.optional_imports import REDIS_UNUSED, import_without

import_without("redis", REDIS_UNUSED)  # before any module of the package imports redis

from halo.cache.tiered import CacheConfig, CacheHit, TieredCache  # noqa: E402

__all__ = ["CacheConfig", "CacheHit", "TieredCache"]

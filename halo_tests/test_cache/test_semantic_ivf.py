"""L2 with one large video: past ``l2_ivf_min_vectors`` its index turns IVF (approximate) and
lookups still return the stored question's own answer, in every worker, through eviction.

Synthetic unit vectors stand in for MiniLM (random vectors have no cluster structure, the hard
case for IVF); the limit is lowered to 1000 so the test stays fast.
"""

from __future__ import annotations

import faiss
import numpy as np

from halo.cache import CacheConfig, TieredCache
from halo_tests.test_cache.conftest import KW, META

N = 1500
LIMIT = 1000
DIM = 384


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _question(i: int) -> str:
    return f"What was said about item {i}?"


WORDINGS = ("So what was said about item {i}?", "Tell me what was said about item {i}?")


def _paraphrase(i: int, wording: int = 0) -> str:
    """Another wording of question i: L1 misses (a fresh wording per round), the guard agrees."""
    return WORDINGS[wording].format(i=i)


def _world():
    rng = np.random.default_rng(7)
    stored = _unit(rng.standard_normal((N, DIM)))
    nearby = _unit(stored + 0.02 * rng.standard_normal((N, DIM)))  # cosine ~0.93 to its question
    vectors = {_question(i): stored[i] for i in range(N)}
    vectors.update({_paraphrase(i, w): nearby[i] for i in range(N) for w in range(len(WORDINGS))})
    vectors["Something nobody asked?"] = _unit(rng.standard_normal(DIM))
    vectors["What was said about the budget?"] = _unit(rng.standard_normal(DIM))
    return vectors


def _cache(redis_url: str, vectors: dict, **overrides) -> TieredCache:
    cfg = CacheConfig(redis_url=redis_url, reconnect_interval_s=0.0, l1_max_size=10_000,
                      l2_max_size=10_000, l2_ivf_min_vectors=LIMIT)
    for name, value in overrides.items():
        setattr(cfg, name, value)
    return TieredCache(cfg, embedder=lambda texts: np.vstack([vectors[t] for t in texts]))


def _answers(cache: TieredCache, items, wording: int = 0) -> dict[int, str | None]:
    out = {}
    for i in items:
        hit = cache.lookup("meeting", _paraphrase(i, wording), **KW)
        assert hit is None or hit.tier == "l2", hit
        out[i] = None if hit is None else hit.answer
    return out


def test_large_video_uses_ivf_and_returns_the_exact_answers(redis_url):
    vectors = _world()
    writer = _cache(redis_url, vectors)
    for i in range(N):
        writer.store("meeting", _question(i), f"answer {i}", meta=META, **KW)
    local = writer.l2.sync("meeting")
    assert local.approximate and isinstance(local.index, faiss.IndexIVFFlat)
    assert local.index.ntotal == N and local.trained_on >= LIMIT

    sample = list(range(0, N, 5))
    assert _answers(writer, sample) == {i: f"answer {i}" for i in sample}
    assert writer.lookup("meeting", "Something nobody asked?", **KW) is None

    reader = _cache(redis_url, vectors)  # another worker: builds its index from Redis alone
    assert reader.rebuild_semantic_index() == N
    assert reader.l2.sync("meeting").approximate
    sample = list(range(1, N, 5))
    assert _answers(reader, sample) == {i: f"answer {i}" for i in sample}
    writer.close()
    reader.close()


def test_eviction_reaches_the_ivf_index_and_shrinking_goes_back_to_exact(redis_url):
    vectors = _world()
    writer = _cache(redis_url, vectors, l2_max_size=1200)
    reader = _cache(redis_url, vectors)
    for i in range(1200):
        writer.store("meeting", _question(i), f"answer {i}", meta=META, **KW)
    assert reader.rebuild_semantic_index() == 1200 and reader.l2.sync("meeting").approximate
    for i in range(1200, N):
        writer.store("meeting", _question(i), f"answer {i}", meta=META, **KW)
    assert writer.l2.size() == 1200  # LRU: the first 300 questions were evicted
    local = reader.l2.sync("meeting")  # 300 removed from the reader's IVF index, 300 added
    assert local.approximate and local.index.ntotal == 1200
    sample = list(range(0, N, 7))
    assert _answers(reader, sample) == {i: (f"answer {i}" if i >= 300 else None) for i in sample}

    shrinker = _cache(redis_url, vectors, l2_max_size=400)
    shrinker.store("meeting", "What was said about the budget?",
                   "Twelve euros fifty.", meta=META, **KW)
    local = reader.l2.sync("meeting")  # 400 < LIMIT / 2: exact again
    assert not local.approximate and isinstance(local.index, faiss.IndexIDMap)
    assert local.index.ntotal == 400
    client = reader._client
    kept = {client.hget(f"halo:cache:l2:e:{entry_id.decode()}", "question").decode()
            for entry_id in client.smembers("halo:cache:l2:v:meeting")}
    sample = list(range(300, N, 3))
    expected = {i: (f"answer {i}" if _question(i) in kept else None) for i in sample}
    assert 100 < sum(a is not None for a in expected.values()) < len(sample)
    assert _answers(reader, sample, wording=1) == expected
    for cache in (writer, reader, shrinker):
        cache.close()

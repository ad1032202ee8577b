"""L3: answer from a video's stored chunk / video summaries when the LLM cannot be asked.

When Gemini fails or the budget is spent, a question still deserves the best answer HALO already
paid for: the summary of the part of the video that matches the question. Summaries (with their
embeddings) live in Redis per video, so every worker can answer from them; retrieval is cosine
similarity between the question and each summary. The hit is marked as a fallback (tier "l3",
``meta["fallback"] = True``, with the time span it came from) so callers and users know it is not
a fresh answer to the exact question.

Size bound: ``max_size`` summary rows across all videos; whole videos are evicted, least
recently used first (a video's summaries are only useful together).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import numpy as np
import redis

log = logging.getLogger(__name__)

PREFIX = "halo:cache:l3"
LRU_KEY = f"{PREFIX}:lru"
SIZES_KEY = f"{PREFIX}:sizes"
TOP_N = 3


@dataclass
class SummaryMatch:
    text: str
    similarity: float
    item: dict
    sources: list[dict]


def _video_key(video_id: str) -> str:
    return f"{PREFIX}:v:{video_id}"


class SummaryStore:
    """Per-video summaries + vectors in Redis, retrieved by cosine similarity."""

    def __init__(self, client: redis.Redis, max_size: int, ttl: int) -> None:
        self.client = client
        self.max_size = max_size
        self.ttl = ttl

    def put(self, video_id: str, summaries: list[dict], vectors: np.ndarray) -> int:
        """Replace the summaries of ``video_id``; returns how many rows of other videos were evicted."""
        if len(summaries) > self.max_size:
            log.warning("video %s has %d summaries, more than the L3 bound %d: keeping the first %d",
                        video_id, len(summaries), self.max_size, self.max_size)
            summaries, vectors = summaries[: self.max_size], vectors[: self.max_size]
        items = [{"text": str(s.get("text", "")), "start": s.get("start"), "end": s.get("end"),
                  "chunk_id": s.get("chunk_id")} for s in summaries]
        key = _video_key(video_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(key)
        pipe.hset(key, mapping={
            "items": json.dumps(items, default=str),
            "vecs": np.ascontiguousarray(vectors, dtype=np.float32).tobytes(),
            "dim": str(vectors.shape[1] if vectors.ndim == 2 else 0),
        })
        if self.ttl > 0:
            pipe.expire(key, self.ttl)
        pipe.zadd(LRU_KEY, {video_id: time.time()})
        pipe.hset(SIZES_KEY, video_id, len(items))
        pipe.execute()
        return self.evict(keep=video_id)

    def evict(self, keep: str | None = None) -> int:
        """Drop least-recently-used videos until at most ``max_size`` rows remain."""
        sizes = {k.decode(): int(v) for k, v in self.client.hgetall(SIZES_KEY).items()}
        total = sum(sizes.values())
        evicted = 0
        if total <= self.max_size:
            return 0
        for member in self.client.zrange(LRU_KEY, 0, -1):
            video = member.decode()
            if total <= self.max_size:
                break
            if video == keep:
                continue
            n = sizes.get(video, 0)
            pipe = self.client.pipeline(transaction=True)
            pipe.unlink(_video_key(video))
            pipe.zrem(LRU_KEY, video)
            pipe.hdel(SIZES_KEY, video)
            pipe.execute()
            total -= n
            evicted += n
        return evicted

    def search(self, video_id: str, vector: np.ndarray) -> SummaryMatch | None:
        """The summary closest to the question (None if the video has none stored)."""
        items_raw, vecs_raw, dim = self.client.hmget(_video_key(video_id), "items", "vecs", "dim")
        if items_raw is None:
            return None
        self.client.zadd(LRU_KEY, {video_id: time.time()}, xx=True)
        items = json.loads(items_raw)
        if not items:
            return None
        vecs = np.frombuffer(vecs_raw, dtype=np.float32).reshape(len(items), int(dim))
        sims = vecs @ np.asarray(vector, dtype=np.float32).reshape(-1)
        order = np.argsort(-sims)[:TOP_N]
        sources = [{**items[i], "similarity": float(sims[i])} for i in order]
        best = int(order[0])
        return SummaryMatch(text=items[best]["text"], similarity=float(sims[best]),
                            item=items[best], sources=sources)

    def size(self, video_id: str | None = None) -> int:
        """Summary rows held, of every video or of ``video_id``."""
        if video_id is not None:
            return int(self.client.hget(SIZES_KEY, video_id) or 0)
        return sum(int(v) for v in self.client.hvals(SIZES_KEY))

    def clear(self, video_id: str | None = None) -> int:
        """Delete the summaries of one video (or all); returns how many rows existed."""
        sizes = {k.decode(): int(v) for k, v in self.client.hgetall(SIZES_KEY).items()}
        videos = list(sizes) if video_id is None else [video_id]
        pipe = self.client.pipeline(transaction=False)
        for video in videos:
            pipe.unlink(_video_key(video))
            pipe.zrem(LRU_KEY, video)
            pipe.hdel(SIZES_KEY, video)
        pipe.execute()
        return sum(sizes.get(v, 0) for v in videos)

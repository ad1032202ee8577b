"""L1: exact-match cache in Redis (normalised question + video + model + prompt version -> answer).

Why explicit LRU bookkeeping instead of Redis' ``maxmemory-policy allkeys-lru``: that policy is
global to the server (and approximate), so it cannot keep *each tier* at its own size bound, and
a shared server (REDIS_URL) may hold other data. Each tier keeps a sorted set member -> last
access time; a store that takes the tier over its bound pops the oldest members (ZPOPMIN is
atomic, so concurrent workers never evict the same entry twice) and deletes their entries.
TTL is a plain Redis EXPIRE on the entry; a member whose entry expired is dropped on its next miss.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import unicodedata
from dataclasses import dataclass

import redis

PREFIX = "halo:cache:l1"
LRU_KEY = f"{PREFIX}:lru"

_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = " \t\n?!.,;:\"'`“”‘’"


def normalise_question(question: str) -> str:
    """Case, width, whitespace and trailing punctuation do not change what is asked."""
    text = unicodedata.normalize("NFKC", question).casefold()
    text = text.replace("’", "'").replace("‘", "'")
    return _SPACES.sub(" ", text).strip(_EDGE_PUNCT)


def exact_key(video_id: str, question: str, model: str, prompt_version: str) -> str:
    """sha256 of everything that makes two answers interchangeable."""
    material = "\x1f".join((normalise_question(question), video_id, model, prompt_version))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass
class ExactEntry:
    answer: str
    meta: dict


def _member(video_id: str, digest: str) -> str:
    return f"{video_id}:{digest}"


def _entry_key(member: str) -> str:
    return f"{PREFIX}:e:{member}"


def _video_key(video_id: str) -> str:
    return f"{PREFIX}:v:{video_id}"


class ExactCache:
    """L1 over one Redis client; bounded by ``max_size`` entries, each living ``ttl`` s (0 = forever)."""

    def __init__(self, client: redis.Redis, max_size: int, ttl: int) -> None:
        self.client = client
        self.max_size = max_size
        self.ttl = ttl

    def get(self, video_id: str, question: str, model: str, prompt_version: str) -> ExactEntry | None:
        member = _member(video_id, exact_key(video_id, question, model, prompt_version))
        pipe = self.client.pipeline(transaction=False)
        pipe.hmget(_entry_key(member), "answer", "meta")
        pipe.zadd(LRU_KEY, {member: time.time()}, xx=True)
        (answer, meta), _ = pipe.execute()
        if answer is None:
            self.client.zrem(LRU_KEY, member)  # expired entry: drop its bookkeeping
            return None
        return ExactEntry(answer=answer.decode("utf-8"), meta=json.loads(meta or b"{}"))

    def put(self, video_id: str, question: str, answer: str, model: str, prompt_version: str,
            meta: dict) -> int:
        """Store one answer; returns how many old entries were evicted to stay in bound."""
        member = _member(video_id, exact_key(video_id, question, model, prompt_version))
        key = _entry_key(member)
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(key, mapping={
            "answer": answer,
            "meta": json.dumps(meta, default=str),
            "question": question,
            "video_id": video_id,
        })
        if self.ttl > 0:
            pipe.expire(key, self.ttl)
        pipe.zadd(LRU_KEY, {member: time.time()})
        pipe.sadd(_video_key(video_id), member)
        pipe.execute()
        return self.evict()

    def evict(self) -> int:
        """Pop least-recently-used entries until the tier holds at most ``max_size``."""
        over = self.client.zcard(LRU_KEY) - self.max_size
        if over <= 0:
            return 0
        victims = [m.decode("utf-8") for m, _ in self.client.zpopmin(LRU_KEY, over)]
        pipe = self.client.pipeline(transaction=False)
        for member in victims:
            pipe.unlink(_entry_key(member))
            pipe.srem(_video_key(member.rsplit(":", 1)[0]), member)
        pipe.execute()
        return len(victims)

    def size(self, video_id: str | None = None) -> int:
        """Entries held, of every video or of ``video_id`` (its set is kept in step with the LRU)."""
        return int(self.client.zcard(LRU_KEY) if video_id is None else self.client.scard(_video_key(video_id)))

    def clear(self, video_id: str | None = None) -> int:
        """Delete the entries of one video (or all); returns how many entries existed."""
        if video_id is None:
            members = [m.decode("utf-8") for m in self.client.zrange(LRU_KEY, 0, -1)]
        else:
            members = [m.decode("utf-8") for m in self.client.smembers(_video_key(video_id))]
        pipe = self.client.pipeline(transaction=False)
        for member in members:
            pipe.unlink(_entry_key(member))
            pipe.zrem(LRU_KEY, member)
        if video_id is None:
            for key in self.client.scan_iter(match=f"{PREFIX}:v:*", count=1000):
                pipe.unlink(key)
        else:
            pipe.unlink(_video_key(video_id))
        pipe.execute()
        return len(members)

"""TieredCache: the one object the LLM layer talks to (L1 exact, L2 semantic, L3 summary fallback).

Interface (used by halo/llm/ and halo_resources/gemini.py)::

    hit = cache.lookup(video_id, query, model=..., prompt_version=..., semantic=True,
                       evidence=(chunk ids retrieved for the question, Q&A only))
    if hit is None:
        cache.last_rejection     # "" or why an L2 candidate was not served (for the ledger row)
        answer, usage = call_llm(...)
        cache.store(video_id, query, answer, model=..., prompt_version=..., evidence=(...),
                    meta={"model": ..., "input_tokens": ..., "output_tokens": ..., "cost_usd": ...})
    # LLM failed or budget spent:
    hit = cache.fallback(video_id, query)          # tier "l3", hit.meta["fallback"] is True
    cache.store_summaries(video_id, [{"text", "start", "end", "chunk_id"}, ...])   # L3 source
    cache.stats(); cache.clear(video_id=None)

- ``lookup`` tries L1 (exact: normalised question + video + model + prompt version), then, if
  ``semantic``, L2 (nearest earlier question of the same video, same model and prompt version,
  cosine >= threshold, then the verifier of halo.cache.guard and the evidence-overlap check of
  halo.cache.semantic must pass). Refused candidates are counted per reason in ``stats()`` as
  ``l2.rejections`` and described by ``last_rejection``. An L2 hit is copied into L1 so repeating
  the same wording is exact next time. Pass ``semantic=False`` for prompts that are not user
  questions (e.g. chunk summaries, where the "query" is the chunk text).
- ``CacheHit.meta`` is what ``store`` got, so tokens and dollars saved are counted from it
  (``input_tokens``, ``output_tokens``, ``cost_usd``); L3 hits carry ``fallback: True``,
  ``start``/``end``/``chunk_id`` of the summary used and the top ``sources``.
- Redis down (refused, timed out, died mid-run): ``lookup``/``fallback`` return None, ``store``
  and ``store_summaries`` do nothing, ``stats`` reports ``available: False``; each operation logs
  ONE warning per outage (logging, not print), never raises. The next call after
  ``reconnect_interval_s`` tries again, so a restarted server is used again (an embedded server
  that died is restarted).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import redis
from pydantic import BaseModel, Field
from redis.backoff import NoBackoff
from redis.retry import Retry

from halo.cache.exact import ExactCache
from halo.cache.redis_server import ensure_embedded_redis
from halo.ids import validate_video_id

if TYPE_CHECKING:  # L2 (FAISS) and L3 import numpy and faiss: loaded on connect, not for an L1 probe's import
    import numpy as np

    from halo.cache.semantic import Rejection, SemanticCache
    from halo.cache.summary import SummaryStore

log = logging.getLogger(__name__)

STATS_KEY = "halo:cache:stats"
TIERS = ("l1", "l2", "l3")
_T = TypeVar("_T")


@dataclass
class CacheHit:
    answer: str
    tier: str  # "l1" | "l2" | "l3"
    meta: dict  # what was stored with it: model, input_tokens, output_tokens, cost_usd, ...
    similarity: float | None = None


REJECTION_PREFIX = "l2_rejected_"


class CacheConfig(BaseModel):
    """Sizes are entry counts per tier (L3: summary rows); ttl in seconds (0 = no expiry).

    Declared once: the cache resource (halo_resources/cache.py) takes its fields from here.
    """

    l1_max_size: int = Field(10_000, description="L1 exact entries kept (LRU beyond)")
    l2_max_size: int = Field(10_000, description="L2 semantic entries kept (LRU beyond)")
    l3_max_size: int = Field(20_000, description="L3 summary rows kept (LRU videos beyond)")
    # Candidates only: the verifier decides. Both fitted on the tuning half (bench_cache.py --sweep).
    l2_similarity_threshold: float = Field(
        0.70, description="cosine similarity an L2 candidate needs (the verifier decides after)")
    l2_min_evidence_overlap: float = Field(
        0.3, description="share of retrieved chunks a Q&A question and a cached answer must have in common")
    l2_ivf_min_vectors: int = Field(
        20_000, description="a video's L2 index turns approximate (IVF) from this many vectors; 0 = always exact")
    ttl: int = Field(30 * 24 * 3600, description="seconds an entry lives; 0 = no expiry")
    redis_url: str = Field("", description="'' = embedded redis-server in data/cache; else a Redis URL")
    reconnect_interval_s: float = Field(1.0, description="seconds between attempts to reach a Redis that is down")
    socket_timeout_s: float = Field(1.0, description="seconds a Redis call may take before the cache is skipped")
    guard: bool = Field(True, description="verify L2 candidates (halo.cache.guard) before serving them")


def connect(url: str, socket_timeout_s: float = 1.0) -> redis.Redis:
    """A client for ``url`` (redis://, rediss:// with TLS, user:password@ for auth, unix://).

    One immediate retry and no backoff: a stale pooled connection after a server restart is
    re-dialled at once, and a dead server costs one refused connect, not seconds of backoff.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=socket_timeout_s,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=0,
    )


def redact_url(url: str) -> str:
    """The URL without its password, for logs and stats."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"


def _embed(texts: list[str]) -> np.ndarray:
    from halo.text.embed import embed_texts  # sentence-transformers loads only when L2/L3 are used

    return embed_texts(texts)


class TieredCache:
    """L1 + L2 + L3 over one Redis; safe to share within a process (one per worker)."""

    def __init__(self, config: CacheConfig | None = None, *,
                 embedder: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self.config = config or CacheConfig()
        self._embed = embedder or _embed
        self._client: redis.Redis | None = None
        self._url = ""
        self._down_since: float | None = None
        self._last_attempt = 0.0
        self._warned: set[str] = set()
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._thread = threading.local()
        self.l1: ExactCache | None = None
        self._l2: SemanticCache | None = None
        self._l3: SummaryStore | None = None

    # -- connection and degradation -----------------------------------------------------------
    @property
    def url(self) -> str:
        return redact_url(self._url)

    @property
    def l2(self) -> SemanticCache | None:
        """L2 over the current connection, made on first use: an exact (L1) probe never loads FAISS."""
        if self._l2 is None and self._client is not None:
            from halo.cache.semantic import SemanticCache

            cfg = self.config
            self._l2 = SemanticCache(self._client, cfg.l2_max_size, cfg.ttl,
                                     cfg.l2_similarity_threshold, guard=cfg.guard,
                                     ivf_min_vectors=cfg.l2_ivf_min_vectors,
                                     min_evidence_overlap=cfg.l2_min_evidence_overlap)
        return self._l2

    @property
    def l3(self) -> SummaryStore | None:
        """L3 over the current connection, made on first use (it imports numpy)."""
        if self._l3 is None and self._client is not None:
            from halo.cache.summary import SummaryStore

            self._l3 = SummaryStore(self._client, self.config.l3_max_size, self.config.ttl)
        return self._l3

    def _connect(self) -> None:
        url = self.config.redis_url or ensure_embedded_redis().url
        if self._client is None or url != self._url:
            if self._client is not None:
                self._client.close()
            self._client = connect(url, self.config.socket_timeout_s)
            self._url = url
            self.l1 = ExactCache(self._client, self.config.l1_max_size, self.config.ttl)
            self._l2 = self._l3 = None
        self._client.ping()

    def _run(self, op: str, fn: Callable[[], _T], default: _T) -> _T:
        """Run ``fn`` against Redis; on a connection failure log once per outage and return default."""
        now = time.monotonic()
        if self._down_since is not None and now - self._last_attempt < self.config.reconnect_interval_s:
            return default
        try:
            if self._client is None or self._down_since is not None:
                self._last_attempt = now
                self._connect()
                if self._down_since is not None:
                    log.info("cache: Redis at %s is reachable again after %.1f s; caching resumes",
                             self.url, now - self._down_since)
                self._down_since = None
                self._warned.clear()
            try:
                return fn()
            except (redis.ConnectionError, redis.TimeoutError):
                if self.config.redis_url:
                    raise
                # Embedded server gone (stopped, crashed): restart it (maybe on a new port) once.
                self._connect()
                return fn()
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            if self._down_since is None:
                self._down_since = now
            self._last_attempt = now
            if op not in self._warned:
                self._warned.add(op)
                log.warning("cache: Redis at %s unavailable during %s (%s); continuing uncached",
                            self.url or "(embedded)", op, type(exc).__name__)
            return default
        except Exception as exc:  # noqa: BLE001 - the cache must never take the pipeline down
            if ("error:" + op) not in self._warned:
                self._warned.add("error:" + op)
                log.warning("cache: %s failed (%s: %s); continuing uncached", op,
                            type(exc).__name__, exc)
            return default

    @property
    def available(self) -> bool:
        return self._run("ping", lambda: True, False)

    def _vector(self, query: str) -> np.ndarray:
        """Embedding of ``query``, remembered briefly so lookup-then-store embeds once."""
        vec = self._vectors.get(query)
        if vec is None:
            vec = self._embed([query])[0]
            self._vectors[query] = vec
            if len(self._vectors) > 256:
                self._vectors.popitem(last=False)
        else:
            self._vectors.move_to_end(query)
        return vec

    def _count(self, video_id: str, fields: dict[str, float]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for key in (STATS_KEY, f"{STATS_KEY}:v:{video_id}"):
            for name, value in fields.items():
                if "usd" in name:
                    pipe.hincrbyfloat(key, name, float(value))
                else:
                    pipe.hincrby(key, name, int(value))
        pipe.execute()

    def _count_hit(self, video_id: str, tier: str, meta: dict) -> None:
        self._count(video_id, {
            f"{tier}_hits": 1,
            "input_tokens_saved": int(meta.get("input_tokens") or 0),
            "output_tokens_saved": int(meta.get("output_tokens") or 0),
            "usd_saved": float(meta.get("cost_usd") or 0.0),
        })

    @property
    def last_rejection(self) -> str:
        """Why this thread's last lookup refused an L2 candidate ("" if it refused none)."""
        return getattr(self._thread, "rejection", "")

    # -- the interface ------------------------------------------------------------------------
    def lookup(self, video_id: str, query: str, *, model: str, prompt_version: str,
               semantic: bool = True, evidence: tuple[int, ...] = ()) -> CacheHit | None:
        """L1, then L2: the stored answer to this question (or a verified paraphrase), else None.

        ``evidence``: chunk ids the question's own retrieval reached (grounding check).
        """
        validate_video_id(video_id)
        self._thread.rejection = ""

        def run() -> CacheHit | None:
            entry = self.l1.get(video_id, query, model, prompt_version)
            if entry is not None:
                self._count_hit(video_id, "l1", entry.meta)
                return CacheHit(answer=entry.answer, tier="l1", meta=entry.meta)
            misses = {"l1_misses": 1}
            if semantic:
                rejected: list[Rejection] = []
                match = self.l2.get(video_id, query, self._vector(query), model, prompt_version,
                                    tuple(evidence), rejected)
                for reason in {r for rej in rejected for r in rej.reasons}:
                    misses[REJECTION_PREFIX + reason] = 1
                if rejected and match is None:
                    self._thread.rejection = rejected[0].note()
                if match is not None:
                    self._count(video_id, misses)
                    self._count_hit(video_id, "l2", match.meta)
                    meta = {**match.meta, "matched_question": match.question}
                    self.l1.put(video_id, query, match.answer, model, prompt_version, meta)
                    return CacheHit(answer=match.answer, tier="l2", meta=meta,
                                    similarity=match.similarity)
                misses["l2_misses"] = 1
            self._count(video_id, misses)
            return None

        return self._run("lookup", run, None)

    def peek(self, video_id: str, query: str, *, model: str, prompt_version: str) -> str | None:
        """The L1 answer to ``query`` if there is one, without counting a hit or a miss: a caller
        that only answers from the cache when it holds more about the answer looks first, and
        then ``lookup``s (counted, as every other lookup) or leaves it to the full path."""
        validate_video_id(video_id)

        def run() -> str | None:
            entry = self.l1.get(video_id, query, model, prompt_version)
            return None if entry is None else entry.answer

        return self._run("peek", run, None)

    def store(self, video_id: str, query: str, answer: str, *, model: str, prompt_version: str,
              meta: dict, semantic: bool = True, evidence: tuple[int, ...] = ()) -> None:
        """Remember an answer in L1 (and L2 unless ``semantic=False``), with the chunk ids it cites."""
        validate_video_id(video_id)
        meta = {"model": model, **meta}

        def run() -> None:
            evicted = {"l1_evictions": self.l1.put(video_id, query, answer, model, prompt_version, meta)}
            if semantic:
                evicted["l2_evictions"] = self.l2.put(video_id, query, self._vector(query), answer,
                                                      model, prompt_version, meta, tuple(evidence))
            self._count(video_id, {"stores": 1, **evicted})

        self._run("store", run, None)

    def store_summaries(self, video_id: str, summaries: list[dict]) -> None:
        """Keep a video's chunk/video summaries ({text, start, end, chunk_id}) for L3 fallback."""
        validate_video_id(video_id)
        rows = [s for s in summaries if str(s.get("text") or "").strip()]

        def run() -> None:
            import numpy as np

            vectors = self._embed([str(s["text"]) for s in rows]) if rows else np.zeros((0, 384), np.float32)
            evicted = self.l3.put(video_id, rows, vectors)
            self._count(video_id, {"summaries_stored": len(rows), "l3_evictions": evicted})

        self._run("store_summaries", run, None)

    def fallback(self, video_id: str, query: str) -> CacheHit | None:
        """L3: the stored summary closest to the question, marked as a fallback (None if none)."""
        validate_video_id(video_id)

        def run() -> CacheHit | None:
            match = self.l3.search(video_id, self._vector(query))
            if match is None:
                self._count(video_id, {"l3_misses": 1})
                return None
            self._count(video_id, {"l3_hits": 1})
            meta = {"fallback": True, "source": "summary", "model": "summary-fallback",
                    "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0,
                    "chunk_id": match.item.get("chunk_id"), "start": match.item.get("start"),
                    "end": match.item.get("end"), "sources": match.sources}
            return CacheHit(answer=match.text, tier="l3", meta=meta, similarity=match.similarity)

        return self._run("fallback", run, None)

    def stats(self, video_id: str | None = None) -> dict[str, Any]:
        """Hits/misses per tier, hit rate, sizes and bounds, tokens and dollars saved; with
        ``video_id``, that video's figures and entries (the bounds stay the whole cache's)."""
        def run() -> dict[str, Any]:
            key = STATS_KEY if video_id is None else f"{STATS_KEY}:v:{validate_video_id(video_id)}"
            raw = {k.decode(): v.decode() for k, v in self._client.hgetall(key).items()}
            out: dict[str, Any] = {"available": True, "redis": self.url}
            for tier in TIERS:
                hits, misses = int(raw.get(f"{tier}_hits", 0)), int(raw.get(f"{tier}_misses", 0))
                out[tier] = {"hits": hits, "misses": misses,
                             "hit_rate": hits / (hits + misses) if hits + misses else 0.0,
                             "evictions": int(raw.get(f"{tier}_evictions", 0))}
            out["l1"].update(size=self.l1.size(video_id), max_size=self.config.l1_max_size)
            out["l2"].update(size=self.l2.size(video_id), max_size=self.config.l2_max_size,
                             threshold=self.config.l2_similarity_threshold,
                             rejections={k.removeprefix(REJECTION_PREFIX): int(v)
                                         for k, v in sorted(raw.items())
                                         if k.startswith(REJECTION_PREFIX)})
            out["l3"].update(size=self.l3.size(video_id), max_size=self.config.l3_max_size)
            lookups = out["l1"]["hits"] + out["l1"]["misses"]
            out["lookups"] = lookups
            out["hit_rate"] = (out["l1"]["hits"] + out["l2"]["hits"]) / lookups if lookups else 0.0
            out["stores"] = int(raw.get("stores", 0))
            out["input_tokens_saved"] = int(raw.get("input_tokens_saved", 0))
            out["output_tokens_saved"] = int(raw.get("output_tokens_saved", 0))
            out["usd_saved"] = round(float(raw.get("usd_saved", 0.0)), 6)
            return out

        return self._run("stats", run, {"available": False, "redis": self.url})

    def knows(self, video_id: str) -> bool:
        """Whether anything of ``video_id`` was ever stored or looked up here: its statistics exist
        (kept by ``clear``). Answers stored but not yet asked for, or summaries a worker elsewhere
        stored (L3), count: lookups alone missed them. False when Redis is unreachable."""
        key = f"{STATS_KEY}:v:{validate_video_id(video_id)}"
        return self._run("knows", lambda: bool(self._client.exists(key)), False)

    def clear(self, video_id: str | None = None, tiers: tuple[str, ...] = TIERS) -> int:
        """Delete cached entries of one video (or all) in ``tiers`` (default every tier); returns
        how many went. Statistics are kept: they are the history of what the cache saved.
        """
        if video_id is not None:
            validate_video_id(video_id)

        def run() -> int:
            return sum(getattr(self, tier).clear(video_id) for tier in tiers)

        return self._run("clear", run, 0)

    def rebuild_semantic_index(self) -> int:
        """Load every video's L2 vectors from Redis into local FAISS indexes now, instead of each
        video's on its first question (a lookup syncs its own video's index either way)."""
        return self._run("rebuild", lambda: self.l2.rebuild_all(), 0)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

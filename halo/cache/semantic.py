"""L2: semantic cache. FAISS finds the nearest earlier question of the same video; Redis keeps
the truth (vector, question, answer, meta) so any worker can rebuild its index.

Layout in Redis (prefix ``halo:cache:l2``):
- ``e:<id>``   hash: video_id, question, answer, meta (json), model, prompt_version, vec (float32)
- ``lru``      sorted set id -> last access time (size bound + LRU order for the whole tier)
- ``v:<video>`` set of ids of one video; ``ver:<video>`` counter bumped on every add/evict/replace
- ``seq``      id generator (ints, so FAISS IndexIDMap can hold them)

Each process holds one FAISS index per video (vectors are L2-normalised, so inner product =
cosine). Before searching, one GET of ``ver:<video>`` tells whether another worker changed that
video; if so the local index is synced incrementally (new ids fetched, gone ids removed).

Which index: most videos hold a few hundred questions, where an exact ``IndexIDMap(IndexFlatIP)``
is the fastest and simplest (100k entries over 100 videos: p99 5.5 ms). A flat scan of 100k
vectors of ONE video is memory-bound (p50 20-26 ms, p99 49-62 ms), so a video whose index reaches
``ivf_min_vectors`` is rebuilt as an ``IndexIVFFlat`` (inner product), trained on that video's
own vectors: ``nlist = 2*sqrt(n)`` lists, ``nprobe = nlist/8`` of them searched (~12% of the
vectors). IVFFlat keeps the full vectors, so the similarities it returns are exact and the
threshold and the verifier decide exactly as before; only recall of the nearest question can
drop (measured on random unit vectors, the worst case as they have no cluster structure: top-1
recall 99.9-100% at 20k-100k vectors, also after 4x growth since training). It supports
``remove_ids``, so LRU eviction stays correct. The index is retrained when the video has grown
4x since training, and goes back to flat below half the limit. bench/bench_cache.py with 100k
questions in one video: p50 1.8 ms, p99 6.4 ms (flat index: p50 20-26 ms, p99 49-62 ms).
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import faiss
import numpy as np
import redis

from halo.cache.guard import verify

log = logging.getLogger(__name__)

# One query at a time is latency-bound: FAISS' OpenMP threads cost ~10 ms per search on a busy
# 2-core machine (measured: p50 12 ms with threads vs 0.7 ms without, 1000 vectors). This is
# process-wide for FAISS, which nothing else in HALO uses.
faiss.omp_set_num_threads(1)

PREFIX = "halo:cache:l2"
LRU_KEY = f"{PREFIX}:lru"
SEQ_KEY = f"{PREFIX}:seq"
TOP_K = 8
DUPLICATE_SIMILARITY = 0.9999
IVF_MIN_VECTORS = 20_000  # a video's index turns approximate (IVF) from this many vectors
IVF_RETRAIN_GROWTH = 4  # retrain when the video holds this many times the vectors trained on
IVF_TRAIN_POINTS_PER_LIST = 64  # k-means sample size per list: training ~2 s at 100k, 1 core


@dataclass(frozen=True)
class Rejection:
    """An L2 candidate above the threshold that the verifier refused, and why."""

    question: str
    similarity: float
    reasons: tuple[str, ...]  # key-fact groups, "roles", "content", "evidence"
    detail: str = ""

    def note(self) -> str:
        """One line for a ledger row / Q&A turn: what was not served and why."""
        extra = f" ({self.detail})" if self.detail else ""
        return (f"cache: L2 answer to {self.question!r} (cosine {self.similarity:.2f}) rejected: "
                f"{', '.join(self.reasons)}{extra}")


def evidence_overlap(a: tuple[int, ...] | frozenset, b: tuple[int, ...] | frozenset) -> float:
    """Shared chunks over the smaller evidence set (1.0 = one set contains the other)."""
    a, b = set(a), set(b)
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


@dataclass
class SemanticMatch:
    answer: str
    meta: dict
    similarity: float
    question: str
    entry_id: int


@dataclass
class _LocalIndex:
    index: faiss.Index  # IndexIDMap(IndexFlatIP), or IndexIVFFlat once the video is large
    ids: set[int] = field(default_factory=set)
    version: int = -1
    trained_on: int = 0  # vectors the IVF index was trained on; 0 = exact flat index

    @property
    def approximate(self) -> bool:
        return self.trained_on > 0


def _entry_key(entry_id: int | str) -> str:
    return f"{PREFIX}:e:{entry_id}"


def _video_key(video_id: str) -> str:
    return f"{PREFIX}:v:{video_id}"


def _version_key(video_id: str) -> str:
    return f"{PREFIX}:ver:{video_id}"


class SemanticCache:
    """L2 over one Redis client; ``threshold`` is the cosine a candidate needs (then the verifier)."""

    def __init__(self, client: redis.Redis, max_size: int, ttl: int, threshold: float,
                 dim: int = 384, guard: bool = True, ivf_min_vectors: int = IVF_MIN_VECTORS,
                 min_evidence_overlap: float = 0.3) -> None:
        self.client = client
        self.ivf_min_vectors = ivf_min_vectors  # 0 = always exact
        self.max_size = max_size
        self.ttl = ttl
        self.threshold = threshold
        self.dim = dim
        self.guard = guard
        self.min_evidence_overlap = min_evidence_overlap
        self._indexes: dict[str, _LocalIndex] = {}

    # -- local FAISS index, kept in step with Redis ------------------------------------------
    def _new_index(self) -> faiss.IndexIDMap:
        return faiss.IndexIDMap(faiss.IndexFlatIP(self.dim))

    def _fit_index(self, local: _LocalIndex) -> None:
        """Switch ``local`` between exact and IVF as the video grows or shrinks (see module doc)."""
        n = local.index.ntotal
        limit = self.ivf_min_vectors
        if not local.approximate:
            if limit > 0 and n >= limit:
                self._rebuild(local, approximate=True)
        elif limit <= 0 or n < limit // 2:
            self._rebuild(local, approximate=False)
        elif n >= IVF_RETRAIN_GROWTH * local.trained_on:
            self._rebuild(local, approximate=True)

    def _rebuild(self, local: _LocalIndex, approximate: bool) -> None:
        ids, vectors = _contents(local.index, self.dim)
        if not approximate:
            index = self._new_index()
            local.trained_on = 0
        else:
            n = len(ids)
            nlist = max(1, int(2 * np.sqrt(n)))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist,
                                       faiss.METRIC_INNER_PRODUCT)
            index.cp.max_points_per_centroid = IVF_TRAIN_POINTS_PER_LIST
            index.cp.niter = 10
            index.nprobe = min(nlist, max(16, nlist // 8))
            t0 = time.perf_counter()
            index.train(vectors)
            log.info("cache: L2 index of %d vectors trained as IVF (%d lists, nprobe %d) in %.1f s",
                     n, nlist, index.nprobe, time.perf_counter() - t0)
            local.trained_on = n
        if len(ids):
            index.add_with_ids(vectors, ids)
        local.index = index

    def sync(self, video_id: str) -> _LocalIndex:
        """Bring the local index of ``video_id`` in line with Redis (cheap when nothing changed)."""
        local = self._indexes.get(video_id)
        version = int(self.client.get(_version_key(video_id)) or 0)
        if local is not None and local.version == version:
            return local
        if local is None:
            local = self._indexes[video_id] = _LocalIndex(index=self._new_index())
        wanted = {int(m) for m in self.client.smembers(_video_key(video_id))}
        gone = local.ids - wanted
        if gone:
            local.index.remove_ids(np.fromiter(gone, dtype=np.int64))
            local.ids -= gone
        new = sorted(wanted - local.ids)
        for start in range(0, len(new), 1000):
            batch = new[start:start + 1000]
            pipe = self.client.pipeline(transaction=False)
            for entry_id in batch:
                pipe.hget(_entry_key(entry_id), "vec")
            vecs, ids = [], []
            for entry_id, raw in zip(batch, pipe.execute()):
                if raw is None:  # expired (TTL) or evicted meanwhile: forget it
                    self.client.srem(_video_key(video_id), entry_id)
                    continue
                vecs.append(np.frombuffer(raw, dtype=np.float32))
                ids.append(entry_id)
            if ids:
                local.index.add_with_ids(np.vstack(vecs), np.asarray(ids, dtype=np.int64))
                local.ids.update(ids)
        self._fit_index(local)
        local.version = version
        return local

    def rebuild_all(self) -> int:
        """Build the local index of every video known to Redis at once (``get`` syncs one video's
        on demand); returns entries."""
        total = 0
        for key in self.client.scan_iter(match=f"{PREFIX}:v:*", count=1000):
            total += len(self.sync(key.decode("utf-8").rsplit(":", 1)[1]).ids)
        return total

    # -- lookup / store -------------------------------------------------------------------------
    def get(self, video_id: str, question: str, vector: np.ndarray, model: str,
            prompt_version: str, evidence: tuple[int, ...] = (),
            rejections: list[Rejection] | None = None) -> SemanticMatch | None:
        """The nearest earlier question that passes the verifier, else None.

        ``evidence``: chunk ids the new question's own retrieval reached; when both it and the
        entry have evidence, they must overlap by ``min_evidence_overlap``. Candidates the
        verifier refused are appended to ``rejections`` when a list is given.
        """
        local = self.sync(video_id)
        if local.index.ntotal == 0:
            return None
        k = min(TOP_K, local.index.ntotal)
        sims, ids = local.index.search(vector.reshape(1, -1).astype(np.float32, copy=False), k)
        candidates = [(float(s), int(i)) for s, i in zip(sims[0], ids[0])
                      if i >= 0 and s >= self.threshold]
        if not candidates:
            return None
        pipe = self.client.pipeline(transaction=False)
        for _, entry_id in candidates:
            pipe.hmget(_entry_key(entry_id), "question", "answer", "meta", "model", "prompt_version",
                       "evidence")
        for (sim, entry_id), row in zip(candidates, pipe.execute()):
            cached_q, answer, meta, row_model, row_pv, row_evidence = row
            if answer is None:
                continue
            if row_model.decode() != model or row_pv.decode() != prompt_version:
                continue
            cached_q = cached_q.decode("utf-8")
            if self.guard:
                verdict = verify(question, cached_q)
                reasons, detail = list(verdict.reasons), verdict.detail
                cited = _parse_evidence(row_evidence)
                if evidence and cited and evidence_overlap(evidence, cited) < self.min_evidence_overlap:
                    reasons.append("evidence")
                if reasons:
                    if rejections is not None:
                        rejections.append(Rejection(cached_q, sim, tuple(reasons), detail))
                    continue
            self.client.zadd(LRU_KEY, {str(entry_id): time.time()}, xx=True)
            return SemanticMatch(answer=answer.decode("utf-8"), meta=json.loads(meta or b"{}"),
                                 similarity=sim, question=cached_q, entry_id=entry_id)
        return None

    def put(self, video_id: str, question: str, vector: np.ndarray, answer: str, model: str,
            prompt_version: str, meta: dict, evidence: tuple[int, ...] = ()) -> int:
        """Store one question; returns how many old entries were evicted to stay in bound.

        The same question stored for the same model under another version (an older prompt, or
        the video's outputs before it was processed again) is replaced, not kept beside it: such
        copies are not served while the outputs stay as they are now, and a few of them filled the
        ``TOP_K`` nearest entries a paraphrase is checked against, so it missed the current
        answer. (Outputs that return to an earlier digest then answer that question afresh.)"""
        vector = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
        local = self.sync(video_id)
        superseded = []
        if local.index.ntotal:
            sims, ids = local.index.search(vector.reshape(1, -1), min(TOP_K, local.index.ntotal))
            same = [int(i) for s, i in zip(sims[0], ids[0]) if i >= 0 and s >= DUPLICATE_SIMILARITY]
            pipe = self.client.pipeline(transaction=False)
            for entry_id in same:
                pipe.hmget(_entry_key(entry_id), "question", "model", "prompt_version")
            stored = False
            for entry_id, row in zip(same, pipe.execute()):
                if row[0] is None or row[0].decode("utf-8") != question or row[1].decode() != model:
                    continue
                if row[2].decode() == prompt_version:
                    stored = True  # the same question is already stored
                else:
                    superseded.append(entry_id)
            if superseded:
                self._remove(video_id, superseded)
            if stored:
                return 0
        return self.put_many(video_id, [(question, vector, answer)], model, prompt_version, meta,
                             evidence)

    def _remove(self, video_id: str, ids: list[int]) -> None:
        """Delete entries of ``video_id`` in Redis, then resync this worker's index."""
        self._delete({video_id: ids})
        self.sync(video_id)

    def _delete(self, by_video: Mapping[str | None, Sequence[int | str]], ranked: bool = True) -> None:
        """Delete entries, grouped by their video: each entry's hash, its LRU rank (``ranked=False``:
        evict has popped it already) and its place in the video's set, and bump the video's version
        so every worker, this one included, drops them from its index at its next lookup. Entries
        under ``None`` belong to no known video (their hash expired): only their keys go."""
        pipe = self.client.pipeline(transaction=True)
        for video_id, ids in by_video.items():
            for entry_id in ids:
                pipe.unlink(_entry_key(entry_id))
            if ids and ranked:
                pipe.zrem(LRU_KEY, *ids)
            if video_id is not None:
                if ids:
                    pipe.srem(_video_key(video_id), *ids)
                pipe.incr(_version_key(video_id))
        pipe.execute()

    def put_many(self, video_id: str, rows: list[tuple[str, np.ndarray, str]], model: str,
                 prompt_version: str, meta: dict, evidence: tuple[int, ...] = ()) -> int:
        """Store (question, vector, answer) rows without the duplicate check (bulk warm-up).

        ``evidence``: the chunk ids the answer was built from (the grounding check's reference).
        """
        if not rows:
            return 0
        local = self.sync(video_id)
        last_id = int(self.client.incrby(SEQ_KEY, len(rows)))
        ids = list(range(last_id - len(rows) + 1, last_id + 1))
        meta_json = json.dumps(meta, default=str)
        now = time.time()
        pipe = self.client.pipeline(transaction=True)
        vectors = []
        for entry_id, (question, vector, answer) in zip(ids, rows):
            vector = np.ascontiguousarray(vector, dtype=np.float32).reshape(-1)
            vectors.append(vector)
            key = _entry_key(entry_id)
            pipe.hset(key, mapping={
                "video_id": video_id, "question": question, "answer": answer, "meta": meta_json,
                "model": model, "prompt_version": prompt_version, "vec": vector.tobytes(),
                "evidence": ",".join(str(int(c)) for c in evidence),
            })
            if self.ttl > 0:
                pipe.expire(key, self.ttl)
        pipe.zadd(LRU_KEY, {str(i): now for i in ids})
        pipe.sadd(_video_key(video_id), *ids)
        pipe.incr(_version_key(video_id))
        new_version = int(pipe.execute()[-1])
        # Our own adds go straight into the local index; if another worker changed the video
        # meanwhile, the version no longer follows ours and the next lookup resyncs.
        local.index.add_with_ids(np.vstack(vectors), np.asarray(ids, dtype=np.int64))
        local.ids.update(ids)
        self._fit_index(local)
        if new_version == local.version + 1:
            local.version = new_version
        return self.evict()

    def evict(self) -> int:
        """Pop least-recently-used entries until the tier holds at most ``max_size``."""
        over = self.client.zcard(LRU_KEY) - self.max_size
        if over <= 0:
            return 0
        victims = [int(m) for m, _ in self.client.zpopmin(LRU_KEY, over)]
        pipe = self.client.pipeline(transaction=False)
        for entry_id in victims:
            pipe.hget(_entry_key(entry_id), "video_id")
        by_video: dict[str | None, list[int]] = defaultdict(list)
        for entry_id, video in zip(victims, pipe.execute()):
            by_video[video.decode() if video is not None else None].append(entry_id)
        self._delete(by_video, ranked=False)
        return len(victims)

    def size(self, video_id: str | None = None) -> int:
        """Entries held, of every video or of ``video_id`` (its set is kept in step with the LRU)."""
        return int(self.client.zcard(LRU_KEY) if video_id is None else self.client.scard(_video_key(video_id)))

    def clear(self, video_id: str | None = None) -> int:
        """Delete the entries of one video (or all); returns how many entries existed."""
        if video_id is None:
            prefix = _video_key("")
            videos = [k.decode()[len(prefix):] for k in self.client.scan_iter(match=f"{prefix}*", count=1000)]
        else:
            videos = [video_id]
        pipe = self.client.pipeline(transaction=False)
        for video in videos:
            pipe.smembers(_video_key(video))
        by_video: dict[str | None, list[str]] = {
            video: [m.decode() for m in members] for video, members in zip(videos, pipe.execute())}
        if video_id is None:  # and whatever the LRU ranks outside every video's set
            listed = {entry_id for ids in by_video.values() for entry_id in ids}
            by_video[None] = [m.decode() for m in self.client.zrange(LRU_KEY, 0, -1) if m.decode() not in listed]
        self._delete(by_video)
        if video_id is None:
            self._indexes.clear()
        else:
            self._indexes.pop(video_id, None)
        return sum(len(ids) for ids in by_video.values())


def _parse_evidence(raw: bytes | None) -> frozenset[int]:
    return frozenset(int(c) for c in raw.decode().split(",") if c) if raw else frozenset()


def _contents(index: faiss.Index, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids int64, vectors float32 (n, dim)) held by a flat IndexIDMap or an IndexIVFFlat."""
    if isinstance(index, faiss.IndexIVFFlat):
        from faiss.contrib.inspect_tools import get_invlist

        ids, vectors = [], []
        for list_no in range(index.nlist):
            list_ids, codes = get_invlist(index.invlists, list_no)
            ids.append(np.asarray(list_ids, dtype=np.int64))
            vectors.append(codes.view(np.float32).reshape(-1, dim))
        return np.concatenate(ids), np.ascontiguousarray(np.vstack(vectors))
    ids = faiss.vector_to_array(index.id_map).astype(np.int64)
    return ids, index.index.reconstruct_n(0, index.ntotal).reshape(-1, dim)

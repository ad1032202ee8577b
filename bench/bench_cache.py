"""Cache benchmark: is a semantic hit a right hit, and is the cache fast at 100k entries?

1. Quality on bench/data/cache_bench.json (built by bench/make_paraphrase_bench.py), per half of
   QMSum val (bench/splits.py: fit on ``tune``, quote only ``report``). Every query of a meeting
   is cached under that meeting's video id with its evidence; then each paraphrase (must be
   served its own query's answer) and each near-miss (must NOT be served its source query's
   answer) is looked up through the real TieredCache on a real redis-server. Printed per half,
   per source (rule / hand) and per near-miss kind: lookups, hits, wrong hits; then the
   verifier's rejections per reason. A near-miss served *another* cached query's answer is
   listed apart (its own query may really be the same question), never counted as right.
   Evidence = HALO's own retrieval (halo.qa.ChunkIndex, top-3, dense + TF-IDF as in Q&A) over
   the meeting's transcript cut into chunks of CHUNK_UTTERANCES utterances: a stand-in for
   the chunker's chunks (same retrieval code, simpler chunk borders). Evidence is computed
   once and kept in a file under the temp dir, keyed by the bench file's hash.
   ``--sweep`` prints paraphrase hits / wrong near-miss hits for thresholds and evidence
   overlaps on the TUNING half only (what the defaults were fitted on).
2. Latency with N cached entries (default 100k) in L1 and in L2: p50/p99 of lookups that hit
   and that miss; L2 both spread over 100 videos (1000 questions each) and all in one video,
   with evidence stored and checked. L2 latency is the cache's own work (version check, FAISS
   search, Redis fetch, verifier); the MiniLM embedding of the question is printed separately
   because the caller pays it once per question whatever the cache does.

    python bench/bench_cache.py                 # both parts
    python bench/bench_cache.py --quality-only [--sweep]
    python bench/bench_cache.py --latency-only --entries 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from bench.splits import qmsum_val  # noqa: E402
from halo.cache import CacheConfig, TieredCache  # noqa: E402
from halo.cache.exact import ExactCache  # noqa: E402
from halo.cache.guard import verify  # noqa: E402
from halo.cache.redis_server import free_loopback_port, start_redis_server  # noqa: E402
from halo.cache.semantic import TOP_K, SemanticCache, evidence_overlap  # noqa: E402
from halo.text.embed import embed_texts  # noqa: E402

BENCH_FILE = Path(__file__).resolve().parent / "data" / "cache_bench.json"
QMSUM = qmsum_val()
CHUNK_UTTERANCES = 30
EVIDENCE_K = 3
KW = {"model": "gemini-2.5-flash", "prompt_version": "qa-v1"}
META = {"input_tokens": 1000, "output_tokens": 100, "cost_usd": 0.00055}


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def _cpu() -> str:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return f"CPU {ru.ru_utime + ru.ru_stime:.0f} s, load {os.getloadavg()[0]:.1f}"


# ------------------------------------------------------------------------------------------------
def _texts(it: dict) -> list[str]:
    return [it["question"], *(p["text"] for p in it["paraphrases"]), *(n["text"] for n in it["near_misses"])]


def evidence_for(items: list[dict], vec: dict[str, np.ndarray]) -> dict[str, dict[str, list[int]]]:
    """{video: {text: top-k chunk ids}} from ChunkIndex over each meeting's transcript (cached)."""
    import pandas as pd

    from halo.qa import ChunkIndex

    digest = hashlib.sha256(BENCH_FILE.read_bytes()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"halo-cache-bench-evidence-{digest}-{CHUNK_UTTERANCES}.json"
    if path.exists():
        return json.loads(path.read_text())
    import halo.qa

    # All question texts embedded in one batch up front (same model, same vectors): ChunkIndex
    # would otherwise embed them one call at a time, which dominates the run on a busy machine.
    halo.qa.embed_texts = lambda texts: (np.vstack([vec[t] for t in texts]) if all(t in vec for t in texts)
                                         else embed_texts(texts))
    meetings = [json.loads(line) for line in QMSUM.read_text().splitlines()]
    out: dict[str, dict[str, list[int]]] = {}
    by_video = defaultdict(list)
    for it in items:
        by_video[(it["video"], it["meeting"])].append(it)
    t0 = time.perf_counter()
    for (video, index), its in sorted(by_video.items(), key=lambda kv: kv[0][1]):
        turns = meetings[index]["meeting_transcripts"]
        rows = []
        for n, start in enumerate(range(0, len(turns), CHUNK_UTTERANCES)):
            block = turns[start:start + CHUNK_UTTERANCES]
            rows.append({"chunk_id": n, "start": float(start), "end": float(start + len(block)),
                         "text": " ".join(f"{t['speaker']}: {t['content']}" for t in block)})
        index_ = ChunkIndex(pd.DataFrame(rows))
        out[video] = {t: [r.chunk_id for r in index_.search(t, k=EVIDENCE_K)]
                      for it in its for t in _texts(it)}
        print(f"  evidence: {video} ({len(rows)} chunks) done, {time.perf_counter() - t0:.0f} s, {_cpu()}",
              flush=True)
    halo.qa.embed_texts = embed_texts
    path.write_text(json.dumps(out))
    return out


def quality(url: str, threshold: float, min_overlap: float, halves: list[str], sweep_tune: bool,
            grounding: bool = True) -> None:
    items = json.loads(BENCH_FILE.read_text())["items"]
    vec = _embed_all(items)  # one batch; the cache gets the same MiniLM vectors it would compute
    if grounding:
        evidence = evidence_for(items, vec)
    else:  # ablation: no evidence anywhere, so the grounding check never runs
        evidence = defaultdict(lambda: defaultdict(list))
        min_overlap = 0.0
    cache = TieredCache(CacheConfig(redis_url=url, l1_max_size=100_000, l2_max_size=100_000,
                                    l2_similarity_threshold=threshold,
                                    l2_min_evidence_overlap=min_overlap),
                        embedder=lambda texts: np.vstack([vec[t] for t in texts]))
    source = (f"ChunkIndex top-{EVIDENCE_K} over {CHUNK_UTTERANCES}-utterance chunks" if grounding
              else "none (grounding check off)")
    print(f"\n== Semantic cache quality (cosine threshold {threshold}, evidence overlap >= {min_overlap}, "
          f"verifier on; evidence = {source}) ==")
    for half in halves:
        cache.clear()
        its = [it for it in items if it["half"] == half]
        for it in its:
            cache.store(it["video"], it["question"], f"answer:{it['id']}", meta=META,
                        evidence=tuple(evidence[it["video"]][it["question"]]), **KW)
        before = cache.stats()["l2"]["rejections"]
        para = defaultdict(Counter)   # source -> n / right / wrong
        near = defaultdict(Counter)   # kind -> n / wrong / other
        wrong, other, missed = [], [], []
        for it in its:
            ev = evidence[it["video"]]
            for p in it["paraphrases"]:
                hit = cache.lookup(it["video"], p["text"], evidence=tuple(ev[p["text"]]), **KW)
                c = para[p["source"]]
                c["n"] += 1
                if hit is None:
                    missed.append(f"    [{p['source']}] {p['text']!r} ~ {it['question']!r}: "
                                  f"{cache.last_rejection or 'no candidate above the threshold'}")
                elif hit.answer == f"answer:{it['id']}":
                    c["right"] += 1
                else:
                    c["wrong"] += 1
                    wrong.append(f"    paraphrase {p['text']!r} -> {hit.meta.get('matched_question')!r}")
            for nm in it["near_misses"]:
                hit = cache.lookup(it["video"], nm["text"], evidence=tuple(ev[nm["text"]]), **KW)
                for key in (nm["kind"], f"{nm['source']} (all kinds)"):
                    near[key]["n"] += 1
                    if hit is not None and hit.answer == f"answer:{it['id']}":
                        near[key]["wrong"] += 1
                    elif hit is not None:
                        near[key]["other"] += 1
                if hit is not None and hit.answer == f"answer:{it['id']}":
                    wrong.append(f"    near-miss[{nm['kind']}/{nm['source']}] {nm['text']!r} -> "
                                 f"{it['question']!r} ({hit.tier}, cosine {hit.similarity or 1:.3f})")
                elif hit is not None:
                    other.append(f"    near-miss[{nm['kind']}] {nm['text']!r} -> {hit.meta.get('matched_question')!r}")
        n_para = sum(c["n"] for c in para.values())
        right = sum(c["right"] for c in para.values())
        n_near = sum(c["n"] for k, c in near.items() if "(all kinds)" not in k)
        wrong_near = sum(c["wrong"] for k, c in near.items() if "(all kinds)" not in k)
        print(f"\n-- {half} half: {len(its)} cached questions, {n_para} paraphrases, {n_near} near-misses --")
        print(f"  paraphrases served their own answer: {right}/{n_para} = {right / max(n_para, 1):.1%} "
              f"(target >= 80%); served a wrong answer: {sum(c['wrong'] for c in para.values())}")
        for source, c in sorted(para.items()):
            print(f"    {source:5s}: {c['right']}/{c['n']} = {c['right'] / max(c['n'], 1):.1%} hits, {c['wrong']} wrong")
        print(f"  near-misses served their source question's answer (wrong hits): {wrong_near}/{n_near} (target 0)")
        for kind, c in sorted(near.items()):
            print(f"    {kind:18s}: {c['wrong']} wrong / {c['n']}  (+{c['other']} served another cached question)")
        after = cache.stats()["l2"]["rejections"]
        print("  verifier rejections per reason (lookups): " + ", ".join(
            f"{k} {after.get(k, 0) - before.get(k, 0)}" for k in sorted(after)))
        for title, lines in (("wrong hits", wrong), ("near-misses served another cached question (first 8)", other[:8]),
                             ("paraphrases not served (first 15)", missed[:15])):
            print(f"  {title}:")
            for line in lines:
                print(line)
    cache.clear()
    cache.close()
    if sweep_tune:
        sweep([it for it in items if it["half"] == "tune"], vec, evidence)


def _embed_all(items: list[dict]) -> dict[str, np.ndarray]:
    texts = sorted({t for it in items for t in _texts(it)})
    return dict(zip(texts, embed_texts(texts)))


def sweep(items: list[dict], vec: dict[str, np.ndarray], evidence: dict) -> None:
    """Same decision rule as SemanticCache.get (top-k above threshold, first that passes)."""
    by_video = defaultdict(list)
    for it in items:
        by_video[it["video"]].append(it)
    queries = []
    for video, its in by_video.items():
        mat = np.vstack([vec[i["question"]] for i in its])
        for it in its:
            queries += [(video, p["text"], it["id"], False, mat, its) for p in it["paraphrases"]]
            queries += [(video, n["text"], it["id"], True, mat, its) for n in it["near_misses"]]
    print("\n== Sweep on the TUNING half only: paraphrase hits / wrong near-miss hits ==")
    overlaps = (0.0, 0.3, 0.5, 0.67, 1.0)
    print(f"  {'cosine':>6}  " + "  ".join(f"{'overlap>=' + str(o):>18}" for o in overlaps))
    for threshold in (0.6, 0.7, 0.75, 0.8, 0.85):
        row = []
        for min_overlap in overlaps:
            right = wrong = n_para = 0
            for video, text, own, is_near, mat, its in queries:
                n_para += not is_near
                sims = mat @ vec[text]
                chosen = None
                for j in np.argsort(-sims)[:TOP_K]:
                    if sims[j] < threshold:
                        break
                    cand = its[j]["question"]
                    if not verify(text, cand).ok:
                        continue
                    new_ev, old_ev = evidence[video][text], evidence[video][cand]
                    if min_overlap and new_ev and old_ev and evidence_overlap(new_ev, old_ev) < min_overlap:
                        continue
                    chosen = its[j]["id"]
                    break
                if chosen == own:
                    wrong += is_near
                    right += not is_near
            row.append(f"{right / n_para:6.1%} / {wrong:3d} wrong")
        print(f"  {threshold:6.2f}  " + "  ".join(f"{r:>18}" for r in row))


# ------------------------------------------------------------------------------------------------
def latency(url: str, entries: int, threshold: float) -> None:
    import redis

    from halo.cache.tiered import connect

    client: redis.Redis = connect(url, socket_timeout_s=60)  # FLUSHALL of 100k entries under load
    client.flushall()
    rng = np.random.default_rng(0)
    dim = 384
    print(f"\n== Latency with {entries:,} cached entries per tier (2 shared CPU cores) ==")

    l1 = ExactCache(client, max_size=entries, ttl=0)
    t0 = time.perf_counter()
    for i in range(entries):
        l1.put(f"video-{i % 100}", f"question number {i} about the meeting?", f"answer {i}",
               KW["model"], KW["prompt_version"], META)
    print(f"  L1 fill: {entries:,} puts in {time.perf_counter() - t0:.1f} s")
    hit_t, miss_t = [], []
    for i in rng.integers(0, entries, 2000):
        t = time.perf_counter()
        assert l1.get(f"video-{i % 100}", f"Question number {i} about the meeting", KW["model"],
                      KW["prompt_version"]) is not None
        hit_t.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assert l1.get(f"video-{i % 100}", f"unknown question {i}", KW["model"], KW["prompt_version"]) is None
        miss_t.append((time.perf_counter() - t) * 1000)
    print(f"  L1 lookup hit : p50 {_pct(hit_t, 50):.3f} ms  p99 {_pct(hit_t, 99):.3f} ms  (target p99 <= 2 ms)")
    print(f"  L1 lookup miss: p50 {_pct(miss_t, 50):.3f} ms  p99 {_pct(miss_t, 99):.3f} ms  ({_cpu()})")
    info = client.info("memory")
    print(f"  Redis memory with L1 full: {info['used_memory'] / 2**20:.0f} MiB")
    client.flushall()

    def unit(x: np.ndarray) -> np.ndarray:
        return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)

    for videos in (100, 1):
        client.flushall()
        l2 = SemanticCache(client, max_size=entries, ttl=0, threshold=threshold)
        per = entries // videos
        vectors = unit(rng.standard_normal((entries, dim)).astype(np.float32))
        t0 = time.perf_counter()
        for v in range(videos):
            block = vectors[v * per:(v + 1) * per]
            for start in range(0, per, 2000):
                rows = [(f"question number {v * per + start + j} about the meeting?", block[start + j],
                         f"answer {v * per + start + j}") for j in range(min(2000, per - start))]
                l2.put_many(f"video-{v}", rows, KW["model"], KW["prompt_version"], {},
                            evidence=(1, 2, 3))
        fill = time.perf_counter() - t0
        worker = SemanticCache(client, max_size=entries, ttl=0, threshold=threshold)  # a fresh worker
        t0 = time.perf_counter()
        rebuilt = worker.rebuild_all()
        rebuild = time.perf_counter() - t0
        hit_t, miss_t = [], []
        for i in rng.integers(0, entries, 1000):
            v = min(i // per, videos - 1)
            noisy = unit(vectors[i] + 0.02 * rng.standard_normal(dim).astype(np.float32))
            t = time.perf_counter()
            # Another wording (the verifier runs for real, not from its memo) and overlapping evidence.
            match = worker.get(f"video-{v}", f"Question number {i} about this meeting", noisy,
                               KW["model"], KW["prompt_version"], evidence=(2, 3, 4))
            hit_t.append((time.perf_counter() - t) * 1000)
            assert match is not None and match.entry_id > 0
            t = time.perf_counter()
            assert worker.get(f"video-{v}", "something else", unit(rng.standard_normal(dim)),
                              KW["model"], KW["prompt_version"]) is None
            miss_t.append((time.perf_counter() - t) * 1000)
        print(f"  L2, {videos} video(s) x {per:,} entries: fill {fill:.1f} s, worker rebuild of "
              f"{rebuilt:,} vectors from Redis {rebuild:.1f} s")
        print(f"    lookup hit : p50 {_pct(hit_t, 50):.3f} ms  p99 {_pct(hit_t, 99):.3f} ms  (target p99 <= 10 ms)")
        print(f"    lookup miss: p50 {_pct(miss_t, 50):.3f} ms  p99 {_pct(miss_t, 99):.3f} ms  ({_cpu()})")
    embed_texts(["warm up"])
    emb_t = []
    for i in range(200):
        t = time.perf_counter()
        embed_texts([f"What did the project manager say about item {i} of the budget?"])
        emb_t.append((time.perf_counter() - t) * 1000)
    print(f"  MiniLM embedding of one question (paid once per question by the caller): "
          f"p50 {_pct(emb_t, 50):.1f} ms  p99 {_pct(emb_t, 99):.1f} ms")
    client.flushall()
    client.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--threshold", type=float, default=CacheConfig().l2_similarity_threshold)
    ap.add_argument("--min-evidence-overlap", type=float, default=CacheConfig().l2_min_evidence_overlap)
    ap.add_argument("--half", choices=["tune", "report", "both"], default="both")
    ap.add_argument("--sweep", action="store_true", help="threshold/overlap sweep on the tuning half")
    ap.add_argument("--no-grounding", action="store_true", help="ablation: lookups without evidence")
    ap.add_argument("--quality-only", action="store_true")
    ap.add_argument("--latency-only", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="halo-bench-redis-") as tmp:
        port = free_loopback_port()
        proc = start_redis_server(Path(tmp), port, detach=False)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            if not args.latency_only:
                halves = ["tune", "report"] if args.half == "both" else [args.half]
                quality(url, args.threshold, args.min_evidence_overlap, halves, args.sweep,
                        grounding=not args.no_grounding)
            if not args.quality_only:
                latency(url, args.entries, args.threshold)
        finally:
            proc.terminate()
            proc.wait(10)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

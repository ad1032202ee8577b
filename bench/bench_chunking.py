"""Text + chunking benchmark: wall time of embeddings, topics, coherence and chunking for a
60-minute video, and how its chunks line up with the true topic starts.

    python -m bench.bench_chunking                 # data/bench/meeting_3600s.truth.json
    python -m bench.bench_chunking --truth X.json  # any samplegen truth file

Utterances are the truth file's speaker turns (what the speech stages produce on clean audio),
scenes its scene cuts, so this measures only the text and chunking stages.
Target (issue 4): the four together under 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from halo.paths import PROJECT_ROOT

TRUTH = PROJECT_ROOT / "data" / "bench" / "meeting_3600s.truth.json"
TARGET_S = 120.0


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, default=TRUTH)
    args = parser.parse_args()
    if not args.truth.exists():
        raise SystemExit(f"{args.truth} missing: make it with `python -m bench.bench_ingest` "
                         "(it runs python -m bench.samplegen --duration 3600)")
    from halo.chunking.rules import ChunkingConfig
    from halo.chunking.video import chunk_video, truth_frames
    from bench.samplegen import load_truth
    from halo.text.embed import embed_texts, load_encoder
    from halo.text.topics import fit_topics

    truth = load_truth(args.truth)
    utts, scenes = truth_frames(truth)
    load_encoder()  # model loading is not per video work
    texts = utts["text"].tolist()
    timings = {}
    t0 = time.perf_counter()
    vectors = embed_texts(texts)
    timings["embeddings"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    topics = fit_topics(texts, vectors)
    timings["topics"] = time.perf_counter() - t0
    config = ChunkingConfig()
    out = chunk_video(utts, vectors, topics.topics, scenes, config)
    timings["coherence"] = out.seconds["coherence"]
    timings["chunking"] = out.seconds["chunking"] + out.seconds.get("timeline", 0.0)
    total = sum(timings.values())

    chunks = out.result.chunks
    starts = chunks["start"].to_numpy()
    true_starts = np.array([t["start"] for t in truth["topics"]])
    hit = np.array([np.min(np.abs(starts - s)) <= 10.0 for s in true_starts])
    durations = chunks["end"] - chunks["start"]
    print(f"video: {truth['duration_s'] / 60:.1f} min, {len(utts)} utterances, "
          f"{len(truth['topics'])} topics, {len(scenes)} scenes, cpus={os.cpu_count()}, "
          f"load={os.getloadavg()[0]:.1f}")
    for name, seconds in timings.items():
        print(f"  {name:11s} {seconds:7.1f} s")
    print(f"  {'total':11s} {total:7.1f} s  (target < {TARGET_S:.0f} s: "
          f"{'PASS' if total < TARGET_S else 'FAIL'})")
    print(f"chunks: {len(chunks)}, duration {durations.min():.0f}-{durations.max():.0f} s "
          f"(limits {config.min_chunk_duration:.0f}-{config.max_chunk_duration:.0f}), "
          f"tokens mean {chunks['n_tokens'].mean():.0f} max {chunks['n_tokens'].max()}, "
          f"mean coherence {chunks['coherence'].mean():.3f}")
    print(f"topic starts with a chunk boundary within 10 s: {hit.sum()}/{len(hit)}; "
          f"topics method: {topics.method} ({len(set(topics.topics))} topics)")


if __name__ == "__main__":
    main()

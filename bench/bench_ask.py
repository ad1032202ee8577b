"""`halo ask` speed on a processed video: a new question and a cache hit, as a user runs them.

Each figure is one fresh `python -m halo ask VIDEO_ID QUESTION --json` process (imports, the
stored qa_index, model loading and the answer included), local backend unless a key is set.
The new question is a truth question no stored session of the video has asked yet; the cache
hit is the same question asked again in another session. Beside them, in this process, the
time the old path spent re-embedding the whole video per ask (building the index without the
stored qa_index), measured in the same run. Targets (issue #9): new <= 3 s, hit <= 0.5 s.

    HALO_DATA_DIR=data/e2e python bench/bench_ask.py e2e_report --truth data/bench/e2e_report_3600s.truth.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from halo.qa import VideoQA, list_sessions  # noqa: E402
from bench.samplegen import load_truth  # noqa: E402


def run_ask(video_id: str, question: str, session: str) -> tuple[float, float, dict]:
    """(wall s, CPU s of the child, the turn) of one `halo ask` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "halo", "ask", video_id, question, "--session", session, "--json"],
                         capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video_id")
    ap.add_argument("--truth", type=Path, required=True, help="the video's truth JSON (its questions)")
    ap.add_argument("--n", type=int, default=2, help="questions to time")
    ap.add_argument("--question", nargs="+", default=[], help="time these questions instead of truth ones")
    args = ap.parse_args()
    asked = {t.question for s in list_sessions(args.video_id) for t in s.turns}
    candidates = args.question or [q["query"] for q in load_truth(args.truth)["qa"]]
    fresh = [q for q in candidates if q not in asked][: args.n]
    if not fresh:
        raise SystemExit(f"every truth question of {args.video_id} was asked already: use another data dir")
    stamp = int(time.time())
    print(f"{'what':12s} {'wall s':>7s} {'cpu s':>6s} {'load':>5s}  served   question")
    for i, q in enumerate(fresh):
        for what, session in (("new", f"bench-{stamp}-{i}"), ("cache hit", f"bench-{stamp}-{i}-again")):
            wall, cpu, turn = run_ask(args.video_id, q, session)
            served = f"cache {turn['cache_tier']}" if turn["cache_tier"] else turn["backend"]
            print(f"{what:12s} {wall:7.2f} {cpu:6.2f} {os.getloadavg()[0]:5.1f}  {served:8s} {q[:60]}")
    video = VideoQA.load(args.video_id)
    video.units = None  # the old path: embed every window of the video on each `halo ask`
    t0, c0 = time.perf_counter(), time.process_time()
    video.index.search(fresh[0], 3)
    print(f"{'re-embed':12s} {time.perf_counter() - t0:7.2f} {time.process_time() - c0:6.2f} "
          f"{os.getloadavg()[0]:5.1f}  (index built from scratch, {len(video.units)} units; the qa_index avoids this)")


if __name__ == "__main__":
    main()

"""`halo ask` speed on a processed video: a new question and a cache hit, as a user runs them.

Each figure is one fresh `python -m halo ask VIDEO_ID QUESTION --json` process (imports, the
stored qa_index, model loading and the answer included), local backend unless a key is set.
The new question is a truth question no stored session of the video has asked yet; the cache
hit is the same question asked again in another session. Wall and CPU seconds (user + system of
the child) are printed with the 1-minute load average: on a shared machine wall time follows
the load, CPU time much less. Then, each in a fresh process: what the cache hit imports (the
slowest top-level imports by `python -X importtime`) and the import + load time of the two
ways to run MiniLM for a question (sentence-transformers on torch vs halo.text.minilm on NumPy).
Targets (issue #9): new <= 3 s, hit <= 0.5 s wall.

    HALO_DATA_DIR=data/rep60 python -m bench.bench_ask rep60 --truth data/bench/report_3600s.truth.json
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

from bench.samplegen import load_truth
from halo.qa import list_sessions

ENCODERS = {
    "sentence-transformers (torch)": "from halo.text.embed import load_encoder; load_encoder().encode(['q'])",
    "halo.text.minilm (NumPy)": "from halo.text.minilm import load_minilm; load_minilm().encode(['q'])",
}


def _child(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall s, CPU s of the child, the finished process) of one Python child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out


def run_ask(video_id: str, question: str, session: str) -> tuple[float, float, dict]:
    """(wall s, CPU s, the answer) of one `halo ask` process."""
    wall, cpu, out = _child(["-m", "halo", "ask", video_id, question, "--session", session, "--json"])
    return wall, cpu, json.loads(out.stdout)


def hit_imports(video_id: str, question: str, session: str, top: int = 8) -> list[tuple[str, float]]:
    """The slowest top-level imports (cumulative s) of a cache-hit `halo ask` process."""
    out = _child(["-X", "importtime", "-m", "halo", "ask", video_id, question, "--session", session])[2]
    rows = []
    for line in out.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            if not parts[2].startswith("  "):  # nested imports are indented by two more spaces
                rows.append((parts[2].strip(), int(parts[1]) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


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
    print(f"\nslowest top-level imports of a cache hit (cumulative s, load {os.getloadavg()[0]:.1f}):")
    for name, seconds in hit_imports(args.video_id, fresh[0], f"bench-{stamp}-imports"):
        print(f"  {seconds:6.3f}  {name}")
    print("\nMiniLM for one question, import + load + encode, fresh process:")
    for name, code in ENCODERS.items():
        wall, cpu, _ = _child(["-c", code])
        print(f"  {name:32s} wall {wall:6.2f} s  cpu {cpu:6.2f} s  load {os.getloadavg()[0]:5.1f}")


if __name__ == "__main__":
    main()

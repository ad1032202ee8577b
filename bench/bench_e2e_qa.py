"""End to end on a processed generated video: first cited moment in the human span (issue #9).

Asks every truth question (QMSum specific queries spoken in the video) in a fresh session and
all in one session, local backend unless a key is set, and prints the shares (halo/eval/qa.py).
Make the video from reporting-half meetings (odd lines of val.jsonl, bench/splits.py) and
process it first, e.g.

    python -m bench.samplegen --duration 3600 --meetings val-1 val-3 ... val-33 --out data/bench/e2e.mp4
    HALO_DATA_DIR=data/e2e python -m halo add data/bench/e2e.mp4 --id e2e --run
    HALO_DATA_DIR=data/e2e python bench/bench_e2e_qa.py e2e --truth data/bench/e2e.truth.json
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.splits import half_of  # noqa: E402
from halo.eval.qa import ask_truth_questions  # noqa: E402
from halo.qa import QA_ASSET, Conversation, VideoQA  # noqa: E402
from bench.samplegen import load_truth  # noqa: E402


def conversations(video_id: str):
    from halo_resources.environments import get_resources

    video = VideoQA.load(video_id)
    resources = get_resources()
    cache = resources["cache"].process_config_and_initialize().get_cache()
    gemini = resources["gemini"].process_config_and_initialize()
    return lambda session: Conversation(video, gemini.service(video_id, QA_ASSET, f"qa-{session}", cache), session)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video_id")
    ap.add_argument("--truth", type=Path, required=True)
    args = ap.parse_args()
    truth = load_truth(args.truth)
    halves = {half_of(int(q["meeting_id"].split("-")[1])) for q in truth["qa"] if q["meeting_id"].startswith("val-")}
    t0, c0 = time.perf_counter(), time.process_time()
    scores = ask_truth_questions(conversations(args.video_id), truth["qa"], tag=f"e2e{int(time.time())}")
    print(f"{args.video_id}: {truth['duration_s'] / 60:.1f} min, {len(truth['qa'])} QMSum specific queries, "
          f"meetings from the {'/'.join(sorted(halves))} half; {time.perf_counter() - t0:.0f} s wall, "
          f"{time.process_time() - c0:.0f} s CPU, load {os.getloadavg()[0]:.1f}")
    for name, s in scores.items():
        print(f"{name:15s} first cited in span {s.first_cited:.3f}   top moment in span {s.top_moment:.3f}   "
              f"cited or retrieved {s.cited_or_retrieved:.3f}   rewritten as follow-ups {s.rewritten}")


if __name__ == "__main__":
    main()

"""End to end on a processed generated video: first cited moment in the human span (issue #9).

Asks every truth question (QMSum specific queries spoken in the video) in a fresh session and
all in one session, local backend unless a key is set, and prints the shares (halo/eval/qa.py).
The video's cached answers are cleared first (L1/L2; answers cached by an earlier run with
other code would otherwise be served again); within the run the cache works as for a user, so
the one-session pass repeats the fresh answers unless a question is misread as a follow-up.
Make the video from reporting-half meetings (odd lines of val.jsonl, bench/splits.py) and
process it first, e.g.

    python -m bench.samplegen --duration 3600 --meetings val-1 val-3 ... val-33 --out data/bench/e2e.mp4
    HALO_DATA_DIR=data/e2e python -m halo add data/bench/e2e.mp4 --id e2e --run
    HALO_DATA_DIR=data/e2e python -m bench.bench_e2e_qa e2e --truth data/bench/e2e.truth.json

A processed copy (point HALO_DATA_DIR at it) whose qa_index predates a change to the windows is
refreshed with ``--rebuild-index``.

``--roster``: the speakers named as a user would name them (halo/speech/roster.py): each
diarized speaker gets the name of the truth speaker (QMSum's "Professor C", "Marketing") it
overlaps most in time. The roster is given to the Q&A in memory, never stored in the data
root, and the output says "roster supplied".
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.samplegen import load_truth  # noqa: E402
from bench.splits import half_of  # noqa: E402
from halo.eval.qa import ask_truth_questions, mark, score  # noqa: E402
from halo.qa import QA_ASSET, QA_INDEX_ASSET, Conversation, VideoQA  # noqa: E402


def conversations(video: VideoQA, clear_cache: bool):
    from halo_resources.environments import get_resources

    resources = get_resources()
    cache = resources["cache"].process_config_and_initialize().get_cache()
    gemini = resources["gemini"].process_config_and_initialize()

    def new_conversation(session: str) -> Conversation:
        # every session starts without cached answers (an earlier run's, or the fresh-session
        # pass's for the one-session pass, would be served instead of retrieving); L3 keeps
        # the summaries
        if clear_cache:
            cache.clear(video.video_id, tiers=("l1", "l2"))
        return Conversation(video, gemini.service(video.video_id, QA_ASSET, f"qa-{session}", cache), session)

    return new_conversation


def truth_roster(utterances, turns: list[dict]) -> dict[str, str]:
    """Each diarized label -> the truth speaker (``qmsum_speaker``) it overlaps most in time."""
    overlap: dict[str, dict[str, float]] = {}
    for u in utterances.itertuples():
        for t in turns:
            shared = min(float(u.end), t["end"]) - max(float(u.start), t["start"])
            if shared > 0:
                mine = overlap.setdefault(str(u.speaker), {})
                mine[t["qmsum_speaker"]] = mine.get(t["qmsum_speaker"], 0.0) + shared
    return {label: max(names, key=names.get) for label, names in sorted(overlap.items())}


def rebuild_index(video_id: str) -> None:
    """Store a new qa_index from the stored chunks and utterances (what the asset would write)."""
    from halo.qa.retrieval import build_qa_index
    from halo.storage import write_parquet_atomic
    from halo.store import output_path

    video = VideoQA.load(video_id)
    write_parquet_atomic(build_qa_index(video.chunks, video.utterances), output_path(QA_INDEX_ASSET, video_id))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("video_id")
    ap.add_argument("--truth", type=Path, required=True)
    ap.add_argument("--keep-cache", action="store_true", help="do not clear the video's cached answers before each session")
    ap.add_argument("--rebuild-index", action="store_true", help="rebuild the stored qa_index first")
    ap.add_argument("--details", action="store_true",
                    help="one line per question (fresh sessions): marks, span, first citation, top part and its moment")
    ap.add_argument("--roster", action="store_true",
                    help="name the diarized speakers after the truth speakers they overlap most (roster supplied)")
    args = ap.parse_args()
    truth = load_truth(args.truth)
    qa = truth["qa"]
    halves = {half_of(int(q["meeting_id"].split("-")[1])) for q in qa if q["meeting_id"].startswith("val-")}
    if args.rebuild_index:
        rebuild_index(args.video_id)
    roster = None
    if args.roster:
        from halo.store import load_output

        roster = truth_roster(load_output("utterances", args.video_id), truth["turns"])
    t0, c0 = time.perf_counter(), time.process_time()
    turns = ask_truth_questions(conversations(VideoQA.load(args.video_id, roster=roster), not args.keep_cache), qa,
                                tag=f"e2e{int(time.time())}")
    print(f"{args.video_id}: {truth['duration_s'] / 60:.1f} min, {len(qa)} QMSum specific queries, "
          f"meetings from the {'/'.join(sorted(halves))} half; {time.perf_counter() - t0:.0f} s wall, "
          f"{time.process_time() - c0:.0f} s CPU, load {os.getloadavg()[0]:.1f}")
    print("roster supplied (each diarized speaker named after the truth speaker it overlaps most): "
          + ", ".join(f"{k}={v}" for k, v in roster.items()) if roster is not None else "no roster (diarized labels only)")
    for name, got in turns.items():
        s = score(got, qa)
        print(f"{name:15s} first cited in span {s.first_cited:.3f}   top moment in span {s.top_moment:.3f}   "
              f"cited or retrieved {s.cited_or_retrieved:.3f}   top-3 parts {s.top_parts:.3f}   "
              f"rewritten as follow-ups {s.rewritten}")
    if args.details:
        for turn, q in zip(turns["fresh sessions"], qa):
            m = mark(turn, q["start"], q["end"])
            first = turn.citations[0]["label"] if turn.citations else "-"
            top = turn.retrieved[0] if turn.retrieved else {"start": -1, "end": -1, "moment_start": -1, "moment_end": -1}
            print(f"{'cited' if m.cited else '     '} {'moment' if m.moment else '      '} "
                  f"{'top3' if m.parts else '    '} span {q['start']:6.0f}-{q['end']:6.0f} first {first:10s} "
                  f"top part {top['start']:6.0f}-{top['end']:6.0f} moment {top['moment_start']:6.0f}-{top['moment_end']:6.0f} "
                  f"{q['meeting_id']:6s} {q['query']}")


if __name__ == "__main__":
    main()

"""Q&A on slides: do answers to questions only a slide answers cite the moment it was shown?

    python -m bench.bench_slide_qa                    # 8 min lecture, reporting-half meetings
    python -m bench.bench_slide_qa --seconds 240 --meetings val-1

Target (issue 14): >= 90 % of slide questions ("What was the title of the slide shown when
...?", "Which key terms were on the slide titled ...?") cite a moment inside that slide's span.

A lecture (bench.samplegen_lecture) is made from QMSum reporting-half meetings (odd lines,
bench/splits.py), processed by the whole pipeline offline (local backend, no API key), and
asked through the public Q&A API, one fresh session per question. The same questions are
then asked with the ``[on screen]`` lines stripped from chunk texts and summaries: the
baseline without slide text, in the same run. Scoring: halo.eval.slide_qa (first citation);
each question is asked in every phrasing of halo.eval.slide_qa (four per kind) unless
``--first-phrasing``, and misses are sorted by why (wrong chunk, speech cited, slide line
cited outside the span). It also prints how many chapters carry their slide's title.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

REPORT_MEETINGS = ["val-1", "val-3", "val-5"]  # odd lines of QMSum val: the reporting half
_ON_SCREEN_LINE = re.compile(r"\n?\[on screen\][^\n]*")


def process(video: Path, redis_url: str) -> str:
    """Register and materialize every partitioned asset of ``video``; its video id."""
    from dagster import DagsterInstance, materialize

    from halo import registry
    from halo_assets.definitions import ASSETS
    from halo_resources.cache import CacheResource
    from halo_resources.environments import get_resources

    entry, _ = registry.register(video)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    partitioned = [a for a in ASSETS if getattr(a, "partitions_def", None) is not None]
    resources = {**get_resources("local"), "cache": CacheResource(redis_url=redis_url)}
    assert materialize(partitioned, partition_key=entry.video_id, instance=instance, resources=resources).success
    return entry.video_id


def without_slides(video: Any) -> Any:
    """The loaded video with every ``[on screen]`` line removed, its index rebuilt (baseline)."""
    from halo.qa import ChunkIndex

    video.chunks = video.chunks.assign(text=video.chunks["text"].str.replace(_ON_SCREEN_LINE, "", regex=True))
    video.summaries = {k: _ON_SCREEN_LINE.sub("", v) for k, v in video.summaries.items()}
    if hasattr(video, "_index"):  # halo.qa package: the index is built lazily from chunks
        video._index = None
    else:
        video.index = ChunkIndex(video.chunks, [video.summaries.get(int(c), "") for c in video.chunks["chunk_id"]])
    return video


def miss_reason(turn: Any, q: Any) -> str:
    """Why an answer's first citation is outside the slide's span (for the miss analysis)."""
    from halo.vision.ocr import ON_SCREEN_MARK

    best = turn.retrieved[0] if turn.retrieved else None
    if not best or not (best["start"] < q.end and q.start < best["end"]):
        return "top chunk misses the span"
    first = turn.answer.split("\n")[0]
    if not turn.citations:
        return "no citation"
    if ON_SCREEN_MARK in first.split("]", 1)[-1][:20]:
        return "slide line cited outside the span"
    return "speech cited, not the slide"


def ask_all(video: Any, questions: list, label: str) -> float:
    """Ask every question in a fresh session; print each and the share citing inside the span."""
    from collections import Counter

    from halo.eval.slide_qa import cites_inside
    from halo.qa import Conversation
    from halo_resources.gemini import GeminiResource

    hits: dict[tuple[str, int], list[bool]] = {}
    anywhere, top, reasons = [], [], Counter()
    for i, q in enumerate(questions):
        service = GeminiResource().service(video.video_id, "qa", f"slide-{label}-{i}")
        turn = Conversation(video, service, f"{label}-{i}").ask(q.question)
        ok = cites_inside(turn.citations, q.start, q.end)
        hits.setdefault((q.kind, q.phrasing), []).append(ok)
        anywhere.append(any(cites_inside([c], q.start, q.end) for c in turn.citations))
        best = turn.retrieved[0] if turn.retrieved else None
        top.append(bool(best) and best["start"] < q.end and q.start < best["end"])
        why = "" if ok else miss_reason(turn, q)
        reasons[why] += not ok
        first = turn.citations[0]["label"] if turn.citations else "-"
        where = f"{best['start']:.0f}-{best['end']:.0f}" if best else "-"
        print(f"  [{'x' if ok else ' '}] {q.kind:5s}{q.phrasing} span {q.start:6.1f}-{q.end:6.1f} cited {first:8s} "
              f"top chunk {where:9s} {q.question[:70]}{'  <- ' + why if why else ''}")
    every = [ok for oks in hits.values() for ok in oks]
    share = sum(every) / max(len(every), 1)
    per = ", ".join(f"{k}{p} {sum(v)}/{len(v)}" for (k, p), v in sorted(hits.items()))
    print(f"{label}: {sum(every)}/{len(every)} = {share:.1%} first citation inside the slide's span ({per}); "
          f"any citation inside {sum(anywhere)}/{len(every)}; top retrieved chunk overlaps it {sum(top)}/{len(every)}")
    if sum(reasons.values()):
        print(f"{label} misses: " + ", ".join(f"{r} {n}" for r, n in reasons.most_common() if n))
    return share


def chapter_titles_vs_slides(video_id: str, truth: dict) -> None:
    """How many chapters carry the title of the slide shown for most of them (word for word)."""
    from halo.eval.slide_qa import BULLET
    from halo.store import load_output
    from halo.vision.ocr import words

    vs = load_output("video_summary", video_id)
    chapters = list(vs.iloc[0]["chapters"]) if vs is not None and len(vs) else []
    bounds = [float(c["start"]) for c in chapters[1:]] + [float(truth["duration_s"])]
    right = 0
    for chapter, stop in zip(chapters, bounds):
        start = float(chapter["start"])
        shown = {}
        for s in truth["slides"]:
            title = " ".join(line for line in s["lines"] if not line.startswith(BULLET))
            shown[title] = shown.get(title, 0.0) + max(0.0, min(stop, s["end"]) - max(start, s["start"]))
        want = max(shown, key=shown.get) if shown else ""
        ok = words(str(chapter["title"])) == words(want)
        right += ok
        print(f"  [{'x' if ok else ' '}] chapter {start:6.1f}-{stop:6.1f} {str(chapter['title'])[:50]!r:52s} slide {want[:50]!r}")
    print(f"chapters titled with the slide shown for most of them: {right}/{len(chapters)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_slide_qa", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=480.0)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--meetings", nargs="+", default=REPORT_MEETINGS)
    parser.add_argument("--process-only", action="store_true", help="generate and process, ask nothing (with --keep)")
    parser.add_argument("--rebuild-index", action="store_true",
                        help="with --keep: redo the chunks' slide lines and the Q&A index with this code")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without slide text")
    parser.add_argument("--first-phrasing", action="store_true", help="only the issue's phrasing of each question")
    parser.add_argument("--keep", type=Path, help="work folder to keep (and reuse: skips generating and processing)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        os.environ["HALO_DATA_DIR"] = str(root / "data")
        for name in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL"):
            os.environ.pop(name, None)  # offline: the local backend answers
        from bench import samplegen_lecture
        from halo.cache.redis_server import free_loopback_port, start_redis_server
        from halo.eval.slide_qa import slide_questions
        from halo.qa import VideoQA
        from bench.samplegen import load_truth

        port = free_loopback_port()
        redis = start_redis_server(root / "redis", port, detach=False)
        try:
            video = root / "data" / "videos" / "lecture.mp4"
            if (root / "data" / "parquet" / "chunks" / "lecture.parquet").exists():
                truth, video_id = load_truth(video), "lecture"
            else:
                t0, c0 = time.perf_counter(), time.process_time()
                plan = samplegen_lecture.plan_lecture(args.seconds, meeting_ids=args.meetings)
                truth = samplegen_lecture.render_lecture(video, plan, args.height)
                t1 = time.perf_counter()
                video_id = process(video, f"redis://127.0.0.1:{port}/0")
                t2, c2 = time.perf_counter(), time.process_time()
                print(f"lecture {truth['duration_s']:.0f} s at {args.height}p from {args.meetings}: generated in "
                      f"{t1 - t0:.0f} s, processed in {t2 - t1:.0f} s wall ({c2 - c0:.0f} s CPU of this process; "
                      f"load average {os.getloadavg()[0]:.1f})")
            if args.process_only:
                return
            shutil.rmtree(root / "data" / "qa", ignore_errors=True)  # fresh sessions: no follow-ups
            chapter_titles_vs_slides(video_id, truth)
            questions = slide_questions(truth, every_phrasing=not args.first_phrasing)
            video_qa = VideoQA.load(video_id)
            if args.rebuild_index:  # chunks' slide lines and the index as this code makes them
                from halo.store import load_output
                from halo.vision.ocr import chunks_with_on_screen_text

                plain = video_qa.chunks.assign(text=video_qa.chunks["text"].str.replace(_ON_SCREEN_LINE, "", regex=True))
                video_qa.chunks = chunks_with_on_screen_text(plain, load_output("on_screen_text", video_id))
                video_qa.units = None
            ask_all(video_qa, questions, "with-slides")
            if not args.no_baseline:
                ask_all(without_slides(VideoQA.load(video_id)), questions, "no-slides")
        finally:
            redis.terminate()
            redis.wait(10)


if __name__ == "__main__":
    main()

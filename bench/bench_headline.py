"""The headline benchmark (issue #12 item 7): hour-long meetings end to end, a 10-question session each.

    make bench-headline                                   # = python -m bench.bench_headline
    python -m bench.bench_headline --videos 2             # the two longest reporting meetings, one video each
    python -m bench.bench_headline --spliced              # excerpts of many meetings in one hour (before session 9)
    python -m bench.bench_headline --video data/samples/x.mp4   # any generated video (+ .truth.json)
    python -m bench.bench_headline --video data/bench/report_3600s.mp4 --id rep60 \
        --data-dir data/rep60        # reuse a processed instance (a copy: HALO_DATA_DIR), no processing

For each video: generate it with the project's generator (or reuse it): by default one whole QMSum
val meeting of the *reporting* half (bench/splits.py), the longest first, spoken as held up to
--duration; run `halo add PATH --id ID --run` (every asset);
ask the first 10 questions of its ground truth as one session; then measure against that
ground truth. Writes bench/results/latest.md and latest.json with: wall time per stage and in
total, CPU seconds, peak memory (largest child process), tokens and USD per question for HALO
and every baseline (halo.llm.baseline), cache hit rate per tier, retrieval recall@3, WER, DER,
scene-cut F1 (0.5 s), Pk of the chunks against the truth topics, the machine and the date.

HALO's dollars are priced from HALO's own prompts, whatever backend answered: every chunk
summary request (halo.llm.summarize, keyframes by the picture rule), the overview request, and
each question's Q&A request exactly as the session built it (captured at LLMService.ask), counted
with the product's token estimator, plus stated output tokens (bench_costs: SUMMARY_OUT,
VIDEO_SUMMARY_OUT, ANSWER_OUT -- the same answer length for HALO and every baseline). With a
GEMINI_API_KEY the ledger's real spend is reported beside it. The ratio to smart naive is printed
for the Q&A call alone and with the ingest shared by the session's questions (live and Batch API).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.splits import meetings_in  # noqa: E402
from halo.paths import PROJECT_ROOT  # noqa: E402

RESULTS = PROJECT_ROOT / "bench" / "results"
QUESTIONS = 10
CUT_TOLERANCE_S = 0.5


#: How the headline renders one whole meeting: every turn spoken in full, as held, in HD, with the
#: six voices and the most talkative speakers kept (the options of docs/qa.md's end-to-end runs).
VOICES = ("rms", "slt", "awb", "kal16", "rms@1.12", "slt@0.9")
WHOLE_MEETING_ARGS = ("--full-turns", "--topic-seconds", "100000", "--height", "720", "--top-speakers",
                      "--voices", *VOICES)


def video_id_of(path: Path) -> str:
    """The id a headline video is processed under: its file name, once prefixed "headline"."""
    stem = path.stem.replace("_", "-").lower()
    return (stem if stem.startswith("headline-") else f"headline-{stem}")[:60]


def longest_meetings(half: str = "report") -> list[str]:
    """The QMSum val meetings of ``half``, longest first as the generator would speak them whole
    (its own plan: the six voices, the most talkative speakers kept): the "hour-long meetings" of
    the headline, chosen by length alone, never by how HALO does on them. A long transcript is
    not enough: a committee of many speakers keeps only six voices' turns (val-31 plans 18 min)."""
    from bench.samplegen import iter_topics, load_meetings, planned_seconds

    meetings = load_meetings(full_turns=True)

    def spoken_s(meeting_id: str) -> float:
        voice_of: dict[str, str] = {}
        topics = list(iter_topics([meetings[meeting_id]], 1e5, voice_of, VOICES, top_speakers=True))
        return planned_seconds(topics, voice_of)

    return sorted((f"val-{m}" for m in meetings_in(half)), key=spoken_s, reverse=True)


def ensure_video(index: int, duration_s: float, slides: bool = False, spliced: bool = False) -> Path:
    """Generated hour-long meeting ``index`` (reused when present), from reporting-half meetings.

    By default one whole meeting, the ``index``-th longest of the reporting half as spoken, as it
    was held (a recording is one meeting). ``spliced`` instead strings excerpts of many
    reporting meetings together, the headline until session 9: QMSum's AMI meetings all design
    the same remote control, so in a splice one question fits several meetings.
    Without topic slides unless ``slides``: a slide showing each QMSum topic's title for the
    whole topic hands retrieval the topic and the chunker its cuts (docs/qa.md, "Without
    slides"), which a real meeting recording does not.
    """
    suffix = "_slides" if slides else ""
    if spliced:
        path = PROJECT_ROOT / "data" / "bench" / f"headline_{index}_{int(duration_s)}s{suffix}.mp4"
        report = meetings_in("report")
        start = (index * 6) % len(report)
        meetings = [f"val-{m}" for m in (report[start:] + report[:start])]
        options: tuple[str, ...] = ()
    else:
        meetings = [longest_meetings("report")[index]]
        path = PROJECT_ROOT / "data" / "bench" / f"headline_{meetings[0]}_{int(duration_s)}s{suffix}.mp4"
        options = WHOLE_MEETING_ARGS
    if not path.exists() or _drawn_with_slides(path) != slides:  # the plain name held slides meetings before
        print(f"generating {path.name} from {', '.join(meetings[:3])}{', ...' if len(meetings) > 3 else ''}", flush=True)
        subprocess.run([sys.executable, "-m", "bench.samplegen", "--duration", str(duration_s), "--out", str(path),
                        "--seed", str(index), *([] if slides else ["--no-slides"]), *options,
                        "--meetings", *meetings], check=True, cwd=PROJECT_ROOT)
    return path


def _drawn_with_slides(video: Path) -> bool:
    """Whether the generated ``video`` shows topic slides, as its truth file says (generators
    before the ``slides`` setting always drew them; no readable truth counts as slides too)."""
    from bench.samplegen import truth_path

    try:
        truth = json.loads(truth_path(video).read_text())
    except (OSError, ValueError):
        return True
    return bool(truth.get("generator", {}).get("realism", {}).get("slides", True))


def process(path: Path, video_id: str) -> dict:
    """Run every asset on the video; wall, CPU and peak RSS of the processing subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "halo", "add", str(path), "--id", video_id, "--run"],
                   check=True, cwd=PROJECT_ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"total_wall_s": round(time.perf_counter() - t0, 1),
            "total_cpu_s": round((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), 1),
            "peak_rss_mb": round(after.ru_maxrss / 1024, 1)}


def stage_times(video_id: str) -> dict[str, float]:
    """Wall seconds per asset step of the video's latest run, from the Dagster instance."""
    from dagster import DagsterInstance, RunsFilter

    from halo.paths import ensure_dagster_home

    ensure_dagster_home()
    with DagsterInstance.get() as instance:
        runs = instance.get_run_records(RunsFilter(tags={"dagster/partition": video_id}), limit=1)
        if not runs:
            return {}
        stats = instance.get_run_step_stats(runs[0].dagster_run.run_id)
    return {s.step_key: round(s.end_time - s.start_time, 1) for s in stats if s.end_time and s.start_time}


def quality(video_id: str, truth: dict, rttm: Path) -> dict:
    """WER, DER, scene-cut F1 and Pk of the stored outputs against the generator's truth."""
    from halo.chunking.metrics import pk
    from halo.eval.speech import der, read_rttm, wer
    from halo.store import load_output

    out: dict[str, float] = {}
    transcript = load_output("transcript", video_id)
    if transcript is not None:
        out["wer"] = round(wer(" ".join(w["word"] for w in truth["words"]), " ".join(transcript["text"])), 4)
    diar = load_output("diarization", video_id)
    if diar is not None:
        hyp = list(zip(diar["start"], diar["end"], diar["speaker"].astype(str)))
        out["der"] = round(der(read_rttm(rttm), hyp), 4)
        out["speakers_found"] = int(diar["speaker"].nunique())
        out["speakers_true"] = len(truth["speakers"])
    scenes = load_output("scenes", video_id)
    if scenes is not None:
        found = [float(s) for s in scenes["start"] if float(s) > 0]
        true = list(truth["scene_cuts"])
        hit = sum(any(abs(f - t) <= CUT_TOLERANCE_S for f in found) for t in true)
        precision = hit / len(found) if found else 1.0
        recall = hit / len(true) if true else 1.0
        out["scene_f1"] = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    chunks = load_output("chunks", video_id)
    if chunks is not None and len(chunks):
        starts = sorted(float(s) for s in chunks["start"])
        topic_of = [max(i for i, t in enumerate(truth["topics"]) if t["start"] <= w["start"] or i == 0)
                    for w in truth["words"]]
        chunk_of = [max(i for i, s in enumerate(starts) if s <= w["start"] or i == 0) for w in truth["words"]]
        out["pk"] = round(pk(_masses(topic_of), _masses(chunk_of)), 4)
    return out


def _masses(labels: list[int]) -> list[int]:
    masses, prev = [], None
    for label in labels:
        if label == prev:
            masses[-1] += 1
        else:
            masses.append(1)
        prev = label
    return masses


def session(video_id: str, truth: dict) -> tuple[dict, list[list]]:
    """Ask the first QUESTIONS truth questions as one session; recall@3 of what was retrieved,
    and the Q&A requests' parts (system first) as the session built them."""
    from halo.llm.ledger import read_ledger
    from halo.qa import Conversation, VideoQA, recall_at_k
    from halo_resources.cache import CacheResource
    from halo_resources.gemini import GeminiResource

    items = truth["qa"][:QUESTIONS]
    cache = CacheResource().get_cache()
    # answers an earlier run cached would come back as hits and no prompt would be priced: the
    # session starts as a user's first one does (the stored summaries, L3, stay)
    cache.clear(video_id, tiers=("l1", "l2"))
    service = GeminiResource().service(video_id, "qa", "", cache)
    prompts: list[list] = []
    answer = service.ask

    def recording_ask(req, **kw):
        if req.purpose == "qa":
            prompts.append([req.system or "", *req.parts])
        return answer(req, **kw)

    service.ask = recording_ask  # the bench's window on the exact prompts; the call is unchanged
    convo = Conversation(VideoQA.load(video_id), service, session_id=f"headline-{int(time.time())}")
    hits = []
    for item in items:
        turn = convo.ask(item["query"])
        hits.append([SimpleNamespace(start=float(r["start"]), end=float(r["end"])) for r in turn.retrieved[:3]])
    spans = [[(float(i["start"]), float(i["end"]))] for i in items]
    ledger = read_ledger(video_id)
    tiers = ledger["cache_tier"].value_counts()
    return {
        "questions": len(items),
        "recall_at_3": round(recall_at_k(hits, spans), 4),
        "cache_hit_rate": {t: round(int(tiers.get(t, 0)) / max(len(ledger), 1), 4) for t in ("L1", "L2", "L3")},
    }, prompts


def priced(video_id: str, duration_s: float, prompts: list[list], models: list[str]) -> dict:
    """HALO's tokens and USD per question from its own prompts, and smart naive on the same model."""
    from bench.bench_costs import ANSWER_OUT, SUMMARY_OUT, VIDEO_SUMMARY_OUT, ratios
    from halo.llm.baseline import probed_streams
    from halo.llm.baseline import IMAGE_TOKENS_LOW
    from halo.llm.gemini import estimate_tokens
    from halo.llm.pricing import call_cost_usd
    from halo.llm.prompts import CHUNK_SYSTEM, VIDEO_SYSTEM, video_prompt
    from halo.llm.summarize import chunk_request, plan_chunks
    from halo.store import load_output

    chunks = load_output("chunks", video_id)
    summaries = load_output("chunk_summaries", video_id)
    streams = probed_streams(load_output("video_file", video_id))
    tasks = plan_chunks(chunks, load_output("scenes", video_id), streams=streams)
    chunk_in = [estimate_tokens([CHUNK_SYSTEM, *chunk_request(t).parts], IMAGE_TOKENS_LOW) for t in tasks if t.text.split() or t.images]
    parts = [(float(r.start), float(r.end), str(r.summary)) for r in summaries.sort_values("start").itertuples()]
    overview_in = estimate_tokens([VIDEO_SYSTEM, video_prompt(parts)])
    q_in = [estimate_tokens(p, IMAGE_TOKENS_LOW) for p in prompts]
    if not q_in:
        raise SystemExit("No Q&A request reached the service (every answer came from the cache).")
    out = {"halo_chunk_calls": len(chunk_in), "halo_ingest_input_tokens": sum(chunk_in) + overview_in,
           "halo_ingest_output_tokens": len(chunk_in) * SUMMARY_OUT + VIDEO_SUMMARY_OUT,
           "halo_qa_input_tokens_per_question": round(sum(q_in) / max(len(q_in), 1), 1),
           "halo_qa_output_tokens_per_question": ANSWER_OUT, "by_model": {}}
    for model in models:
        ingest = sum(call_cost_usd(model, n, 0, SUMMARY_OUT) for n in chunk_in) + call_cost_usd(
            model, overview_in, 0, VIDEO_SUMMARY_OUT)
        question = sum(call_cost_usd(model, n, 0, ANSWER_OUT) for n in q_in) / max(len(q_in), 1)
        r = ratios(model, ingest, question, duration_s, streams=streams)
        out["by_model"][model] = {"halo_ingest_usd": round(ingest, 6), "halo_qa_usd_per_question": round(question, 7),
                                  "halo_usd_per_question": round(ingest / QUESTIONS + question, 7),
                                  "naive_smart_usd_per_question": round(r["smart"], 6),
                                  "smart_over_halo_qa_only": round(r["q_only"], 1),
                                  "smart_over_halo_session": round(r["session"], 1),
                                  "smart_over_halo_session_batch": round(r["session_batch"], 1),
                                  "sessions_for_50x": r["sessions_for_target"] if r["sessions_for_target"] != math.inf
                                  else "never"}
    return out


def run_video(path: Path, video_id: str, reuse: bool) -> dict:
    from bench.bench_costs import MODELS
    from bench.samplegen import load_truth
    from halo.llm.baseline import baselines_per_question, media_tokens, probed_streams
    from halo.report import report_json
    from halo.store import load_output

    truth = load_truth(path)
    row: dict = {"video_id": video_id, "video": str(path), "duration_s": truth["duration_s"]}
    if reuse and load_output("chunk_summaries", video_id) is not None:
        row["processing"] = f"reused the processed instance in {os.environ.get('HALO_DATA_DIR', 'data/')}"
    else:
        row.update(process(path, video_id))
        row["stages_wall_s"] = stage_times(video_id)
    row.update(quality(video_id, truth, path.with_name(truth["rttm"])))
    t0, c0 = time.perf_counter(), time.process_time()
    scores, prompts = session(video_id, truth)
    row.update(scores)
    row["session_wall_s"], row["session_cpu_s"] = round(time.perf_counter() - t0, 1), round(time.process_time() - c0, 1)
    row.update(priced(video_id, truth["duration_s"], prompts, MODELS))
    head = row["by_model"][MODELS[0]]
    row.update({"baseline_model": MODELS[0], **{k: head[k] for k in (
        "halo_usd_per_question", "halo_qa_usd_per_question", "smart_over_halo_qa_only", "smart_over_halo_session",
        "smart_over_halo_session_batch")}})
    streams = probed_streams(load_output("video_file", video_id))
    row.update(baselines_per_question(MODELS[0], truth["duration_s"], answer_tokens=row["halo_qa_output_tokens_per_question"],
                                      streams=streams))
    costs = report_json(video_id)
    row["ledger_usd"] = costs.get("cost_usd", 0.0)  # what the backend that answered really billed ($0 local)
    row["naive_tokens_per_question"] = media_tokens(truth["duration_s"], streams=streams).total
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    cols = [("video", "video_id"), ("min", "duration_s"), ("wall s", "total_wall_s"), ("CPU s", "total_cpu_s"),
            ("peak MB", "peak_rss_mb"), ("WER", "wer"), ("DER", "der"), ("scene F1", "scene_f1"), ("Pk", "pk"),
            ("recall@3", "recall_at_3"), ("HALO $/Q", "halo_usd_per_question"),
            ("HALO Q&A $/Q", "halo_qa_usd_per_question"),
            ("naive $/Q", "naive_default_usd_per_question"), ("low-res $/Q", "naive_low_res_usd_per_question"),
            ("smart naive $/Q", "naive_smart_usd_per_question"), ("fixed $/Q", "fixed_chunks_usd_per_question"),
            ("smart/HALO Q&A", "smart_over_halo_qa_only"), ("smart/HALO session", "smart_over_halo_session"),
            ("smart/HALO session, batch", "smart_over_halo_session_batch")]
    lines = [f"# HALO headline benchmark, {meta['date']}", "",
             f"Machine: {meta['machine']}; load average before: {meta['load_before']}; "
             f"LLM backend: {meta['backend']}.", "",
             "| " + " | ".join(c for c, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        values = [r.get(k, "") for _, k in cols]
        values[1] = round(values[1] / 60, 1)
        values = [f"{v:.6f}".rstrip("0") if isinstance(v, float) and 0 < abs(v) < 0.01 else v for v in values]
        lines.append("| " + " | ".join(str(v) for v in values) + " |")
    lines += ["", f"Per model (HALO and smart naive on the same model, {QUESTIONS}-question session; target: "
              "smart naive / HALO >= 50 with recall@3 >= 0.9):", "",
              "| video | model | HALO ingest $ | HALO Q&A $/Q | HALO $/Q (ingest / 10) | smart naive $/Q | Q&A only | "
              "session | session, batch ingest | sessions for 50x |", "|" + "---|" * 10]
    for r in rows:
        for model, m in r.get("by_model", {}).items():
            lines.append(f"| {r['video_id']} | {model} | {m['halo_ingest_usd']} | {m['halo_qa_usd_per_question']} | "
                         f"{m['halo_usd_per_question']} | {m['naive_smart_usd_per_question']} | "
                         f"{m['smart_over_halo_qa_only']}x | {m['smart_over_halo_session']}x | "
                         f"{m['smart_over_halo_session_batch']}x | {m['sessions_for_50x']} |")
    lines += ["", "HALO tokens: " + "; ".join(
        f"{r['video_id']}: {r.get('halo_chunk_calls')} chunk summaries, ingest {r.get('halo_ingest_input_tokens'):,} in + "
        f"{r.get('halo_ingest_output_tokens'):,} out (assumed), Q&A {r.get('halo_qa_input_tokens_per_question')} in + "
        f"{r.get('halo_qa_output_tokens_per_question')} out (assumed) per question; naive "
        f"{r.get('naive_tokens_per_question'):,} tokens per question at default resolution" for r in rows)]
    lines += ["", "Wall seconds per stage:", ""]
    for r in rows:
        stages = ", ".join(f"{k} {v}" for k, v in r.get("stages_wall_s", {}).items()) or r.get("processing", "")
        lines.append(f"- {r['video_id']}: {stages}; session {r.get('session_wall_s')} s wall, "
                     f"{r.get('session_cpu_s')} s CPU; cache hit rate per tier {r.get('cache_hit_rate')}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=1, help="generated hour-long meetings to run")
    parser.add_argument("--duration", type=float, default=3600.0)
    parser.add_argument("--slides", action="store_true",
                        help="generate the meetings with a title slide per topic (default: no slides, as recorded)")
    parser.add_argument("--spliced", action="store_true",
                        help="excerpts of many reporting meetings in one video (the headline until session 9) "
                        "instead of one whole meeting per video")
    parser.add_argument("--video", type=Path, action="append", help="an existing generated video (repeatable)")
    parser.add_argument("--id", help="video id (with one --video); default: derived from the file name")
    parser.add_argument("--data-dir", type=Path, help="HALO_DATA_DIR holding an already processed instance "
                        "(a copy: the session writes to it); its outputs are reused, not recomputed")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where latest.md and latest.json go")
    args = parser.parse_args()
    if args.data_dir:
        os.environ["HALO_DATA_DIR"] = str(args.data_dir.resolve())
    from halo.llm.gemini import env_api_key

    paths = args.video or [ensure_video(i, args.duration, args.slides, args.spliced) for i in range(args.videos)]
    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_before": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
            "backend": "gemini" if env_api_key() else "local (no GEMINI_API_KEY: $0, baselines only)"}
    ids = [args.id] if args.id and len(paths) == 1 else [video_id_of(p) for p in paths]
    rows = [run_video(p.resolve(), vid, reuse=bool(args.data_dir)) for p, vid in zip(paths, ids)]
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "latest.json").write_text(json.dumps({"meta": meta, "videos": rows}, indent=2))
    (args.results / "latest.md").write_text(markdown(rows, meta))
    print(markdown(rows, meta))


if __name__ == "__main__":
    main()

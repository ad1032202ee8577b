"""The headline benchmark (issue #12 item 7): hour-long meetings end to end, a 10-question session each.

    make bench-headline                                   # = python -m bench.bench_headline
    python -m bench.bench_headline --videos 2             # two generated hour-long meetings
    python -m bench.bench_headline --video data/samples/x.mp4   # any generated video (+ .truth.json)

For each video: generate it with the project's generator (or reuse it), from QMSum val meetings
of the *reporting* half (bench/splits.py); run `halo add PATH --id ID --run` (every asset);
ask the first 10 questions of its ground truth as one session; then measure against that
ground truth. Writes bench/results/latest.md and latest.json with: wall time per stage and in
total, CPU seconds, peak memory (largest child process), tokens and USD per question for HALO
and every baseline (halo.llm.baseline), cache hit rate per tier, retrieval recall@3, WER, DER,
scene-cut F1 (0.5 s), Pk of the chunks against the truth topics, the machine and the date.
With no GEMINI_API_KEY the LLM backend is local ($0) and the USD figures are the baselines only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


def ensure_video(index: int, duration_s: float) -> Path:
    """Generated hour-long meeting ``index`` (reused when present), from reporting-half meetings."""
    path = PROJECT_ROOT / "data" / "bench" / f"headline_{index}_{int(duration_s)}s.mp4"
    if not path.exists():
        report = meetings_in("report")
        start = (index * 6) % len(report)
        meetings = [f"val-{m}" for m in (report[start:] + report[:start])]
        print(f"generating {path.name} from {', '.join(meetings[:3])}, ...", flush=True)
        subprocess.run([sys.executable, "-m", "bench.samplegen", "--duration", str(duration_s), "--out", str(path),
                        "--seed", str(index), "--meetings", *meetings], check=True, cwd=PROJECT_ROOT)
    return path


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
    from halo.report import load_output

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


def session(video_id: str, truth: dict) -> dict:
    """Ask the first QUESTIONS truth questions as one session; recall@3 of what was retrieved."""
    from halo.llm.ledger import read_ledger
    from halo.qa import Conversation, VideoQA, recall_at_k
    from halo_resources.cache import CacheResource
    from halo_resources.gemini import GeminiResource

    items = truth["qa"][:QUESTIONS]
    service = GeminiResource().service(video_id, "qa", "", CacheResource().get_cache())
    convo = Conversation(VideoQA.load(video_id), service, session_id="headline")
    hits = []
    for item in items:
        turn = convo.ask(item["query"])
        hits.append([SimpleNamespace(start=float(r["start"]), end=float(r["end"])) for r in turn.retrieved[:3]])
    spans = [[(float(i["start"]), float(i["end"]))] for i in items]
    ledger = read_ledger(video_id)
    qa = ledger[ledger["purpose"].isin(["qa", "question"])]
    tiers = ledger["cache_tier"].value_counts()
    return {
        "questions": len(items),
        "recall_at_3": round(recall_at_k(hits, spans), 4),
        "halo_tokens_per_question": round(float((qa["input_tokens"] + qa["output_tokens"]).mean()), 1) if len(qa) else 0,
        "cache_hit_rate": {t: round(int(tiers.get(t, 0)) / max(len(ledger), 1), 4) for t in ("L1", "L2", "L3")},
    }


def run_video(path: Path, video_id: str) -> dict:
    from halo.llm.baseline import media_tokens
    from halo.report import report_json
    from bench.samplegen import load_truth

    truth = load_truth(path)
    row: dict = {"video_id": video_id, "video": str(path), "duration_s": truth["duration_s"]}
    row.update(process(path, video_id))
    row["stages_wall_s"] = stage_times(video_id)
    row.update(quality(video_id, truth, path.with_name(truth["rttm"])))
    row.update(session(video_id, truth))
    costs = report_json(video_id)
    row.update({k: v for k, v in costs.items() if k.endswith("_per_question") or k in (
        "baseline_model", "naive_smart_over_halo", "cost_usd", "cached_tokens")})
    row["naive_tokens_per_question"] = media_tokens(truth["duration_s"]).total
    return row


def markdown(rows: list[dict], meta: dict) -> str:
    cols = [("video", "video_id"), ("min", "duration_s"), ("wall s", "total_wall_s"), ("CPU s", "total_cpu_s"),
            ("peak MB", "peak_rss_mb"), ("WER", "wer"), ("DER", "der"), ("scene F1", "scene_f1"), ("Pk", "pk"),
            ("recall@3", "recall_at_3"), ("HALO $/Q", "halo_usd_per_question"),
            ("naive $/Q", "naive_default_usd_per_question"), ("low-res $/Q", "naive_low_res_usd_per_question"),
            ("smart naive $/Q", "naive_smart_usd_per_question"), ("fixed $/Q", "fixed_chunks_usd_per_question"),
            ("smart/HALO", "naive_smart_over_halo")]
    lines = [f"# HALO headline benchmark, {meta['date']}", "",
             f"Machine: {meta['machine']}; load average before: {meta['load_before']}; "
             f"LLM backend: {meta['backend']}.", "",
             "| " + " | ".join(c for c, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        values = [r.get(k, "") for _, k in cols]
        values[1] = round(values[1] / 60, 1)
        lines.append("| " + " | ".join(str(v) for v in values) + " |")
    lines += ["", "Wall seconds per stage:", ""]
    for r in rows:
        stages = ", ".join(f"{k} {v}" for k, v in r.get("stages_wall_s", {}).items())
        lines.append(f"- {r['video_id']}: {stages}; cache hit rate per tier {r.get('cache_hit_rate')}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=int, default=1, help="generated hour-long meetings to run")
    parser.add_argument("--duration", type=float, default=3600.0)
    parser.add_argument("--video", type=Path, action="append", help="an existing generated video (repeatable)")
    args = parser.parse_args()
    from halo.llm.gemini import env_api_key

    paths = args.video or [ensure_video(i, args.duration) for i in range(args.videos)]
    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_before": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
            "backend": "gemini" if env_api_key() else "local (no GEMINI_API_KEY: $0, baselines only)"}
    rows = [run_video(p.resolve(), f"headline-{p.stem}".replace("_", "-").lower()[:60]) for p in paths]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"meta": meta, "videos": rows}, indent=2))
    (RESULTS / "latest.md").write_text(markdown(rows, meta))
    print(markdown(rows, meta))


if __name__ == "__main__":
    main()

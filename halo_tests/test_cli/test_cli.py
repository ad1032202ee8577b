"""`halo process / ask / export / report / cache` as a user runs them: results on stdout, one
line and exit 1 for every user error, answers and exports checked against the sample's truth."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from click.testing import CliRunner

from halo.errors import HaloError
from halo.paths import PROJECT_ROOT
from halo.store import load_output
from bench.samplegen import load_truth
from halo_cli.cli import _pipeline, main
from halo_cli.pipeline import Answer
from halo_tests.test_cli.conftest import SAMPLE, project_env
from halo_tests.test_cli.test_pipeline import assert_cited_spans

TRUTH = load_truth()
PRICE_QUERY = TRUTH["qa"][0]  # target price / cost / profit, said at 101-130 s


def answer_of(stdout: str) -> Answer:
    return Answer(**json.loads(stdout))


def overlaps_truth(answer: Answer, query: dict, slack: float = 5.0) -> bool:
    return any(c["start"] < query["end"] + slack and c["end"] > query["start"] - slack for c in answer.citations)


def test_process_prints_the_id_and_exports_what_is_stored(api_env, tmp_path):
    out = tmp_path / "meeting.json"
    ran = CliRunner().invoke(main, ["process", str(SAMPLE), "--min-chunk-duration", "30",
                                    "--query", PRICE_QUERY["query"], "--export", str(out)])
    assert ran.exit_code == 0, ran.output
    lines = ran.stdout.splitlines()
    assert lines[0] == "meeting" and len(lines) > 1  # the id, then the answer; progress is on stderr
    doc = json.loads(out.read_text())
    chunks = load_output("chunks", "meeting")
    assert [(c["start"], c["end"]) for c in doc["chunks"]] == list(zip(chunks["start"], chunks["end"]))
    assert [s["chunk_id"] for s in doc["summaries"]] == list(chunks["chunk_id"])
    assert abs(doc["video"]["duration_s"] - TRUTH["duration_s"]) < 0.1
    assert doc["video_summary"] and [c["start"] for c in doc["chapters"]] == sorted(c["start"] for c in doc["chapters"])
    questions = [t["question"] for s in doc["qa"] for t in s["turns"]]
    assert {"What conclusions were drawn?", PRICE_QUERY["query"]} <= set(questions)
    # citations as `halo ask --json` gives them (the session keeps only the times the answer wrote)
    cited = [c for s in doc["qa"] for t in s["turns"] for c in t["citations"]]
    assert cited and all(c["chunk_id"] in set(chunks["chunk_id"]) for c in cited)
    assert all(c["speaker"] is None if c["on_screen"] else c["speaker"].startswith("SPEAKER_") and c["end"] > c["start"]
               for c in cited)
    assert doc["costs"]["totals"]["calls"] == len(doc["costs"]["calls"]) > 0
    assert doc["costs"]["totals"]["cost_usd"] == 0 and doc["metrics"]["stage_seconds"]["chunks"] > 0


def test_process_says_when_it_reused_the_outputs(api_env):
    """A reused video printed '124.2 s in stages' (the earlier run's) for a 5-second command."""
    ran = CliRunner().invoke(main, ["process", str(SAMPLE), "--min-chunk-duration", "30"])
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "meeting\n" and "outputs reused" in ran.stderr and " s in stages" not in ran.stderr


def test_a_touched_or_copied_back_video_is_not_processed_again(api_env):
    """`touch meeting.mp4` (or a copy put back in place: new mtime, same bytes) made `halo process`
    run all 14 stages again, paying Gemini again, and `halo ask PATH` process it again with the
    default settings. The bytes decide: outputs reused, no run, and the registry keeps the new
    fingerprint (with the hash) so the next check hashes nothing."""
    from dagster import DagsterInstance

    from halo import registry

    instance = DagsterInstance.get()
    runs = len(instance.get_run_records())
    original = SAMPLE.stat()
    try:
        os.utime(SAMPLE, ns=(original.st_atime_ns, original.st_mtime_ns + 60 * 10**9))  # touch
        ran = CliRunner().invoke(main, ["process", str(SAMPLE), "--min-chunk-duration", "30"])
        assert ran.exit_code == 0 and ran.stdout == "meeting\n" and "outputs reused" in ran.stderr, ran.output
        assert registry.lookup("meeting").fingerprint == registry.current_fingerprint(SAMPLE)

        copy = SAMPLE.with_name(".meeting.copy.mp4")
        copy.write_bytes(SAMPLE.read_bytes())
        os.replace(copy, SAMPLE)  # copied back in place
        asked = CliRunner().invoke(main, ["ask", str(SAMPLE), PRICE_QUERY["query"], "--session", "touched"])
        assert asked.exit_code == 0 and asked.stdout.strip(), asked.output
        added = CliRunner().invoke(main, ["add", str(SAMPLE)])
        assert added.exit_code == 0 and added.stdout == "meeting\n", added.output
        again = CliRunner().invoke(main, ["process", str(SAMPLE), "--min-chunk-duration", "30"])
        assert again.exit_code == 0 and "outputs reused" in again.stderr, again.output
        assert len(instance.get_run_records()) == runs  # nothing ran
    finally:
        os.utime(SAMPLE, ns=(original.st_atime_ns, original.st_mtime_ns))


def test_ask_path_after_a_run_that_failed_at_the_summaries_finishes_the_run_first(api_env, monkeypatch):
    """`halo ask PATH` after a run that failed at chunk_summaries (a Gemini outage) answered from
    chunks with no summaries and left the run unfinished. It now runs what is missing or
    outdated first, as `halo process` would, but whatever settings made the rest: the chunks the
    failed run stored (45-s minimum; `halo ask` has the 20-s default) stay, the summaries and
    what follows from them run, then the question is answered."""
    import pandas as pd
    from dagster import DagsterEventType, DagsterInstance

    from halo.errors import RunFailed
    from halo.models import CacheConfig, ChunkingConfig, GeminiConfig
    from halo.stages import llm
    from halo_cli.pipeline import HALOPipeline

    def outage(*args, **kwargs):
        raise HaloError("Gemini chunk_summary for video 'meeting' failed with HTTP 503 UNAVAILABLE after 4 retries")

    def settings(minimum: float) -> HALOPipeline:
        return HALOPipeline(ChunkingConfig(min_chunk_duration=minimum), CacheConfig(),
                            GeminiConfig(model_name="gemini-1.5-flash", use_mock=True))

    instance = DagsterInstance.get()
    with monkeypatch.context() as mp:
        mp.setattr(llm, "chunk_summaries", outage)
        with pytest.raises(RunFailed, match="503"):
            settings(45.0).process_video(SAMPLE)
    failed_chunks = load_output("chunks", "meeting")
    before = {r.dagster_run.run_id for r in instance.get_run_records()}
    asked = CliRunner().invoke(main, ["ask", str(SAMPLE), PRICE_QUERY["query"], "--session", "after-outage"])
    assert asked.exit_code == 0 and asked.stdout.strip(), asked.output
    [run_id] = {r.dagster_run.run_id for r in instance.get_run_records()} - before
    ran = {r.event_log_entry.dagster_event.asset_key.to_user_string() for r in instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION).records}
    assert ran == {"chunk_summaries", "video_summary", "cost_ledger"}, ran
    assert pd.testing.assert_frame_equal(load_output("chunks", "meeting"), failed_chunks) is None
    assert load_output("chunk_summaries", "meeting")["chunk_id"].tolist() == failed_chunks["chunk_id"].tolist()
    # the ask's run counts as the 45-s chunks it summarized: the failed run's settings run nothing
    # more (tagged with the ask's 20-s settings, it re-chunked and re-summarized the video)
    assert settings(45.0).process_video(SAMPLE)[2]["run_id"] is None
    settings(30.0).process_video(SAMPLE)  # the settings the other tests of this session use, back


def test_a_question_that_fails_after_processing_still_prints_the_id_and_how_to_ask_again(api_env, tmp_path,
                                                                                         monkeypatch):
    """`halo process X --query Q` whose question failed (here Gemini unreachable; a budget refusal
    is the same) after the processing succeeded printed no video id, so the user could not
    `halo ask ID` later. The id is printed as on success, the export written, and the one error
    line names the id and the command that asks again; the exit code stays 1."""
    from halo.llm.gemini import GeminiCallError
    from halo.llm.service import LLMService

    def unreachable(self, req, **kwargs):
        raise GeminiCallError(f"Gemini qa for video {self.video_id!r} could not reach the API at "
                              "http://127.0.0.1:1: ConnectError. Check the network.")

    question = "What did they decide about the remote's price?"
    out = tmp_path / "meeting.json"
    with monkeypatch.context() as patched:
        patched.setattr(LLMService, "ask", unreachable)
        ran = CliRunner().invoke(main, ["process", str(SAMPLE), "--min-chunk-duration", "30", "--query", question,
                                        "--export", str(out)])
    assert ran.exit_code == 1 and ran.stdout == "meeting\n", ran.output
    [error] = [line for line in ran.stderr.splitlines() if line.startswith("Error:")]
    assert "could not reach the API" in error and f"`halo ask meeting {shlex.quote(question)}`" in error, error
    assert json.loads(out.read_text())["video_id"] == "meeting"
    asked = CliRunner().invoke(main, ["ask", "meeting", question])  # the command the error names, once Gemini is back
    assert asked.exit_code == 0 and asked.stdout.strip(), asked.output


@pytest.mark.parametrize("video", ["meeting", str(SAMPLE)], ids=["by-id", "by-path"])
def test_ask_cites_the_span_the_truth_names(api_env, video):
    ran = CliRunner().invoke(main, ["ask", video, PRICE_QUERY["query"], "--session", "cli", "--json"])
    assert ran.exit_code == 0, ran.output
    answer = answer_of(ran.stdout)
    assert answer.video_id == "meeting" and answer.backend in ("local", "cache")
    assert overlaps_truth(answer, PRICE_QUERY), answer.citations
    assert_cited_spans(answer, load_output("chunks", "meeting"), TRUTH)


def test_export_to_stdout_is_json_only(api_env):
    ran = CliRunner().invoke(main, ["export", "meeting", "-"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["video_id"] == "meeting"


BAD = [
    (["ask", "nosuchvideo", "What happened?"], "Unknown video 'nosuchvideo'"),
    (["ask", "{missing}", "What happened?"], "No video file at"),
    (["process", "{missing}"], "No video file at"),
    (["ask", "meeting", "   "], "Empty question"),
    (["ask", "meeting", "why " * 25_000], "limit 2,000"),
    (["--model", "gemini-1.5-flash", "ask", "meeting", "What happened?"], "was shut down on 2025-09-24"),
    (["--model", "gemini-1.5-pro", "process", str(SAMPLE)], "Set --model to a current model"),
    (["report", "../../etc"], "Invalid video id"),
    (["report", "nosuchvideo"], "Unknown video 'nosuchvideo'"),
    (["report", "nosuchvideo", "--json"], "Unknown video 'nosuchvideo'"),
    (["export", "nosuchvideo", "{out}"], "no stored chunks"),
    (["export", "meeting", "{blocked}/out.json"], "export of video 'meeting' was not written"),
    (["process", str(SAMPLE), "--min-chunk-duration", "400"], "400 s is longer than max_chunk_duration 300 s"),
    (["ask", "meeting", "What happened?", "--session", "../x"], "session"),
]


@pytest.mark.parametrize("argv,message", BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_user_errors_exit_1_with_one_line(api_env, tmp_path, argv, message):
    (tmp_path / "blocked").write_text("a file where the export's folder should be")
    argv = [a.format(missing=tmp_path / "missing.mp4", out=tmp_path / "out.json", blocked=tmp_path / "blocked")
            for a in argv]
    ran = CliRunner().invoke(main, argv)
    assert ran.exit_code == 1, ran.output
    assert len(ran.output.strip().splitlines()) == 1 and message in ran.output, ran.output
    assert ran.exception is None or isinstance(ran.exception, SystemExit)
    assert not (tmp_path / "out.json").exists()


def test_dead_redis_url_is_named(api_env, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")
    ran = CliRunner().invoke(main, ["cache", "stats"])
    assert ran.exit_code == 1 and "REDIS_URL redis://***@127.0.0.1:1/0" in ran.output
    assert "embedded" not in ran.output.split("unset")[0] and "hunter2" not in ran.output


def test_gemini_timeout_and_model_reach_the_resource(api_env):
    ctx = main.make_context("halo", ["--gemini-timeout", "7.5", "--model", "gemini-2.5-flash-lite", "sessions", "x"])
    with ctx:
        ctx.invoke(main.callback, **ctx.params)
        gemini = _pipeline(ctx).resources()["gemini"]
    assert gemini.timeout_s == 7.5 and gemini.flash_model == "gemini-2.5-flash-lite"


def test_stdout_holds_only_the_id_and_a_failed_step_is_one_line(tmp_path):
    """`id=$(halo add VIDEO --run)` while whisperx and Dagster log; then a run whose `chunks` step
    fails (a corrupt PPO policy, on a recording with speech: a video without speech is cut at its
    scenes, policy or not): its reason in one line, no traceback. Real runs, in subprocesses."""
    from halo_tests.synth_media import sample_speech, write_podcast

    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    with pytest.MonkeyPatch.context() as mp:
        project_env(mp, tmp_path)
        env.update({k: os.environ[k] for k in ("HALO_DATA_DIR", "DAGSTER_HOME")})
    for k in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "REDIS_URL", "HALO_ENV"):
        env.pop(k, None)
    video = write_podcast(tmp_path / "Stand Up.m4a", sample_speech(8.0))

    def halo(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "halo", *argv], env=env, capture_output=True,
                              text=True, timeout=900)

    ran = halo("add", str(video), "--run")
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout == "stand-up\n"
    assert "video_summary done" in ran.stderr and "Traceback" not in ran.stderr

    policy = tmp_path / "data" / "models" / "chunking_policy" / "policy.zip"
    policy.parent.mkdir(parents=True)
    policy.write_bytes(b"not a zip")
    failed = halo("process", str(video), "--use-rl-chunker")
    assert failed.returncode == 1 and failed.stdout == ""
    errors = [line for line in failed.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Processing stand-up" in errors[0] and "chunks:" in errors[0], failed.stderr
    assert "Traceback" not in failed.stderr and len(failed.stderr.splitlines()) < 40, failed.stderr


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_session_help_says_which_names_are_accepted(command):
    """`halo ask --session NEW` was refused although --help only said "Conversation to continue"."""
    from halo.qa.sessions import SESSION_NAMES, validate_session_id

    shown = " ".join(CliRunner().invoke(main, [command, "--help"]).output.split())
    assert SESSION_NAMES in shown
    with pytest.raises(HaloError, match=re.escape(SESSION_NAMES)):
        validate_session_id("NEW")


@pytest.mark.parametrize("argv", [["process", str(SAMPLE)], ["ask", "meeting", "What happened?"], ["report", "meeting"]],
                         ids=["process", "ask", "report"])
def test_a_retired_model_flag_is_refused_naming_the_flag(tmp_path, monkeypatch, argv):
    """2026-12-01: gemini-2.5-flash shut down. `halo --model gemini-2.5-flash ...` was refused with
    "Set flash_model/pro_model to a current model ... Or use_mock=True", settings the command
    line does not have; the fix it names must be the flag."""
    import datetime as dt

    import halo.llm.pricing

    project_env(monkeypatch, tmp_path)
    monkeypatch.setattr(halo.llm.pricing, "today", lambda: dt.date(2026, 12, 1))
    ran = CliRunner().invoke(main, ["--model", "gemini-2.5-flash", *argv])
    assert ran.exit_code == 1 and len(ran.output.strip().splitlines()) == 1, ran.output
    assert "'gemini-2.5-flash' was shut down on 2026-12-01" in ran.output
    assert "Set --model to a current model: gemini-3.5-flash-lite" in ran.output
    assert "Or leave --model out" in ran.output
    assert "flash_model" not in ran.output and "use_mock" not in ran.output
    assert not (tmp_path / "data" / "registry.json").exists()  # refused before anything

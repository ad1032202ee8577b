"""A repeated `halo ask` is answered from the exact cache by a process that loads no model, no
Dagster and no pandas, and gives the first answer again (halo.qa.cached)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bench.samplegen import load_truth
from halo.llm.ledger import read_ledger
from halo.paths import PROJECT_ROOT
from halo.qa import load_session
from halo_cli.cli import main

HEAVY = ("dagster", "halo_assets", "halo_resources", "torch", "sentence_transformers", "pandas", "pyarrow",
         "faiss", "google.genai")
#: Runs the CLI as `python -m halo` does, then lists which of HEAVY the process imported.
PROBE = (
    "import json, sys\n"
    "from halo_cli.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    f"sys.stderr.write('LOADED ' + json.dumps([m for m in {HEAVY!r} if m in sys.modules]) + '\\n')\n"
    "sys.exit(code)\n"
)


def ask_process(*args: str) -> tuple[dict, list[str]]:
    """(the answer's JSON, heavy modules imported) of one `halo ask ... --json` process."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE, "ask", *args, "--json"], capture_output=True, text=True,
                         env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    loaded = next(line for line in out.stderr.splitlines() if line.startswith("LOADED "))
    return json.loads(out.stdout), json.loads(loaded.removeprefix("LOADED "))


def test_a_repeated_question_loads_nothing_heavy_and_repeats_the_first_answer(
        sample_root, cache, no_key_env, redis_url, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    question = "Which animals did they draw?"
    first = CliRunner().invoke(main, ["ask", "meeting", question, "--session", "first", "--json"])
    assert first.exit_code == 0, first.output
    first = json.loads(first.stdout)
    assert first["backend"] == "local" and first["citations"]

    again, loaded = ask_process("meeting", f"  {question} ", "--session", "again")
    assert loaded == []
    assert again["cache_tier"] == "L1" and again["backend"] == "cache" and again["cost_usd"] == 0
    for field in ("response_text", "citations", "standalone", "naive_tokens", "naive_cost_usd"):
        assert again[field] == first[field], field
    animals = next(t for t in load_truth()["topics"] if "animal" in t["title"].lower())
    assert all(animals["start"] - 1 <= c["start"] <= animals["end"] for c in again["citations"])

    turn = load_session("meeting", "again").turns[-1]
    assert (turn.answer, turn.cache_tier, turn.citations) == (
        first["response_text"], "L1", load_session("meeting", "first").turns[-1].citations)
    ledger = read_ledger("meeting")
    assert ledger.iloc[-1][["backend", "cache_tier", "cost_usd", "purpose", "asset"]].tolist() == [
        "cache", "L1", 0.0, "qa", "qa"]
    assert not list((sample_root / "ledger" / "meeting").glob("*.jsonl"))  # compacted by the read


def test_what_the_fast_path_cannot_vouch_for_goes_the_full_way(sample_root, cache, no_key_env, redis_url,
                                                                monkeypatch):
    from halo.qa.cached import answer_from_cache, memo_path

    monkeypatch.setenv("REDIS_URL", redis_url)
    question = "Which animals did they draw?"
    assert answer_from_cache("meeting", question, "s") is None  # nothing cached, no memo
    assert CliRunner().invoke(main, ["ask", "meeting", question, "--session", "s"]).exit_code == 0
    assert answer_from_cache("meeting", "who said that?", "s") is None  # a follow-up needs the rewrite
    assert answer_from_cache("meeting", "What did they say about the budget?", "t") is None  # a miss
    monkeypatch.setenv("HALO_ENV", "prod")
    assert answer_from_cache("meeting", question, "t") is None
    monkeypatch.delenv("HALO_ENV")
    assert answer_from_cache("meeting", question, "t").turn.cache_tier == "L1"
    (sample_root / "parquet" / "utterances" / "meeting.parquet").touch()  # outputs changed since
    assert answer_from_cache("meeting", question, "u") is None
    assert memo_path("meeting").is_file()


def test_the_fast_path_is_keyed_and_configured_as_the_full_path(sample_root, no_key_env, redis_url, monkeypatch):
    """Same request as Conversation's exact-cache probe; same settings as get_resources()."""
    from halo.qa.cached import light_service, qa_request
    from halo_cli.pipeline import HALOPipeline
    from halo_resources.environments import get_resources

    monkeypatch.setenv("REDIS_URL", redis_url)
    convo = HALOPipeline().conversation("meeting", "k")
    full = convo._request("What was decided?", "What was decided?", "", [])
    fast = qa_request("k", 0, "What was decided?", "What was decided?", convo.video.duration_s, convo.video.outputs)
    fields = ("item_id", "parts", "cache_query", "purpose", "system", "semantic", "naive_seconds", "naive_streams",
              "evidence", "cache_version")
    assert [getattr(fast, f) for f in fields] == [getattr(full, f) for f in fields]
    for env, key in (("local", ""), ("local", "k-123"), ("ci", "k-123")):
        monkeypatch.setenv("HALO_ENV", env)
        monkeypatch.setenv("GEMINI_API_KEY", key)
        resources = get_resources()
        gemini = resources["gemini"].process_config_and_initialize()
        service = light_service("meeting", "k")
        assert (service.backend, service.settings) == (gemini.backend, gemini.settings())
        assert service.plan_model(fast)[0] == gemini.service("meeting", "qa").plan_model(full)[0]
        assert service.cache.config == resources["cache"].process_config_and_initialize().get_cache().config


@pytest.mark.parametrize("kind", ["an audio-only file", "a video without sound"])
def test_a_file_is_audited_against_the_streams_it_has(sample_root, cache, no_key_env, redis_url, monkeypatch, kind):
    """A podcast has no frames to send: answers (new and from the cache), the ledger and `halo report`
    priced its naive baseline as a video's (258 tokens of pictures per second beside the 32 of sound).
    A video without an audio track has no sound to send: they counted its 32 tokens a second."""
    import pandas as pd

    from halo.llm.baseline import ANSWER_TOKENS, MediaStreams, media_usd
    from halo.qa.cached import answer_from_cache, memo_path
    from halo.report import report_json
    from halo.storage import write_parquet_atomic

    monkeypatch.setenv("REDIS_URL", redis_url)
    probe_path = sample_root / "parquet" / "video_file" / "meeting.parquet"
    probe = pd.read_parquet(probe_path)
    if kind == "an audio-only file":  # the sample as an .m4a
        streams, probe = MediaStreams(video=False), probe.assign(has_video=False, fps=0.0, width=0, height=0)
    else:  # the sample with its audio track removed
        streams, probe = MediaStreams(audio=False), probe.assign(has_audio=False)
    write_parquet_atomic(probe, probe_path)
    duration = float(probe["duration_s"].iloc[0])
    # what is sent: 32 tokens a second of sound, or 258 a frame at 1 fps
    sent = math.ceil(duration * 32) if kind == "an audio-only file" else math.ceil(duration) * 258
    question = "Which animals did they draw?"
    first = CliRunner().invoke(main, ["ask", "meeting", question, "--session", "first", "--json"])
    assert first.exit_code == 0, first.output
    again, _ = ask_process("meeting", question, "--session", "again")
    assert again["cache_tier"] == "L1"
    assert json.loads(first.stdout)["naive_tokens"] == again["naive_tokens"] == sent
    assert read_ledger("meeting")["naive_tokens"].tolist() == [sent, sent]
    report = report_json("meeting")
    assert report["naive_tokens"] == 2 * sent
    assert report["naive_default_usd_per_question"] == pytest.approx(
        media_usd(report["baseline_model"], duration, ANSWER_TOKENS, streams=streams))
    memo = json.loads(memo_path("meeting").read_text())
    del memo["streams"]
    memo_path("meeting").write_text(json.dumps({**memo, "version": 2}))  # as the release before wrote it
    assert answer_from_cache("meeting", question, "old") is None  # the full path answers, and memos again


def test_the_halo_process_leaves_its_answer_session_and_ledger_whole(sample_root, no_key_env, fresh_redis,
                                                                     monkeypatch):
    """`python -m halo ask` skips the interpreter's teardown after a light answer (halo_cli.cli._leave):
    the answer on stdout, the saved turns and the ledger rows are all there, new and repeated."""
    monkeypatch.setenv("REDIS_URL", fresh_redis)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    question = "Which animals did they draw?"
    answers = []
    for session in ("p1", "p2"):
        out = subprocess.run([sys.executable, "-m", "halo", "ask", "meeting", question, "--session", session, "--json"],
                             capture_output=True, text=True, env=env, timeout=600)
        assert out.returncode == 0, out.stderr
        answers.append(json.loads(out.stdout))
    first, again = answers
    assert (first["backend"], again["cache_tier"]) == ("local", "L1")
    assert again["response_text"] == first["response_text"] and again["citations"] == first["citations"]
    animals = next(t for t in load_truth()["topics"] if "animal" in t["title"].lower())
    assert all(animals["start"] - 1 <= c["start"] <= animals["end"] for c in again["citations"])
    assert [load_session("meeting", s).turns[-1].answer for s in ("p1", "p2")] == [first["response_text"]] * 2
    assert read_ledger("meeting")[["backend", "cache_tier"]].values.tolist()[-2:] == [["local", ""], ["cache", "L1"]]


def _rerun(shift_s: float) -> None:
    """Store the meeting's outputs again as a re-run writes them (new files), every time moved
    by ``shift_s`` (0: the same outputs recomputed, e.g. a scheduled backfill)."""
    from halo.storage import write_parquet_atomic
    from halo.store import load_output, output_path

    for asset, columns in (("video_file", ["duration_s"]), ("chunks", ["start", "end"]),
                           ("utterances", ["start", "end"]), ("qa_index", ["start", "end"])):
        frame = load_output(asset, "meeting")
        write_parquet_atomic(frame.assign(**{c: frame[c] + shift_s for c in columns}), output_path(asset, "meeting"))


def test_answers_cached_from_other_outputs_of_the_video_are_never_served(sample_root, cache, no_key_env,
                                                                         redis_url, monkeypatch):
    """A re-run into the same outputs keeps the cached answer (full and light path); one into
    other outputs answers afresh, citing the new times, and that answer is then cached."""
    from halo.qa.cached import answer_from_cache
    from halo.store import load_output

    monkeypatch.setenv("REDIS_URL", redis_url)
    question = "Which animals did they draw?"
    starts = set(load_output("utterances", "meeting")["start"].round(2))

    def ask(session: str) -> dict:
        out = CliRunner().invoke(main, ["ask", "meeting", question, "--session", session, "--json"])
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)

    def said(answer: dict) -> set[float]:
        """Starts of the cited speech (a quoted slide is cited at the time in the chunk's text)."""
        return {c["start"] for c in answer["citations"] if not c["on_screen"]}

    first = ask("a")
    assert first["backend"] == "local" and first["citations"]

    _rerun(0.0)
    assert answer_from_cache("meeting", question, "b") is None  # new files: the light path cannot vouch
    same = ask("b")
    assert (same["cache_tier"], same["response_text"], same["citations"]) == (
        "L1", first["response_text"], first["citations"])
    assert answer_from_cache("meeting", question, "c").turn.cache_tier == "L1"  # and then it can again

    _rerun(3.0)
    assert answer_from_cache("meeting", question, "d") is None
    moved = ask("d")
    assert (moved["backend"], moved["cache_tier"]) == ("local", "")
    assert said(first) and said(first) <= starts
    assert said(moved) and said(moved) <= {round(s + 3, 2) for s in starts} - starts
    again = answer_from_cache("meeting", question, "e")
    assert again.turn.cache_tier == "L1" and again.cited == moved["citations"]


def test_outputs_stored_again_while_a_question_is_answered_are_not_vouched_for(sample_root, cache, no_key_env,
                                                                               redis_url, monkeypatch):
    """The memo is stamped with the files the answer was drawn from, not those found after it."""
    from halo.qa.cached import answer_from_cache
    from halo_cli.pipeline import HALOPipeline, answer_in

    monkeypatch.setenv("REDIS_URL", redis_url)
    question = "Which animals did they draw?"
    convo = HALOPipeline().conversation("meeting", "a")
    _rerun(3.0)  # processed again after the outputs were loaded, before the answer is remembered
    assert answer_in(convo, question).backend == "local"
    assert answer_from_cache("meeting", question, "b") is None

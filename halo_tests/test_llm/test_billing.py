"""Billing what was served, against the local Gemini REST server with the real google-genai client:
rerouted models, non-answers, implicit/explicit cache tokens, batch prices, the startup model
check, ledger-first commits and budget reservations of parallel calls."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from halo.errors import BudgetExceeded
from halo.llm.baseline import IMAGE_TOKENS_LOW
from halo.llm.gemini import estimate_tokens
from halo.llm.ledger import LedgerWriteError, read_ledger
from halo.llm.local import summarize_text
from halo.llm.pricing import DEFAULT_FLASH_MODEL, call_cost_usd
from halo.llm.service import NonAnswer, Request, ask_session
from halo.llm.summarize import ChunkTask, summarize_chunks
from halo.llm.prompts import PROMPT_VERSION
from halo_resources.cache import CacheResource
from halo_resources.gemini import GeminiResource, ModelNotUsable

VIDEO = "meeting"
TEXT = "The team chose a rubber case and a kinetic battery for the remote control. "


def service(cache=None, **kw):
    return GeminiResource(retry_initial_delay_s=0.01, timeout_s=5.0, **kw).service(VIDEO, "chunk_summaries", "run-1", cache)


def request(i: int, text: str = TEXT * 20, system: str = "Summarise the part of the meeting.") -> Request:
    return Request(item_id=str(i), parts=[f"TRANSCRIPT: part {i}. {text}"], cache_query=f"part {i} {text}",
                   purpose="chunk_summary", local=lambda: summarize_text(text), system=system)


def billed(r: dict) -> tuple[int, int, int]:
    return r["promptTokenCount"], r.get("cachedContentTokenCount", 0), r["candidatesTokenCount"] + r["thoughtsTokenCount"]


def test_a_rerouted_call_is_priced_as_the_model_that_served_it(data_root, gemini_env, caplog, monkeypatch):
    import datetime as dt

    import halo.llm.pricing

    monkeypatch.setattr(halo.llm.pricing, "today", lambda: dt.date(2026, 11, 30))  # 2.5 Pro not yet shut down
    caplog.set_level(logging.WARNING)
    # Google routes gemini-2.5-pro to gemini-3.8-flash (different prices) once it is retired
    gemini_env.served_as = {"gemini-2.5-pro": "gemini-3.8-flash"}
    svc = service(pro_model="gemini-2.5-pro")  # still accepted on 2026-11-30, with a warning
    req = request(0)
    req.hard = True  # the pro model's task
    answer = svc.ask(req)
    row = read_ledger(VIDEO).iloc[0]
    assert (row["requested_model"], row["model"]) == ("gemini-2.5-pro", "gemini-3.8-flash")
    reported = gemini_env.reported[-1]
    assert reported["model"] == "gemini-3.8-flash"
    assert row["cost_usd"] == pytest.approx(call_cost_usd("gemini-3.8-flash", *billed(reported)), rel=1e-12)
    assert row["cost_usd"] < 0.6 * call_cost_usd("gemini-2.5-pro", *billed(reported))
    assert "asked for gemini-2.5-pro, served by gemini-3.8-flash" in answer.record.model_reason
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "served by gemini-3.8-flash" in messages and "shuts down on 2026-12-01" in messages


@pytest.mark.parametrize("fault", ["safety", "prompt_blocked", "empty"])
def test_a_non_answer_is_ledgered_never_cached_and_asked_again(data_root, gemini_env, fresh_redis, fault):
    cache = CacheResource(redis_url=fresh_redis).get_cache()
    gemini_env.faults = [fault]
    req = request(1)
    with pytest.raises(NonAnswer, match=r"no answer for chunk_summary '1' of video 'meeting'.*re-run asks again"):
        service(cache).ask(req)
    ledger = read_ledger(VIDEO)
    assert len(ledger) == 1 and ledger.iloc[0]["non_answer"] and ledger.iloc[0]["cost_usd"] > 0
    assert cache.lookup(VIDEO, req.cache_query, model=DEFAULT_FLASH_MODEL, prompt_version=PROMPT_VERSION,
                        semantic=False) is None
    again = service(cache).ask(request(1))  # the re-run asks Gemini again and gets an answer
    assert gemini_env.count(":generateContent") == 2 and again.text.startswith("Summary:")
    assert len(read_ledger(VIDEO)) == 2
    assert service(cache).ask(request(1)).record.cache_tier == "L1"  # the real answer is cached


def test_a_blocked_chunk_is_not_written_as_a_summary(data_root, gemini_env):
    gemini_env.faults = ["safety"]
    tasks = [ChunkTask(i, 60.0 * i, 60.0 * (i + 1), TEXT * 5) for i in range(3)]
    with pytest.raises(NonAnswer):
        summarize_chunks(service(), tasks, batch_size=1)
    ledger = read_ledger(VIDEO)
    assert len(ledger) == len(gemini_env.reported)  # ledger rows = calls billed, the blocked one included
    assert (ledger["non_answer"] != "").sum() == 1


def test_implicit_cache_tokens_land_in_the_ledger(data_root, gemini_env):
    gemini_env.implicit_min_tokens = 1024
    context = "CONTEXT: " + TEXT * 100  # ~1,900 tokens, first in the prompt, the question last
    svc = service()
    for i in range(3):
        svc.ask(Request(item_id=f"q{i}", parts=[context, f"QUESTION: what about item {i}?"],
                        cache_query=f"question {i}", purpose="qa", local=str, system="Answer briefly."))
    ledger = read_ledger(VIDEO)
    reported = gemini_env.reported
    assert [r.get("cachedContentTokenCount", 0) for r in reported][0] == 0
    assert all(r["cachedContentTokenCount"] >= 1024 for r in reported[1:])
    assert ledger["cached_tokens"].tolist() == [r.get("cachedContentTokenCount", 0) for r in reported]
    assert ledger["input_tokens"].tolist() == [r["promptTokenCount"] for r in reported]  # cached not added twice
    for (_, row), r in zip(ledger.iterrows(), reported):
        assert row["cost_usd"] == pytest.approx(call_cost_usd(DEFAULT_FLASH_MODEL, *billed(r)), rel=1e-12)
    assert ledger["cost_usd"].iloc[1] < 0.5 * ledger["cost_usd"].iloc[0]


def test_explicit_context_cache_session_lands_in_the_ledger(data_root, gemini_env):
    caching = "gemini-3.5-flash-lite"  # a model where a cache pays for ten questions (not the default)
    svc = GeminiResource(retry_initial_delay_s=0.01, flash_model=caching).service(VIDEO, "qa", "run-1")
    questions = [f"What did the team decide about item {i}?" for i in range(10)]
    ask_session(svc, TEXT * 1000, questions)  # use_context_cache comes from GeminiResource
    ledger = read_ledger(VIDEO)
    q = ledger[ledger["purpose"] == "question"]
    ctx = gemini_env.reported[0]["promptTokenCount"]
    assert len(q) == 10 and (q["cached_tokens"] == ctx).all()
    assert set(ledger["purpose"]) == {"context_cache_create", "context_cache_storage", "question"}
    assert gemini_env.count("/cachedContents") == 1  # created once, kept for its TTL
    off = GeminiResource(use_context_cache=False, flash_model=caching).service(VIDEO, "qa", "run-2")
    ask_session(off, TEXT * 1000, [f"Who spoke about item {i}?" for i in range(10)])
    assert gemini_env.count("/cachedContents") == 1  # the resource switch is read


def test_batch_backfill_is_ledgered_at_the_batch_price(data_root, gemini_env):
    gemini_env.batch_polls_before_done = 1
    svc = service()
    reqs = [request(i) for i in range(3)]
    answers = svc.ask_batch_api(reqs, poll_s=0.01)
    assert set(answers) == {"0", "1", "2"} and gemini_env.count(":batchGenerateContent") == 1
    ledger = read_ledger(VIDEO)
    assert ledger["batch"].all() and len(ledger) == 3
    for (_, row), r in zip(ledger.sort_values("item_id").iterrows(), gemini_env.reported):
        full = call_cost_usd(DEFAULT_FLASH_MODEL, *billed(r))
        assert row["cost_usd"] == pytest.approx(0.5 * full, rel=1e-12)


@pytest.mark.parametrize("model,pattern", [
    ("gemini-1.5-flash", r"shut down on 2025-09-24.*current model: .*gemini-3.5-flash-lite"),
    ("gemini-2.0-flash", r"shut down on 2026-06-01"),
    ("gemini-9-ultra", r"No price for model 'gemini-9-ultra'.*price_overrides"),
])
def test_unknown_or_retired_model_fails_before_any_request(data_root, gemini_env, model, pattern):
    with pytest.raises(ModelNotUsable, match=pattern):
        service(flash_model=model)
    assert gemini_env.requests == [] and read_ledger(VIDEO).empty
    # a price override makes an unknown model usable, billed at that price
    svc = service(flash_model="gemini-9-ultra", price_overrides={"gemini-9-ultra": {"input_per_m": 1.0, "output_per_m": 2.0, "cached_per_m": 0.1}})
    svc.ask(request(0))
    r = gemini_env.reported[-1]
    p, _, o = billed(r)
    assert read_ledger(VIDEO)["cost_usd"].iloc[0] == pytest.approx((p * 1.0 + o * 2.0) / 1e6)


def test_unwritable_ledger_stops_the_run_and_nothing_is_cached(data_root, gemini_env, fresh_redis):
    cache = CacheResource(redis_url=fresh_redis).get_cache()
    (data_root / "ledger").write_text("not a directory")  # the ledger store cannot be written
    tasks = [ChunkTask(i, 60.0 * i, 60.0 * (i + 1), TEXT * 5) for i in range(4)]
    with pytest.raises(LedgerWriteError, match=r"ledger row.*billed.*meeting.*nothing was cached.*writable"):
        summarize_chunks(service(cache), tasks, batch_size=4)
    assert gemini_env.count(":generateContent") >= 1
    from halo.llm.summarize import chunk_request
    for t in tasks:
        q = chunk_request(t).cache_query
        assert cache.lookup(VIDEO, q, model=DEFAULT_FLASH_MODEL, prompt_version=PROMPT_VERSION, semantic=False) is None
    (data_root / "ledger").unlink()  # fixed: the re-run pays again and ledgers every call
    before = len(gemini_env.reported)
    summarize_chunks(service(cache), tasks, batch_size=4)
    assert len(read_ledger(VIDEO)) == len(gemini_env.reported) - before == len(tasks)


def test_parallel_reservations_do_not_fail_a_budget_the_real_spend_fits(data_root, gemini_env):
    gemini_env.generate_delay_s = 0.3  # all eight calls are in flight together
    tasks = [ChunkTask(i, 60.0 * i, 60.0 * (i + 1), TEXT * 8) for i in range(8)]
    probe = service()
    est = [estimate_tokens([f"x {t.text}"], IMAGE_TOKENS_LOW) for t in tasks]
    worst = sum(call_cost_usd(DEFAULT_FLASH_MODEL, e, 0, probe.settings.max_output_tokens) for e in est)
    budget = worst / 8  # worst-case reservations of the eight would not fit, not even three of them
    df = summarize_chunks(service(budget_usd_per_video=budget), tasks, batch_size=8)
    spent = read_ledger(VIDEO)["cost_usd"].sum()
    assert len(df) == 8 and (df["summary"] != "").all() and spent <= budget
    # and a budget the real spend does not fit still stops before paying for the rest
    with pytest.raises(BudgetExceeded, match="budget_usd_per_video"):
        summarize_chunks(service(budget_usd_per_video=spent * 1.2), [ChunkTask(i + 8, 0, 60, TEXT * 8 + str(i)) for i in range(8)], batch_size=8)
    assert read_ledger(VIDEO)["cost_usd"].sum() <= spent * 1.2 + 1e-9
    assert isinstance(read_ledger(VIDEO), pd.DataFrame)


def test_report_json_gives_halo_and_every_baseline_per_question(data_root, gemini_env):
    from click.testing import CliRunner

    from halo_cli.cli import main
    from halo.llm.baseline import baselines_per_question
    from halo.store import parquet_root
    from halo.storage import write_parquet_atomic

    write_parquet_atomic(pd.DataFrame([{"duration_s": 3600.0}]), parquet_root() / "video_file" / f"{VIDEO}.parquet")
    svc = service()
    svc.ask(request(0))  # ingest: one chunk summary
    qa = GeminiResource(retry_initial_delay_s=0.01).service(VIDEO, "qa", "")
    for i in range(2):
        qa.ask(Request(item_id=f"q{i}", parts=[f"CONTEXT: {TEXT}\nQUESTION: item {i}?"], cache_query=f"q{i}",
                       purpose="qa", local=str))
    result = CliRunner().invoke(main, ["report", VIDEO, "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    ledger = read_ledger(VIDEO)
    ingest = ledger.loc[ledger["purpose"] == "chunk_summary", "cost_usd"].sum()
    questions = ledger.loc[ledger["purpose"] == "qa", "cost_usd"]
    assert data["questions_asked"] == 2 and data["session_questions"] == 10
    assert data["halo_usd_per_question"] == pytest.approx(ingest / 10 + questions.mean(), rel=1e-6)
    answers = ledger.loc[ledger["purpose"] == "qa", "output_tokens"]
    assert data["answer_tokens"] == round(answers.mean())  # the baselines answer as long as HALO did
    base = baselines_per_question(DEFAULT_FLASH_MODEL, 3600.0, answer_tokens=data["answer_tokens"])
    for key in ("naive_default_usd_per_question", "naive_low_res_usd_per_question", "naive_smart_usd_per_question"):
        assert data[key] == pytest.approx(base[key])
    assert data["naive_smart_usd_per_question"] < data["naive_low_res_usd_per_question"] < data["naive_default_usd_per_question"]
    assert data["naive_smart_over_halo"] == pytest.approx(data["naive_smart_usd_per_question"] / data["halo_usd_per_question"], rel=1e-2)


def test_a_video_with_no_speech_makes_no_summary_call(data_root, gemini_env):
    from halo.llm.summarize import summarize_video

    svc = service()
    df = summarize_chunks(svc, [ChunkTask(i, 60.0 * i, 60.0 * (i + 1), " ") for i in range(3)])
    summary, chapters, answer = summarize_video(svc, df)
    assert (df["summary"] == "").all() and summary == "" and chapters == []
    assert gemini_env.requests == [] and read_ledger(VIDEO).empty and answer.record.cost_usd == 0


def test_an_answer_that_fails_to_parse_is_still_ledgered(data_root, gemini_env):
    from halo.llm.summarize import summarize_video

    gemini_env.faults = ["prose"]  # plain text where the JSON overview was asked for
    parts = pd.DataFrame({"chunk_id": [0, 1], "start": [0.0, 60.0], "end": [60.0, 120.0],
                          "summary": ["The team chose a rubber case.", "Marketing wants a fruit theme."]})
    summary, chapters, answer = summarize_video(service(), parts)
    ledger = read_ledger(VIDEO)
    assert len(ledger) == 1 and ledger.iloc[0]["cost_usd"] > 0 and ledger.iloc[0]["purpose"] == "video_summary"
    assert ledger.iloc[0]["cost_usd"] == pytest.approx(call_cost_usd(DEFAULT_FLASH_MODEL, *billed(gemini_env.reported[0])))
    assert summary.startswith("The meeting covered") and [c["start"] for c in chapters] == [0.0, 60.0]


def test_the_naive_baseline_of_the_local_backend_is_priced_when_its_model_has_no_price(data_root):
    """The seed's config (GeminiConfig(model_name="gemini-1.5-flash", use_mock=True)) names a
    retired, unpriced model: its baseline was $0 per question, so HALO seemed to save nothing."""
    from halo.llm.baseline import media_tokens
    from halo.llm.pricing import catalogue, media_cost_usd

    svc = GeminiResource(use_local=True, flash_model="gemini-1.5-flash").service(VIDEO, "qa", "qa-default")
    req = request(0)
    req.naive_seconds = 600.0
    svc.ask(req)
    svc.ledger.flush()
    row = read_ledger(VIDEO).iloc[0]
    t = media_tokens(600.0)
    assert row["backend"] == "local" and row["naive_tokens"] == t.total
    assert row["naive_cost_usd"] == pytest.approx(media_cost_usd(DEFAULT_FLASH_MODEL, t.visual, t.audio, 0, catalogue({})))
    assert row["naive_cost_usd"] > 0


@pytest.mark.parametrize("scenes_of", ["a video", "an audio-only file", "a video whose scenes came out empty",
                                       "a video without sound"])
def test_a_chunk_summary_s_baseline_sends_only_the_streams_the_file_has(data_root, scenes_of):
    """A podcast has no scenes and no frames to send: its chunk summaries' naive baseline counted
    258 tokens of pictures per second beside the 32 of sound, 9x its real price. Whether the file
    has a picture is the probe's fact (video_file.has_video), not the scenes table's: a picture
    in which scene detection found no scene (an unreadable stream duration) was priced as sound.
    Likewise a video without an audio track (video_file.has_audio) counted 32 tokens of sound a second."""
    from halo.llm.baseline import probed_streams
    from halo.llm.summarize import plan_chunks
    from halo.vision.scenes import empty_scenes

    video, sound = scenes_of != "an audio-only file", scenes_of != "a video without sound"
    probe = pd.DataFrame({"video_id": [VIDEO], "duration_s": [600.0], "has_video": [video], "has_audio": [sound]})
    scenes = pd.DataFrame({"scene_id": [0], "start": [0.0], "end": [600.0], "keyframe_path": [""]}) \
        if scenes_of in ("a video", "a video without sound") else empty_scenes()
    chunks = pd.DataFrame({"chunk_id": [0], "start": [0.0], "end": [600.0], "text": [TEXT * 20]})
    summarize_chunks(GeminiResource(use_local=True).service(VIDEO, "chunk_summaries", "run-1"),
                     plan_chunks(chunks, scenes, streams=probed_streams(probe)))
    row = read_ledger(VIDEO).iloc[0]
    assert row["naive_tokens"] == (600 * 258 if video else 0) + (600 * 32 if sound else 0)

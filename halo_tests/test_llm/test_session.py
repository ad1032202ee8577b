"""Multi-question sessions: Gemini context caching used only when cheaper, priced in the ledger
to the token the server reported (cached tokens at the cached rate, storage included)."""

from __future__ import annotations

import pytest

from halo.llm.ledger import read_ledger
from halo.llm.pricing import DEFAULT_FLASH_MODEL, cache_storage_usd, call_cost_usd, plan_context_cache
from halo.llm.service import ask_session
from halo_resources.gemini import GeminiResource

CONTEXT = "The team chose a rubber case and a kinetic battery for the remote control. " * 1000
QUESTIONS = [f"Question {i}: what did the team decide about item {i}?" for i in range(10)]
#: explicit context caching tests run on a model where a cache pays for ten questions: on the
#: default gemini-2.5-flash-lite, storage ($1/M/h) costs as much as the input it saves, so it never does
CACHING_MODEL = "gemini-3.5-flash-lite"


def service(**kw):
    kw.setdefault("flash_model", CACHING_MODEL)
    return GeminiResource(retry_initial_delay_s=0.01, **kw).service("meeting", "qa", "run-1")


def test_context_cache_session_is_cheaper_and_accounted(data_root, gemini_env):
    svc = service()
    answers = ask_session(svc, CONTEXT, QUESTIONS, naive_seconds=209.0)
    assert len(answers) == 10 and gemini_env.count("/cachedContents") == 1  # created once, reused
    ledger = read_ledger("meeting")
    reported = gemini_env.reported
    assert ledger["input_tokens"].sum() == sum(r["promptTokenCount"] for r in reported)
    assert ledger["cached_tokens"].sum() == sum(r.get("cachedContentTokenCount", 0) for r in reported)
    assert ledger["output_tokens"].sum() == sum(r.get("candidatesTokenCount", 0) + r.get("thoughtsTokenCount", 0) for r in reported)
    ctx = reported[0]["promptTokenCount"]
    assert reported[0]["kind"] == "cache_create" and all(r["cachedContentTokenCount"] == ctx for r in reported[1:])
    expected = call_cost_usd(CACHING_MODEL, ctx, 0, 0) + cache_storage_usd(CACHING_MODEL, ctx, 1.0) + sum(
        call_cost_usd(CACHING_MODEL, r["promptTokenCount"], ctx, r["candidatesTokenCount"] + r["thoughtsTokenCount"])
        for r in reported[1:])
    assert ledger["cost_usd"].sum() == pytest.approx(expected, rel=1e-12)
    # the same calls without the context cache: every prompt billed in full, no storage
    without = sum(call_cost_usd(CACHING_MODEL, r["promptTokenCount"], 0,
                                r["candidatesTokenCount"] + r["thoughtsTokenCount"]) for r in reported[1:])
    assert ledger["cost_usd"].sum() < without  # storage (1 h) included, still cheaper
    assert set(ledger["purpose"]) == {"context_cache_create", "context_cache_storage", "question"}


def test_the_default_model_answers_a_session_without_a_cache_that_would_not_pay(data_root, gemini_env):
    """On gemini-2.5-flash-lite an hour of storage costs more than the input ten questions save."""
    plan = plan_context_cache(DEFAULT_FLASH_MODEL, len(CONTEXT) // 4, n_questions=10, ttl_hours=1)
    assert not plan.use_cache
    answers = ask_session(service(flash_model=DEFAULT_FLASH_MODEL), CONTEXT, QUESTIONS)
    assert len(answers) == 10 and gemini_env.count("/cachedContents") == 0
    assert read_ledger("meeting")["cached_tokens"].sum() == 0


def test_single_question_does_not_cache(data_root, gemini_env):
    ask_session(service(), CONTEXT, QUESTIONS[:1])
    assert gemini_env.count("/cachedContents") == 0 and len(gemini_env.reported) == 1
    assert read_ledger("meeting")["cached_tokens"].sum() == 0


def test_offline_session_answers_extractively_at_zero_cost(data_root, no_key_env):
    context = ("The budget for the remote is twelve euros fifty. The case will be made of rubber. "
               "Marketing wants a fruit and vegetable theme. The next meeting is on Tuesday.")
    svc = GeminiResource().service("meeting", "qa")
    answers = ask_session(svc, context, ["How much may the remote cost?", "What material is the case?"])
    assert "twelve euros fifty" in answers[0].text and "rubber" in answers[1].text
    assert {a.record.backend for a in answers} == {"local"} and sum(a.record.cost_usd for a in answers) == 0


def test_a_later_process_reuses_the_live_cache_and_a_lost_one_is_not_fatal(data_root, gemini_env):
    ask_session(service(), CONTEXT, QUESTIONS[:5])
    assert gemini_env.count("/cachedContents") == 1
    later = service()  # e.g. the next `halo ask`: a new service, the cache still alive
    ask_session(later, CONTEXT, [f"Later question {i}?" for i in range(5)])
    assert gemini_env.count("/cachedContents") == 1
    gemini_env.caches.clear()  # the service dropped it before its TTL ran out
    answers = ask_session(service(), CONTEXT, ["One more question?"])
    assert answers[0].record.cached_tokens == 0 and answers[0].record.backend == "gemini"
    ledger = read_ledger("meeting")
    q = ledger[ledger["purpose"] == "question"]
    assert len(q) == 11 and (q["cached_tokens"].iloc[:10] > 0).all()
    assert (ledger["purpose"] == "context_cache_create").sum() == 1


def test_no_context_cache_below_the_models_minimum(data_root, gemini_env):
    answers = ask_session(service(), "The case is rubber. The budget is twelve euros.", QUESTIONS)
    assert len(answers) == 10 and gemini_env.count("/cachedContents") == 0
    assert read_ledger("meeting")["cached_tokens"].sum() == 0


def test_a_failed_cache_creation_still_answers_in_full(data_root, gemini_env):
    gemini_env.faults = ["malformed"]  # cachedContents.create gets a body that is not JSON
    answers = ask_session(service(), CONTEXT, QUESTIONS)
    assert [a.record.backend for a in answers] == ["gemini"] * 10
    assert answers[0].record.cached_tokens == 0  # asked in full
    assert all(a.record.cached_tokens > 0 for a in answers[1:])  # the next question created it

"""The model catalogue, the baselines and the context-cache decision, against hand-computed figures."""

from __future__ import annotations

import datetime as dt

import pytest

from halo.llm.baseline import baselines_per_question, fixed_length_spans, media_tokens, media_usd
from halo.llm.pricing import (
    CATALOGUE,
    DEFAULT_FLASH_MODEL,
    DEFAULT_PRO_MODEL,
    UnknownModelPrice,
    call_cost_usd,
    catalogue,
    check_model,
    current_models,
    plan_context_cache,
    price_for,
)

NOV30 = dt.date(2026, 11, 30)
DEC1 = dt.date(2026, 12, 1)


def test_every_price_names_its_source_and_date():
    for entry in CATALOGUE.values():
        for p in entry.prices:
            assert "ai.google.dev" in p.source and dt.date.fromisoformat(p.read_on) <= NOV30
        if entry.retires_on:
            assert entry.retirement_source and entry.replacement


def test_published_prices():
    assert call_cost_usd("gemini-3.5-flash-lite", 1_000_000, 0, 1_000_000) == pytest.approx(0.30 + 2.50)
    assert call_cost_usd("gemini-2.5-pro", 200_000, 0, 0, on=NOV30) == pytest.approx(0.25)  # 1.25/M
    assert call_cost_usd("gemini-2.5-pro", 200_001, 0, 1_000, on=NOV30) == pytest.approx(200_001 * 2.5e-6 + 1_000 * 15e-6)
    assert call_cost_usd("gemini-3-flash-preview", 1_000_000, 0, 1_000_000, batch=True) == pytest.approx(0.25 + 1.50)
    # cached part billed at the cached rate (3-flash-preview: 0.05/M), the rest at 0.50/M:
    # promptTokenCount already includes the cached tokens, they are not added on top
    assert call_cost_usd("gemini-3-flash-preview", 1_000_000, 600_000, 0) == pytest.approx(0.4 * 0.5 + 0.6 * 0.05)
    assert call_cost_usd("local-extractive-minilm", 10**6, 0, 10**6) == 0.0
    assert price_for("models/gemini-2.5-flash-001", on=NOV30).model == "gemini-2.5-flash"


def test_dated_prices_switch_on_their_date():
    assert call_cost_usd("gemini-3.8-flash", 10**6, 0, 0, on=dt.date(2026, 12, 31)) == pytest.approx(0.75)
    assert call_cost_usd("gemini-3.8-flash", 10**6, 0, 0, on=dt.date(2027, 1, 1)) == pytest.approx(1.50)


def test_each_modality_is_priced_as_billed():
    # 2.5 Flash: text/image 0.30/M, audio 1.00/M; cached text 0.03/M, cached audio 0.10/M
    usd = call_cost_usd("gemini-2.5-flash", 1_000_000, 500_000, 0, on=NOV30,
                        prompt_details={"TEXT": 400_000, "IMAGE": 100_000, "AUDIO": 500_000},
                        cached_details={"AUDIO": 500_000})
    assert usd == pytest.approx(0.4 * 0.30 + 0.1 * 0.30 + 0.5 * 0.10)
    assert usd > call_cost_usd("gemini-2.5-flash", 1_000_000, 500_000, 0, on=NOV30)  # audio costs more than text


def test_overrides_and_unknown_models():
    table = catalogue({"gemini-3.5-flash-lite": {"input_per_m": 1.0},
                       "my-model": {"input_per_m": 2.0, "output_per_m": 4.0}})
    assert call_cost_usd("gemini-3.5-flash-lite", 10**6, 0, 0, prices=table) == pytest.approx(1.0)
    assert call_cost_usd("my-model", 10**6, 0, 10**6, prices=table) == pytest.approx(6.0)
    with pytest.raises(UnknownModelPrice, match="price_overrides"):
        call_cost_usd("gemini-9-ultra", 1, 0, 1)


def test_defaults_are_current_and_retired_models_are_refused_naming_current_ones():
    assert {DEFAULT_FLASH_MODEL, DEFAULT_PRO_MODEL} <= set(current_models(on=NOV30))
    assert check_model(DEFAULT_FLASH_MODEL, on=NOV30) == "" and check_model(DEFAULT_PRO_MODEL, on=NOV30) == ""
    assert "shuts down on 2026-12-01" in check_model("gemini-2.5-flash", on=NOV30)
    with pytest.raises(ValueError, match=r"shut down on 2026-12-01.*routes it to gemini-3.5-flash-lite.*gemini-3.5-flash-lite"):
        check_model("gemini-2.5-flash", on=DEC1)
    with pytest.raises(ValueError, match=r"gemini-1.5-pro.*shut down on 2025-09-24.*current model: .*gemini-3.8-flash"):
        check_model("gemini-1.5-pro", on=NOV30)
    with pytest.raises(UnknownModelPrice, match="No price for model 'gemini-9-ultra'"):
        check_model("gemini-9-ultra", on=NOV30)


def test_only_routed_models_are_said_to_be_routed():
    """1.5 and 2.0 are shut down without routing (no price, calls refused): the refusal and the
    warning of a model that will shut down said "Google routes it to ..." of every model."""
    with pytest.raises(ValueError) as refused:
        check_model("gemini-1.5-flash", on=DEC1)
    assert "routes" not in str(refused.value)
    assert "no longer serves it (its replacement is gemini-3.5-flash-lite)" in str(refused.value)
    with pytest.raises(ValueError, match=r"no longer serves it \(its replacement is gemini-2.5-flash-lite\)"):
        check_model("gemini-2.0-flash", on=DEC1)
    warning = check_model("gemini-3.1-flash-lite", on=DEC1)
    assert "shuts down on 2027-05-07" in warning and "routed" not in warning
    assert "calls after that fail (Google's replacement: gemini-3.5-flash-lite)" in warning
    assert "routed to gemini-3.5-flash-lite and billed at its rates" in check_model("gemini-2.5-flash", on=NOV30)


def test_naive_baselines():
    t = media_tokens(3600)
    assert (t.visual, t.audio, t.total) == (3600 * 258, 3600 * 32, 1_044_000)
    assert media_tokens(3600, low_res=True).total == 3600 * (66 + 32)
    # 2.5 flash-lite: frames at 0.10/M, audio at its 0.30/M audio rate
    assert media_usd("gemini-2.5-flash-lite", 3600) == pytest.approx(928_800 * 0.10e-6 + 115_200 * 0.30e-6)
    b = baselines_per_question("gemini-2.5-flash-lite", 3600, answer_tokens=0)
    first = 237_600 * 0.10e-6 + 115_200 * 0.30e-6
    cached = 237_600 * 0.01e-6 + 115_200 * 0.03e-6
    assert b["naive_low_res_usd_per_question"] == pytest.approx(first)
    assert b["naive_smart_usd_per_question"] == pytest.approx((first + 9 * cached) / 10)
    assert b["naive_smart_usd_per_question"] < b["naive_low_res_usd_per_question"] < b["naive_default_usd_per_question"]
    assert fixed_length_spans(150, 60) == [(0, 60), (60, 120), (120, 150)]


def test_context_cache_only_when_cheaper_storage_included():
    many = plan_context_cache("gemini-3.5-flash-lite", 50_000, n_questions=10, ttl_hours=1)
    assert many.use_cache and many.cost_with_cache_usd < many.cost_without_cache_usd
    one = plan_context_cache("gemini-3.5-flash-lite", 50_000, n_questions=1, ttl_hours=1)
    assert not one.use_cache  # creating + storing costs more than sending it once
    long_ttl = plan_context_cache("gemini-3.5-flash-lite", 50_000, n_questions=3, ttl_hours=48)
    assert not long_ttl.use_cache and "storage" in long_ttl.reason
    tiny = plan_context_cache("gemini-3.5-flash-lite", 500, n_questions=100, ttl_hours=1)
    assert not tiny.use_cache and "minimum" in tiny.reason


def test_a_shut_down_model_is_priced_as_the_model_google_bills_its_calls_as(monkeypatch):
    """From 2026-12-01 Google routes gemini-2.5-flash/-pro to gemini-3.5-flash-lite/gemini-3.8-flash
    and bills those rates, but the catalogue still priced them at their own: a ledger served by
    2.5 Flash last month got `halo report` baselines at 2.5 Flash's $1.00/M audio (3.5 Flash-Lite:
    $0.30/M), and the local backend standing in for gemini-2.5-pro priced its naive baseline at
    $1.25/M in, $10/M out instead of $0.75 / $3.75."""
    import halo.llm.pricing

    assert call_cost_usd("gemini-2.5-pro", 100_000, 0, 100_000, on=NOV30) == pytest.approx(0.1 * (1.25 + 10.0))
    assert call_cost_usd("gemini-2.5-pro", 100_000, 0, 100_000, on=DEC1) == pytest.approx(0.1 * (0.75 + 3.75))
    assert price_for("gemini-2.5-flash", on=DEC1) == price_for("gemini-3.5-flash-lite", on=DEC1)
    monkeypatch.setattr(halo.llm.pricing, "today", lambda: DEC1)
    assert media_usd("gemini-2.5-flash", 3600) == pytest.approx(media_usd("gemini-3.5-flash-lite", 3600))
    assert media_usd("gemini-2.5-flash", 3600) == pytest.approx(928_800 * 0.30e-6 + 115_200 * 0.30e-6)
    assert baselines_per_question("gemini-2.5-pro", 3600) == baselines_per_question("gemini-3.8-flash", 3600)
    with pytest.raises(UnknownModelPrice):  # not served since 2025, not routed: no price (priced as the default)
        price_for("gemini-1.5-flash", on=DEC1)

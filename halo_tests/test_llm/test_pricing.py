"""Prices, the naive baseline and the context-cache decision, against hand-computed figures."""

from __future__ import annotations

import pytest

from halo.llm.baseline import fixed_length_spans, media_tokens, media_usd
from halo.llm.pricing import (
    PRICES_AS_OF,
    PRICES_SOURCE,
    UnknownModelPrice,
    call_cost_usd,
    plan_context_cache,
    price_for,
    price_table,
)


def test_published_prices():
    assert PRICES_AS_OF and "ai.google.dev" in PRICES_SOURCE
    assert call_cost_usd("gemini-2.5-flash", 1_000_000, 0, 1_000_000) == pytest.approx(0.30 + 2.50)
    assert call_cost_usd("gemini-2.5-pro", 200_000, 0, 0) == pytest.approx(0.25)  # 1.25/M
    assert call_cost_usd("gemini-2.5-pro", 200_001, 0, 1_000) == pytest.approx(200_001 * 2.5e-6 + 1_000 * 15e-6)
    assert call_cost_usd("gemini-3-flash-preview", 1_000_000, 0, 1_000_000, batch=True) == pytest.approx(0.25 + 1.50)
    # cached part billed at the cached rate (3-flash-preview: 0.05/M), the rest at 0.50/M
    assert call_cost_usd("gemini-3-flash-preview", 1_000_000, 600_000, 0) == pytest.approx(0.4 * 0.5 + 0.6 * 0.05)
    assert call_cost_usd("local-extractive-minilm", 10**6, 0, 10**6) == 0.0
    assert price_for("models/gemini-2.5-flash-001").model == "gemini-2.5-flash"


def test_overrides_and_unknown_models():
    table = price_table({"gemini-2.5-flash": {"input_per_m": 1.0}, "my-model": {"input_per_m": 2.0, "output_per_m": 4.0}})
    assert call_cost_usd("gemini-2.5-flash", 10**6, 0, 0, prices=table) == pytest.approx(1.0)
    assert call_cost_usd("my-model", 10**6, 0, 10**6, prices=table) == pytest.approx(6.0)
    with pytest.raises(UnknownModelPrice, match="price_overrides"):
        call_cost_usd("gemini-9-ultra", 1, 0, 1)


def test_naive_baseline_is_290_tokens_per_second():
    t = media_tokens(3600)
    assert (t.visual, t.audio, t.total) == (3600 * 258, 3600 * 32, 1_044_000)
    # flash: frames at 0.30/M, audio at its 1.00/M audio rate
    assert media_usd("gemini-2.5-flash", 3600) == pytest.approx(928_800 * 0.30e-6 + 115_200 * 1.00e-6)
    assert fixed_length_spans(150, 60) == [(0, 60), (60, 120), (120, 150)]


def test_context_cache_only_when_cheaper_storage_included():
    many = plan_context_cache("gemini-2.5-flash", 50_000, n_questions=10, ttl_hours=1)
    assert many.use_cache and many.cost_with_cache_usd < many.cost_without_cache_usd
    one = plan_context_cache("gemini-2.5-flash", 50_000, n_questions=1, ttl_hours=1)
    assert not one.use_cache  # creating + storing costs more than sending it once
    long_ttl = plan_context_cache("gemini-2.5-flash", 50_000, n_questions=3, ttl_hours=48)
    assert not long_ttl.use_cache and "storage" in long_ttl.reason
    tiny = plan_context_cache("gemini-2.5-flash", 500, n_questions=100, ttl_hours=1)
    assert not tiny.use_cache and "minimum" in tiny.reason

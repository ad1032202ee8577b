"""The one pricing table for Gemini calls, with its date and source, and the cost of a call.

Why one table: every dollar HALO reports (per call in the ledger, per asset in the UI, the naive
baseline in the bench) is computed here, so changing a price changes every figure consistently.
Prices are USD per 1M tokens as published on https://ai.google.dev/gemini-api/docs/pricing
(Gemini Developer API, paid tier) and copied into ARCHITECTURE.md; override any of them with
``price_table(overrides)`` (GeminiResource.price_overrides) when Google changes them.

Billing rules applied (from the same page):
- ``prompt_tokens`` (usageMetadata.promptTokenCount) *includes* the cached tokens; the
  uncached part is billed at the input rate, the cached part at the cached rate.
- Output = candidates + thinking tokens, billed at the output rate.
- Models with a long-context tier (2.5 Pro) bill the whole call at the higher rate when the
  prompt is above 200k tokens.
- Batch mode is 50% off input and output.
- Context-cache storage is billed per 1M tokens per hour of TTL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

PRICES_AS_OF = "2026-01-15"
PRICES_SOURCE = "https://ai.google.dev/gemini-api/docs/pricing (Gemini Developer API, paid tier)"


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1M tokens for one model. ``*_long`` apply above ``long_context_threshold``."""

    model: str
    input_per_m: float
    output_per_m: float
    cached_per_m: float
    audio_input_per_m: float | None = None  # None = same as input_per_m
    input_per_m_long: float | None = None
    output_per_m_long: float | None = None
    cached_per_m_long: float | None = None
    long_context_threshold: int = 200_000
    batch_discount: float = 0.5
    cache_storage_per_m_hour: float = 1.0
    min_cache_tokens: int = 1024

    def rates(self, prompt_tokens: int) -> tuple[float, float, float]:
        """(input, output, cached) rates for a call with ``prompt_tokens`` of prompt."""
        if self.input_per_m_long is not None and prompt_tokens > self.long_context_threshold:
            return (
                self.input_per_m_long,
                self.output_per_m_long if self.output_per_m_long is not None else self.output_per_m,
                self.cached_per_m_long if self.cached_per_m_long is not None else self.cached_per_m,
            )
        return self.input_per_m, self.output_per_m, self.cached_per_m


DEFAULT_PRICES: dict[str, ModelPrice] = {
    p.model: p
    for p in (
        ModelPrice("gemini-2.5-flash", 0.30, 2.50, 0.03, audio_input_per_m=1.00),
        ModelPrice(
            "gemini-2.5-pro", 1.25, 10.0, 0.125,
            input_per_m_long=2.50, output_per_m_long=15.0, cached_per_m_long=0.25,
            cache_storage_per_m_hour=4.50, min_cache_tokens=4096,
        ),
        ModelPrice("gemini-3-flash-preview", 0.50, 3.00, 0.05, audio_input_per_m=1.00),
        ModelPrice("gemini-2.5-flash-lite", 0.10, 0.40, 0.01, audio_input_per_m=0.30),
    )
}

#: The local backend runs on this machine: it costs nothing.
FREE_MODELS_PREFIX = "local"


class UnknownModelPrice(KeyError):
    pass


def price_table(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, ModelPrice]:
    """The default table with ``overrides`` ({model: {field: value}}) applied; new models allowed."""
    table = dict(DEFAULT_PRICES)
    for model, fields in (overrides or {}).items():
        base = table.get(model) or ModelPrice(model, 0.0, 0.0, 0.0)
        table[model] = dataclasses.replace(base, model=model, **dict(fields))
    return table


def price_for(model: str, prices: Mapping[str, ModelPrice] | None = None) -> ModelPrice:
    """Price of ``model`` (a ``models/`` prefix and ``-NNN`` version suffixes are tolerated)."""
    table = prices or DEFAULT_PRICES
    name = model.removeprefix("models/")
    if name in table:
        return table[name]
    for known in sorted(table, key=len, reverse=True):  # e.g. gemini-2.5-flash-001
        if name.startswith(known + "-"):
            return table[known]
    raise UnknownModelPrice(
        f"No price for model {model!r} in the pricing table ({PRICES_AS_OF}); add it with "
        "GeminiResource.price_overrides={model: {input_per_m, output_per_m, cached_per_m}}."
    )


def call_cost_usd(
    model: str,
    prompt_tokens: int,
    cached_tokens: int,
    output_tokens: int,
    *,
    batch: bool = False,
    prices: Mapping[str, ModelPrice] | None = None,
) -> float:
    """USD for one call given its usage metadata (prompt includes cached tokens)."""
    if model.startswith(FREE_MODELS_PREFIX):
        return 0.0
    p = price_for(model, prices)
    in_rate, out_rate, cached_rate = p.rates(prompt_tokens)
    uncached = max(prompt_tokens - cached_tokens, 0)
    usd = (uncached * in_rate + cached_tokens * cached_rate + output_tokens * out_rate) / 1e6
    return usd * (1.0 - p.batch_discount) if batch else usd


def media_cost_usd(
    model: str,
    visual_tokens: int,
    audio_tokens: int,
    output_tokens: int = 0,
    prices: Mapping[str, ModelPrice] | None = None,
) -> float:
    """USD for sending video frames + audio (audio has its own rate on Flash models)."""
    p = price_for(model, prices)
    in_rate, out_rate, _ = p.rates(visual_tokens + audio_tokens)
    audio_rate = p.audio_input_per_m if p.audio_input_per_m is not None else in_rate
    return (visual_tokens * in_rate + audio_tokens * audio_rate + output_tokens * out_rate) / 1e6


def cache_storage_usd(model: str, tokens: int, hours: float, prices=None) -> float:
    """USD to keep ``tokens`` in a Gemini context cache for ``hours``."""
    return tokens * hours * price_for(model, prices).cache_storage_per_m_hour / 1e6


@dataclass(frozen=True)
class ContextCachePlan:
    """Whether a multi-question session over one context should use Gemini context caching."""

    use_cache: bool
    cost_with_cache_usd: float
    cost_without_cache_usd: float
    reason: str


def plan_context_cache(
    model: str,
    context_tokens: int,
    n_questions: int,
    ttl_hours: float,
    question_tokens: int = 50,
    prices: Mapping[str, ModelPrice] | None = None,
) -> ContextCachePlan:
    """Compare input cost with and without a context cache, storage included.

    Without: every question resends the context at the input rate. With: the context is billed
    once at the input rate when the cache is created, then at the cached rate per question,
    plus storage for the TTL. Output tokens are the same either way, so they are left out.
    """
    p = price_for(model, prices)
    per_q = context_tokens + question_tokens
    without = n_questions * call_cost_usd(model, per_q, 0, 0, prices=prices)
    with_cache = (
        call_cost_usd(model, context_tokens, 0, 0, prices=prices)
        + n_questions * call_cost_usd(model, per_q, context_tokens, 0, prices=prices)
        + cache_storage_usd(model, context_tokens, ttl_hours, prices)
    )
    if context_tokens < p.min_cache_tokens:
        return ContextCachePlan(
            False, with_cache, without,
            f"context {context_tokens} tokens < {p.min_cache_tokens}-token minimum for caching on {model}",
        )
    use = with_cache < without
    verdict = "cheaper" if use else "not cheaper"
    return ContextCachePlan(
        use, with_cache, without,
        f"cache {verdict}: ${with_cache:.6f} (incl. {ttl_hours:g} h storage) vs ${without:.6f} "
        f"for {n_questions} questions over {context_tokens} context tokens",
    )

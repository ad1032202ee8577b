"""The model catalogue: every Gemini model HALO knows, its prices, retirement and sources.

Why one catalogue: every dollar HALO reports (per call in the ledger, per asset, the naive
baselines in the bench and `halo report`) is computed here, and the startup check reads the
same entries, so a model is either known, priced and current -- or refused before any spend.
Each entry names its tier, its USD prices per 1M tokens per modality (input, cached input,
output, context-cache storage per hour), its batch discount, its retirement date and the
source and read date of each price. Override any field with ``catalogue(overrides)``
(GeminiResource.price_overrides) when Google changes a price.

Billing rules applied (https://ai.google.dev/gemini-api/docs/pricing and the
generateContent reference):
- usageMetadata.promptTokenCount *includes* cachedContentTokenCount: the uncached part is
  billed at the input rate, the cached part at the cached rate -- never both added.
- promptTokensDetails / cacheTokensDetails split those counts per modality (TEXT, IMAGE,
  VIDEO, AUDIO); audio has its own rate on several models. Without details, all is text.
- Output = candidates + thinking tokens, at the output rate.
- Models with a long-context tier bill the whole call at the higher rate above 200k prompt tokens.
- Batch mode: ``batch_discount`` off input and output (50% on every model listed).
- Context-cache storage: per 1M tokens per hour of TTL.

What the sources say (read 2026-11-30 through the search index):
- gemini-2.5-flash and gemini-2.5-pro shut down on 2026-12-01; from then calls are routed to
  gemini-3.5-flash-lite and gemini-3.8-flash and billed at those models' rates (Gemini API
  deprecations page as summarised by aideprecations.com/dev.to, read 2026-11-10).
- gemini-2.5-flash-lite "is not deprecated and remains available through the API until
  further notice" (same summary).
- gemini-3.5-flash-lite is a stable (GA) model, models page updated 2026-07; the replacement
  Google names for 2.5 Flash. gemini-3.8-flash is the named replacement for 2.5 Pro; its
  introductory price runs through 2026-12-31, the published 2027 price follows it.
- gemini-1.5-* shut down 2025-09-24; gemini-2.0-flash(-lite) shut down 2026-06-01.
- gemini-3.1-flash-lite is GA since 2026-05-07 at $0.25 in / $1.50 out (cached $0.025), cheaper than
  gemini-3.5-flash-lite, but the deprecations page gives it an earliest shutdown of 2027-05-07, so it
  is priced (usable, with a warning) and not a default (deprecations page and third-party price
  listings, read 2026-11-30 through the search index).
- Checked again 2026-11-30: the deprecations page lists gemini-3.5-flash-lite (2026-07-21) and
  gemini-3.8-flash (2026-09-02) with "no shutdown date announced".

Why the Flash default is gemini-2.5-flash-lite (since 2026-12-01): of the GA models with no
shutdown announced it is the cheapest ($0.10 in / $0.40 out against 3.5 Flash-Lite's $0.30 /
$2.50), and HALO's Flash calls are short grounded text tasks (chunk summaries from a transcript,
answers from ~1k tokens of quoted lines). On an hour of meeting it makes a question 4x cheaper
and is the only default on which HALO's Q&A call is >= 50x cheaper than sending the video with
implicit caching (docs/gemini.md). ``GeminiResource(flash_model="gemini-3.5-flash-lite")`` picks
the newer generation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from halo.errors import RetiredModel, UnknownModelPrice  # UnknownModelPrice re-exported: every HALO error lives in halo.errors

PRICING_PAGE = "https://ai.google.dev/gemini-api/docs/pricing"
DEPRECATIONS_PAGE = "https://ai.google.dev/gemini-api/docs/deprecations"
#: when this catalogue was last checked against the sources above
CATALOGUE_AS_OF = "2026-11-30"
#: the local backend runs on this machine: it costs nothing
FREE_MODELS_PREFIX = "local"
MODALITIES = ("TEXT", "IMAGE", "VIDEO", "AUDIO")


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1M tokens for one model over one period. ``*_long`` apply above ``long_context_threshold``."""

    model: str
    input_per_m: float  # text / image / video
    output_per_m: float  # candidates + thinking
    cached_per_m: float
    audio_input_per_m: float | None = None  # None = same as input_per_m
    cached_audio_per_m: float | None = None  # None = cached_per_m scaled like audio
    input_per_m_long: float | None = None
    output_per_m_long: float | None = None
    cached_per_m_long: float | None = None
    long_context_threshold: int = 200_000
    batch_discount: float = 0.5
    cache_storage_per_m_hour: float = 1.0
    min_cache_tokens: int = 1024
    valid_from: str = ""  # ISO date; "" = since ever
    valid_until: str = ""  # ISO date, inclusive; "" = until the catalogue says otherwise
    source: str = PRICING_PAGE
    read_on: str = CATALOGUE_AS_OF

    def rates(self, prompt_tokens: int) -> tuple[float, float, float]:
        """(input, output, cached) rates for a call with ``prompt_tokens`` of prompt."""
        if self.input_per_m_long is not None and prompt_tokens > self.long_context_threshold:
            return (
                self.input_per_m_long,
                self.output_per_m_long if self.output_per_m_long is not None else self.output_per_m,
                self.cached_per_m_long if self.cached_per_m_long is not None else self.cached_per_m,
            )
        return self.input_per_m, self.output_per_m, self.cached_per_m

    def modality_rates(self, modality: str, prompt_tokens: int) -> tuple[float, float]:
        """(input, cached) rates for one modality; audio has its own where published."""
        in_rate, _, cached_rate = self.rates(prompt_tokens)
        if modality == "AUDIO" and self.audio_input_per_m is not None:
            audio_cached = self.cached_audio_per_m
            if audio_cached is None:
                audio_cached = cached_rate * self.audio_input_per_m / in_rate if in_rate else cached_rate
            return self.audio_input_per_m, audio_cached
        return in_rate, cached_rate

    def in_effect(self, on: dt.date) -> bool:
        iso = on.isoformat()
        return (not self.valid_from or self.valid_from <= iso) and (not self.valid_until or iso <= self.valid_until)


@dataclass(frozen=True)
class ModelEntry:
    """One catalogue entry: what the model is, when it retires, and its dated prices."""

    name: str
    tier: str  # "flash-lite" | "flash" | "pro" | "preview" | ...
    status: str  # "ga" | "preview" | "retired"
    prices: tuple[ModelPrice, ...] = ()
    retires_on: str = ""  # ISO date of shutdown ("" = none announced)
    replacement: str = ""  # what Google routes calls to / recommends
    routed: bool = False  # from retires_on Google serves its calls with ``replacement`` and bills that model's rates
    retirement_source: str = DEPRECATIONS_PAGE
    note: str = ""

    def retired(self, on: dt.date) -> bool:
        return bool(self.retires_on) and on.isoformat() >= self.retires_on

    def price(self, on: dt.date) -> ModelPrice | None:
        for p in self.prices:
            if p.in_effect(on):
                return p
        return None


def _p(model: str, i: float, o: float, c: float, **kw: Any) -> ModelPrice:
    return ModelPrice(model, i, o, c, **kw)


_SUMMARY = "https://dev.to/aideprecations/what-to-do-before-gemini-25-pro-and-25-flash-are-retired-on-december-1-2026-5gg9"
_TRANSCRIBED = f"{PRICING_PAGE} (as transcribed 2026-10-07, api-evangelist/deepmind plans)"

CATALOGUE: dict[str, ModelEntry] = {
    e.name: e
    for e in (
        ModelEntry(
            "gemini-3.5-flash-lite", "flash-lite", "ga",
            (_p("gemini-3.5-flash-lite", 0.30, 2.50, 0.03, audio_input_per_m=0.30, cached_audio_per_m=0.03,
                source=_TRANSCRIBED + "; cached/storage not transcribed: 10% of input and $1/M/h as on every "
                "Flash tier -- verify", read_on="2026-10-07"),),
            note="stable model (models page, updated 2026-07); Google's replacement for gemini-2.5-flash",
        ),
        ModelEntry(
            "gemini-3.8-flash", "flash", "ga",
            (
                _p("gemini-3.8-flash", 0.75, 3.75, 0.075, audio_input_per_m=0.75, valid_until="2026-12-31",
                   source=f"{PRICING_PAGE}#gemini-3.8-flash (introductory, through 2026-12-31)", read_on="2026-10-07"),
                _p("gemini-3.8-flash", 1.50, 7.50, 0.15, audio_input_per_m=1.50, valid_from="2027-01-01",
                   source=f"{PRICING_PAGE}#gemini-3.8-flash (published 2027 rates)", read_on="2026-10-07"),
            ),
            note="Google's replacement for gemini-2.5-pro",
        ),
        ModelEntry(
            "gemini-3.5-flash", "flash", "ga",
            (_p("gemini-3.5-flash", 1.50, 9.00, 0.15, audio_input_per_m=1.50, source=_TRANSCRIBED,
                read_on="2026-10-07"),),
        ),
        ModelEntry(
            "gemini-2.5-flash-lite", "flash-lite", "ga",
            (_p("gemini-2.5-flash-lite", 0.10, 0.40, 0.01, audio_input_per_m=0.30, cached_audio_per_m=0.03,
                read_on="2026-10-07"),),
            retirement_source=_SUMMARY,
            note="not deprecated, available until further notice (deprecations page, read 2026-11-10)",
        ),
        ModelEntry(
            "gemini-3.1-flash-lite", "flash-lite", "ga",
            (_p("gemini-3.1-flash-lite", 0.25, 1.50, 0.025, audio_input_per_m=0.50, cached_audio_per_m=0.05,
                source=f"{PRICING_PAGE} as quoted by third-party listings (modelpedia.dev, cloudprice.net, "
                "vercel.com AI gateway; audio $0.50 from the preview's listing, agentictribune.com 2026-03-06); "
                "not read on Google's page itself -- verify", read_on="2026-11-30"),),
            retires_on="2027-05-07", replacement="gemini-3.5-flash-lite",
            note="GA 2026-05-07; the deprecations page lists its earliest shutdown as 2027-05-07 (read 2026-11-30)",
        ),
        ModelEntry(
            "gemini-3-flash-preview", "preview", "preview",
            (_p("gemini-3-flash-preview", 0.50, 3.00, 0.05, audio_input_per_m=1.00, read_on="2026-07-04"),),
        ),
        ModelEntry(
            "gemini-2.5-flash", "flash", "ga",
            (_p("gemini-2.5-flash", 0.30, 2.50, 0.03, audio_input_per_m=1.00, cached_audio_per_m=0.10,
                read_on="2026-10-07"),),
            retires_on="2026-12-01", replacement="gemini-3.5-flash-lite", retirement_source=_SUMMARY, routed=True,
            note="after 2026-12-01 calls are routed to gemini-3.5-flash-lite and billed at its rates",
        ),
        ModelEntry(
            "gemini-2.5-pro", "pro", "ga",
            (_p("gemini-2.5-pro", 1.25, 10.0, 0.125, input_per_m_long=2.50, output_per_m_long=15.0,
                cached_per_m_long=0.25, cache_storage_per_m_hour=4.50, min_cache_tokens=4096,
                read_on="2026-10-07"),),
            retires_on="2026-12-01", replacement="gemini-3.8-flash", retirement_source=_SUMMARY, routed=True,
            note="after 2026-12-01 calls are routed to gemini-3.8-flash and billed at its rates",
        ),
        ModelEntry("gemini-2.0-flash", "flash", "retired", retires_on="2026-06-01",
                   replacement="gemini-2.5-flash-lite"),
        ModelEntry("gemini-2.0-flash-lite", "flash-lite", "retired", retires_on="2026-06-01",
                   replacement="gemini-2.5-flash-lite"),
        ModelEntry("gemini-1.5-flash", "flash", "retired", retires_on="2025-09-24", replacement="gemini-3.5-flash-lite"),
        ModelEntry("gemini-1.5-flash-8b", "flash-lite", "retired", retires_on="2025-09-24",
                   replacement="gemini-2.5-flash-lite"),
        ModelEntry("gemini-1.5-pro", "pro", "retired", retires_on="2025-09-24", replacement="gemini-3.8-flash"),
    )
}

#: generally available, priced today, no shutdown announced (see the module docstring)
DEFAULT_FLASH_MODEL = "gemini-2.5-flash-lite"
DEFAULT_PRO_MODEL = "gemini-3.8-flash"

_ENTRY_FIELDS = {f.name for f in dataclasses.fields(ModelEntry)}


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def catalogue(overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, ModelEntry]:
    """The catalogue with ``overrides`` ({model: {field: value}}) applied; new models allowed.

    Entry fields (tier, status, retires_on, replacement) change the entry; price fields
    (input_per_m, ...) replace the prices with one undated price built on the current one.
    """
    table = dict(CATALOGUE)
    for model, fields in (overrides or {}).items():
        fields = dict(fields)
        entry_fields = {k: v for k, v in fields.items() if k in _ENTRY_FIELDS}
        price_fields = {k: v for k, v in fields.items() if k not in _ENTRY_FIELDS}
        entry = table.get(model) or ModelEntry(model, "custom", "ga")
        if price_fields:
            base = entry.price(today()) or ModelPrice(model, 0.0, 0.0, 0.0)
            price = dataclasses.replace(base, model=model, valid_from="", valid_until="",
                                        source="GeminiResource.price_overrides", read_on=today().isoformat(),
                                        **price_fields)
            entry = dataclasses.replace(entry, prices=(price,))
        table[model] = dataclasses.replace(entry, name=model, **entry_fields)
    return table


def entry_for(model: str, table: Mapping[str, ModelEntry] | None = None) -> ModelEntry | None:
    """The entry for ``model`` (a ``models/`` prefix and ``-NNN`` version suffixes tolerated)."""
    table = table or CATALOGUE
    name = model.removeprefix("models/")
    if name in table:
        return table[name]
    for known in sorted(table, key=len, reverse=True):  # e.g. gemini-2.5-flash-001
        if name.startswith(known + "-") and name[len(known) + 1:].isdigit():
            return table[known]
    return None


def current_models(table: Mapping[str, ModelEntry] | None = None, on: dt.date | None = None) -> list[str]:
    """GA models priced on ``on`` with no shutdown announced: what a user should configure."""
    on = on or today()
    return [e.name for e in (table or CATALOGUE).values()
            if e.status == "ga" and not e.retires_on and e.price(on) is not None]


def price_for(model: str, prices: Mapping[str, ModelEntry] | None = None, on: dt.date | None = None) -> ModelPrice:
    """The price in effect for ``model`` on ``on`` (today), or UnknownModelPrice with the fix.

    A ``routed`` model shut down by ``on`` is priced as its replacement: Google serves its calls
    with that model and bills its rates (2.5 Flash/Pro from 2026-12-01), so a ledger's baselines
    and the local backend standing in for it are priced as a call made today would be billed.
    Other shut-down models (1.5, 2.0) are not served at all: they have no price."""
    on = on or today()
    entry = entry_for(model, prices)
    if entry is not None and entry.routed and entry.retired(on) and entry.replacement != entry.name:
        return price_for(entry.replacement, prices, on)
    price = entry.price(on) if entry else None
    if price is None:
        raise UnknownModelPrice(
            f"No price for model {model!r} on {on} in the model catalogue (checked {CATALOGUE_AS_OF}); "
            f"use one of {', '.join(current_models(prices, on))} or add its price with "
            "GeminiResource.price_overrides={model: {input_per_m, output_per_m, cached_per_m}}."
        )
    return price


def check_model(model: str, table: Mapping[str, ModelEntry] | None = None, on: dt.date | None = None,
                setting: str = "flash_model/pro_model") -> str:
    """Raise ValueError (with the fix) for a retired or unpriced model; return a warning for one
    scheduled to retire ('' when all is well). Called before any request is made. ``setting``
    names what the user changes (the field or flag the model came from), so the fix is theirs."""
    on = on or today()
    entry = entry_for(model, table)
    current = ", ".join(current_models(table, on))
    if entry is not None and entry.retired(on):
        raise ValueError(
            f"Model {model!r} was shut down on {entry.retires_on} ({entry.retirement_source}){_successor(entry)}. "
            f"Set {setting} to a current model: {current}."
        )
    price_for(model, table, on)  # raises UnknownModelPrice with the fix
    if entry is not None and entry.retires_on:
        after = (f"calls after that are routed to {entry.replacement} and billed at its rates" if entry.routed
                 else "calls after that fail" + (f" (Google's replacement: {entry.replacement})"
                                                 if entry.replacement else ""))
        return f"model {model!r} shuts down on {entry.retires_on}; {after}. Current models: {current}."
    return ""


def _successor(entry: ModelEntry) -> str:
    """What became of a shut-down model's calls: routed to its replacement (``routed``, billed at
    that model's rates) or refused, with the model Google recommends instead. Saying "routes" of
    every retired model told users of 1.5 and 2.0 their calls would still be served."""
    if not entry.replacement:
        return ""
    if entry.routed:
        return f"; Google routes it to {entry.replacement}"
    return f"; Google no longer serves it (its replacement is {entry.replacement})"


def check_model_name(model_name: str, setting: str = "GeminiConfig.model_name",
                     otherwise: str = "Or use_mock=True for the offline local backend.") -> str:
    """``model_name`` if Gemini serves it and HALO can price it, else RetiredModel (or
    UnknownModelPrice) naming the current models, ``setting`` to change and ``otherwise``. Light
    to import: `halo` checks ``--model`` with it before anything else loads."""
    try:
        check_model(model_name, setting=setting)  # an unpriced model raises UnknownModelPrice (a HaloError) as is
    except ValueError as exc:
        raise RetiredModel(f"{exc} {otherwise}") from None
    return model_name


def _modality_split(total: int, details: Mapping[str, int] | None) -> dict[str, int]:
    """``details`` normalised to the known modalities; tokens not itemised count as TEXT."""
    out = {m: 0 for m in MODALITIES}
    for m, n in (details or {}).items():
        out[m if m in out else "TEXT"] += int(n)
    out["TEXT"] += max(int(total) - sum(out.values()), 0)
    return out


def call_cost_usd(
    model: str,
    prompt_tokens: int,
    cached_tokens: int,
    output_tokens: int,
    *,
    batch: bool = False,
    prices: Mapping[str, ModelEntry] | None = None,
    prompt_details: Mapping[str, int] | None = None,
    cached_details: Mapping[str, int] | None = None,
    on: dt.date | None = None,
) -> float:
    """USD for one call given its usage metadata (prompt *includes* cached tokens).

    ``prompt_details``/``cached_details`` are promptTokensDetails/cacheTokensDetails as
    {modality: tokens}; each modality is billed at its own rate, uncached and cached parts apart.
    """
    if model.startswith(FREE_MODELS_PREFIX):
        return 0.0
    p = price_for(model, prices, on)
    _, out_rate, _ = p.rates(prompt_tokens)
    prompt = _modality_split(prompt_tokens, prompt_details)
    cached = _modality_split(cached_tokens, cached_details)
    usd = output_tokens * out_rate
    for m in MODALITIES:
        in_rate, cached_rate = p.modality_rates(m, prompt_tokens)
        usd += max(prompt[m] - cached[m], 0) * in_rate + cached[m] * cached_rate
    usd /= 1e6
    return usd * (1.0 - p.batch_discount) if batch else usd


def media_cost_usd(
    model: str,
    visual_tokens: int,
    audio_tokens: int,
    output_tokens: int = 0,
    prices: Mapping[str, ModelEntry] | None = None,
    cached_fraction: float = 0.0,
) -> float:
    """USD for sending video frames + audio; ``cached_fraction`` of it served from an (implicit) cache."""
    total = visual_tokens + audio_tokens
    f = min(max(cached_fraction, 0.0), 1.0)
    return call_cost_usd(
        model, total, round(total * f), output_tokens, prices=prices,
        prompt_details={"VIDEO": visual_tokens, "AUDIO": audio_tokens},
        cached_details={"VIDEO": round(visual_tokens * f), "AUDIO": round(audio_tokens * f)},
    )


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
    prices: Mapping[str, ModelEntry] | None = None,
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

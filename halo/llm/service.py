"""LLMService: every LLM call HALO makes for one video goes through here.

Order per call: cache (exact key: query + model + PROMPT_VERSION [+ outputs digest]) -> one token estimate
(``estimate``: countTokens for large prompts, else the local estimator) that both model choice
and the budget reservation use -> Gemini (or the local backend when no key) -> ledger row
written to disk -> only then the cache store. Money is ledgered first: a billed call whose row
cannot be written stops the run (LedgerWriteError) and nothing is cached. A billed response
that is not an answer (safety block, empty candidate) is ledgered and never cached nor
returned (NonAnswer), so a re-run asks again. The ledger prices the model that *served* the
call (response modelVersion), keeping the requested one beside it.
When the budget is spent or Gemini fails and ``fallback_to_cache`` is on, the L3 summary
fallback answers instead. Summaries and Q&A share this path, so the ledger sees all.
A request's ``prefix_parts`` (a Q&A session's stable head) may be served from a Gemini context
cache when that is cheaper, storage included (``LLMService.context_cache``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from halo.errors import BudgetExceeded
from halo.llm.baseline import IMAGE_TOKENS, IMAGE_TOKENS_LOW, SESSION_QUESTIONS, MediaStreams, media_tokens
from halo.llm.budget import Budget
from halo.llm.gemini import (
    COUNT_TOKENS_ABOVE,
    GeminiCallError,
    GeminiClient,
    GeminiClientConfig,
    ImagePart,
    LLMResult,
    Part,
    Usage,
    choose_model,
    estimate_tokens,
)
from halo.llm.ledger import CallRecord, Ledger, ledger_dir
from halo.llm.local import LOCAL_MODEL, LOCAL_VERSION
from halo.llm.pricing import (
    DEFAULT_FLASH_MODEL,
    ModelEntry,
    UnknownModelPrice,
    cache_storage_usd,
    call_cost_usd,
    media_cost_usd,
    plan_context_cache,
    price_for,
)
from halo.llm.prompts import PROMPT_VERSION
from halo.storage import write_bytes_atomic

log = logging.getLogger(__name__)
#: output tokens a call is expected to produce before any call of its purpose has been seen
OUTPUT_PRIOR_TOKENS = 256


class NonAnswer(GeminiCallError):
    """A billed response that carries no answer (safety block, empty candidate): it is in the
    ledger, never in the cache nor in a summary, and a re-run asks again."""


class CacheLike(Protocol):
    """The slice of halo.cache.tiered.TieredCache that LLM calls use."""

    def lookup(self, video_id: str, query: str, *, model: str, prompt_version: str, semantic: bool = True,
               evidence: tuple[int, ...] = ()): ...
    def store(self, video_id: str, query: str, answer: str, *, model: str, prompt_version: str, meta: dict,
              semantic: bool = True, evidence: tuple[int, ...] = ()) -> Any: ...
    def fallback(self, video_id: str, query: str): ...


class NoCache:
    """Used when no cache is configured: never hits, stores nothing, has no fallback."""

    def lookup(self, video_id, query, *, model, prompt_version, semantic=True, evidence=()):
        return None

    def store(self, video_id, query, answer, *, model, prompt_version, meta, semantic=True, evidence=()):
        return None

    def fallback(self, video_id, query):
        return None


@dataclass
class Request:
    """One unit of LLM work: the prompt, how to do it offline, and what it stands in for."""

    item_id: str
    parts: Sequence[Part]
    cache_query: str
    purpose: str
    local: Callable[[], str]
    system: str | None = None
    json_output: bool = False
    hard: bool = False
    naive_seconds: float = 0.0  # media the naive approach would send for this purpose
    naive_streams: MediaStreams = MediaStreams()  # the file's streams (its probe's): all the naive approach sends
    semantic: bool = False  # True only for user questions (L2 paraphrase matching)
    evidence: tuple[int, ...] = ()  # chunk ids retrieved for a Q&A question (cache grounding check)
    cache_rejection: str = ""  # why the cache refused an L2 candidate for this request (ledger note)
    prefix_parts: int = 0  # leading parts every question of a session repeats: a context cache may hold them
    # digest of the stored outputs the answer is drawn from (Q&A: halo.qa.video.outputs_digest):
    # an answer cached from another processing of the video cites moments that may not exist now
    outputs: str = ""

    @property
    def cache_version(self) -> str:
        """The version half of the cache key (L1 key, L2 entry): PROMPT_VERSION, and the outputs digest."""
        return f"{PROMPT_VERSION}+{self.outputs}" if self.outputs else PROMPT_VERSION


def cache_key_version(req: Request, model: str) -> str:
    """The version the cache keys ``req``'s answer by when ``model`` answers it: the request's
    (prompt version, outputs digest) and, for the local backend, LOCAL_VERSION: its answers come
    from code, not a prompt, so a changed local algorithm is not answered by what the old one cached."""
    return f"{req.cache_version}+local{LOCAL_VERSION}" if model == LOCAL_MODEL else req.cache_version


@dataclass
class Answer:
    text: str
    record: CallRecord


@dataclass
class LLMService:
    video_id: str
    asset: str
    settings: GeminiClientConfig
    client: GeminiClient | None  # None = local backend
    ledger: Ledger
    budget: Budget = field(default_factory=Budget)
    cache: CacheLike = field(default_factory=NoCache)
    prices: dict[str, ModelEntry] | None = None
    fallback_to_cache: bool = False
    use_context_cache: bool = True
    context_cache_ttl_s: int = 3600
    session_questions: int = SESSION_QUESTIONS  # questions a context cache is planned to serve (break-even)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _settled: threading.Condition | None = field(default=None, repr=False)
    _outputs: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._settled = threading.Condition(self._lock)

    @property
    def backend(self) -> str:
        return "gemini" if self.client else "local"

    def _reserve(self, expected: float, what: str) -> None:
        """Hold ``expected`` USD for a call. If only other calls' reservations stand in the way,
        wait for them to settle instead of failing, so the outcome does not depend on concurrency."""
        with self._settled:
            while True:
                try:
                    return self.budget.reserve(expected, what)
                except BudgetExceeded:
                    if self.budget.reserved_usd <= 0:
                        raise
                    self._settled.wait(timeout=self.settings.timeout_s)

    def _release(self, expected: float) -> None:
        with self._settled:
            self.budget.settle(expected, 0.0)
            self._settled.notify_all()

    # -- estimates ------------------------------------------------------------------------
    def estimate(self, parts: Sequence[Part], model: str | None = None) -> int:
        """The one prompt-token estimate: countTokens (exact, free) when the local estimate is
        above COUNT_TOKENS_ABOVE, else the local estimator. Budget and model choice both use it."""
        est = estimate_tokens(parts, self.tokens_per_image())
        if self.client is not None and est > COUNT_TOKENS_ABOVE:
            est = self.client.count_tokens(parts, model=model or self.settings.flash_model)
        return est

    def tokens_per_image(self) -> int:
        """What one keyframe costs at the media resolution the client sends it at."""
        return IMAGE_TOKENS_LOW if self.settings.low_res_images else IMAGE_TOKENS

    def expected_output(self, purpose: str) -> int:
        """Output tokens calls of ``purpose`` really produced so far (mean), else a prior."""
        seen = self._outputs.get(purpose)
        prior = min(OUTPUT_PRIOR_TOKENS, self.settings.max_output_tokens)
        return min(round(sum(seen) / len(seen)), self.settings.max_output_tokens) if seen else prior

    def expected_cost(self, model: str, prompt_tokens: int, purpose: str, batch: bool = False) -> float:
        return call_cost_usd(model, prompt_tokens, 0, self.expected_output(purpose), batch=batch, prices=self.prices)

    # -- accounting ---------------------------------------------------------------------
    def _naive(self, model: str, seconds: float, output_tokens: int,
               streams: MediaStreams = MediaStreams()) -> tuple[int, float]:
        """Tokens and USD of sending the whole ``seconds`` of video (of sound alone without
        ``pictures``) instead, priced as the model that served the call (the Flash model the
        local backend stands in for), else as the default Flash model: a model without a price
        (the seed's offline example config names the retired gemini-1.5-flash) gave a $0
        baseline, i.e. no saving at all."""
        t = media_tokens(seconds, streams=streams)
        for priced in (self.settings.flash_model if model.startswith("local") else model, DEFAULT_FLASH_MODEL):
            try:
                return t.total, media_cost_usd(priced, t.visual, t.audio, output_tokens, self.prices)
            except UnknownModelPrice:
                continue
        log.warning("%s: neither %s nor %s has a price: the naive baseline of this call is shown as $0",
                    self.video_id, model, DEFAULT_FLASH_MODEL)
        return t.total, 0.0

    def _cost(self, served: str, requested: str, usage: Usage, batch: bool) -> tuple[float, str]:
        """USD of a billed call at the served model's prices (the requested one's if unpriced)."""
        kw = dict(batch=batch, prices=self.prices, prompt_details=usage.prompt_details,
                  cached_details=usage.cached_details)
        args = (usage.prompt_tokens, usage.cached_tokens, usage.output_tokens)
        try:
            return call_cost_usd(served, *args, **kw), ""
        except UnknownModelPrice:
            note = f"served model {served} has no catalogue price: priced as {requested}"
            log.warning("%s for video %r; add it to GeminiResource.price_overrides.", note, self.video_id)
            return call_cost_usd(requested, *args, **kw), note

    def _record(self, req: Request, *, backend: str, model: str, reason: str = "", usage: Usage | None = None,
                batch: bool = False, tier: str = "", requested: str = "", non_answer: str = "") -> CallRecord:
        """Add the call's ledger row and charge it; the caller commits before caching anything."""
        usage = usage or Usage()
        requested = requested or model
        cost, note = self._cost(model, requested, usage, batch) if backend == "gemini" else (0.0, "")
        if requested != model:
            note = "; ".join(filter(None, [f"asked for {requested}, served by {model}", note]))
        naive_tokens, naive_usd = self._naive(model, req.naive_seconds, usage.output_tokens, req.naive_streams)
        if req.cache_rejection and not tier:
            reason = f"{reason}; {req.cache_rejection}" if reason else req.cache_rejection
        rec = CallRecord(
            video_id=self.video_id, asset=self.asset, purpose=req.purpose, backend=backend,
            model=model, model_reason="; ".join(filter(None, [reason, note])),
            input_tokens=usage.prompt_tokens, cached_tokens=usage.cached_tokens,
            output_tokens=usage.output_tokens, cost_usd=cost, cache_tier=tier, naive_tokens=naive_tokens,
            naive_cost_usd=naive_usd, batch=batch, item_id=req.item_id, requested_model=requested,
            image_tokens=usage.prompt_details.get("IMAGE", 0) or (
                self.tokens_per_image() * sum(isinstance(p, ImagePart) for p in req.parts) if backend == "gemini" else 0),
            audio_tokens=usage.prompt_details.get("AUDIO", 0), non_answer=non_answer,
        )
        with self._lock:
            self.ledger.add(rec)
            self.budget.charge(cost)
            if backend == "gemini" and not non_answer:
                self._outputs.setdefault(req.purpose, []).append(usage.output_tokens)
        return rec

    def _commit(self) -> None:
        """Write pending ledger rows now (LedgerWriteError stops the run before any caching)."""
        with self._lock:
            self.ledger.flush()

    def _billed(self, req: Request, result: LLMResult, reason: str) -> CallRecord:
        """Ledger a billed result (committed to disk); NonAnswer if it carries no answer."""
        rec = self._record(req, backend="gemini", model=result.model, reason=reason, usage=result.usage,
                           batch=result.batch, requested=result.requested_model or result.model,
                           non_answer=result.non_answer)
        self._commit()
        if result.non_answer:
            raise NonAnswer(
                f"Gemini returned no answer for {req.purpose} {req.item_id!r} of video {self.video_id!r} "
                f"({result.non_answer}); it was billed (${rec.cost_usd:.6f}, in the ledger) but nothing "
                "was cached or stored, so a re-run asks again. If it repeats, check the content of "
                "that part of the video."
            )
        return rec

    def plan_model(self, req: Request) -> tuple[str, str, int]:
        if self.client is None:
            return LOCAL_MODEL, "local: no Gemini API key set", 0
        est = self.estimate(list(req.parts) + ([req.system] if req.system else []))
        model, reason = choose_model(self.settings, est, req.hard)
        return model, reason, est

    def _cached(self, req: Request, model: str) -> Answer | None:
        hit = self.cache.lookup(self.video_id, req.cache_query, model=model,
                                prompt_version=cache_key_version(req, model), semantic=req.semantic, evidence=req.evidence)
        if hit is None:
            req.cache_rejection = getattr(self.cache, "last_rejection", "")
            return None
        rec = self._record(req, backend="cache", model=model, tier=hit.tier.upper())
        return Answer(hit.answer, rec)

    def cached(self, req: Request) -> Answer | None:
        """The cached answer to ``req`` (ledgered at $0), or None; never calls a backend."""
        return self._cached(req, self.plan_model(req)[0])

    def _store(self, req: Request, model: str, text: str, rec: CallRecord) -> None:
        self.cache.store(self.video_id, req.cache_query, text, model=model,
                         prompt_version=cache_key_version(req, model), semantic=req.semantic, evidence=req.evidence,
                         meta={"purpose": req.purpose, "item_id": req.item_id, "backend": rec.backend,
                               "input_tokens": rec.input_tokens, "output_tokens": rec.output_tokens,
                               "cost_usd": rec.cost_usd})

    def _fallback(self, req: Request, model: str, err: Exception) -> Answer:
        hit = self.cache.fallback(self.video_id, req.cache_query) if self.fallback_to_cache else None
        if hit is None:
            raise err
        return Answer(hit.answer, self._record(req, backend="cache", model=model, tier=(hit.tier or "l3").upper(),
                                               reason=f"fallback: {type(err).__name__}"))

    # -- context caches -------------------------------------------------------------------
    def _contexts_path(self) -> Path:
        return ledger_dir(self.video_id) / "context_caches.json"

    def _known_contexts(self) -> dict[str, dict]:
        path = self._contexts_path()
        try:
            return json.loads(path.read_text()) if path.exists() else {}
        except (OSError, ValueError) as e:
            log.warning("%s: the context cache record %s is unreadable (%s); a new context cache will be "
                        "made and the record rewritten", self.video_id, path, e)
            return {}

    def _forget_context(self, key: str) -> None:
        with self._lock:
            known = self._known_contexts()
            if known.pop(key, None) is not None:
                write_bytes_atomic(self._contexts_path(), json.dumps(known).encode())

    def context_cache(self, req: Request, model: str) -> tuple[str, int, str]:
        """(name, tokens, key) of a Gemini context cache holding ``req``'s system instruction and
        first ``prefix_parts`` parts, or ('', 0, '') when there is none to use.

        Created only when halo.llm.pricing.plan_context_cache says it is cheaper for
        ``session_questions`` questions within its TTL, storage included (below the model's
        minimum cacheable size it never is); then kept under data/ledger/<video>/ and reused by
        every question of the session -- also from other processes (`halo ask`) -- until it
        expires. Its creation and storage are ledger rows of their own.
        """
        if self.client is None or not self.use_context_cache or req.prefix_parts <= 0:
            return "", 0, ""
        head = list(req.parts[: req.prefix_parts])
        ident = [model, req.system or "", [p if isinstance(p, str) else p.path for p in head]]
        key = hashlib.sha256(json.dumps(ident).encode()).hexdigest()[:20]
        with self._lock:
            known = self._known_contexts().get(key)
            if known and known["expires"] > time.time() + 60:
                return known["name"], int(known["tokens"]), key
            est = self.estimate(head + ([req.system] if req.system else []), model)
            ttl_h = self.context_cache_ttl_s / 3600
            plan = plan_context_cache(model, est, self.session_questions, ttl_h, prices=self.prices)
            if not plan.use_cache:
                return "", 0, ""
            self.budget.check(call_cost_usd(model, est, 0, 0, prices=self.prices)
                              + cache_storage_usd(model, est, ttl_h, self.prices), "context cache creation")
            name, tokens = self.client.create_context_cache(head, model=model, ttl_s=self.context_cache_ttl_s,
                                                            system=req.system)
            self._record(Request(key, [], "", "context_cache_create", str), backend="gemini", model=model,
                         reason=plan.reason, usage=Usage(prompt_tokens=tokens))
            storage = self._record(Request(key, [], "", "context_cache_storage", str), backend="gemini",
                                   model=model, reason=plan.reason)
            storage.cost_usd = cache_storage_usd(model, tokens, ttl_h, self.prices)
            self.budget.charge(storage.cost_usd)
            self._commit()
            entries = {k: v for k, v in self._known_contexts().items() if v["expires"] > time.time()}
            entries[key] = {"name": name, "tokens": tokens, "model": model,
                            "expires": time.time() + self.context_cache_ttl_s}
            write_bytes_atomic(self._contexts_path(), json.dumps(entries).encode())
            return name, tokens, key

    # -- calls --------------------------------------------------------------------------
    def ask(self, req: Request, *, model: str | None = None) -> Answer:
        """Answer ``req`` (from the cache, Gemini or the local backend); see the module docstring.

        A request with ``prefix_parts`` sends only the rest when a context cache holds the
        prefix (``context_cache``); if the service refuses that cache (expired, deleted), the
        call is made once more with the whole prompt."""
        planned, reason, est = self.plan_model(req)
        model = model or planned
        hit = self._cached(req, model)
        if hit is not None:
            return hit
        if self.client is None:
            text = req.local()
            rec = self._record(req, backend="local", model=model, reason=reason)
            self._commit()
            self._store(req, model, text, rec)
            return Answer(text, rec)
        try:
            cached_content, _, key = self.context_cache(req, model)
        except (GeminiCallError, BudgetExceeded) as err:  # the question can still be asked in full
            log.warning("no context cache for %s %s: %s", req.purpose, req.item_id, err)
            cached_content, key = "", ""
        expected = self.expected_cost(model, est, req.purpose)
        try:
            self._reserve(expected, f"{req.purpose} {req.item_id}")
        except BudgetExceeded as err:
            return self._fallback(req, model, err)
        what = f"{req.purpose} for video {self.video_id!r}"
        try:
            try:
                result = self.client.generate(req.parts[req.prefix_parts:] if cached_content else req.parts,
                                              model=model, system=req.system, json_output=req.json_output,
                                              cached_content=cached_content or None, what=what)
            except GeminiCallError as err:
                if not cached_content or isinstance(err, NonAnswer):
                    raise
                log.warning("context cache %s refused (%s); asking with the whole prompt", cached_content, err)
                self._forget_context(key)
                cached_content = ""
                result = self.client.generate(req.parts, model=model, system=req.system,
                                              json_output=req.json_output, what=what)
        except GeminiCallError as err:
            self._release(expected)
            return self._fallback(req, model, err)
        try:  # _billed charges the real cost; the reservation is released after it
            rec = self._billed(req, result, reason + ("; context cache" if cached_content else ""))
        except NonAnswer as err:
            return self._fallback(req, model, err)
        finally:
            self._release(expected)
        self._store(req, result.model, result.text, rec)
        return Answer(result.text, rec)

    def ask_batch_api(self, reqs: list[Request], poll_s: float = 30.0, timeout_s: float = 24 * 3600) -> dict[str, Answer]:
        """Gemini Batch mode (the catalogue's batch discount) for many requests; resumes a job a
        failed run submitted.

        The submitted job name is saved under data/ledger/<video>/ before polling, so a re-run
        polls the same job instead of paying twice. Cached items are not resubmitted. Items
        that failed are retried synchronously; non-answers are ledgered and raise NonAnswer
        after the good answers are ledgered and cached.
        """
        out: dict[str, Answer] = {}
        todo: list[tuple[Request, str, str, int]] = []
        for req in reqs:
            model, reason, est = self.plan_model(req)
            hit = self._cached(req, model)
            if hit is not None:
                out[req.item_id] = hit
            else:
                todo.append((req, model, reason, est))
        self._commit()
        if not todo:
            return out
        if self.client is None:
            for req, _, _, _ in todo:
                out[req.item_id] = self.ask(req)
            return out
        model = todo[0][1]
        discount = price_for(model, self.prices).batch_discount
        reason = todo[0][2] + f"; batch mode ({discount:.0%} off)"
        state_path = ledger_dir(self.video_id) / f"pending_batch_{self.asset}.json"
        keys = sorted(r.item_id for r, _, _, _ in todo)
        state = json.loads(state_path.read_text()) if state_path.exists() else None
        if state and state.get("keys") == keys and state.get("model") == model:
            name = state["name"]
        else:
            expected = sum(self.expected_cost(model, est, r.purpose, batch=True) for r, _, _, est in todo)
            self.budget.check(expected, f"batch of {len(todo)} {todo[0][0].purpose} calls")
            first = todo[0][0]
            name = self.client.submit_batch(
                {r.item_id: r.parts for r, _, _, _ in todo}, model=model, system=first.system,
                json_output=first.json_output, display_name=f"halo-{self.video_id}-{self.asset}",
            )
            write_bytes_atomic(state_path, json.dumps({"name": name, "keys": keys, "model": model}).encode())
        results = self.client.wait_batch(name, model=model, poll_s=poll_s, timeout_s=timeout_s)
        by_id = {r.item_id: r for r, _, _, _ in todo}
        refused: list[NonAnswer] = []
        for key, req in by_id.items():
            res = results.get(key)
            if res is None or isinstance(res, str):
                continue  # retried synchronously below
            try:
                rec = self._billed(req, res, reason)
            except NonAnswer as err:
                refused.append(err)
                continue
            self._store(req, res.model, res.text, rec)
            out[key] = Answer(res.text, rec)
        state_path.unlink(missing_ok=True)
        refused_ids = {k for k in by_id if isinstance(results.get(k), LLMResult) and k not in out}
        for key in [k for k in by_id if k not in out and k not in refused_ids]:  # failed: one sync retry
            out[key] = self.ask(by_id[key])
        if refused:
            raise refused[0]
        return out


def _session_request(question: str, i: int, context: str, naive_seconds: float) -> Request:
    from halo.llm.local import answer_extractive
    from halo.llm.prompts import QA_SYSTEM

    return Request(
        item_id=f"q{i}", parts=[f"CONTEXT:\n{context.strip()}\n\n", f"QUESTION: {question.strip()}"],
        cache_query=question, purpose="question", local=lambda: answer_extractive(question, [context]),
        system=QA_SYSTEM, semantic=True, naive_seconds=naive_seconds, prefix_parts=1,
    )


def ask_session(service: LLMService, context: str, questions: list[str], *, naive_seconds: float = 0.0) -> list[Answer]:
    """Answer several questions over one context (e.g. a video's transcript or summaries).

    The context is every request's cacheable prefix: with Gemini and
    GeminiResource.use_context_cache it goes into a context cache when that is cheaper for
    this many questions, storage included (LLMService.context_cache); every question goes
    through ``service.ask`` (cache, budget, ledger first, non-answers refused).
    """
    n = service.session_questions
    service.session_questions = max(len(questions), 1)
    try:
        return [service.ask(_session_request(q, i, context, naive_seconds)) for i, q in enumerate(questions)]
    finally:
        service.session_questions = n
        service.ledger.flush()

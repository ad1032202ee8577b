"""LLMService: every LLM call HALO makes for one video goes through here.

Order per call: cache (exact key: query + model + PROMPT_VERSION) -> budget check with a
worst-case estimate -> Gemini (or the local backend when no key) -> ledger record -> cache store.
When the budget is spent or Gemini fails and ``fallback_to_cache`` is on, the L3 summary
fallback answers instead. Summaries and (later) Q&A share this path, so the ledger sees all.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from halo.errors import BudgetExceeded
from halo.llm.baseline import media_tokens
from halo.llm.budget import Budget
from halo.llm.gemini import (
    GeminiCallError,
    GeminiClient,
    GeminiSettings,
    Part,
    choose_model,
    estimate_tokens,
)
from halo.llm.ledger import CallRecord, Ledger, ledger_dir
from halo.llm.local import LOCAL_MODEL
from halo.llm.pricing import ModelPrice, UnknownModelPrice, call_cost_usd, media_cost_usd
from halo.llm.prompts import PROMPT_VERSION
from halo.storage import write_bytes_atomic


class CacheLike(Protocol):
    """The slice of halo.cache.tiered.TieredCache that LLM calls use."""

    def lookup(self, video_id: str, query: str, *, model: str, prompt_version: str, semantic: bool = True): ...
    def store(self, video_id: str, query: str, answer: str, *, model: str, prompt_version: str, meta: dict,
              semantic: bool = True) -> Any: ...
    def fallback(self, video_id: str, query: str): ...


class NoCache:
    """Used when no cache is configured: never hits, stores nothing, has no fallback."""

    def lookup(self, video_id, query, *, model, prompt_version, semantic=True):
        return None

    def store(self, video_id, query, answer, *, model, prompt_version, meta, semantic=True):
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
    image_tokens: int = 0
    semantic: bool = False  # True only for user questions (L2 paraphrase matching)


@dataclass
class Answer:
    text: str
    record: CallRecord


@dataclass
class LLMService:
    video_id: str
    asset: str
    settings: GeminiSettings
    client: GeminiClient | None  # None = local backend
    ledger: Ledger
    budget: Budget = field(default_factory=Budget)
    cache: CacheLike = field(default_factory=NoCache)
    prices: dict[str, ModelPrice] | None = None
    fallback_to_cache: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def backend(self) -> str:
        return "gemini" if self.client else "local"

    # -- accounting ---------------------------------------------------------------------
    def _naive(self, model: str, seconds: float, output_tokens: int) -> tuple[int, float]:
        t = media_tokens(seconds)
        priced = self.settings.flash_model if model.startswith("local") else model
        try:
            usd = media_cost_usd(priced, t.visual, t.audio, output_tokens, self.prices)
        except UnknownModelPrice:
            usd = 0.0
        return t.total, usd

    def _record(self, req: Request, *, backend: str, model: str, reason: str = "", usage=None,
                batch: bool = False, tier: str = "") -> CallRecord:
        inp, cached, out = (usage.prompt_tokens, usage.cached_tokens, usage.output_tokens) if usage else (0, 0, 0)
        cost = call_cost_usd(model, inp, cached, out, batch=batch, prices=self.prices) if backend == "gemini" else 0.0
        naive_tokens, naive_usd = self._naive(model, req.naive_seconds, out)
        rec = CallRecord(
            video_id=self.video_id, asset=self.asset, purpose=req.purpose, backend=backend,
            model=model, model_reason=reason, input_tokens=inp, cached_tokens=cached,
            output_tokens=out, cost_usd=cost, cache_tier=tier, naive_tokens=naive_tokens,
            naive_cost_usd=naive_usd, batch=batch, image_tokens=req.image_tokens if usage else 0,
            item_id=req.item_id,
        )
        with self._lock:
            self.ledger.add(rec)
            self.budget.charge(cost)
        return rec

    def plan_model(self, req: Request) -> tuple[str, str, int]:
        if self.client is None:
            return LOCAL_MODEL, "local: no Gemini API key set", 0
        est = estimate_tokens(list(req.parts) + ([req.system] if req.system else []))
        model, reason = choose_model(self.settings, est, req.hard)
        return model, reason, est

    def _cached(self, req: Request, model: str) -> Answer | None:
        hit = self.cache.lookup(self.video_id, req.cache_query, model=model,
                                prompt_version=PROMPT_VERSION, semantic=req.semantic)
        if hit is None:
            return None
        return Answer(hit.answer, self._record(req, backend="cache", model=model, tier=hit.tier.upper()))

    def _store(self, req: Request, model: str, text: str, rec: CallRecord) -> None:
        self.cache.store(self.video_id, req.cache_query, text, model=model,
                         prompt_version=PROMPT_VERSION, semantic=req.semantic,
                         meta={"purpose": req.purpose, "item_id": req.item_id, "backend": rec.backend,
                               "input_tokens": rec.input_tokens, "output_tokens": rec.output_tokens,
                               "cost_usd": rec.cost_usd})

    def _fallback(self, req: Request, model: str, err: Exception) -> Answer:
        hit = self.cache.fallback(self.video_id, req.cache_query) if self.fallback_to_cache else None
        if hit is None:
            raise err
        return Answer(hit.answer, self._record(req, backend="cache", model=model, tier=(hit.tier or "l3").upper(),
                                               reason=f"fallback: {type(err).__name__}"))

    # -- calls --------------------------------------------------------------------------
    def ask(self, req: Request) -> Answer:
        model, reason, est = self.plan_model(req)
        hit = self._cached(req, model)
        if hit is not None:
            return hit
        if self.client is None:
            text = req.local()
            rec = self._record(req, backend="local", model=model, reason=reason)
            self._store(req, model, text, rec)
            return Answer(text, rec)
        worst = call_cost_usd(model, est, 0, self.settings.max_output_tokens, prices=self.prices)
        try:
            with self._lock:
                self.budget.reserve(worst, f"{req.purpose} {req.item_id}")
        except BudgetExceeded as err:
            return self._fallback(req, model, err)
        try:
            result = self.client.generate(req.parts, model=model, system=req.system,
                                          json_output=req.json_output,
                                          what=f"{req.purpose} for video {self.video_id!r}")
        except GeminiCallError as err:
            with self._lock:
                self.budget.settle(worst, 0.0)
            return self._fallback(req, model, err)
        with self._lock:  # release the reservation and charge the real cost atomically
            self.budget.settle(worst, 0.0)
            rec = self._record(req, backend="gemini", model=model, reason=reason, usage=result.usage)
        self._store(req, model, result.text, rec)
        return Answer(result.text, rec)

    def ask_batch_api(self, reqs: list[Request], poll_s: float = 30.0, timeout_s: float = 24 * 3600) -> dict[str, Answer]:
        """Gemini Batch mode (50% off) for many requests; resumes a job a failed run submitted.

        The submitted job name is saved under data/ledger/<video>/ before polling, so a re-run
        polls the same job instead of paying twice. Cached items are not resubmitted.
        """
        out: dict[str, Answer] = {}
        todo: list[tuple[Request, str, str]] = []
        for req in reqs:
            model, reason, est = self.plan_model(req)
            hit = self._cached(req, model)
            if hit is not None:
                out[req.item_id] = hit
            else:
                todo.append((req, model, reason))
        if not todo:
            return out
        if self.client is None:
            for req, _, _ in todo:
                out[req.item_id] = self.ask(req)
            return out
        model = todo[0][1]
        reason = todo[0][2] + "; batch mode (50% off)"
        state_path = ledger_dir(self.video_id) / f"pending_batch_{self.asset}.json"
        keys = sorted(r.item_id for r, _, _ in todo)
        state = json.loads(state_path.read_text()) if state_path.exists() else None
        if state and state.get("keys") == keys and state.get("model") == model:
            name = state["name"]
        else:
            worst = sum(
                call_cost_usd(model, self.plan_model(r)[2], 0, self.settings.max_output_tokens,
                              batch=True, prices=self.prices)
                for r, _, _ in todo
            )
            self.budget.check(worst, f"batch of {len(todo)} {todo[0][0].purpose} calls")
            first = todo[0][0]
            name = self.client.submit_batch(
                {r.item_id: r.parts for r, _, _ in todo}, model=model, system=first.system,
                json_output=first.json_output, display_name=f"halo-{self.video_id}-{self.asset}",
            )
            write_bytes_atomic(state_path, json.dumps({"name": name, "keys": keys, "model": model}).encode())
        results = self.client.wait_batch(name, model=model, poll_s=poll_s, timeout_s=timeout_s)
        by_id = {r.item_id: r for r, _, _ in todo}
        for key, req in by_id.items():
            res = results.get(key)
            if res is None or isinstance(res, str):
                continue  # retried synchronously below
            rec = self._record(req, backend="gemini", model=model, reason=reason, usage=res.usage, batch=True)
            self._store(req, model, res.text, rec)
            out[key] = Answer(res.text, rec)
        Path(state_path).unlink(missing_ok=True)
        for key in [k for k in by_id if k not in out]:  # failed items: one synchronous retry each
            out[key] = self.ask(by_id[key])
        return out


def _session_request(question: str, i: int, context: str, cached: bool) -> Request:
    from halo.llm.local import answer_extractive
    from halo.llm.prompts import QA_SYSTEM, qa_prompt

    prompt = f"QUESTION: {question.strip()}" if cached else qa_prompt(question, context)
    return Request(
        item_id=f"q{i}", parts=[prompt], cache_query=question, purpose="question",
        local=lambda: answer_extractive(question, [context]), system=None if cached else QA_SYSTEM,
        semantic=True,
    )


def ask_session(service: LLMService, context: str, questions: list[str], *, naive_seconds: float = 0.0,
                use_context_cache: bool = True, ttl_s: int = 3600) -> list[Answer]:
    """Answer several questions over one context (e.g. a video's summary + chunks).

    With Gemini and ``use_context_cache``, the context goes into a Gemini context cache when
    halo.llm.pricing.plan_context_cache says that is cheaper for this many questions, storage
    included; the cache creation and its storage are ledger rows of their own.
    """
    from halo.llm.pricing import cache_storage_usd, plan_context_cache
    from halo.llm.prompts import QA_SYSTEM

    client = service.client
    try:
        if client is None or not use_context_cache:
            return [service.ask(_with_naive(_session_request(q, i, context, False), naive_seconds))
                    for i, q in enumerate(questions)]
        model, reason, ctx_tokens = service.plan_model(Request("ctx", [context], "", "ctx", str, QA_SYSTEM))
        plan = plan_context_cache(model, ctx_tokens, len(questions), ttl_s / 3600, prices=service.prices)
        if not plan.use_cache:
            return [service.ask(_with_naive(_session_request(q, i, context, False), naive_seconds))
                    for i, q in enumerate(questions)]
        worst = call_cost_usd(model, ctx_tokens, 0, 0, prices=service.prices) + cache_storage_usd(
            model, ctx_tokens, ttl_s / 3600, service.prices)
        service.budget.check(worst, "context cache creation")
        name, tokens = client.create_context_cache([context], model=model, ttl_s=ttl_s, system=QA_SYSTEM)
        usage = type("U", (), {"prompt_tokens": tokens, "cached_tokens": 0, "output_tokens": 0})()
        create = Request("context_cache", [], "", "context_cache_create", str)
        service._record(create, backend="gemini", model=model, reason=plan.reason, usage=usage)
        storage = service._record(Request("context_cache", [], "", "context_cache_storage", str),
                                  backend="gemini", model=model, reason=plan.reason)
        storage.cost_usd = cache_storage_usd(model, tokens, ttl_s / 3600, service.prices)
        service.budget.charge(storage.cost_usd)
        answers = []
        try:
            for i, q in enumerate(questions):
                req = _with_naive(_session_request(q, i, context, True), naive_seconds)
                hit = service._cached(req, model)
                if hit is not None:
                    answers.append(hit)
                    continue
                est = call_cost_usd(model, tokens + estimate_tokens(req.parts), tokens,
                                    service.settings.max_output_tokens, prices=service.prices)
                service.budget.check(est, f"question {i}")
                res = client.generate(req.parts, model=model, cached_content=name,
                                      what=f"question for video {service.video_id!r}")
                rec = service._record(req, backend="gemini", model=model,
                                      reason=f"{reason}; context cache", usage=res.usage)
                service._store(req, model, res.text, rec)
                answers.append(Answer(res.text, rec))
        finally:
            client.delete_context_cache(name)
        return answers
    finally:
        service.ledger.flush()


def _with_naive(req: Request, seconds: float) -> Request:
    req.naive_seconds = seconds
    return req

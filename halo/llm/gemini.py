"""Gemini through google-genai: retries, timeouts, usage metadata, model choice, key hygiene.

Why a wrapper: the rest of HALO needs four things from Gemini and nothing else -- the text,
the exact token usage (for the ledger), a clear error when something goes wrong, and the
guarantee that the API key never leaks. Retries use the SDK's own HttpRetryOptions
(exponential backoff with jitter on 408/429/500/502/503/504 and httpx timeouts / connection
errors): one retry policy, not a second one stacked on top.

Endpoint: the SDK honours GOOGLE_GEMINI_BASE_URL (google/genai/_base_url.py) when no
base_url is passed, so HALO passes ``base_url`` only when the user set it in config.
API key: google-genai reads GOOGLE_API_KEY (preferred) or GEMINI_API_KEY itself; HALO does the
same lookup only to decide between Gemini and the local backend.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from halo.errors import HaloError
from halo.llm.baseline import IMAGE_TOKENS
from halo.llm.pricing import DEFAULT_FLASH_MODEL, DEFAULT_PRO_MODEL

log = logging.getLogger(__name__)

RETRY_STATUS_CODES = [408, 429, 500, 502, 503, 504]
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"  # the SDK's, when nothing overrides it
_USERINFO = re.compile(r"^((?:[A-Za-z][\w+.-]*:)?//)?[^/]*@")  # user:password@ before an URL's host
CALLS_IN_FLIGHT = 8  # Gemini calls a group of chunk summaries sends at once (GeminiResource.batch_size)
CHARS_PER_TOKEN = 4.0  # Gemini text tokens average ~4 characters of English
#: prompts estimated above this many tokens are counted exactly with countTokens before the call
COUNT_TOKENS_ABOVE = 32_000
#: finish reasons after which the candidate is not an answer (it is still billed)
NON_ANSWER_FINISH = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                     "LANGUAGE", "OTHER", "MALFORMED_RESPONSE", "MODEL_ARMOR"}


class GeminiCallError(HaloError):
    """A Gemini call failed after the SDK's retries (message sanitised: no key, no headers)."""


class MalformedResponse(GeminiCallError):
    """Gemini (or a proxy) returned a body HALO cannot read: not JSON, or no usage metadata."""


def env_api_key() -> str:
    """The key the SDK would use: GOOGLE_API_KEY first, then GEMINI_API_KEY ('' if none)."""
    return (os.environ.get("GOOGLE_API_KEY") or os.environ.get("GEMINI_API_KEY") or "").strip()


class GeminiClientConfig(BaseModel):
    """How the client calls Gemini. Declared once: GeminiResource takes these fields from here."""

    model_config = ConfigDict(frozen=True)

    api_key: str = Field("", repr=False, description=(
        "in Dagster config use EnvVar('GEMINI_API_KEY'); '' = the SDK's env vars; none = local backend"))
    flash_model: str = Field(DEFAULT_FLASH_MODEL, description="default model (GA, no shutdown announced)")
    pro_model: str = Field(DEFAULT_PRO_MODEL, description="for hard tasks and very long inputs")
    temperature: float = 0.2
    max_output_tokens: int = 1024
    timeout_s: float = 60.0
    max_retries: int = Field(4, description="SDK retries with exponential backoff+jitter on 408/429/5xx/timeouts")
    retry_initial_delay_s: float = 1.0
    retry_max_delay_s: float = 30.0
    base_url: str = Field("", description="'' = SDK default or GOOGLE_GEMINI_BASE_URL")
    pro_threshold_tokens: int = Field(200_000, description="inputs above this go to Pro")
    low_res_images: bool = Field(True, description="keyframes at MEDIA_RESOLUTION_LOW (66 instead of 258 tokens)")


@dataclass(frozen=True)
class ImagePart:
    """A keyframe to send with a prompt (JPEG/PNG file)."""

    path: str
    mime_type: str = "image/jpeg"


Part = str | ImagePart


def _details(items: Any) -> dict[str, int]:
    """promptTokensDetails / cacheTokensDetails as {modality: tokens}."""
    out: dict[str, int] = {}
    for d in items or []:
        m = str(getattr(d.modality, "value", d.modality) or "TEXT")
        out[m] = out.get(m, 0) + int(d.token_count or 0)
    return out


@dataclass
class Usage:
    """Token counts exactly as the response's usageMetadata reported them.

    prompt_tokens = promptTokenCount, which already *includes* cachedContentTokenCount
    (never add the two); the details split both per modality for billing.
    """

    prompt_tokens: int = 0  # includes cached tokens
    cached_tokens: int = 0
    output_tokens: int = 0  # candidates + thoughts
    total_tokens: int = 0
    prompt_details: dict[str, int] = field(default_factory=dict)
    cached_details: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_metadata(cls, um: Any) -> "Usage":
        prompt = (um.prompt_token_count or 0) + (um.tool_use_prompt_token_count or 0)
        output = (um.candidates_token_count or 0) + (um.thoughts_token_count or 0)
        return cls(prompt, um.cached_content_token_count or 0, output, um.total_token_count or 0,
                   _details(um.prompt_tokens_details), _details(um.cache_tokens_details))


@dataclass
class LLMResult:
    """A billed response. ``model`` is the model that served it (response modelVersion);
    ``non_answer`` says why the text is not an answer (blocked, empty) -- '' when it is one."""

    text: str
    model: str
    usage: Usage
    batch: bool = False
    requested_model: str = ""
    non_answer: str = ""


def estimate_tokens(parts: Sequence[Part], image_tokens: int = IMAGE_TOKENS) -> int:
    """Local prompt-token estimate (text ~4 chars/token, images per media resolution).

    halo.llm.service.LLMService.estimate is the one estimate budget and model choice use: it
    takes this, and asks countTokens instead when the prompt is large enough to matter.
    """
    n = 0
    for p in parts:
        n += image_tokens if isinstance(p, ImagePart) else math.ceil(len(p) / CHARS_PER_TOKEN)
    return n


def non_answer_reason(response: Any) -> str:
    """Why a billed response carries no usable answer ('' when it does)."""
    fb = getattr(response, "prompt_feedback", None)
    if fb is not None and fb.block_reason:
        return f"prompt blocked ({getattr(fb.block_reason, 'value', fb.block_reason)})"
    candidates = getattr(response, "candidates", None) or []
    if not candidates:
        return "no candidate returned"
    finish = str(getattr(candidates[0].finish_reason, "value", candidates[0].finish_reason) or "")
    if finish in NON_ANSWER_FINISH:
        return f"candidate stopped by {finish}"
    content = candidates[0].content
    text = "".join(p.text or "" for p in (content.parts or []) if not p.thought) if content else ""
    return "" if text.strip() else "empty candidate"


def choose_model(settings: GeminiClientConfig, prompt_tokens: int, hard: bool = False) -> tuple[str, str]:
    """Flash by default; Pro only for hard tasks or inputs above ``pro_threshold_tokens``."""
    if hard:
        return settings.pro_model, "pro: task marked hard"
    if prompt_tokens > settings.pro_threshold_tokens:
        return settings.pro_model, (
            f"pro: input ~{prompt_tokens} tokens > {settings.pro_threshold_tokens} Flash threshold"
        )
    return settings.flash_model, f"flash: default (input ~{prompt_tokens} tokens)"


class _Redact(logging.Filter):
    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        if self.secret and self.secret in msg:
            record.msg, record.args = msg.replace(self.secret, "***"), None
        return True


_REDACTED_LOGGERS: dict[str, set[str]] = {}
_SDK_LOGGERS = ("google_genai", "httpx", "httpcore", "httpx2", "httpcore2")


def _redact_sdk_logs(secret: str) -> None:
    """Redact ``secret`` from every google_genai / httpx log record (filters are per logger)."""
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in _SDK_LOGGERS]
    for name in names + list(_SDK_LOGGERS):
        done = _REDACTED_LOGGERS.setdefault(name, set())
        if secret not in done:
            logging.getLogger(name).addFilter(_Redact(secret))
            done.add(secret)


def _transport_errors() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(timeout, other transport) exception classes of httpx and httpx2 (google-genai uses either)."""
    import importlib

    timeouts, transport = [], []
    for name in ("httpx", "httpx2"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        timeouts.append(mod.TimeoutException)
        transport.append(mod.HTTPError)
    return tuple(timeouts), tuple(transport)


class GeminiClient:
    """Thin, accountable access to the Gemini API for HALO."""

    backend = "gemini"

    def __init__(self, settings: GeminiClientConfig):
        from google import genai
        from google.genai import types

        key = settings.api_key or env_api_key()
        if not key:
            raise GeminiCallError("No Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY).")
        self.settings = settings
        self._secret = key
        self._types = types
        _redact_sdk_logs(key)
        http_options = types.HttpOptions(
            timeout=int(settings.timeout_s * 1000),
            retry_options=types.HttpRetryOptions(
                attempts=settings.max_retries + 1,
                initial_delay=settings.retry_initial_delay_s,
                max_delay=settings.retry_max_delay_s,
                exp_base=2.0,
                jitter=min(1.0, settings.retry_initial_delay_s),
                http_status_codes=RETRY_STATUS_CODES,
            ),
        )
        if settings.base_url:  # else the SDK's default or GOOGLE_GEMINI_BASE_URL
            http_options.base_url = settings.base_url
        self._client = genai.Client(api_key=key, http_options=http_options)

    def __repr__(self) -> str:
        return f"GeminiClient(flash={self.settings.flash_model!r}, pro={self.settings.pro_model!r})"

    def endpoint(self) -> str:
        """The API endpoint calls go to, as the SDK picks it (base_url, else GOOGLE_GEMINI_BASE_URL,
        else Google's), without any user:password in it: an unreachable one is named in the error."""
        url = self.settings.base_url or os.environ.get("GOOGLE_GEMINI_BASE_URL") or DEFAULT_BASE_URL
        # user:password@ before the host, with or without a scheme: an URL mistyped without
        # https:// is the very one that fails to connect
        return _USERINFO.sub(r"\1***@", url, count=1)

    # -- key hygiene and errors ---------------------------------------------------------
    def sanitize(self, text: str) -> str:
        text = text.replace(self._secret, "***") if self._secret else text
        return re.sub(r"([?&]key=)[^&\s'\"]+", r"\1***", text)

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        import pydantic
        from google.genai import errors as genai_errors

        timeouts, transport = _transport_errors()

        try:
            return fn()
        except genai_errors.APIError as e:
            msg = self.sanitize(str(e.message or e.details or ""))[:500]
            hint = {
                400: "check the request (model name, prompt size)",
                401: "check the API key",
                403: "check the API key's permissions",
                404: "check the model name",
                429: "quota exhausted: lower batch_size, wait, or raise the quota",
            }.get(e.code, "the service failed; try again later")
            retried = (
                f" after {self.settings.max_retries} retries" if e.code in RETRY_STATUS_CODES else ""
            )
            raise GeminiCallError(
                f"Gemini {what} failed with HTTP {e.code} {e.status or ''}{retried}: {msg} ({hint})."
            ) from None
        except timeouts:
            raise GeminiCallError(
                f"Gemini {what} timed out after {self.settings.timeout_s:g} s "
                f"({self.settings.max_retries} retries); raise timeout_s or try later."
            ) from None
        except transport as e:
            raise GeminiCallError(
                f"Gemini {what} could not reach the API at {self.sanitize(self.endpoint())}: {type(e).__name__}: "
                f"{self.sanitize(str(e))[:300].rstrip('.')}. Check the network and GOOGLE_GEMINI_BASE_URL/base_url, "
                "or answer with the local backend: the Gemini resource's use_local=True (the local backend "
                "setting of HALO's config), or no key at all (unset GEMINI_API_KEY and GOOGLE_API_KEY, "
                "leave api_key empty)."
            ) from None
        except (json.JSONDecodeError, pydantic.ValidationError, UnicodeDecodeError) as e:
            raise MalformedResponse(
                f"Gemini {what} returned a malformed response body ({type(e).__name__}: "
                f"{self.sanitize(str(e))[:200]}); if GOOGLE_GEMINI_BASE_URL/base_url points to a "
                "proxy, check that it speaks the Gemini REST API."
            ) from None

    # -- requests -----------------------------------------------------------------------
    def _contents(self, parts: Sequence[Part]) -> list:
        types = self._types
        out = []
        for p in parts:
            if isinstance(p, ImagePart):
                out.append(types.Part.from_bytes(data=Path(p.path).read_bytes(), mime_type=p.mime_type))
            else:
                out.append(types.Part.from_text(text=p))
        return [types.Content(role="user", parts=out)]

    def _config(self, system: str | None, json_output: bool, cached_content: str | None = None,
                parts: Sequence[Part] = ()):
        low = self.settings.low_res_images and any(isinstance(p, ImagePart) for p in parts)
        return self._types.GenerateContentConfig(
            media_resolution=self._types.MediaResolution.MEDIA_RESOLUTION_LOW if low else None,
            system_instruction=system if (system and not cached_content) else None,
            temperature=self.settings.temperature,
            max_output_tokens=self.settings.max_output_tokens,
            response_mime_type="application/json" if json_output else None,
            cached_content=cached_content,
        )

    def _result(self, response: Any, model: str, what: str, batch: bool = False) -> LLMResult:
        um = getattr(response, "usage_metadata", None)
        if um is None or um.prompt_token_count is None:
            raise MalformedResponse(
                f"Gemini {what} returned no usageMetadata; HALO cannot account its cost, so the "
                "answer is not used. Check the endpoint (GOOGLE_GEMINI_BASE_URL/base_url)."
            )
        reason = non_answer_reason(response)
        text = "" if reason else (response.text or "")
        served = (getattr(response, "model_version", None) or model).removeprefix("models/")
        if served != model:
            log.warning("Gemini %s: asked for %s, served by %s; billed as %s.", what, model, served, served)
        return LLMResult(text=text, model=served, usage=Usage.from_metadata(um), batch=batch,
                         requested_model=model, non_answer=reason)

    def generate(
        self,
        parts: Sequence[Part],
        *,
        model: str,
        system: str | None = None,
        json_output: bool = False,
        cached_content: str | None = None,
        what: str = "generateContent",
    ) -> LLMResult:
        config = self._config(system, json_output, cached_content, parts)
        response = self._call(
            what,
            lambda: self._client.models.generate_content(
                model=model, contents=self._contents(parts), config=config
            ),
        )
        return self._result(response, model, what)

    def count_tokens(self, parts: Sequence[Part], *, model: str) -> int:
        resp = self._call(
            "countTokens",
            lambda: self._client.models.count_tokens(model=model, contents=self._contents(parts)),
        )
        return int(resp.total_tokens or 0)

    # -- context caching ----------------------------------------------------------------
    def create_context_cache(
        self, parts: Sequence[Part], *, model: str, ttl_s: int, system: str | None = None
    ) -> tuple[str, int]:
        """Create a cached context; returns (name, token count the service reported)."""
        types = self._types
        cfg = types.CreateCachedContentConfig(
            contents=self._contents(parts), system_instruction=system, ttl=f"{int(ttl_s)}s"
        )
        cache = self._call(
            "cachedContents.create", lambda: self._client.caches.create(model=model, config=cfg)
        )
        if cache.usage_metadata is None or cache.usage_metadata.total_token_count is None:
            raise MalformedResponse("Gemini cachedContents.create returned no usageMetadata.")
        return cache.name, int(cache.usage_metadata.total_token_count)

    def delete_context_cache(self, name: str) -> None:
        self._call("cachedContents.delete", lambda: self._client.caches.delete(name=name))

    # -- batch mode ---------------------------------------------------------------------
    def submit_batch(
        self,
        requests: dict[str, Sequence[Part]],
        *,
        model: str,
        system: str | None = None,
        json_output: bool = False,
        display_name: str = "halo",
    ) -> str:
        """Submit inline requests keyed by id; returns the batch job name (batches/...)."""
        types = self._types
        config = self._config(system, json_output, parts=[p for ps in requests.values() for p in ps])
        inlined = [
            types.InlinedRequest(contents=self._contents(parts), config=config, metadata={"key": key})
            for key, parts in requests.items()
        ]
        job = self._call(
            "batches.create",
            lambda: self._client.batches.create(
                model=model, src=inlined, config={"display_name": display_name}
            ),
        )
        return job.name

    def batch_state(self, name: str) -> Any:
        return self._call("batches.get", lambda: self._client.batches.get(name=name))

    def wait_batch(
        self, name: str, *, model: str, poll_s: float = 30.0, timeout_s: float = 24 * 3600
    ) -> dict[str, LLMResult | str]:
        """Poll until the job ends; returns {key: LLMResult, or an error string per request}."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.batch_state(name)
            state = str(getattr(job.state, "value", job.state) or "")
            if state in ("JOB_STATE_SUCCEEDED",):
                break
            if state in ("JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"):
                raise GeminiCallError(f"Gemini batch {name} ended in state {state}.")
            if time.monotonic() > deadline:
                raise GeminiCallError(
                    f"Gemini batch {name} still {state} after {timeout_s:g} s; re-run to resume polling."
                )
            time.sleep(poll_s)
        out: dict[str, LLMResult | str] = {}
        responses = (job.dest.inlined_responses if job.dest else None) or []
        for i, item in enumerate(responses):
            key = (item.metadata or {}).get("key", str(i))
            if item.error is not None or item.response is None:
                out[key] = self.sanitize(f"error: {item.error}")
                continue
            out[key] = self._result(item.response, model, f"batch {name} item {key}", batch=True)
        return out

"""A repeated question answered from the exact cache without loading the video, a model or pandas.

`halo ask` is a new process per question, so what it imports is most of what a user waits for
on a repeated question (Dagster, pandas, pyarrow and torch took 4-5 s before the answer was read
from Redis in milliseconds). This path needs only the session file, Redis and this module's
memo:

    session (JSON) -> standalone? (a follow-up needs the rewrite: full path)
    -> memo of the video (duration, whether it has pictures and sound, the citations each answer resolved
       to, the outputs' stamp and digest)
    -> L1 peek, keyed exactly as Conversation keys it (standalone query, model, PROMPT_VERSION,
       outputs digest)
    -> answer text in the memo? -> LLMService.cached (counted hit, $0 ledger row written first)
    -> the Turn saved in the session, as the full path saves it

Anything else (a miss, a follow-up, an answer the memo does not hold, outputs changed since it
was written, HALO_ENV=prod) returns None and the caller takes the full path, which answers and
then ``remember``s the answer. The memo is what a cached answer cannot carry: the citations
resolved against the video's utterances (speaker, chunk) and the video's duration and whether it
has pictures and sound (the naive baseline of the ledger row); it is stamped with the stored outputs it was
resolved from, and holds their content digest (halo.qa.video.outputs_digest, which needs pandas to
compute): while the stamp holds, the digest is the one the full path would key the answer with.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from halo.ids import validate_video_id
from halo.llm.baseline import MediaStreams
from halo.paths import data_dir
from halo.qa.followups import is_follow_up, needs_earlier_answer
from halo.qa.sessions import QA_ASSET, QA_PURPOSE, Turn, load_session, save_session
from halo.qa.stamp import outputs_stamp
from halo.storage import write_bytes_atomic

if TYPE_CHECKING:  # pandas: never imported by the light path
    from halo.qa.video import VideoQA

MEMO_FILE = "answers.json"
MEMO_VERSION = 4  # 2: the outputs digest, part of the cache key; 3: has_video; 4: streams (older memos are not used)
#: Resource sets whose settings this module can build without Dagster (prod names shared services).
LIGHT_ENVS = ("local", "ci")


@dataclass
class CachedTurn:
    """A turn answered from the exact cache, with its citations resolved as the first answer's were."""

    turn: Turn
    cited: list[dict]


def memo_path(video_id: str) -> Path:
    return data_dir() / "qa" / validate_video_id(video_id) / MEMO_FILE


def _answer_key(text: str) -> str:
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:32]


def _load_memo(video_id: str) -> dict[str, Any] | None:
    """The video's memo if it was written from the outputs stored now, else None."""
    try:
        memo = json.loads(memo_path(video_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    stamp = outputs_stamp(video_id)
    fresh = stamp is not None and memo.get("stamp") == stamp and memo.get("version") == MEMO_VERSION
    return memo if fresh else None


def remember(video: VideoQA, turn: Turn, cited: list[dict]) -> None:
    """Keep what answering ``turn`` on ``video`` again from the cache needs (called after the
    full path). The memo is stamped as the outputs were when ``video`` was loaded, so outputs
    stored again while the question was answered leave it unused, never vouching for them.

    Read-modify-write without a lock: two processes writing at once may drop one entry, which
    only sends that answer's next repeat through the full path again.
    """
    if video.stamp is None:
        return
    memo = _load_memo(video.video_id)
    if memo is None or memo.get("outputs") != video.outputs:
        memo = {"version": MEMO_VERSION, "stamp": video.stamp, "outputs": video.outputs,
                "duration_s": float(video.duration_s), "streams": asdict(video.streams), "answers": {}}
    memo["answers"][_answer_key(turn.answer)] = {
        "citations": turn.citations, "flagged": turn.flagged, "cited": cited}
    write_bytes_atomic(memo_path(video.video_id), json.dumps(memo).encode("utf-8"))


def light_backend() -> bool:
    """Whether ``light_service`` can stand in for the resources' service here: HALO_ENV local or
    ci, and the local backend (no key, or ci), whose service needs no model check or budget."""
    from halo.llm.gemini import env_api_key

    env = os.environ.get("HALO_ENV") or "local"
    return env in LIGHT_ENVS and (env == "ci" or not env_api_key())


def light_service(video_id: str, session_id: str, model_name: str | None = None):
    """The LLMService `halo ask` gets from the resources, built from the same environment
    without Dagster (halo_resources.environments.get_resources: HALO_ENV, the key, REDIS_URL;
    every other field at its default, as the CLI uses them). With Gemini it serves cache
    lookups only: the resources' service also checks the models and primes the budget."""
    from halo.cache.tiered import CacheConfig, TieredCache
    from halo.llm.gemini import GeminiClientConfig, env_api_key
    from halo.llm.ledger import Ledger
    from halo.llm.pricing import DEFAULT_FLASH_MODEL, catalogue
    from halo.llm.service import LLMService

    settings = GeminiClientConfig(api_key=env_api_key(), flash_model=model_name or DEFAULT_FLASH_MODEL)
    return LLMService(
        video_id=video_id, asset=QA_ASSET, settings=settings,
        client=None if light_backend() else _LazyGeminiClient(settings),
        ledger=Ledger(run_id=f"qa-{session_id}"), prices=catalogue(),
        cache=TieredCache(CacheConfig(redis_url=os.environ.get("REDIS_URL", ""))),
    )


class _LazyGeminiClient:
    """A GeminiClient made on first use: choosing the model of a short question (what the cache
    key holds) never calls Gemini, so a cache hit does not import google-genai."""

    backend = "gemini"

    def __init__(self, settings) -> None:
        self._settings = settings
        self._client = None

    def __getattr__(self, name: str):
        if self._client is None:
            from halo.llm.gemini import GeminiClient

            self._client = GeminiClient(self._settings)
        return getattr(self._client, name)


def qa_request(session_id: str, turn_index: int, question: str, query: str, duration_s: float, outputs: str,
               streams: MediaStreams = MediaStreams()):
    """The Request Conversation makes for a standalone question before retrieval (its exact-cache
    probe): same item id, cache query, outputs digest, purpose, system prompt, semantic flag and
    naive media."""
    from halo.llm.prompts import QA_SYSTEM
    from halo.llm.service import Request

    return Request(item_id=f"{session_id}-{turn_index}", parts=[question], cache_query=query,
                   purpose=QA_PURPOSE, system=QA_SYSTEM, semantic=False, naive_seconds=duration_s,
                   naive_streams=streams, local=lambda: "", evidence=(), outputs=outputs)


def answer_from_cache(video_id: str, question: str, session_id: str = "default", *,
                      model_name: str | None = None) -> CachedTurn | None:
    """Answer ``question`` from the exact cache and save the turn, or None (take the full path)."""
    if (os.environ.get("HALO_ENV") or "local") not in LIGHT_ENVS:
        return None
    session = load_session(video_id, session_id)
    if is_follow_up(question) if session.turns else needs_earlier_answer(question):
        return None  # the full path rewrites it, or says there is nothing for it to refer to
    memo = _load_memo(video_id)
    if memo is None:
        return None
    query = " ".join(question.split())
    from halo.llm.service import cache_key_version  # light_service imports it already

    service = light_service(video_id, session_id, model_name)
    req = qa_request(session_id, len(session.turns), question, query, float(memo["duration_s"]), memo["outputs"],
                     MediaStreams(**memo["streams"]))
    model = service.plan_model(req)[0]
    text = service.cache.peek(video_id, query, model=model, prompt_version=cache_key_version(req, model))
    known = memo["answers"].get(_answer_key(text)) if text is not None else None
    if known is None:
        return None
    try:
        ans = service.cached(req)
    finally:
        service.ledger.flush()  # the $0 row is on disk before the turn is saved
    if ans is None:
        return None  # evicted between the peek and the lookup
    rec = ans.record
    turn = Turn(
        question=question.strip(), standalone=query, answer=ans.text.strip(), citations=known["citations"],
        retrieved=[], backend=rec.backend, model=rec.model, cache_tier=rec.cache_tier,
        input_tokens=rec.input_tokens, cached_tokens=rec.cached_tokens, output_tokens=rec.output_tokens,
        cost_usd=float(rec.cost_usd), naive_tokens=rec.naive_tokens, naive_cost_usd=rec.naive_cost_usd,
        rewrite_backend="", flagged=known["flagged"],
    )
    session.turns.append(turn)
    save_session(session)
    return CachedTurn(turn, known["cited"])

"""A Q&A session over one video: follow-ups, retrieval, a grounded answer, a saved turn.

Each question goes

    follow-up? (rules) -> standalone query (Gemini rewrite, or a heuristic offline)
    -> exact-cache probe (no model loaded on a hit)
    -> retrieve top-k chunks, each with its best window (the qa_index: dense + BM25), for the
       question without the speakers it names (halo/qa/speakers.py); windows where a speaker it
       names talks are favoured when the roster knows them (halo/qa/speaker_focus.py)
    -> prompt: video summary + instruction, excerpts with times, last turns, question last
    -> LLMService.ask (cache -> budget -> Gemini/local -> ledger; purpose "qa", asset "qa"),
       with the retrieved chunk ids as the request's evidence
    -> citations checked against the retrieved parts (a slide's marked on_screen, however the
       answer wrote it) -> a Turn saved in data/qa/<video>/<session>.json

The cache key is the *standalone* query: "who said that?" after two different questions are two
different questions, and must never share a cached answer. A standalone question is never
rewritten, so it is answered the same in a new session and after other questions. The key also
holds the digest of the video's stored outputs (halo.qa.video.outputs_digest): an answer cached
before the video was processed into other chunks or utterances cites moments of a transcript
that is gone, and is never served for it.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from halo.errors import BudgetExceeded, HaloError, InvalidQuestion
from halo.llm.gemini import GeminiCallError
from halo.llm.prompts import QA_SYSTEM, qa_prompt
from halo.llm.service import Answer, LLMService, Request
from halo.qa.followups import heuristic_rewrite, is_follow_up, needs_earlier_answer, plain_answer
from halo.qa.grounding import (
    HISTORY_TURNS, build_context, check_citations, context_head, local_answer, mark_slide_citations,
    parse_citations,
)
from halo.qa.retrieval import DEFAULT_K, Retrieved
from halo.qa.sessions import QA_PURPOSE, Turn, load_session, save_session, session_path
from halo.qa.speakers import search_query
from halo.qa.video import VideoQA

REWRITE_PURPOSE = "qa_rewrite"
REWRITE_SYSTEM = (
    "Rewrite the user's last question about a video into one standalone question that can be "
    "understood without the conversation: replace pronouns and references like 'that' or "
    "'what about X' with what they refer to. Output only the question."
)


class Conversation:
    """A Q&A session over one video; every turn is saved as soon as it is answered."""

    def __init__(self, video: VideoQA, service: LLMService, session_id: str = "default", *,
                 k: int = DEFAULT_K) -> None:
        if service.video_id != video.video_id:
            raise ValueError(f"service is for video {service.video_id!r}, not {video.video_id!r}")
        self.video = video
        self.service = service
        self.k = k
        self.session = load_session(video.video_id, session_id)

    @property
    def turns(self) -> list[Turn]:
        return self.session.turns

    @property
    def path(self) -> Path:
        return session_path(self.video.video_id, self.session.session_id)

    def standalone(self, question: str) -> tuple[str, str, list]:
        """(standalone query, how it was made, ledger records of the rewrite)."""
        history = self.turns[-HISTORY_TURNS:]
        if not history or not is_follow_up(question):
            return " ".join(question.split()), "", []
        fallback = heuristic_rewrite(question, history)
        if self.service.client is None:
            return fallback, "heuristic", []
        convo = "\n".join(f"Q: {t.standalone}\nA: {plain_answer(t.answer, 60)}" for t in history)
        req = Request(
            item_id=f"{self.session.session_id}-rewrite-{len(self.turns)}",
            parts=[f"CONVERSATION:\n{convo}\n\nLAST QUESTION: {question.strip()}"],
            cache_query=f"rewrite | {convo} | {question.strip()}", purpose=REWRITE_PURPOSE,
            local=lambda: fallback, system=REWRITE_SYSTEM, semantic=False,
        )
        try:
            ans = self.service.ask(req)
        except (GeminiCallError, BudgetExceeded):
            return fallback, "heuristic", []
        text = " ".join(ans.text.split()).strip('"')
        if ans.record.cache_tier == "L3" or not text or len(text) > 400:
            return fallback, "heuristic", [ans.record]  # an L3 summary is not a rewrite
        return text, ans.record.backend, [ans.record]

    def _request(self, question: str, query: str, how: str, hits: list[Retrieved],
                 searched: tuple[str, str] = ("", ""), speakers: frozenset[str] = frozenset()) -> Request:
        # recent turns only for a follow-up (issue #12: 3 turns are ~500 tokens a standalone question never reads)
        prompt = qa_prompt(question, build_context(self.video, hits, self.turns if how else [])) if hits else question
        head = f"CONTEXT:\n{context_head(self.video)}" if hits else ""  # how qa_prompt begins
        parts = [head, prompt[len(head):]] if head and prompt.startswith(head) else [prompt]
        return Request(
            item_id=f"{self.session.session_id}-{len(self.turns)}",
            parts=parts, prefix_parts=len(parts) - 1,  # the stable head a session context cache may hold
            cache_query=query, purpose=QA_PURPOSE, system=QA_SYSTEM,
            # a heuristic rewrite is "earlier question + new words": its embedding sits on the
            # earlier question, so only an exact (L1) match is safe for it
            semantic=how != "heuristic" and bool(hits),
            local=lambda: local_answer(self.video, searched[0], hits, also=searched[1], speakers=speakers),
            naive_seconds=self.video.duration_s, naive_streams=self.video.streams,
            evidence=tuple(h.chunk_id for h in hits),
            outputs=self.video.outputs,
        )

    def _answer(self, question: str, query: str, how: str) -> tuple[Answer, list[Retrieved]]:
        """An exact cache hit before any model is loaded; else retrieval and the service.

        Retrieval (and the local backend's choice of quotes) looks for the question without the
        speakers it names (halo/qa/speakers.py); the cache key and the prompt keep them. Speakers
        the video's roster knows are favoured instead (halo/qa/speaker_focus.py)."""
        hit = self.service.cached(self._request(question, query, how, []))
        if hit is not None:
            return hit, []
        names = self.video.roster.values()
        searched = (search_query(query, names), search_query(question, names) if how else "")
        speakers = frozenset(self.video.named_in(query))
        hits = self.video.index.search(searched[0], self.k, also=searched[1], focus=self.video.focus(speakers))
        return self.service.ask(self._request(question, query, how, hits, searched, speakers)), hits

    def ask(self, question: str) -> Turn:
        """Answer ``question`` (a follow-up is read in the light of the last turns) and save the turn."""
        if not question or not question.strip():
            raise HaloError("Empty question: type what you want to know about the video.")
        if not self.video.has_content():
            raise InvalidQuestion(
                f"Video {self.video.video_id} has no speech and no on-screen text to answer from (its transcript "
                "and on-screen text are empty): nothing was sent or billed. If it should have speech, check "
                f"the file's sound; `halo report {self.video.video_id}` shows what was found.")
        if not self.turns and needs_earlier_answer(question):
            # retrieval on "who said that?" alone returns arbitrary quotes, cached as its answer
            raise InvalidQuestion(
                f"{question.strip()!r} refers to an earlier answer, but session {self.session.session_id!r} "
                f"on {self.video.video_id} has none yet: ask the full question (e.g. 'who said the budget "
                "was too high?'); nothing was sent or billed.")
        try:
            query, how, extra = self.standalone(question)
            ans, hits = self._answer(question, query, how)
        finally:
            self.service.ledger.flush()
        rec = ans.record
        calls = extra + [rec]
        cited = mark_slide_citations(parse_citations(ans.text, self.video.duration_s), self.video)
        citations, flagged = check_citations(cited, hits) if hits else (cited, [])
        turn = Turn(
            question=question.strip(), standalone=query, answer=ans.text.strip(), citations=citations,
            retrieved=[asdict(h) for h in hits], backend=rec.backend, model=rec.model,
            cache_tier=rec.cache_tier, input_tokens=sum(r.input_tokens for r in calls),
            cached_tokens=sum(r.cached_tokens for r in calls),
            output_tokens=sum(r.output_tokens for r in calls),
            cost_usd=float(sum(r.cost_usd for r in calls)), naive_tokens=rec.naive_tokens,
            naive_cost_usd=rec.naive_cost_usd, rewrite_backend=how, flagged=flagged,
        )
        self.session.turns.append(turn)
        save_session(self.session)
        return turn

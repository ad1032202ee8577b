"""Questions about one processed video: retrieval over its chunks and conversations with state.

Why this shape: a question about a long video should cost a few retrieved chunks, not the
whole video, and a follow-up ("what about the battery?", "who said that?") only makes sense
with the conversation before it. So each question goes

    follow-up? -> standalone query (Gemini rewrite, or a heuristic on the local backend)
    -> retrieve top-k chunks (dense MiniLM over chunk windows + summaries, plus TF-IDF)
    -> prompt with [mm:ss] times, the video summary and the last turns
    -> LLMService.ask (cache -> budget -> Gemini/local -> ledger; purpose "qa", asset "qa")
    -> a Turn saved in data/qa/<video_id>/<session_id>.json (atomic write)

The cache key is the *standalone* query: "who said that?" after two different questions are two
different questions, and must never share a cached answer. Every turn records the naive
baseline (the whole video sent to Gemini for this one question) next to what it really cost.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from halo.errors import BudgetExceeded, HaloError
from halo.ids import validate_video_id
from halo.llm.gemini import GeminiCallError
from halo.llm.local import split_sentences
from halo.llm.prompts import QA_SYSTEM, clock, qa_prompt
from halo.llm.service import LLMService, Request
from halo.paths import data_dir
from halo.storage import write_bytes_atomic
from halo.text.embed import embed_texts

QA_ASSET = "qa"
QA_PURPOSE = "qa"
REWRITE_PURPOSE = "qa_rewrite"
DEFAULT_K = 3
HISTORY_TURNS = 3  # turns shown to the model and used for rewriting
WINDOW_WORDS = 50  # chunk text is embedded in windows: MiniLM reads only 256 word pieces
LEXICAL_WEIGHT = 0.5  # weight of TF-IDF cosine next to the dense score (measured: bench/bench_qa.py)
SESSION_PATTERN = re.compile(r"^[a-z0-9_-]{1,64}$")
_CLOCK = re.compile(r"\[(?:(\d+):)?(\d{1,2}):(\d{2})(?:\s*[-–]\s*(?:(\d+):)?(\d{1,2}):(\d{2}))?\]")


class VideoNotReady(HaloError):
    """The video is unknown or its chunks (and summaries) are not materialized yet."""


class InvalidSession(HaloError, ValueError):
    """A session name that is not a safe file name."""


# -- retrieval ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Retrieved:
    """One retrieved chunk: where it is in the video and how well it matched."""

    chunk_id: int
    start: float
    end: float
    score: float


def _windows(text: str, words: int = WINDOW_WORDS) -> list[str]:
    """``text`` cut into windows of about ``words`` words on sentence ends (half-overlapping)."""
    sents = split_sentences(text)
    out: list[str] = []
    current: list[str] = []
    for sent in sents:
        current.append(sent)
        if sum(len(s.split()) for s in current) >= words:
            out.append(" ".join(current))
            current = current[len(current) // 2 + 1:] if len(current) > 1 else []
    if current or not out:
        out.append(" ".join(current))
    return [w for w in out if w.strip()] or [text]


_TERM = re.compile(r"[a-z0-9][a-z0-9'-]*")


def _stem(word: str) -> str:
    """A light English stemmer (plurals, -ing, -ed): "batteries" and "battery" must meet."""
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def terms(text: str) -> list[str]:
    """TF-IDF terms: lowercase words without English stop words, lightly stemmed."""
    return [_stem(w.strip("'-")) for w in _TERM.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]


class ChunkIndex:
    """Top-k chunks for a query: dense cosine (best window or summary) + weighted TF-IDF cosine.

    Dense alone misses the exact nouns a question names ("battery", "twelve fifty") when a chunk
    is long and mostly about something else; TF-IDF alone misses paraphrases. Their sum is
    measured on QMSum's query spans in bench/bench_qa.py.
    """

    def __init__(self, chunks: pd.DataFrame, summaries: list[str] | None = None, *,
                 lexical_weight: float = LEXICAL_WEIGHT) -> None:
        self.chunks = chunks.reset_index(drop=True)
        texts = self.chunks["text"].fillna("").astype(str).tolist()
        summaries = summaries or [""] * len(texts)
        self.lexical_weight = lexical_weight
        pieces, owners = [], []
        for i, (text, summary) in enumerate(zip(texts, summaries)):
            for piece in _windows(text) + ([summary] if summary.strip() else []):
                pieces.append(piece)
                owners.append(i)
        self._owners = np.asarray(owners, dtype=int)
        self._vectors = embed_texts(pieces) if pieces else np.zeros((0, 384), np.float32)
        self._tfidf = None
        if texts and any(t.strip() for t in texts):
            self._tfidf = TfidfVectorizer(analyzer=terms, sublinear_tf=True)
            self._doc_terms = self._tfidf.fit_transform([f"{t} {s}" for t, s in zip(texts, summaries)])

    def __len__(self) -> int:
        return len(self.chunks)

    def scores(self, query: str) -> np.ndarray:
        """One score per chunk (higher = more relevant)."""
        n = len(self.chunks)
        if n == 0:
            return np.zeros(0)
        q = embed_texts([query])[0]
        dense = np.full(n, -1.0)
        np.maximum.at(dense, self._owners, self._vectors @ q)
        lexical = np.zeros(n)
        if self._tfidf is not None and self.lexical_weight:
            lexical = (self._doc_terms @ self._tfidf.transform([query]).T).toarray().ravel()
        return dense + self.lexical_weight * lexical

    def search(self, query: str, k: int = DEFAULT_K, also: str = "") -> list[Retrieved]:
        """The ``k`` best chunks, best first.

        ``also``: a follow-up's own words ("what about the battery?"), scored next to its
        standalone ``query`` so the new subject counts as much as the context it refers to.
        """
        scores = self.scores(query)
        if also and also != query:
            scores = scores + self.scores(also)
        order = np.argsort(-scores, kind="stable")[:k]
        rows = self.chunks.iloc[order]
        return [Retrieved(int(r.chunk_id), float(r.start), float(r.end), float(scores[i]))
                for i, r in zip(order, rows.itertuples())]


def overlaps(hit_start: float, hit_end: float, start: float, end: float) -> bool:
    return hit_start < end and start < hit_end


def recall_at_k(hits: list[list[Retrieved]], spans: list[list[tuple[float, float]]]) -> float:
    """Share of questions where a retrieved chunk overlaps one of the question's truth spans."""
    if not hits:
        return 0.0
    found = [any(overlaps(h.start, h.end, s, e) for h in got for s, e in truth)
             for got, truth in zip(hits, spans)]
    return float(np.mean(found))


# -- the processed video --------------------------------------------------------------------
@dataclass
class VideoQA:
    """What Q&A needs of one processed video, loaded from its stored Parquet outputs."""

    video_id: str
    duration_s: float
    chunks: pd.DataFrame
    utterances: pd.DataFrame
    summaries: dict[int, str]
    video_summary: str
    index: ChunkIndex

    @classmethod
    def load(cls, video_id: str) -> "VideoQA":
        from halo.report import load_output

        validate_video_id(video_id)
        chunks = load_output("chunks", video_id)
        if chunks is None:
            raise VideoNotReady(_not_ready_message(video_id))
        if not len(chunks):
            raise VideoNotReady(f"Video {video_id!r} has no speech chunks (no speech was transcribed), "
                                "so there is nothing to answer questions from.")
        utterances = load_output("utterances", video_id)
        if utterances is None:
            utterances = pd.DataFrame(columns=["utt_id", "start", "end", "speaker", "scene_id", "text"])
        cs = load_output("chunk_summaries", video_id)
        summaries = dict(zip(cs["chunk_id"].astype(int), cs["summary"].astype(str))) if cs is not None else {}
        vs = load_output("video_summary", video_id)
        video_summary = str(vs.iloc[0]["summary"]) if vs is not None and len(vs) else ""
        probe = load_output("video_file", video_id)
        duration = float(probe.iloc[0]["duration_s"]) if probe is not None and len(probe) else float(chunks["end"].max())
        chunks = chunks.sort_values("start", kind="stable").reset_index(drop=True)
        index = ChunkIndex(chunks, [summaries.get(int(c), "") for c in chunks["chunk_id"]])
        return cls(video_id, duration, chunks, utterances, summaries, video_summary, index)

    def chunk_utterances(self, chunk_id: int) -> pd.DataFrame:
        row = self.chunks.loc[self.chunks["chunk_id"] == chunk_id].iloc[0]
        u = self.utterances
        return u[(u["utt_id"] >= row.first_utt) & (u["utt_id"] <= row.last_utt)]


def _not_ready_message(video_id: str) -> str:
    from halo import registry

    try:
        known = registry.all_videos()
    except Exception:  # noqa: BLE001 - an unreadable registry must not hide the real error
        known = {}
    if video_id in known:
        return (f"Video {video_id!r} is registered but not processed yet (no stored chunks). "
                f"Process it first: `halo add {known[video_id].path} --run`, the Dagster UI, or wait "
                "for the schedule.")
    ids = sorted(known)
    hint = f" Registered videos: {', '.join(ids[:10])}." if ids else " No videos are registered yet."
    return f"Unknown video {video_id!r}: add it with `halo add PATH --run`.{hint}"


# -- prompts --------------------------------------------------------------------------------
QA_INSTRUCTION = (
    "Answer the QUESTION from the EXCERPTS. After each statement cite the [mm:ss] time of the "
    "line it comes from; name the speaker when the question asks who. The conversation so far "
    "is given for follow-up questions."
)
REWRITE_SYSTEM = (
    "Rewrite the user's last question about a video into one standalone question that can be "
    "understood without the conversation: replace pronouns and references like 'that' or "
    "'what about X' with what they refer to. Output only the question."
)


def _line(row: Any) -> str:
    speaker = f"{row.speaker}: " if isinstance(row.speaker, str) and row.speaker else ""
    return f"[{clock(row.start)}] {speaker}{str(row.text).strip()}"


def build_context(video: VideoQA, hits: list[Retrieved], history: list["Turn"]) -> str:
    """The prompt context: video summary, the retrieved excerpts with times, recent turns."""
    parts = []
    if video.video_summary:
        parts.append(f"VIDEO SUMMARY:\n{video.video_summary.strip()}")
    excerpts = []
    for hit in sorted(hits, key=lambda h: h.start):
        lines = [f"--- part [{clock(hit.start)}-{clock(hit.end)}] ---"]
        if video.summaries.get(hit.chunk_id):
            lines.append(f"Part summary: {video.summaries[hit.chunk_id].strip()}")
        utts = video.chunk_utterances(hit.chunk_id)
        if len(utts):
            lines += [_line(r) for r in utts.itertuples()]
        else:
            text = video.chunks.loc[video.chunks["chunk_id"] == hit.chunk_id, "text"].iloc[0]
            lines.append(f"[{clock(hit.start)}] {text}")
        excerpts.append("\n".join(lines))
    parts.append("EXCERPTS (times from the start of the video):\n" + "\n".join(excerpts))
    if history:
        parts.append("CONVERSATION SO FAR:\n" + "\n".join(
            f"Q: {t.question}\nA: {t.answer}" for t in history[-HISTORY_TURNS:]))
    parts.append(QA_INSTRUCTION)
    return "\n\n".join(parts)


def local_answer(video: VideoQA, query: str, hits: list[Retrieved], n: int = 2, also: str = "") -> str:
    """The offline answer: the retrieved lines most similar to the query, with time and speaker.

    Honest extractive work (no LLM): it quotes the video, so its citations are exact. Lines of
    a part that retrieval ranked lower lose what that part lost against the best one, so a
    close second part can still answer while a distant one cannot.
    """
    best = max((h.score for h in hits), default=0.0)
    frames = [video.chunk_utterances(h.chunk_id).assign(_bonus=h.score - best) for h in hits]
    utts = pd.concat(frames) if frames else video.utterances.iloc[:0].assign(_bonus=0.0)
    utts = utts[utts["text"].fillna("").str.split().str.len() >= 3] if len(utts) else utts
    if not len(utts):
        return "The retrieved parts of the video have nothing on this."
    vecs = embed_texts(utts["text"].astype(str).tolist())
    queries = [query] + ([also] if also and also != query else [])
    scores = (vecs @ embed_texts(queries).T).sum(axis=1) + utts["_bonus"].to_numpy()
    top = np.argsort(-scores, kind="stable")[:n]
    return " ".join(_line(r) for r in utts.iloc[top].sort_values("start").itertuples())


# -- follow-ups -----------------------------------------------------------------------------
_FOLLOW_UP_START = re.compile(
    r"^\s*(and|but|so|also|what about|how about|what else|why not|really|ok|okay|then)\b", re.I)
_ANAPHORA = re.compile(
    r"\b(?:(?:that|this|those|these)\b(?!\s+(?:video|meeting|talk|lecture|recording|call|episode))|"
    r"(?:it|its|he|she|him|her|his|the same|above|earlier|previous)\b)", re.I)
# "they" is left out on purpose: in a video it nearly always means the people in it ("what did
# they decide?"), and treating it as a reference would make repeated questions miss the cache.
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??\s*$", re.I)
_CONTENT = re.compile(r"[a-z][a-z'-]{2,}", re.I)
_STOP = frozenset("the and but what about how who why when where which that this those these "
                  "with for from was were did does said say says you your they them their".split())


def is_follow_up(question: str) -> bool:
    """Does ``question`` lean on the conversation? (pronouns, "what about X", very short)."""
    content = [w for w in _CONTENT.findall(question) if w.lower() not in _STOP]
    return bool(_FOLLOW_UP_START.search(question) or _ANAPHORA.search(question) or len(content) < 2)


def _plain(answer: str, words: int = 30) -> str:
    """The answer without citations and speaker labels, first ``words`` words."""
    text = re.sub(r"SPEAKER_\w+:\s*", "", _CLOCK.sub("", answer))
    return " ".join(text.split()[:words])


def heuristic_rewrite(question: str, history: list["Turn"]) -> str:
    """A standalone query for a follow-up without an LLM: the question plus what it refers to.

    "what about X?" keeps the previous question's frame with X as its new subject; other
    follow-ups ("who said that?") carry the previous question and the gist of its answer, which
    is what the pronoun points at.
    """
    q = " ".join(question.split())
    if not history or not is_follow_up(q):
        return q
    last = history[-1]
    # the frame: the last question that stood on its own (follow-ups of follow-ups do not nest)
    root = next((t for t in reversed(history) if not t.rewrite_backend), last)
    about = _ABOUT.match(q)
    if about:
        return f"{root.question.rstrip('?')} -- what about {about.group(1)}?"
    return f"{q.rstrip('?')}? (follow-up to: {root.question.rstrip('?')}? answer: {_plain(last.answer)})"


# -- conversation state ---------------------------------------------------------------------
@dataclass
class Turn:
    """One question and its answer, with what it cost and where in the video it comes from."""

    question: str
    standalone: str
    answer: str
    citations: list[dict]  # [{"start": s, "end": e, "label": "[mm:ss]"}] cited in the answer
    retrieved: list[dict]  # [{"chunk_id", "start", "end", "score"}]
    backend: str  # "gemini" | "local" | "cache"
    model: str
    cache_tier: str  # "" | "L1" | "L2" | "L3"
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0  # answer + rewrite calls of this turn
    naive_tokens: int = 0
    naive_cost_usd: float = 0.0
    rewrite_backend: str = ""  # "" = no rewrite; "heuristic" | "gemini" | "cache"
    ts: float = field(default_factory=time.time)


@dataclass
class Session:
    video_id: str
    session_id: str
    created: float = field(default_factory=time.time)
    turns: list[Turn] = field(default_factory=list)

    @property
    def updated(self) -> float:
        return self.turns[-1].ts if self.turns else self.created

    @property
    def cost_usd(self) -> float:
        return float(sum(t.cost_usd for t in self.turns))

    def to_json(self) -> str:
        return json.dumps({"version": 1, "video_id": self.video_id, "session_id": self.session_id,
                           "created": self.created, "turns": [asdict(t) for t in self.turns]}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Session":
        raw = json.loads(text)
        known = set(Turn.__dataclass_fields__)
        turns = [Turn(**{k: v for k, v in t.items() if k in known}) for t in raw.get("turns", [])]
        return cls(raw["video_id"], raw["session_id"], float(raw.get("created", time.time())), turns)


def validate_session_id(name: str) -> str:
    if not isinstance(name, str) or not SESSION_PATTERN.fullmatch(name):
        raise InvalidSession(f"Invalid session name {name!r}: use 1-64 lowercase letters, digits, '_' or '-'.")
    return name


def session_path(video_id: str, session_id: str) -> Path:
    return data_dir() / "qa" / validate_video_id(video_id) / f"{validate_session_id(session_id)}.json"


def load_session(video_id: str, session_id: str) -> Session:
    """The stored session, or a new empty one."""
    path = session_path(video_id, session_id)
    if not path.exists():
        return Session(video_id, session_id)
    try:
        return Session.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise HaloError(f"Session file {path} is unreadable ({type(exc).__name__}: {exc}); "
                        "delete it or use another --session name.") from exc


def save_session(session: Session) -> Path:
    path = session_path(session.video_id, session.session_id)
    write_bytes_atomic(path, session.to_json().encode("utf-8"))
    return path


def list_sessions(video_id: str) -> list[Session]:
    """Every stored session of ``video_id``, most recently used first."""
    root = data_dir() / "qa" / validate_video_id(video_id)
    sessions = []
    for path in sorted(root.glob("*.json")):
        try:
            sessions.append(Session.from_json(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            continue  # a damaged file is reported when that session is opened
    return sorted(sessions, key=lambda s: s.updated, reverse=True)


def parse_citations(answer: str, duration_s: float) -> list[dict]:
    """[mm:ss] / [h:mm:ss] / [mm:ss-mm:ss] times cited in ``answer`` that lie inside the video."""
    out, seen = [], set()
    for m in _CLOCK.finditer(answer):
        h, mi, s, h2, mi2, s2 = m.groups()
        start = int(h or 0) * 3600 + int(mi) * 60 + int(s)
        end = int(h2 or 0) * 3600 + int(mi2) * 60 + int(s2) if mi2 else start
        if start > duration_s + 1 or (start, end) in seen:
            continue  # a time past the end of the video is not a citation of it
        seen.add((start, end))
        out.append({"start": float(start), "end": float(end), "label": m.group(0)})
    return out


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
        convo = "\n".join(f"Q: {t.standalone}\nA: {_plain(t.answer, 60)}" for t in history)
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

    def ask(self, question: str) -> Turn:
        """Answer ``question`` (a follow-up is read in the light of the last turns) and save the turn."""
        if not question or not question.strip():
            raise HaloError("Empty question: type what you want to know about the video.")
        try:
            query, how, extra = self.standalone(question)
            also = question if how else ""
            hits = self.video.index.search(query, self.k, also=also)
            context = build_context(self.video, hits, self.turns)
            req = Request(
                item_id=f"{self.session.session_id}-{len(self.turns)}", parts=[qa_prompt(question, context)],
                cache_query=query, purpose=QA_PURPOSE, system=QA_SYSTEM,
                # a heuristic rewrite is "earlier question + new words": its embedding sits on the
                # earlier question, so only an exact (L1) match is safe for it
                semantic=how != "heuristic",
                local=lambda: local_answer(self.video, query, hits, also=also),
                naive_seconds=self.video.duration_s,
            )
            ans = self.service.ask(req)
        finally:
            self.service.ledger.flush()
        rec = ans.record
        calls = extra + [rec]
        citations = parse_citations(ans.text, self.video.duration_s)
        turn = Turn(
            question=question.strip(), standalone=query, answer=ans.text.strip(), citations=citations,
            retrieved=[asdict(h) for h in hits], backend=rec.backend, model=rec.model,
            cache_tier=rec.cache_tier, input_tokens=sum(r.input_tokens for r in calls),
            cached_tokens=sum(r.cached_tokens for r in calls),
            output_tokens=sum(r.output_tokens for r in calls),
            cost_usd=float(sum(r.cost_usd for r in calls)), naive_tokens=rec.naive_tokens,
            naive_cost_usd=rec.naive_cost_usd, rewrite_backend=how,
        )
        self.session.turns.append(turn)
        save_session(self.session)
        return turn

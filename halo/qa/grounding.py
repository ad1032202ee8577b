"""Grounded answers: prompts that carry times, extractive offline answers, and citation checks.

Every answer cites the [mm:ss] / [h:mm:ss] moments it used. The local backend quotes the
best-matching sentences of the retrieved parts with their times (exact by construction).
Gemini is asked to cite; HALO then keeps only cited times that fall inside a retrieved part
and reports the others as flagged, so a citation shown to a user always points at text the
model was given.

Prompt layout: the stable part of the video (overview, instruction) first, what changes per
question (excerpts, conversation, question) last: an identical prefix is what Gemini's
implicit caching can reuse.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from halo.llm.prompts import clock
from halo.qa.anchors import Anchors
from halo.qa.lexical import Lexical
from halo.qa.retrieval import LEXICAL_WEIGHT, Retrieved, quotable, timed_sentences
from halo.vision.marks import ON_SCREEN_MARK, on_screen_mask

if TYPE_CHECKING:
    import pandas as pd

    from halo.qa.sessions import Turn
    from halo.qa.video import VideoQA

HISTORY_TURNS = 3  # turns shown to the model and used for rewriting
#: seconds of a retrieved part quoted on each side of its best window (the moment); None = the
#: whole part. Chosen on the tuning half of QMSum val (bench/bench_costs.py --context 8, the
#: fewest tokens that keep the whole parts' context recall): 0 s quotes 451 tokens for the top 3
#: instead of 1,134, context recall 0.650 either way (reporting half: 573 vs 1,286 tokens, 0.742
#: vs 0.774). Issue #12: the excerpts were most of a question's input tokens.
MOMENT_PAD_S: float | None = 0.0
QUOTES = 2  # sentences the local backend quotes
CITATION_SLACK_S = 1.0  # clocks are rounded to the second
CLOCK = re.compile(r"\[(?:(\d+):)?(\d{1,2}):(\d{2})(?:\s*[-–]\s*(?:(\d+):)?(\d{1,2}):(\d{2}))?\]")
QA_INSTRUCTION = (
    "Answer the QUESTION from the EXCERPTS only. After each statement cite the time of the line "
    "it comes from exactly as written there, e.g. [12:34] or [1:02:03]; never cite a time that "
    "is not in the EXCERPTS. Name the speaker when the question asks who. If the excerpts do not "
    "contain the answer, say so. The conversation so far is given for follow-up questions."
)


def _line(start: float, speaker: Any, text: str) -> str:
    who = f"{speaker}: " if isinstance(speaker, str) and speaker else ""
    return f"[{clock(start)}] {who}{str(text).strip()}"


def excerpt_rows(rows: "pd.DataFrame", hit: Retrieved, pad_s: float | None = MOMENT_PAD_S) -> "pd.DataFrame":
    """The lines of a retrieved part the prompt quotes: those within ``pad_s`` of its moment.

    Why not the whole part: a part runs 20-300 s and a question is about one moment of it; the
    lines around that moment carry the answer at a fraction of the tokens (bench_costs.py
    --context measures how often the quoted lines still reach the human-marked span).
    """
    if pad_s is None or hit.moment_start < 0 or not len(rows):
        return rows
    near = (rows["end"].astype(float) >= hit.moment_start - pad_s) & (rows["start"].astype(float) <= hit.moment_end + pad_s)
    return rows[near] if near.any() else rows


def context_head(video: "VideoQA") -> str:
    """The part of every Q&A prompt on this video that no question changes (overview, instruction):
    first in the prompt, so implicit caching -- or a session context cache -- can reuse it."""
    summary = f"VIDEO SUMMARY:\n{video.video_summary.strip()}\n\n" if video.video_summary else ""
    return summary + QA_INSTRUCTION


def build_context(video: "VideoQA", hits: Sequence[Retrieved], history: Sequence["Turn"]) -> str:
    """The prompt context: video overview and instruction (stable), then excerpts and recent turns."""
    parts = [context_head(video)]
    excerpts = []
    for hit in sorted(hits, key=lambda h: h.start):
        lines = [f"--- part [{clock(hit.start)}-{clock(hit.end)}] ---"]
        if video.summaries.get(hit.chunk_id):
            lines.append(f"Part summary: {video.summaries[hit.chunk_id].strip()}")
        rows = excerpt_rows(video.chunk_utterances(hit.chunk_id), hit)
        lines += [_line(r.start, getattr(r, "speaker", ""), r.text) for r in rows.itertuples()]
        excerpts.append("\n".join(lines))
    parts.append("EXCERPTS (times from the start of the video):\n" + "\n".join(excerpts))
    if history:
        parts.append("CONVERSATION SO FAR:\n" + "\n".join(
            f"Q: {t.question}\nA: {t.answer}" for t in history[-HISTORY_TURNS:]))
    return "\n\n".join(parts)


def local_answer(video: "VideoQA", query: str, hits: Sequence[Retrieved], n: int = QUOTES, also: str = "",
                 speakers: frozenset[str] = frozenset()) -> str:
    """The offline answer: retrieved sentences closest to the query, best first, with times.

    Honest extractive work (no LLM): it quotes the video, so its citations are exact. The first
    quote is the best sentence of the moment retrieval ranked first (the top part's best
    window); the others are the best remaining sentences of the retrieved parts, scored like
    retrieval units (MiniLM cosine + BM25 + what the question quotes or names), where a part
    ranked lower loses what it lost against the top one, so a close second part can still
    answer while a distant one cannot. ``speakers`` the question names (roster names): their
    sentences are quoted before anyone else's ("What did C think?" is answered by C's lines).
    """
    from halo.text.embed import embed_texts

    if not hits:
        return "The retrieved parts of the video have nothing on this."
    best = hits[0].score
    sents, bonus = [], []
    for h in hits:
        for s in quotable(video.chunk_utterances(h.chunk_id)):
            sents.append(s)
            bonus.append(h.score - best)
    if not sents:
        return "The retrieved parts of the video have nothing on this."
    texts = [s[0] for s in sents]
    queries = [query] + ([also] if also and also != query else [])
    scores = (video.sentence_vectors(texts) @ embed_texts(queries).T).sum(axis=1) + np.asarray(bonus)
    scores += LEXICAL_WEIGHT * sum(Lexical(texts).scores(q) for q in queries) if LEXICAL_WEIGHT else 0.0
    anchors = Anchors(texts)  # the sentence holding quoted words, the slide whose title is named
    scores += sum(anchors.scores(q) for q in queries)
    top = hits[0]
    in_moment = np.asarray([top.moment_start - CITATION_SLACK_S <= s[1] < top.moment_end for s in sents])
    order = sorted(np.argsort(-scores, kind="stable"), key=lambda i: sents[i][3] not in speakers)
    first = next((i for i in order if in_moment[i]), order[0])
    picked = [first]
    for i in order:  # a line said or shown again (a slide title under every part of a topic) is quoted once
        if len(picked) < n and not any(_same_text(sents[i][0], sents[j][0]) for j in picked):
            picked.append(i)
    return " ".join(_line(sents[i][1], sents[i][3], sents[i][0]) for i in picked)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def parse_citations(answer: str, duration_s: float) -> list[dict]:
    """[mm:ss] / [h:mm:ss] / [mm:ss-mm:ss] times cited in ``answer`` that lie inside the video, in order.

    ``on_screen``: the time opens a quoted slide line ("[00:23] [on screen] ...", as the local
    answer and the prompt's excerpts write one), so it cites what was shown, not who spoke then."""
    out, seen = [], set()
    for m in CLOCK.finditer(answer):
        h, mi, s, h2, mi2, s2 = m.groups()
        start = int(h or 0) * 3600 + int(mi) * 60 + int(s)
        end = int(h2 or 0) * 3600 + int(mi2) * 60 + int(s2) if mi2 else start
        on_screen = answer.startswith(f" {ON_SCREEN_MARK}", m.end())
        if start > duration_s + 1 or (start, end, on_screen) in seen:
            continue  # a time past the end of the video is not a citation of it
        seen.add((start, end, on_screen))  # a slide and a line quoted at one second are two citations
        out.append({"start": float(start), "end": float(end), "label": m.group(0), "on_screen": on_screen})
    return out


def mark_slide_citations(citations: list[dict], video: "VideoQA") -> list[dict]:
    """``citations`` with ``on_screen`` also set on each cited time that is when a slide line of
    the video appeared and no line was said: a slide's citation however the answer wrote it.

    The prompt's excerpts time a slide line like speech ("[00:23] [on screen] Q3 revenue ..."),
    and Gemini cites it as it cites speech, after its own sentence ("Revenue rose 12% [00:23].").
    Only a time opening an "[on screen]" line (the local answer's way) was marked, so a Gemini
    answer's slide citation was resolved to whoever talked at that second. A second at which a
    line was also said stays speech: the answer does not say which it quoted."""
    return [{**c, "on_screen": bool(c.get("on_screen")) or _shown_not_said(video, c["start"])} for c in citations]


def _shown_not_said(video: "VideoQA", second: float) -> bool:
    """Whether a slide line of ``video`` is timed ``second`` as the excerpts write it (clock
    rounds) and no spoken line or sentence is: the local answer quotes sentences timed inside
    their utterance (timed_sentences), so a sentence said in the slide's second is speech too."""
    chunks = video.chunks
    near = (chunks["start"] <= second + CITATION_SLACK_S) & (chunks["end"] >= second - CITATION_SLACK_S)
    shown = said = False
    for chunk_id in chunks.loc[near, "chunk_id"]:
        lines = timed_sentences(video.chunk_utterances(int(chunk_id)))  # a slide's row stays whole
        at = np.round([start for _, start, _, _ in lines]) == second
        slide = on_screen_mask(text for text, _, _, _ in lines)
        shown, said = shown or bool((at & slide).any()), said or bool((at & ~slide).any())
    return shown and not said


def check_citations(citations: list[dict], hits: Sequence[Retrieved]) -> tuple[list[dict], list[dict]]:
    """(citations inside a retrieved part, citations outside every one: not grounded, flagged)."""
    def inside(c: dict) -> bool:
        return any(h.start - CITATION_SLACK_S <= c["start"] <= h.end + CITATION_SLACK_S for h in hits)

    return [c for c in citations if inside(c)], [c for c in citations if not inside(c)]

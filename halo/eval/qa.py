"""End-to-end Q&A against a generated video's truth: is the first cited moment in the human span?

The truth questions are QMSum *specific* queries whose human relevant spans were spoken in
the video (bench.samplegen keeps their times). Each is asked twice: in a fresh session of its
own, and all of them one after another in one session (where a standalone question must not
be read as a follow-up of the one before). A question counts as found when the first time the
answer cites falls inside its span (1 s slack: clocks are whole seconds); the top retrieved
part's best window is scored the same way, as is "cited or retrieved", and "top-3 parts" says
whether any retrieved part overlaps the span at all (what a model reading all three could use).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from halo.qa import Conversation, Turn, overlaps

SLACK_S = 1.0


@dataclass(frozen=True)
class Mark:
    """How one answered question fared against its human span."""

    cited: bool  # the first citation falls in the span
    moment: bool  # the top retrieved part's best window overlaps the span
    parts: bool  # one of the retrieved parts overlaps the span
    rewritten: bool  # read as a follow-up


@dataclass(frozen=True)
class MomentScore:
    questions: int
    first_cited: float  # share whose first citation falls in the span
    top_moment: float  # share whose top retrieved window overlaps the span
    cited_or_retrieved: float
    top_parts: float  # share where one of the retrieved parts overlaps the span
    rewritten: int  # standalone questions that were read as follow-ups (should be 0)


def mark(turn: Turn, start: float, end: float) -> Mark:
    """``turn`` against the human span [start, end] (seconds)."""
    cited = bool(turn.citations) and start - SLACK_S <= turn.citations[0]["start"] <= end + SLACK_S
    top = turn.retrieved[0] if turn.retrieved else None
    moment = bool(top) and overlaps(top["moment_start"] - SLACK_S, top["moment_end"] + SLACK_S, start, end)
    parts = any(overlaps(r["start"], r["end"], start, end) for r in turn.retrieved)
    return Mark(cited, moment, parts, bool(turn.rewrite_backend))


def score(turns: list[Turn], qa: list[dict]) -> MomentScore:
    marks = [mark(t, q["start"], q["end"]) for t, q in zip(turns, qa)]
    n = max(len(marks), 1)
    return MomentScore(len(marks), sum(m.cited for m in marks) / n, sum(m.moment for m in marks) / n,
                       sum(m.cited or m.moment for m in marks) / n, sum(m.parts for m in marks) / n,
                       sum(m.rewritten for m in marks))


def ask_truth_questions(new_conversation: Callable[[str], Conversation], qa: list[dict],
                        tag: str = "e2e") -> dict[str, list[Turn]]:
    """{"fresh sessions": turns, "one session": turns} for the truth questions ``qa``, in order."""
    fresh = [new_conversation(f"{tag}-fresh-{i}").ask(q["query"]) for i, q in enumerate(qa)]
    together = new_conversation(f"{tag}-one")
    return {"fresh sessions": fresh, "one session": [together.ask(q["query"]) for q in qa]}

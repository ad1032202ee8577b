"""End-to-end Q&A against a generated video's truth: is the first cited moment in the human span?

The truth questions are QMSum *specific* queries whose human relevant spans were spoken in
the video (bench.samplegen keeps their times). Each is asked twice: in a fresh session of its
own, and all of them one after another in one session (where a standalone question must not
be read as a follow-up of the one before). A question counts as found when the first time the
answer cites falls inside its span (1 s slack: clocks are whole seconds); the top retrieved
part's best window is scored the same way, as is "cited or retrieved".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from halo.qa import Conversation, Turn, overlaps

SLACK_S = 1.0


@dataclass(frozen=True)
class MomentScore:
    questions: int
    first_cited: float  # share whose first citation falls in the span
    top_moment: float  # share whose top retrieved window overlaps the span
    cited_or_retrieved: float
    rewritten: int  # standalone questions that were read as follow-ups (should be 0)


def _in_span(turn: Turn, start: float, end: float) -> tuple[bool, bool]:
    cited = bool(turn.citations) and start - SLACK_S <= turn.citations[0]["start"] <= end + SLACK_S
    top = turn.retrieved[0] if turn.retrieved else None
    moment = bool(top) and overlaps(top["moment_start"] - SLACK_S, top["moment_end"] + SLACK_S, start, end)
    return cited, moment


def score(turns: list[Turn], qa: list[dict]) -> MomentScore:
    marks = [_in_span(t, q["start"], q["end"]) for t, q in zip(turns, qa)]
    n = max(len(marks), 1)
    return MomentScore(len(marks), sum(c for c, _ in marks) / n, sum(m for _, m in marks) / n,
                       sum(c or m for c, m in marks) / n, sum(1 for t in turns if t.rewrite_backend))


def ask_truth_questions(new_conversation: Callable[[str], Conversation], qa: list[dict],
                        tag: str = "e2e") -> dict[str, MomentScore]:
    """{"fresh sessions": ..., "one session": ...} for the truth questions ``qa``."""
    fresh = [new_conversation(f"{tag}-fresh-{i}").ask(q["query"]) for i, q in enumerate(qa)]
    together = new_conversation(f"{tag}-one")
    one = [together.ask(q["query"]) for q in qa]
    return {"fresh sessions": score(fresh, qa), "one session": score(one, qa)}

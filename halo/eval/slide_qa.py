"""Questions only a slide answers, and whether an answer cites the moment that slide was shown.

Issue 14's Q&A target: asked "What was the title of the slide shown when ...?" or "Which key
terms were on the slide titled ...?", an answer must cite a time inside that slide's span in
>= 90 % of cases. Questions and spans come from a lecture generator's truth
(``bench.samplegen_lecture``: ``slides`` with each on-screen state's span and lines, ``turns``
with what was said when):

* title: one per slide; "when" quotes the start of the longest turn spoken under it; the span
  is the whole slide (its title is on screen in every state of the scene);
* terms: one per slide state that lists key terms, asked by the slide's title; the span is that
  state's alone (a slide that builds up shows its terms only from 60 % of the scene on).

Each kind has a few phrasings (``TITLE_PHRASINGS``, ``TERMS_PHRASINGS``; the first is the
issue's): ``slide_questions(truth, every_phrasing=True)`` asks each slide in all of them, so a
fix cannot lean on one template's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BULLET = "\u2022"
QUOTE_WORDS = 8
CLOCK_SLACK_S = 1.0  # [mm:ss] citations are whole seconds, floored
TITLE_PHRASINGS = (
    'What was the title of the slide shown when someone said "{said}"?',
    'Which slide was up while the speaker said "{said}"?',
    'What heading was on screen when they were saying "{said}"?',
    'When somebody said "{said}", what did the slide say?',
)
TERMS_PHRASINGS = (
    'Which key terms were on the slide titled "{name}"?',
    'What bullet points were listed under "{name}"?',
    'List the words shown on the {name} slide.',
    'What did the slide about {name} list?',
)


@dataclass(frozen=True)
class SlideQuestion:
    kind: str  # "title" | "terms"
    question: str
    phrasing: int  # index into TITLE_PHRASINGS / TERMS_PHRASINGS
    answer: list[str]  # the slide lines that answer it
    start: float
    end: float


def slide_questions(truth: dict[str, Any], every_phrasing: bool = False) -> list[SlideQuestion]:
    """Title and key-term questions for every slide of a lecture truth, in time order (in the
    first phrasing of each kind, or in every phrasing)."""
    out: list[SlideQuestion] = []
    n_title, n_terms = (len(TITLE_PHRASINGS), len(TERMS_PHRASINGS)) if every_phrasing else (1, 1)
    by_scene: dict[int, list[dict[str, Any]]] = {}
    for state in truth["slides"]:
        by_scene.setdefault(int(state["scene_id"]), []).append(state)
    for scene_id, states in sorted(by_scene.items()):
        title = [line for line in states[0]["lines"] if not line.startswith(BULLET)]
        if not title:
            continue
        start, end = float(states[0]["start"]), float(states[-1]["end"])
        spoken = [t for t in truth["turns"] if start <= float(t["start"]) and float(t["end"]) <= end]
        name = " ".join(title)
        if spoken:
            said = " ".join(max(spoken, key=lambda t: len(t["text"].split()))["text"].split()[:QUOTE_WORDS])
            out += [SlideQuestion("title", TITLE_PHRASINGS[p].format(said=said), p, title, start, end)
                    for p in range(n_title)]
        for state in states:
            terms = [line.lstrip(BULLET).strip() for line in state["lines"] if line.startswith(BULLET)]
            if terms:
                out += [SlideQuestion("terms", TERMS_PHRASINGS[p].format(name=name), p, terms,
                                      float(state["start"]), float(state["end"])) for p in range(n_terms)]
    return sorted(out, key=lambda q: (q.start, q.kind, q.phrasing))


def cites_inside(citations: list[dict[str, Any]], start: float, end: float) -> bool:
    """Does the answer's first citation fall inside [start, end] (whole-second clocks allowed)?"""
    if not citations:
        return False
    first = float(citations[0]["start"])
    return start - CLOCK_SLACK_S <= first <= end

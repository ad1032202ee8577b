"""Is a question a follow-up? And, offline, what does it stand for?

A question that stands on its own must never be rewritten: gluing the last answer onto "What
was said about hiring?" sends retrieval to the last topic instead of hiring. So the detector
looks for what only a follow-up has, and a question naming its own subject passes untouched:

- it opens like a continuation ("and ...", "what about X?", "how about", "also", "then");
- a reference word comes before anything the question names itself: "who said *that*?",
  "why did *he* disagree with the price?";
- a reference word in a short question that names little else: "what did the designer think
  of *it*?", "how did the professor react to *that suggestion*?" (in a long question, as in
  "what did the team think of the remote and why did they drop *it*?", it points inside);
- or it names nothing at all ("why?", "tell me more", "and after that?").

"that the ..." starts a clause and "this meeting" is the video itself: neither is a reference.

"they/their" are not references: in a video they nearly always mean the people in it ("what
did they decide about the budget?"). The rules were fitted on the tuning part of the labelled
set (halo_tests/data/followups.jsonl) and are measured on the other part (bench/bench_followups.py).
With Gemini the rewrite itself is done by the model; offline ``heuristic_rewrite`` composes one.
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence

_WORD = re.compile(r"[a-z][a-z'’-]*", re.I)
_OPENERS = re.compile(
    r"^\s*(?:and|but|so|also|then|ok|okay|really|anything else|what else|who else|"
    r"what about|how about|what if|why not|why so|how so|same for|tell me more|more on|go on)\b", re.I)
_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\s*\??\s*$", re.I)
# words that point back into the conversation
_REFERENCES = frozenset("it its it's he she him her his hers himself herself that this those these "
                        "same above former latter previous earlier aforementioned".split())
_DEMONSTRATIVES = frozenset("that this those these".split())
# after "that"/"this", these words start a clause ("think that the remote ..."): no reference
_CLAUSE_STARTS = frozenset("the a an they we he she it there you i his her their our its some all no every "
                           "is was are were".split())
MAX_NAMED = 2  # a reference word among at most this many named words is a follow-up (tuned)
# after a demonstrative, these nouns mean the video itself, not something said earlier
_THE_VIDEO = frozenset("video meeting talk lecture recording call episode session conversation discussion "
                       "presentation clip".split())
# words that name nothing a question could be about on their own
_GENERIC = frozenset("""
a an the of to in on at for from by with about into over as than then and or but so if not no
what who whom whose which when where why how whether is are was were be been being do does did done
has have had can could would should will shall may might must please you your i me my we us our they
them their there here one ones some any all each every more most else other another again just only
also very much many really please s t
say said says saying tell told talk talked talking mention mentioned mean meant think thought thinks
elaborate explain explained describe expand detail details happen happened happens next after before
later afterwards first last decide decided decision agree agreed disagree disagreed feel felt like
suggest suggested propose proposed respond responded reply replied answer answered ask asked come came
go went get got make made give gave point points thing things stuff part idea reason reasons way example
examples exactly specifically instead too either both part kind sort why's what's who's that's it's
sure yes yeah ok okay right something anything everything someone anyone somebody anybody lot bit
""".split())


class _Turn(Protocol):
    question: str
    answer: str
    rewrite_backend: str


def _words(question: str) -> list[str]:
    return [w.lower().strip("'’-") for w in _WORD.findall(question)]


def is_follow_up(question: str, max_named: int = MAX_NAMED) -> bool:
    """Does ``question`` lean on the conversation before it? (see the module docstring)"""
    if _OPENERS.search(question):
        return True
    words = _words(question)
    named = 0  # words naming a subject of the question's own
    refers, refers_first = False, False
    skip = False
    for i, w in enumerate(words):
        if skip:
            skip = False
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in _DEMONSTRATIVES and (nxt in _THE_VIDEO or nxt in _CLAUSE_STARTS):
            skip = nxt in _THE_VIDEO  # "this meeting" is the video; "that the ..." starts a clause
            continue
        if w in _REFERENCES:
            refers, refers_first = True, refers_first or not named
            skip = w in _DEMONSTRATIVES and nxt not in _GENERIC  # "those buttons": named before
        elif w not in _GENERIC:
            named += 1
    refers = refers or words[-1:] == ["there"]  # "what was decided there?" (not "was there a ...")
    return not named or refers_first or (refers and named <= max_named)


def needs_earlier_answer(question: str) -> bool:
    """Can ``question`` not be read without an earlier answer ("who said that?", "why?", "tell me
    more")? As a session's first question it has nothing to refer to: retrieval on "who said
    that?" alone returns arbitrary quotes. A question that only opens like a continuation but names
    its own subject ("so what was decided about the budget?", "what about the budget?") stands
    alone, and so does one about the video itself ("what is this meeting about?").
    """
    rest = _OPENERS.sub("", question, count=1)  # "and why?" -> "why?": still one
    words = set(_words(rest))
    # "what is this (meeting) about?" names nothing but the video, which is there to refer to
    about_the_video = not (words & _REFERENCES) - {"this"} and bool(words & (_THE_VIDEO | {"this"}))
    return is_follow_up(rest) and not about_the_video


def plain_answer(answer: str, words: int = 30) -> str:
    """The answer without citations and speaker labels, first ``words`` words."""
    from halo.qa.grounding import CLOCK

    text = re.sub(r"SPEAKER_\w+:\s*", "", CLOCK.sub("", answer))
    return " ".join(text.split()[:words])


def heuristic_rewrite(question: str, history: Sequence[_Turn]) -> str:
    """A standalone query for a follow-up without an LLM: the question plus what it refers to.

    "what about X?" keeps the previous question's frame with X as its new subject; other
    follow-ups ("who said that?") carry the previous question and the gist of its answer, which
    is what the reference points at.
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
    return f"{q.rstrip('?')}? (follow-up to: {root.question.rstrip('?')}? answer: {plain_answer(last.answer)})"

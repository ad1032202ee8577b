"""The speakers a question names, left out of what retrieval searches for.

Questions about meetings name people by role or label: "What did the Industrial Designer think
of fashion?", "How did PhD B approach the back-end?", "What did C think about the setup?".
HALO's transcript knows its people only as diarized labels (SPEAKER_00, SPEAKER_01...), so a
speaker mention can never match *who* spoke; its words only match windows where someone talks
*about* designers, professors or marketing, and they pull the MiniLM query vector there. So the
search query is the question without its speaker mentions; the answer (prompt, cache key) still
sees the whole question. Measured on a generated AMI video of tuning-half meetings (gold
transcript, production chunks; bench/bench_e2e_qa.py for the end-to-end figure): top chunk in
the human span 0.27 -> 0.45, top window 0.18 -> 0.27 (11 questions). Keeping a mention the
video says word for word gained nothing there: "industrial designer" was said, about the role.

A role word used as a topic stays: "marketing strategy", "when discussing the user interface".

When the user has named the video's speakers (the roster, halo/speech/roster.py), the same
mentions say *whose* lines to favour: ``named_speakers`` matches them against the roster's
names ("C" and "the Professor" are "Professor C", "Industrial Design" is "Industrial
Designer"; a personal name such as "Alice" is matched as written), and retrieval weights
windows by those speakers' share of their speech time (halo/qa/speaker_focus.py).
"""

from __future__ import annotations

import re
from typing import Iterable

from halo.text.questions import LETTER_SPEAKER, ROLE_PHRASES

_ROLES = "|".join(sorted(map(re.escape, ROLE_PHRASES), key=len, reverse=True))
# a role used as a topic: followed by a topic noun, or after "discussing/about/on/of (the)"
_TOPIC_AFTER = (r"(?!\s+(?:strateg|plan|research|report|trend|campaign|material|approach|goal|budget|side|"
                r"aspect|concept|department|element|part|function)\w*\b)")
_TOPIC_BEFORE = r"(?<!discussing the )(?<!discussing )(?<!about the )(?<!about )(?<!on the )(?<!of the )"
_TITLES = "phd|grad|postdoc|professor|undergrad|speaker"  # what precedes a letter: "PhD A", "Grad F"
SPEAKER_MENTION = re.compile(
    rf"{_TOPIC_BEFORE}(?:\b(?:the|a)\s+)?\b(?:{_ROLES})(?:'s|’s)?\b{_TOPIC_AFTER}"
    rf"|\b(?:{_TITLES})\s+[a-h0-9]\b(?:'s|’s)?",
    re.I,
)
_ROLE_IN = re.compile(rf"\b(?:{_ROLES}|{_TITLES})\b", re.I)
_LETTER_AT_END = re.compile(r"(?:^|\s)([a-h0-9])(?:'s|’s)?$", re.I)


def search_query(question: str, names: Iterable[str] = ()) -> str:
    """``question`` without the speakers it names (see the module docstring); ``names``: the
    roster's names, of which personal names said as written ("Alice", "Ann B") are left out too."""
    text = LETTER_SPEAKER.sub(" ", SPEAKER_MENTION.sub(" ", question))
    for name in names:
        if _personal(name):
            text = _as_written(name).sub(" ", text)
    return " ".join(text.split())


def _identity(text: str) -> tuple[str | None, str | None]:
    """(role, letter) a mention or a roster name stands for: "the Professor" (professor, None),
    "PhD A" (phd, a), "C's" (None, c), "Industrial Design" (id, None), "Alice" (None, None)."""
    role = _ROLE_IN.search(text)
    letter = _LETTER_AT_END.search(text.strip())
    key = role.group(0).lower() if role else None
    return ROLE_PHRASES.get(key, key) if key else None, letter.group(1).lower() if letter else None


def _personal(name: str) -> bool:
    """Is roster ``name`` a personal name ("Alice", "Ann B"), found in a question as written? A
    name with a role ("Marketing") is found by its mentions only, as "marketing strategy" is
    a topic; a bare letter ("B") too, as "plan b" is no one."""
    return _identity(name)[0] is None and any(len(word) > 1 for word in re.findall(r"\w+", name))


def _as_written(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(' '.join(name.split()))}(?!\w)", re.I)


def named_speakers(question: str, names: Iterable[str]) -> set[str]:
    """The roster ``names`` that ``question`` names: a mention (SPEAKER_MENTION, LETTER_SPEAKER)
    matches a name when every part it gives (role, letter) agrees with the name's; a personal
    name ("Alice", "Ann B") matches when the question says it, too. Empty: nobody."""
    mentions = [_identity(m.group(0)) for m in (*SPEAKER_MENTION.finditer(question), *LETTER_SPEAKER.finditer(question))]
    out = set()
    for name in set(names):
        role, letter = _identity(name)
        if _personal(name) and _as_written(name).search(question):
            out.add(name)
        elif (role, letter) != (None, None) and any((r is None or r == role) and (x is None or x == letter) for r, x in mentions):
            out.add(name)
    return out

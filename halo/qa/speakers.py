"""Speakers a question names, and a search query without the ones the video never says.

Questions about meetings name people by role or label: "What did the Industrial Designer think
of fashion?", "How did PhD B approach the back-end?", "What did C think about the setup?". A
diarized transcript knows them only as SPEAKER_00, SPEAKER_01..., so those words are in no
window: BM25 ignores them, but they pull the MiniLM query vector towards windows that talk
*about* designers, professors or marketing. So the search query leaves a speaker mention out
unless the video itself says it (then a window can match it). The answer still sees the whole
question; only what retrieval embeds changes.

A role word is not a speaker when it names a topic: "marketing strategy", "when discussing the
user interface".
"""

from __future__ import annotations

import re

from halo.text.questions import ROLE_PHRASES

_ROLES = "|".join(sorted(map(re.escape, ROLE_PHRASES), key=len, reverse=True))
# a role used as a topic: followed by a topic noun, or after "discussing/about/on (the)"
_TOPIC_AFTER = (r"(?!\s+(?:strateg|plan|research|report|trend|campaign|material|approach|goal|budget|side|"
                r"aspect|concept|department|design|element|part|function)\w*\b)")
_TOPIC_BEFORE = r"(?<!discussing the )(?<!discussing )(?<!about the )(?<!about )(?<!on the )(?<!of the )"
SPEAKER_MENTION = re.compile(
    rf"{_TOPIC_BEFORE}(?:\b(?:the|a)\s+)?\b(?:{_ROLES})(?:'s|’s)?\b{_TOPIC_AFTER}"
    r"|\b(?:phd|grad|postdoc|professor|undergrad|speaker)\s+[a-h0-9]\b(?:'s|’s)?"
    r"|(?<=\bdid )[A-H]\b(?=\s+\w)",  # "What did C think about ..."
    re.I,
)
_WORD = re.compile(r"[a-z0-9]+")
_ARTICLES = frozenset({"the", "a", "s"})


def said_words(text: str) -> str:
    """``text`` as lowercase words between single spaces, padded: what ``is_said`` searches."""
    return f" {' '.join(_WORD.findall(text.lower()))} "


def is_said(phrase: str, said: str) -> bool:
    """Does the phrase (articles aside) occur word for word in ``said`` (from ``said_words``)?"""
    words = [w for w in _WORD.findall(phrase.lower().replace("'s", "").replace("’s", "")) if w not in _ARTICLES]
    return bool(words) and f" {' '.join(words)} " in said


def search_query(question: str, said: str) -> str:
    """``question`` without the speakers it names that the video never says (``said``: said_words
    of the video's text)."""
    out = SPEAKER_MENTION.sub(lambda m: m.group(0) if is_said(m.group(0), said) else " ", question)
    return " ".join(out.split())

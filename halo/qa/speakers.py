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
"""

from __future__ import annotations

import re

from halo.text.questions import LETTER_SPEAKER, ROLE_PHRASES

_ROLES = "|".join(sorted(map(re.escape, ROLE_PHRASES), key=len, reverse=True))
# a role used as a topic: followed by a topic noun, or after "discussing/about/on/of (the)"
_TOPIC_AFTER = (r"(?!\s+(?:strateg|plan|research|report|trend|campaign|material|approach|goal|budget|side|"
                r"aspect|concept|department|element|part|function)\w*\b)")
_TOPIC_BEFORE = r"(?<!discussing the )(?<!discussing )(?<!about the )(?<!about )(?<!on the )(?<!of the )"
SPEAKER_MENTION = re.compile(
    rf"{_TOPIC_BEFORE}(?:\b(?:the|a)\s+)?\b(?:{_ROLES})(?:'s|’s)?\b{_TOPIC_AFTER}"
    r"|\b(?:phd|grad|postdoc|professor|undergrad|speaker)\s+[a-h0-9]\b(?:'s|’s)?",
    re.I,
)


def search_query(question: str) -> str:
    """``question`` without the speakers it names (see the module docstring)."""
    return " ".join(LETTER_SPEAKER.sub(" ", SPEAKER_MENTION.sub(" ", question)).split())

"""The vocabulary of questions about meetings: what is wrapping, and what names a speaker.

Kept apart from the semantic-cache verifier that uses them, so other readers of questions
(Q&A retrieval, follow-up detection) can share one vocabulary. Tried and measured: stripping
these words from Q&A search queries raised recall@3 on the QMSum tuning half (0.773 -> 0.815)
but lowered it on the reporting half (0.805 -> 0.771), so retrieval does not use it.
"""

from __future__ import annotations

import re

# Meeting roles and speaker labels are speakers, however they are capitalised.
ROLE_PHRASES: dict[str, str] = {
    "project manager": "pm", "pm": "pm", "manager": "pm", "project leader": "pm",
    "industrial designer": "id", "industrial design": "id",
    "user interface designer": "ui", "user interface": "ui", "ui designer": "ui",
    "interface designer": "ui", "ui": "ui",
    "marketing expert": "me", "marketing": "me", "marketer": "me",
    "professor": "professor", "the chair": "chair", "chairman": "chair",
    "chairperson": "chair", "chairwoman": "chair", "prime minister": "prime minister",
    "minister": "minister", "postdoc": "postdoc",
}

# A speaker named by a bare letter, as QMSum's queries about ICSI meetings do: "What did A think
# about ...?", "B's view". Upper case only (the article "a" is not a speaker).
LETTER_SPEAKER = re.compile(r"(?<=\bdid )[A-H]\b(?=\s+\w)|\b[A-H](?:'s|’s)\b")

# Function words, and the words people wrap a question in ("quick question: can you tell me what
# the PM thought about..."): they never change which answer is right.
QUESTION_STOP_WORDS = frozenset("""
a about above across again all also am among an and any are around as at be been being both but
by can could did do does doing done during each either for from further had has have having he
her here hers him his how i if in into is it its itself just me my of off on onto once only or
other our out over own same she should so some such than that the their them then there these
they this those through to too toward towards under until upon very was we were what when where
which while who whom why will with would you your yours whats what's who's per via
quick question tell please exactly briefly brief give know let explain describe regarding
concerning mention mentioned say said says talk talked talking discuss discussed discussing
discussion discussions conversation anything something thing things kind sort think thought
thinks feel felt feeling feelings view views opinion opinions perspective stance attitude
position take overall general generally main mainly summarize summarise summarized summary
recap sum overview happen happened happening go went going get got make made set come came
meeting session group team everyone everybody members participants whole point points like
express expressed share shared comment comments remark remarks speak spoke present current
people way ways between behind beyond within along throughout whether
""".split())

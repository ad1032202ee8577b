"""Speaker mentions left out of the search query (halo/qa/speakers.py), topics kept."""

from __future__ import annotations

import pytest

from halo.qa.speakers import search_query


@pytest.mark.parametrize("question, expected", [
    ("What did the Industrial Designer think of fashion design?", "What did think of fashion design?"),
    ("How did PhD B approach the back-end of the Aurora recognizer?", "How did approach the back-end of the Aurora recognizer?"),
    ("What did C think about setting up the recording equipment?", "What did think about setting up the recording equipment?"),
    ("Why did Project Manager agree with User Interface's idea?", "Why did agree with idea?"),
    ("How did Marketing design the product evaluation?", "How did design the product evaluation?"),
    ("What did the professor think about clustering?", "What did think about clustering?"),
    # roles used as topics stay
    ("Summarize the group's plan of their marketing strategy.", "Summarize the group's plan of their marketing strategy."),
    ("Why did the group change the design when discussing the user interface?",
     "Why did the group change the design when discussing the user interface?"),
    # no speaker named: unchanged
    ("What did the group think of battery design?", "What did the group think of battery design?"),
])
def test_speakers_leave_the_search_query_and_topics_stay(question, expected):
    assert search_query(question) == expected

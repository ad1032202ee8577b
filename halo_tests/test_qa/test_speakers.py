"""Speaker mentions left out of the search query unless the video says them (halo/qa/speakers.py)."""

from __future__ import annotations

import pytest

from halo.qa.speakers import is_said, said_words, search_query

SAID = said_words("So, the marketing report says people want a fancy remote. I'm the project manager, by the way.")


@pytest.mark.parametrize("question, expected", [
    ("What did the Industrial Designer think of fashion design?", "What did think of fashion design?"),
    ("How did PhD B approach the back-end of the Aurora recognizer?", "How did approach the back-end of the Aurora recognizer?"),
    ("What did C think about setting up the recording equipment?", "What did think about setting up the recording equipment?"),
    ("Why did Project Manager agree with User Interface's idea?", "Why did Project Manager agree with idea?"),
    ("What did the professor think about clustering?", "What did think about clustering?"),
    # roles used as topics stay
    ("Summarize the group's plan of their marketing strategy.", "Summarize the group's plan of their marketing strategy."),
    ("Why did the group change the design when discussing the user interface?",
     "Why did the group change the design when discussing the user interface?"),
    # no speaker named: unchanged
    ("What did the group think of battery design?", "What did the group think of battery design?"),
])
def test_unsaid_speakers_leave_the_search_query(question, expected):
    assert search_query(question, SAID) == expected


def test_a_mention_the_video_says_word_for_word_stays():
    assert is_said("the Project Manager's", SAID) and not is_said("Industrial Designer", SAID)
    assert not is_said("Marketing Expert", SAID)  # both words said, never together

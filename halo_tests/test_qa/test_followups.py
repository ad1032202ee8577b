"""The follow-up detector against the labelled set (halo_tests/data/followups.jsonl), and the
offline rewrite of what it detects."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from halo.qa import heuristic_rewrite, is_follow_up

LABELLED = Path(__file__).resolve().parents[1] / "data" / "followups.jsonl"


def labelled(part: str) -> list[dict]:
    return [r for r in map(json.loads, LABELLED.read_text().splitlines()) if r["part"] == part]


@pytest.mark.parametrize("part", ["tune", "report"])
def test_standalone_questions_are_left_alone_and_follow_ups_are_found(part):
    rows = labelled(part)
    standalone = [r["question"] for r in rows if r["label"] == "standalone"]
    follow_ups = [r["question"] for r in rows if r["label"] == "follow_up"]
    assert len(standalone) >= 150 and len(follow_ups) >= 70
    rewritten = [q for q in standalone if is_follow_up(q)]
    found = [q for q in follow_ups if is_follow_up(q)]
    assert 1 - len(rewritten) / len(standalone) >= 0.98, rewritten
    assert len(found) / len(follow_ups) >= 0.85, sorted(set(follow_ups) - set(found))


def test_only_follow_ups_that_need_an_earlier_answer_are_refused_as_a_first_question():
    """No labelled standalone question is refused opening a session; questions that lean on the
    conversation only by their opener, or that are about the video itself, are answered."""
    from halo.qa.followups import needs_earlier_answer

    rows = labelled("tune") + labelled("report")
    assert not [r["question"] for r in rows if r["label"] == "standalone" and needs_earlier_answer(r["question"])]
    assert all(map(needs_earlier_answer, ["who said that?", "why?", "and why?", "tell me more", "what about it?",
                                          "why did he disagree with the price?", "what was decided there?"]))
    assert not any(map(needs_earlier_answer, ["what about the budget?", "So what was decided about the budget?",
                                              "What is this meeting about?", "What is this about?"]))


@pytest.mark.parametrize("question", [
    "What was said about hiring?",  # the misfire seen in issue #9
    "What did the User Interface think about their previous suggestions when discussing the user interface?",
    "Why did Project Manager think that they should try to incorporate voice recognition?",
    "What did the group discuss in this meeting?",
])
def test_questions_that_name_their_subject_are_standalone(question):
    assert not is_follow_up(question)


def test_heuristic_rewrite_carries_the_frame_and_never_touches_a_standalone_question():
    turn = SimpleNamespace(question="Which animals did they draw?", answer="[00:50] SPEAKER_01: A monkey and a cat.",
                           rewrite_backend="")
    about = heuristic_rewrite("what about the battery?", [turn])
    assert about == "Which animals did they draw -- what about the battery?"
    who = heuristic_rewrite("who said that?", [turn])
    assert "animals" in who and "monkey" in who and "[00:50]" not in who and "SPEAKER_01" not in who
    assert heuristic_rewrite("What was said about hiring?", [turn]) == "What was said about hiring?"

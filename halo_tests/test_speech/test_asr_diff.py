"""bench.asr_diff charges each error of a hypothesis to the truth turn it sits on."""

from __future__ import annotations

from bench.asr_diff import turn_errors


def test_errors_are_charged_to_their_turns() -> None:
    turns = ["We we have to go.", "The titanium part.", "Yeah."]
    result = turn_errors(turns, "we have to go the itanium part really yeah")
    # turn 0: the repeated "we" deleted; turn 1: titanium -> itanium and "really" inserted after it.
    assert result.per_turn == {0: 1, 1: 2}
    assert result.kinds == {"delete": 1, "substitute": 1, "insert": 1}
    assert result.repeated_deleted == 1
    assert result.words_per_turn[1] == ["the", "itanium", "part", "really"]
    assert result.words_per_turn[2] == ["yeah"]
    assert abs(result.wer - 3 / 9) < 1e-9

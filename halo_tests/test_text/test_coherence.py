"""BERTScore coherence with the bundled MiniLM (offline): related text scores above unrelated."""

from __future__ import annotations

import numpy as np

from halo.text.coherence import bertscore_f1, chunk_coherence, gap_coherence, pack_windows

COOKING = ["Chop the onions finely before frying them in butter.", "Add garlic and stir the pan.",
           "Season the tomato sauce with salt and pepper.", "Simmer the sauce for ten minutes."] * 3
FOOTBALL = ["The striker scored in the final minute of the match.", "The goalkeeper saved a penalty.",
            "The referee showed a red card to the defender.", "Fans cheered when the team won the cup."] * 3


def test_bertscore_related_above_unrelated_and_in_unit_range():
    f1 = bertscore_f1(["The cat sat on the mat.", "The cat sat on the mat."],
                      ["A cat was sitting on the rug.", "Stock markets fell sharply today."])
    assert f1[0] > f1[1] + 0.2
    assert ((f1 >= 0) & (f1 <= 1)).all()


def test_gap_coherence_has_its_valley_at_the_topic_switch():
    texts = COOKING + FOOTBALL
    f1 = gap_coherence(texts, window_words=40)
    assert len(f1) == len(texts) - 1
    assert abs(int(np.argmin(f1)) - 11) <= 2  # gap 11 is between the two topics


def test_chunk_coherence_definition():
    mixed, pure = COOKING[:6] + FOOTBALL[:6], COOKING
    scores = chunk_coherence([pure, mixed, ["One short line."]], window_words=30)
    assert scores[0] > scores[1]
    assert scores[2] == 1.0  # one window: nothing inside to disagree
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_pack_windows_keeps_whole_texts():
    assert pack_windows(["a b", "c d e", "f"], 3) == ["a b c d e f"]
    assert pack_windows(["a b c", "d e f", "g h i"], 3) == ["a b c", "d e f", "g h i"]

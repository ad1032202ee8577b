"""Slide-text word recall and precision of an on-screen text table against a generator's truth.

Words are compared per slide state (``truth["slides"]``: what one slide showed from start to
end): an OCR row belongs to the state on screen at its ``frame_s``, and the state's words are
matched as multisets (a word read twice from two frames of the same state counts once; a word
shown twice on the slide must be read twice). Rows read from no state (outside the video) all
count as false. Bullets and punctuation are not words.

``build_ups`` checks when a slide that changes without a cut (bullets appearing) is dated: a
question about the bullets is answered by citing that time, which must not come before they
were shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from halo.vision.ocr import words


@dataclass(frozen=True)
class WordScores:
    true_words: int
    read_words: int
    matched: int

    @property
    def recall(self) -> float:
        return self.matched / self.true_words if self.true_words else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.read_words if self.read_words else 1.0


def slide_word_scores(table: pd.DataFrame, truth: dict[str, Any]) -> WordScores:
    """Recall and precision of the words in ``table`` against the slides of ``truth``."""
    slides = truth["slides"]
    read: list[Counter[str]] = [Counter() for _ in slides]
    stray = 0
    for frame_s, group in table.groupby("frame_s"):
        state = next((k for k, s in enumerate(slides) if s["start"] <= frame_s < s["end"]), None)
        bag = Counter(w for text in group["text"] for w in words(text))
        if state is None:
            stray += sum(bag.values())
        else:
            read[state] |= bag  # the same state read from two frames: keep the larger count
    true = [Counter(w for line in s["lines"] for w in words(line)) for s in slides]
    matched = sum(sum((t & r).values()) for t, r in zip(true, read))
    return WordScores(sum(sum(t.values()) for t in true), sum(sum(r.values()) for r in read) + stray, matched)


@dataclass(frozen=True)
class BuildUp:
    """A slide change without a cut (a list that builds up): when it happened and when OCR
    dates it (``None``: the new lines were never read)."""

    scene_id: int
    true_start: float
    read_start: float | None

    @property
    def error_s(self) -> float | None:
        """Read minus true start: negative means the lines are dated before they were shown."""
        return None if self.read_start is None else self.read_start - self.true_start


def build_ups(table: pd.DataFrame, truth: dict[str, Any]) -> list[BuildUp]:
    """Every slide state of ``truth`` that follows a state of the same scene, with the earliest
    start of a screen state of ``table`` (inside that scene) holding all the words of the lines
    it added."""
    out = []
    for before, state in zip(truth["slides"], truth["slides"][1:]):
        if before["scene_id"] != state["scene_id"]:
            continue
        new = Counter(w for line in state["lines"] if line not in before["lines"] for w in words(line))
        scene = table[(table["start"] < state["end"]) & (table["end"] > before["start"])]
        starts = [float(start) for start, group in scene.groupby("start")
                  if not new - Counter(w for text in group["text"] for w in words(text))]
        out.append(BuildUp(int(state["scene_id"]), float(state["start"]), min(starts, default=None)))
    return out

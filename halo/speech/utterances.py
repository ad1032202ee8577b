"""Utterances: transcript words joined with speakers and scenes, the unit every later stage uses.

Each word gets the speaker whose turn overlaps it most (as ``whisperx.assign_word_speakers``
does), or the nearest turn when it falls in a gap between turns (VAD and ASR disagree by tens
of milliseconds at turn edges). Words are then grouped into utterances that end at a speaker
change, a pause longer than ``max_pause_s``, a sentence end, or ``max_duration_s``; each
utterance gets the scene that holds its midpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from halo.speech.diarize import Turn
from halo.speech.transcribe import Word

COLUMNS = ["utt_id", "start", "end", "speaker", "scene_id", "text"]
UNKNOWN_SPEAKER = "UNKNOWN"
_SENTENCE_END = (".", "?", "!", "…")


@dataclass(frozen=True)
class Scene:
    scene_id: int
    start: float
    end: float


@dataclass(frozen=True)
class Utterance:
    utt_id: int
    start: float
    end: float
    speaker: str
    scene_id: int
    text: str


def assign_speakers(words: Sequence[Word], turns: Sequence[Turn]) -> list[str]:
    """The speaker of each word: most overlap, else the nearest turn, else UNKNOWN."""
    if not turns:
        return [UNKNOWN_SPEAKER] * len(words)
    starts = np.array([t.start for t in turns])
    ends = np.array([t.end for t in turns])
    speakers = [t.speaker for t in turns]
    out: list[str] = []
    for w in words:
        overlap = np.minimum(ends, w.end) - np.maximum(starts, w.start)
        if overlap.max() > 0:
            totals: dict[str, float] = {}
            for i in np.flatnonzero(overlap > 0):
                totals[speakers[i]] = totals.get(speakers[i], 0.0) + float(overlap[i])
            out.append(max(totals, key=totals.get))
        else:
            distance = np.maximum(starts - w.end, w.start - ends)
            out.append(speakers[int(np.argmin(distance))])
    return out


def scene_of(start: float, end: float, scenes: Sequence[Scene]) -> int:
    """The scene holding the midpoint of [start, end]; the nearest one if none does; -1 if no scenes."""
    if not scenes:
        return -1
    mid = (start + end) / 2
    for s in scenes:
        if s.start <= mid < s.end:
            return s.scene_id
    return min(scenes, key=lambda s: min(abs(mid - s.start), abs(mid - s.end))).scene_id


def build_utterances(
    words: Sequence[Word],
    turns: Sequence[Turn],
    scenes: Sequence[Scene] = (),
    max_pause_s: float = 1.0,
    max_duration_s: float = 30.0,
) -> list[Utterance]:
    """Group timed words into speaker-attributed utterances (see module docstring)."""
    words = sorted((w for w in words if w.word.strip()), key=lambda w: w.start)
    speakers = assign_speakers(words, turns)
    groups: list[tuple[str, list[Word]]] = []
    for word, speaker in zip(words, speakers):
        if groups:
            current_speaker, current = groups[-1]
            previous = current[-1]
            same = (
                speaker == current_speaker
                and word.start - previous.end <= max_pause_s
                and not previous.word.endswith(_SENTENCE_END)
                and word.end - current[0].start <= max_duration_s
            )
            if same:
                current.append(word)
                continue
        groups.append((speaker, [word]))
    utterances = []
    for i, (speaker, group) in enumerate(groups):
        start, end = group[0].start, max(w.end for w in group)
        text = " ".join(w.word.strip() for w in group)
        utterances.append(Utterance(i, round(start, 3), round(end, 3), speaker, scene_of(start, end, scenes), text))
    return utterances


def utterances_frame(utterances: Sequence[Utterance]) -> pd.DataFrame:
    """The `utterances` asset's table."""
    return pd.DataFrame(
        {
            "utt_id": pd.Series([u.utt_id for u in utterances], dtype="int64"),
            "start": pd.Series([u.start for u in utterances], dtype="float64"),
            "end": pd.Series([u.end for u in utterances], dtype="float64"),
            "speaker": pd.Series([u.speaker for u in utterances], dtype="object"),
            "scene_id": pd.Series([u.scene_id for u in utterances], dtype="int64"),
            "text": pd.Series([u.text for u in utterances], dtype="object"),
        },
        columns=COLUMNS,
    )


def turns_from_frame(df: pd.DataFrame) -> list[Turn]:
    return [Turn(float(r.start), float(r.end), str(r.speaker)) for r in df.itertuples(index=False)]


def scenes_from_frame(df: pd.DataFrame) -> list[Scene]:
    return [Scene(int(r.scene_id), float(r.start), float(r.end)) for r in df.itertuples(index=False)]

"""Favouring the speaker a question names: each retrieval unit's share of that speaker's speech.

"What did C think about the recording equipment?" has one right moment where several people
talk about the equipment: the one where C does. With a roster (halo/speech/roster.py) the
question's speaker mentions become names (halo/qa/speakers.py ``named_speakers``), and each
window scores ``FOCUS_WEIGHT`` times the share of its time those speakers talk, next to its
dense and lexical scores (halo/qa/retrieval.py ``ChunkIndex.search(focus=...)``): the search
itself still reads the question without the speaker. No roster, or a name matching nobody:
no focus, retrieval exactly as without it.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from halo.vision.marks import on_screen_mask

#: Added to a window's score times the named speakers' share of its time (0..1): about a whole
#: dense cosine, so a window where the named speaker talks wins over one equally on topic where
#: others do. Chosen on the tuning half of QMSum val (bench/bench_qa.py --roster, 39 of 119
#: queries name a speaker): for them recall@1 0.436 -> 0.564, recall@3 0.744 -> 0.872, moment@1
#: 0.385 -> 0.462. 0.75 had one more query in the top 3 but three fewer at rank 1 and in the
#: moment, which is what a first citation needs (issue #9); 2.0 fell back to recall@3 0.744.
FOCUS_WEIGHT = 1.0
#: Seconds of speech after a screen state appeared that stand for it (see ``focus``). Chosen on
#: the tuning-half hour video one10 (bench_e2e_qa --roster, 4 questions naming a speaker, where
#: the topic's title slide wins the moment): 10 s put all 4 in span, 20 s and 40 s 3 (the
#: slide 11 s before D's span then counted D's lines), the slide's own second 2.
SLIDE_SPEECH_S = 10.0


def speaker_share(units: pd.DataFrame, utterances: pd.DataFrame, speakers: Iterable[str]) -> np.ndarray:
    """Per unit (rows with start, end): the share of its speech time spoken by ``speakers``
    (0 where nobody named speaks, or where no utterance overlaps it, e.g. a slide)."""
    wanted = set(speakers)
    if not len(units) or not len(utterances) or not wanted:
        return np.zeros(len(units))
    u_start, u_end = units["start"].to_numpy(float)[:, None], units["end"].to_numpy(float)[:, None]
    s, e = utterances["start"].to_numpy(float)[None, :], utterances["end"].to_numpy(float)[None, :]
    overlap = np.clip(np.minimum(u_end, e) - np.maximum(u_start, s), 0.0, None)
    mine = utterances["speaker"].isin(wanted).to_numpy()
    total = overlap.sum(axis=1)
    return np.divide(overlap[:, mine].sum(axis=1), total, out=np.zeros(len(units)), where=total > 0)


def focus(units: pd.DataFrame, utterances: pd.DataFrame, speakers: Iterable[str],
          weight: float = FOCUS_WEIGHT) -> np.ndarray | None:
    """What each unit's score gains for the named ``speakers`` (None when nobody is named).

    A screen state's unit lasts one second (the moment it appeared: halo/qa/retrieval.py
    ``SLIDE_UNIT_S``), and who happens to talk in that second says nothing; its share is that of
    the speech in the SLIDE_SPEECH_S after it appeared, what is said while it is on screen."""
    speakers = set(speakers)
    if not speakers:
        return None
    slide = on_screen_mask(units["text"])
    spans = units[["start", "end"]].assign(end=np.where(slide, units["start"] + SLIDE_SPEECH_S, units["end"]))
    return weight * speaker_share(spans, utterances, speakers)

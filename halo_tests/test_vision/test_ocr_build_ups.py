"""When OCR dates a slide that changes without a cut (bullets appearing), against the truth of
a small silent clip drawn by the lecture generator (no speech, so no flite and seconds to run).

A question about the bullets is answered by citing when OCR says they appeared: that time must
not come before they were shown (dated halfway between two I-frames it came up to 2.5 s early),
and a build-up inside a scene of 10-20 s must be read at all (issue 14's reporting-half misses).
"""

from __future__ import annotations

import numpy as np
import pytest

from bench import samplegen as sg
from bench import samplegen_lecture as lec
from halo.eval.ocr import build_ups, slide_word_scores
from halo.vision.ocr import read_on_screen_text
from halo.vision.scenes import detect_scenes

TITLES = (["Quarterly budget", "and spending"], ["Remote control", "design"], ["Battery life"])
TERMS = (["Euros", "Batteries", "Shipping"], ["Buttons", "Rubber", "Scroll"], ["Charging", "Solar"])
# (scene start, scene end, bullets appear at): a 30-s scene whose bullets come up 4 s before an
# I-frame (halfway dating put them 1.5 s early), an 18-s scene building up at 60 % (too short
# for the old 20-s rule to read any frame but its keyframe), a plain 14-s scene.
SCENES = ((0.0, 30.0, 19.0), (30.0, 48.0, 40.8), (48.0, 62.0, None))


def lecture_states() -> list[dict]:
    states = []
    for i, ((start, end, build), title, terms) in enumerate(zip(SCENES, TITLES, TERMS)):
        if build is not None:
            states.append({"scene_id": i, "start": start, "end": build, "title": title, "terms": []})
            start = build
        states.append({"scene_id": i, "start": start, "end": end, "title": title, "terms": terms})
    return states


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 62-s 360p slide clip (5 fps, an I-frame every 5 s as the generator encodes) and its truth."""
    states = lecture_states()
    fps = lec.LECTURE_FPS
    timeline = sg.Timeline(np.zeros(int(SCENES[-1][1] * sg.SAMPLE_RATE), np.int16), fps, [s[0] for s in SCENES])
    path = tmp_path_factory.mktemp("buildups") / "clip.mp4"
    lec.encode_states_mp4(path, timeline, states, [lec.draw_lecture_slide(s, 360) for s in states])
    truth = {"slides": lec.slide_truth(states)}
    found = detect_scenes(path, path.parent / "keyframes")
    return truth, read_on_screen_text(path, found.scenes)


def test_every_build_up_is_read_and_dated_no_earlier_than_it_was_shown(clip) -> None:
    truth, result = clip
    builds = build_ups(result.table, truth)
    assert [b.scene_id for b in builds] == [0, 1]
    for b in builds:
        assert b.error_s is not None, f"the bullets of scene {b.scene_id} were never read"
        assert 0.0 <= b.error_s + 1e-6 and b.error_s <= lec.GOP_S, b  # at the first I-frame showing them


def test_states_tile_each_scene_and_the_words_are_read(clip) -> None:
    truth, result = clip
    table = result.table
    for _, scene in table.groupby("scene_id"):
        spans = sorted(set(zip(scene["start"], scene["end"])))
        assert all(a[1] == pytest.approx(b[0]) for a, b in zip(spans, spans[1:]))  # one state ends where the next starts
    scores = slide_word_scores(table, truth)
    assert scores.recall >= 0.9 and scores.precision >= 0.9, scores

"""The bundled sample's ground truth is consistent with itself and its video; the generator works."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import pytest

from halo import samplegen
from halo.paths import samples_dir

SAMPLE = samples_dir() / f"{samplegen.SAMPLE_NAME}.mp4"
needs_flite = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed (apt-get install flite)")


def _probe(path: Path) -> dict[str, float]:
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        return {
            "container": c.duration / av.time_base,
            "video": float(v.duration * v.time_base),
            "audio": float(a.duration * a.time_base),
            "fps": float(v.average_rate),
            "width": v.codec_context.width,
            "height": v.codec_context.height,
            "sample_rate": a.codec_context.sample_rate,
        }


def _check_truth(truth: dict, video: Path) -> None:
    """Every invariant other stages rely on when they score themselves against the truth."""
    probe = _probe(video)
    assert truth["video"] == video.name
    for track in ("container", "video", "audio"):
        assert abs(probe[track] - truth["duration_s"]) <= 0.05, (track, probe)
    assert (probe["fps"], probe["width"], probe["height"], probe["sample_rate"]) == (
        truth["fps"], truth["width"], truth["height"], truth["sample_rate"]
    )

    turns = truth["turns"]
    assert [t["turn_id"] for t in turns] == list(range(len(turns)))
    for prev, cur in zip(turns, turns[1:]):
        assert prev["end"] <= cur["start"], (prev, cur)
    assert all(0 <= t["start"] < t["end"] <= truth["duration_s"] for t in turns)

    by_id = {t["turn_id"]: t for t in turns}
    for w in truth["words"]:
        turn = by_id[w["turn_id"]]
        assert turn["start"] <= w["start"] <= w["end"] <= turn["end"], w
        assert w["speaker"] == turn["speaker"]
    assert [w["start"] for w in truth["words"]] == sorted(w["start"] for w in truth["words"])

    topics = truth["topics"]
    assert topics[0]["start"] == 0.0 and topics[-1]["end"] == truth["duration_s"]
    assert truth["scene_cuts"] == [t["start"] for t in topics[1:]]
    for prev, cur in zip(topics, topics[1:]):
        assert prev["end"] == cur["start"]
    for t in topics[1:]:
        first = by_id[t["first_turn"]]
        assert abs(first["start"] - t["start"]) < 1e-3  # the cut is where the topic's first word starts
        assert abs(t["start"] * truth["fps"] - round(t["start"] * truth["fps"])) < 1e-6  # on a frame

    for q in truth["qa"]:
        assert 0 <= q["start"] < q["end"] <= truth["duration_s"]
        assert q["query"] and q["answer"]


def test_bundled_sample_truth_is_consistent():
    truth = samplegen.load_truth()
    _check_truth(truth, SAMPLE)
    assert 180 <= truth["duration_s"] <= 240
    assert SAMPLE.stat().st_size < 5_000_000
    assert len({t["speaker"] for t in truth["turns"]}) == 4
    assert len({t["voice"] for t in truth["turns"]}) == 4
    assert len(truth["topics"]) == 5 and truth["qa"]


def test_bundled_sample_rttm_matches_turns():
    truth = samplegen.load_truth(SAMPLE)
    lines = (samples_dir() / truth["rttm"]).read_text().splitlines()
    assert len(lines) == len(truth["turns"])
    for line, turn in zip(lines, truth["turns"]):
        kind, file_id, _, start, dur, _, _, speaker, *_ = line.split()
        assert (kind, file_id, speaker) == ("SPEAKER", "meeting", turn["speaker"])
        assert abs(float(start) - turn["start"]) < 1e-3 and abs(float(dur) - (turn["end"] - turn["start"])) < 2e-3


def test_bundled_sample_cuts_are_found_by_pyscenedetect():
    """The slides differ enough that the default ContentDetector finds every cut and no other."""
    from scenedetect import ContentDetector, detect

    found = [scene[0].seconds for scene in detect(str(SAMPLE), ContentDetector())][1:]
    truth = samplegen.load_truth()["scene_cuts"]
    assert len(found) == len(truth)
    assert all(abs(f - t) <= 0.05 for f, t in zip(found, truth)), (found, truth)


def test_clean_text_strips_marks_and_fillers():
    raw = "Um {vocalsound} so the L_C_D_ is {disfmarker} , uh , nice . Mm-hmm ."
    assert samplegen.clean_text(raw) == "So the LCD is, nice."
    assert samplegen.clean_text("{vocalsound} Mm-hmm . {gap}") == ""


def test_trim_turn_keeps_first_sentences():
    assert samplegen.trim_turn("One. Two two. Three.", max_sentences=2) == "One. Two two."
    assert samplegen.trim_turn(" ".join(["word"] * 50), max_words=10) == " ".join(["word"] * 10) + "."


@needs_flite
def test_generator_makes_a_short_video_with_matching_truth(tmp_path):
    out = tmp_path / "short.mp4"
    truth = samplegen.make_meeting_video(out, 20, seed=3, topic_seconds=8, meeting_ids=["ES2002a"], workers=1)
    assert truth == samplegen.load_truth(out)
    _check_truth(truth, out)
    assert 12 <= truth["duration_s"] <= 20.5
    assert len(truth["topics"]) >= 2  # so there is a scene cut to check
    assert out.with_suffix(".rttm").exists()

    again = samplegen.make_meeting_video(tmp_path / "again.mp4", 20, seed=3, topic_seconds=8, meeting_ids=["ES2002a"], workers=1)
    assert {**again, "video": "", "rttm": ""} == {**truth, "video": "", "rttm": ""}  # seeded: same truth


@needs_flite
@pytest.mark.slow
def test_generator_makes_an_hour_for_benchmarks(tmp_path):
    out = tmp_path / "hour.mp4"
    truth = samplegen.make_meeting_video(out, 3600, seed=0)
    _check_truth(truth, out)
    assert abs(truth["duration_s"] - 3600) <= 30
    assert truth["fps"] == samplegen.BENCH_FPS
    assert len({t["speaker"] for t in truth["turns"]}) == 4 and len(truth["topics"]) >= 40

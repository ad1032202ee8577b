"""The bundled sample's ground truth is consistent with itself and its video; the generator works."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import av
import pytest

from bench import samplegen
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
    camera = truth.get("camera_cuts", [])
    slides = truth["generator"].get("realism", {}).get("slides", True)  # without slides a topic start is no cut
    assert truth["scene_cuts"] == sorted(([t["start"] for t in topics[1:]] if slides else []) + camera)
    assert not set(camera) & {t["start"] for t in topics}  # a camera cut is never a topic change
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
def test_generator_speaks_whole_turns_in_hd(tmp_path):
    """--full-turns --height 720: one meeting as it was held (turns not cut to 30 words), HD frames."""
    import av

    out = tmp_path / "hd.mp4"
    truth = samplegen.make_meeting_video(out, 25, topic_seconds=1e5, meeting_ids=["ES2002a"], workers=1,
                                         height=720, full_turns=True)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (truth["width"], truth["height"]) == (1280, 720)
    whole = samplegen.load_meetings(None, full_turns=True)["ES2002a"]
    spoken = truth["turns"]
    assert [" ".join(t["text"].split()) for t in spoken] == [
        " ".join(whole.texts[t["qmsum_turn"]].split()) for t in spoken]
    assert max(len(t["text"].split()) for t in spoken) > 30  # a turn longer than the trimmed maximum


@needs_flite
@pytest.mark.slow
def test_generator_makes_an_hour_for_benchmarks(tmp_path):
    out = tmp_path / "hour.mp4"
    truth = samplegen.make_meeting_video(out, 3600, seed=0)
    _check_truth(truth, out)
    assert abs(truth["duration_s"] - 3600) <= 30
    assert truth["fps"] == samplegen.BENCH_FPS
    assert len({t["speaker"] for t in truth["turns"]}) == 4 and len(truth["topics"]) >= 40


def test_pink_noise_falls_3_db_per_octave():
    import numpy as np
    from scipy.signal import welch

    freqs, power = welch(samplegen.pink_noise(160_000, np.random.default_rng(0)), fs=16_000, nperseg=4096)
    def band(lo):
        return power[(freqs >= lo) & (freqs < 2 * lo)].mean()
    assert abs(10 * np.log10(band(250) / band(1000)) - 6.0) < 1.0  # two octaves: 6 dB


def test_noise_lands_at_the_asked_snr_and_echo_rings_after_speech():
    import numpy as np

    rng = np.random.default_rng(1)
    sr = samplegen.SAMPLE_RATE
    audio = np.zeros(20 * sr, np.int16)
    turns = [{"start": 2.0, "end": 8.0}, {"start": 11.0, "end": 17.0}]
    for t in turns:
        a, b = int(t["start"] * sr), int(t["end"] * sr)
        audio[a:b] = (3000 * np.sin(2 * np.pi * 180 * np.arange(b - a) / sr) * rng.uniform(0.5, 1, b - a)).astype(np.int16)
    noisy = samplegen.apply_acoustics(audio, turns, samplegen.Realism(snr_db=15.0), seed=0).astype(float)
    speech = np.concatenate([noisy[int(t["start"] * sr) : int(t["end"] * sr)] for t in turns])
    gap = noisy[int(9 * sr) : int(10.5 * sr)]
    snr = 10 * np.log10((np.mean(speech**2) - np.mean(gap**2)) / np.mean(gap**2))
    assert abs(snr - 15.0) < 0.5

    echoed = samplegen.apply_acoustics(audio, turns, samplegen.Realism(rt60_s=0.5), seed=0).astype(float)
    after = echoed[int(8.05 * sr) : int(8.25 * sr)]  # the room still rings just after the turn
    assert np.sqrt(np.mean(after**2)) > 0.02 * np.sqrt(np.mean(echoed[int(2 * sr) : int(8 * sr)] ** 2))
    assert np.sqrt(np.mean(echoed[int(9.5 * sr) : int(10.5 * sr)] ** 2)) < 5  # and is quiet 1.5 s later
    assert np.array_equal(samplegen.apply_acoustics(audio, turns, samplegen.Realism(), seed=0), audio)


@needs_flite
def test_realism_changes_the_sound_and_picture_not_the_truth(tmp_path):
    """Similar voices, noise, echo, camera cuts and no slides: the words, turns and topics are those
    of the same meeting without noise, echo and cuts; the camera cuts are real picture cuts, and
    without slides they are the only ones."""
    from scenedetect import ContentDetector, detect

    from halo.media import decode_audio

    kwargs = dict(seed=2, topic_seconds=25, meeting_ids=["val-10"], workers=1)
    voices = samplegen.Realism(voices=samplegen.SIMILAR_VOICES, top_speakers=True)
    hard = samplegen.Realism(samplegen.SIMILAR_VOICES, True, snr_db=15.0, rt60_s=0.5, camera_cut_s=6.0)
    plain = samplegen.make_meeting_video(tmp_path / "plain.mp4", 45, realism=voices, **kwargs)
    truth = samplegen.make_meeting_video(tmp_path / "hard.mp4", 45, realism=hard, **kwargs)
    _check_truth(truth, tmp_path / "hard.mp4")
    for key in ("turns", "words", "topics", "qa", "speakers"):
        assert truth[key] == plain[key], key
    assert len(truth["speakers"]) >= 3 and {s["voice"] for s in truth["speakers"]} <= set(samplegen.SIMILAR_VOICES)
    assert truth["camera_cuts"] and plain["camera_cuts"] == []
    found = [scene[0].seconds for scene in detect(str(tmp_path / "hard.mp4"), ContentDetector())][1:]
    assert len(found) == len(truth["scene_cuts"])
    assert all(abs(f - t) <= 0.05 for f, t in zip(found, truth["scene_cuts"])), (found, truth["scene_cuts"])
    bare = samplegen.make_meeting_video(tmp_path / "bare.mp4", 45, realism=replace(hard, slides=False), **kwargs)
    _check_truth(bare, tmp_path / "bare.mp4")
    assert bare["topics"] == truth["topics"] and bare["scene_cuts"] == bare["camera_cuts"] == truth["camera_cuts"]
    found = [scene[0].seconds for scene in detect(str(tmp_path / "bare.mp4"), ContentDetector())][1:]
    assert len(found) == len(bare["camera_cuts"])  # a new topic shows nothing new without slides
    clean, noisy = decode_audio(tmp_path / "plain.mp4"), decode_audio(tmp_path / "hard.mp4")
    before = slice(800, int((truth["turns"][0]["start"] - 0.05) * 16_000))  # before anyone speaks
    assert abs(clean[before]).max() < 0.01 < abs(noisy[before]).max()


@needs_flite
def test_a_resampled_voice_keeps_its_word_times():
    speech = samplegen.synthesize("The remote control needs a bigger battery.", "rms")
    warped = samplegen.synthesize("The remote control needs a bigger battery.", "rms@1.1")
    assert abs(len(warped.samples) * 1.1 - len(speech.samples)) < 0.02 * len(speech.samples)
    first, first_warped = speech.words[0][1], warped.words[0][1]
    for (w1, s1, _), (w2, s2, _) in zip(speech.words, warped.words, strict=True):
        assert w1 == w2 and abs((s2 - first_warped) * 1.1 - (s1 - first)) <= 2
    with pytest.raises(ValueError, match="unknown voice"):
        samplegen.parse_voice("nosuch@1.1")

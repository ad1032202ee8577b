"""Scene detection against known cuts: synthetic colour blocks and the bundled sample's truth."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from halo.paths import samples_dir
from halo.errors import MediaError
from halo.vision.scenes import SCENE_COLUMNS, detect_scenes, extract_keyframes
from halo_tests.synth import PALETTE, make_video

TOLERANCE_S = 0.5


def assert_cuts_match(found: list[float], truth: list[float]) -> None:
    """Every true cut found within the tolerance, and no cut that is not true."""
    assert len(found) == len(truth), f"found {found}, truth {truth}"
    for f, t in zip(sorted(found), sorted(truth)):
        assert abs(f - t) <= TOLERANCE_S, f"found {found}, truth {truth}"


def test_finds_every_cut_and_no_false_cut(tmp_path) -> None:
    cuts = [1.5, 4.36, 7.0, 11.24, 13.9]  # some off the 8 fps analysis grid on purpose
    video = make_video(tmp_path / "blocks.mp4", cuts=cuts, duration_s=17.0, fps=25)
    result = detect_scenes(video, tmp_path / "keyframes")
    df = result.scenes
    assert list(df.columns) == SCENE_COLUMNS
    assert_cuts_match(df["start"].tolist()[1:], cuts)
    assert df["start"].iloc[0] == 0.0 and df["end"].iloc[-1] == pytest.approx(17.0, abs=0.05)
    assert (df["end"].iloc[:-1].to_numpy() == df["start"].iloc[1:].to_numpy()).all()
    assert df["scene_id"].tolist() == list(range(len(cuts) + 1))
    # Each keyframe shows its scene's colour (middle frame, full resolution).
    for i, path in enumerate(df["keyframe_path"]):
        image = cv2.imread(path)
        assert image.shape[:2] == (180, 320)
        b, g, r = image.reshape(-1, 3).mean(axis=0)
        assert np.allclose((r, g, b), PALETTE[i % len(PALETTE)], atol=12), (i, (r, g, b))
    assert result.frames_analysed > 0 and result.analysed_fps > 0


def test_no_cut_gives_one_scene_and_stale_keyframes_are_removed(tmp_path) -> None:
    keyframes = tmp_path / "keyframes"
    detect_scenes(make_video(tmp_path / "three.mp4", cuts=(2.0, 4.0), duration_s=6.0), keyframes)
    assert len(list(keyframes.glob("*.jpg"))) == 3
    df = detect_scenes(make_video(tmp_path / "one.mp4", cuts=(), duration_s=5.0), keyframes).scenes
    assert len(df) == 1 and (df["start"].iloc[0], df["end"].iloc[0]) == (0.0, pytest.approx(5.0, abs=0.05))
    assert sorted(p.name for p in keyframes.iterdir()) == ["scene_0000.jpg"]


def test_other_frame_rates(tmp_path) -> None:
    cuts = [2.1, 5.0, 8.7]
    for fps in (5, 30):
        video = make_video(tmp_path / f"fps{fps}.mp4", cuts=cuts, duration_s=11.0, fps=fps)
        df = detect_scenes(video, tmp_path / f"kf{fps}").scenes
        assert_cuts_match(df["start"].tolist()[1:], cuts)


def test_sample_scene_cuts_match_truth(tmp_path) -> None:
    video = samples_dir() / "meeting.mp4"
    if not video.exists() or not (samples_dir() / "meeting.truth.json").exists():
        pytest.skip("bundled sample not generated yet")
    from bench.samplegen import load_truth

    truth = load_truth(video)
    df = detect_scenes(video, tmp_path / "keyframes", truth["duration_s"]).scenes
    assert_cuts_match(df["start"].tolist()[1:], truth["scene_cuts"])
    assert df["end"].iloc[-1] == pytest.approx(truth["duration_s"], abs=0.05)


def _faststart(src, dst):
    """``src`` remuxed with its header (moov) first, as streaming-ready files are."""
    import av

    with av.open(str(src)) as i, av.open(str(dst), "w", options={"movflags": "faststart"}) as o:
        streams = {s.index: o.add_stream_from_template(s) for s in i.streams}
        for packet in i.demux():
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                o.mux(packet)
    return dst


def test_garbage_behind_a_valid_header_is_a_media_error_naming_the_file(tmp_path) -> None:
    """The header probes fine, so the file got past video_file; reading a keyframe then failed in
    `scenes` with PyAV's bare 'InvalidDataError' / 'PermissionError: Operation not permitted'."""
    import random

    data = _faststart(make_video(tmp_path / "v.mp4", duration_s=4.0, cuts=(2.0,)), tmp_path / "fast.mp4").read_bytes()
    media = data.find(b"mdat") + 4
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(data[:media] + random.Random(0).randbytes(len(data) - media))
    with pytest.raises(MediaError, match=r"corrupt\.mp4 is not a readable video \(truncated or corrupt\?\).*Re-copy"):
        extract_keyframes(corrupt, [0.0, 2.0], tmp_path / "keyframes")

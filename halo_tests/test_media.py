"""halo.media against ground truth: ffprobe's view of the file and the tone we encoded."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction

import numpy as np
import pytest

from halo import media
from halo.errors import MediaError
from halo_tests.synth import make_portrait_video, make_video, portrait_slide


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_video(tmp_path_factory.mktemp("media") / "tone.mp4", duration_s=12.0, tone_hz=440.0)


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
def test_probe_matches_ffprobe(video) -> None:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(video)],
        check=True, capture_output=True, text=True,
    )
    truth = json.loads(out.stdout)
    vstream = next(s for s in truth["streams"] if s["codec_type"] == "video")
    info = media.probe(video)
    assert info.duration_s == pytest.approx(float(truth["format"]["duration"]), abs=1e-3)
    assert info.fps == pytest.approx(float(Fraction(vstream["avg_frame_rate"])), rel=1e-6)
    assert (info.width, info.height) == (vstream["width"], vstream["height"])
    assert info.has_audio == any(s["codec_type"] == "audio" for s in truth["streams"])
    assert info.size_bytes == int(truth["format"]["size"])
    assert len(info.sha256) == 64


def test_a_portrait_phone_video_probes_at_the_size_it_is_shown(tmp_path) -> None:
    """Stored sideways with a display rotation, as phones do: it was reported as 640x360."""
    info = media.probe(make_portrait_video(tmp_path / "phone.mp4", [portrait_slide()]))
    assert (info.width, info.height) == (360, 640)


def test_audio_is_16k_mono_as_long_as_the_video_and_keeps_the_tone(video, tmp_path) -> None:
    info = media.probe(video)
    samples = media.decode_audio(video, 16_000, info.duration_s)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(len(samples) / 16_000 - info.duration_s) <= 0.05
    spectrum = np.abs(np.fft.rfft(samples[16_000:48_000]))
    assert np.fft.rfftfreq(32_000, 1 / 16_000)[spectrum.argmax()] == pytest.approx(440.0, abs=2.0)

    wav = tmp_path / "a" / "audio.wav"
    media.write_wav(wav, samples)
    back = media.read_wav(wav)
    assert back.dtype == np.float32 and len(back) == len(samples)
    assert np.max(np.abs(back - samples)) < 1e-3
    assert list(wav.parent.iterdir()) == [wav]  # no temporary file left behind


def test_video_without_audio_gives_silence_of_its_length(tmp_path) -> None:
    path = make_video(tmp_path / "mute.mp4", duration_s=6.0, audio=False)
    info = media.probe(path)
    assert info.has_audio is False
    samples = media.decode_audio(path, 16_000, info.duration_s)
    assert len(samples) == 6 * 16_000 and not samples.any()


def _faststart_copy(source, out):
    """``source`` remuxed with its index (moov) in front, as web and phone exports write it."""
    import av

    with av.open(str(source)) as src, av.open(str(out), "w", options={"movflags": "faststart"}) as dst:
        streams = {s.index: dst.add_stream_from_template(s) for s in src.streams if s.type in ("audio", "video")}
        for packet in src.demux(*[s for s in src.streams if s.index in streams]):
            if packet.dts is not None:
                packet.stream = streams[packet.stream.index]
                dst.mux(packet)
    return out


def test_a_copy_cut_short_behind_a_whole_index_is_refused_not_padded(video, tmp_path) -> None:
    """A faststart file cut where the data of 4.8 s begins still opens and declares its whole 12 s,
    and FFmpeg stops there without an error. That used to be padded with silence and processed."""
    whole = _faststart_copy(video, tmp_path / "faststart.mp4")
    assert len(media.decode_audio(whole)) / media.SAMPLE_RATE == pytest.approx(12.0, abs=0.1)
    import av

    with av.open(str(whole)) as container:  # cut where the first packet after 4.8 s begins
        at = min(p.pos for p in container.demux() if p.pts is not None and p.pos and p.pts * p.time_base >= 4.8)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[:at])
    assert media.probe(cut).duration_s == pytest.approx(12.0, abs=0.1)  # the header still says 12 s
    with pytest.raises(MediaError, match=r"cut\.mp4 stops at \d+\.\d s of the 12\.0 s its header declares.*Re-copy"):
        media.decode_audio(cut, duration_s=12.0)


def test_unusable_files_raise_clear_media_errors(video, tmp_path) -> None:
    with pytest.raises(MediaError, match="No video file"):
        media.probe(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty"):
        media.probe(empty)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
    with pytest.raises(MediaError, match="truncated or corrupt"):
        media.probe(truncated)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).bytes(50_000))
    with pytest.raises(MediaError, match="not a readable video"):
        media.decode_audio(garbage)
    with pytest.raises(MediaError, match="materialize the `audio` asset"):
        media.read_wav(tmp_path / "nope.wav")


# Real-world shapes: podcasts (cover art, audio-only) and speech on a second audio track.

def test_cover_art_is_not_a_picture_and_audio_only_files_probe(tmp_path) -> None:
    from halo_tests.synth_media import sample_speech, write_podcast

    speech = sample_speech(6.0)
    for name, cover in (("show.mp3", True), ("show.m4a", False)):
        info = media.probe(write_podcast(tmp_path / name, speech, cover=cover))
        # The MP3's cover art used to probe as a 640x360 video at 90000 fps.
        assert (info.has_video, info.has_audio, info.fps, info.width, info.height) == (False, True, 0.0, 0, 0)
        assert info.duration_s == pytest.approx(6.0, abs=0.1)
        samples = media.decode_audio(tmp_path / name, 16_000, info.duration_s)
        assert len(samples) == round(info.duration_s * 16_000) and np.abs(samples).max() > 0.05


def test_the_track_with_speech_is_decoded_unless_one_is_named(tmp_path) -> None:
    from halo_tests.synth_media import sample_speech, write_multitrack_video

    speech = sample_speech(8.0)
    hiss = np.random.default_rng(0).normal(0, 0.003, len(speech)).astype(np.float32)
    path = write_multitrack_video(tmp_path / "dub.mp4", [hiss, speech])
    samples, choice = media.decode_speech_track(path, 16_000, 8.0)
    assert (choice.index, choice.n_tracks) == (1, 2) and "most speech" in choice.reason
    assert choice.speech_s[0] < 1.0 < 5.0 < choice.speech_s[1]
    assert np.corrcoef(samples[: len(speech)], speech)[0, 1] > 0.9  # the speech, not the hiss
    named, chosen = media.decode_speech_track(path, 16_000, 8.0, track=0)
    assert chosen.index == 0 and chosen.reason == "named by the user" and np.abs(named).max() < 0.05
    with pytest.raises(MediaError, match=r"has 2 audio track\(s\) \(0-1\); track 5 does not exist"):
        media.decode_speech_track(path, 16_000, track=5)


def test_check_media_file_refuses_what_the_sensor_must_not_register(video, tmp_path) -> None:
    assert media.check_media_file(video) == video
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match="empty \\(0 bytes\\)"):
        media.check_media_file(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("minutes of the meeting, not a video\n" * 50)
    with pytest.raises(MediaError, match="notes.mp4 is not a readable video"):
        media.check_media_file(text)
    captions = tmp_path / "captions.mp4"  # FFmpeg opens it (WebVTT), but there is nothing to hear or see
    captions.write_text("WEBVTT\n\n00:00.000 --> 00:05.000\nhello there\n")
    for check in (media.check_media_file, media.probe):
        with pytest.raises(MediaError, match="captions.mp4 holds neither sound nor a picture track"):
            check(captions)

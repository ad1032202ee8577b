"""Real-world media shapes made from the bundled sample's speech with PyAV (no system ffmpeg):
podcasts (an MP3 with cover art, an M4A) and a video whose speech is on its second audio track.
The truth is the sample's own (data/samples/meeting.truth.json)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av
import numpy as np

from halo.media import SAMPLE_RATE, decode_audio
from halo.paths import samples_dir

SAMPLE = samples_dir() / "meeting.mp4"


def sample_speech(end_s: float | None = None) -> np.ndarray:
    """The sample meeting's speech, 16 kHz mono float32 (the first ``end_s`` seconds)."""
    audio = decode_audio(SAMPLE)
    return audio if end_s is None else audio[: int(end_s * SAMPLE_RATE)]


def truth_text(end_s: float | None = None) -> str:
    """What is said in the sample's first ``end_s`` seconds (whole turns only)."""
    from bench.samplegen import load_truth

    return " ".join(t["text"] for t in load_truth(SAMPLE)["turns"] if end_s is None or t["end"] <= end_s)


def _mux_audio(out, stream, samples: np.ndarray) -> None:
    """Encode mono float ``samples`` (16 kHz) into ``stream`` (resampled to its rate)."""
    resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=stream.rate)
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    step = 4096
    for i in range(0, len(pcm), step):
        frame = av.AudioFrame.from_ndarray(pcm[i : i + step].reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = SAMPLE_RATE, i, Fraction(1, SAMPLE_RATE)
        for converted in resampler.resample(frame):
            out.mux(stream.encode(converted))
    for converted in resampler.resample(None):
        out.mux(stream.encode(converted))
    out.mux(stream.encode(None))


def write_podcast(path: Path, samples: np.ndarray, cover: bool = False) -> Path:
    """An audio file as podcasts ship: .mp3 (MP3, optionally with JPEG cover art as an
    attached picture, the way ID3 APIC art shows up to FFmpeg) or .m4a (AAC in MP4)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mp3 = path.suffix.lower() == ".mp3"
    with av.open(str(path), "w", format="mp3" if mp3 else "mp4") as out:
        stream = out.add_stream("libmp3lame" if mp3 else "aac", rate=44_100, layout="mono")
        if cover:
            art = out.add_stream("mjpeg")
            art.width, art.height, art.pix_fmt = 640, 360, "yuvj420p"
            art.disposition = av.stream.Disposition.attached_pic
            image = np.zeros((360, 640, 3), np.uint8)
            image[:, :, 0] = np.linspace(0, 255, 640, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuvj420p")
            out.mux(art.encode(frame))
            out.mux(art.encode(None))
        _mux_audio(out, stream, samples)
    return path


def write_multitrack_video(path: Path, tracks: Sequence[np.ndarray], fps: int = 5) -> Path:
    """An MP4 with a still grey picture and one AAC track per entry of ``tracks`` (16 kHz mono)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    seconds = max(len(t) for t in tracks) / SAMPLE_RATE
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = 160, 90, "yuv420p"
        streams = [out.add_stream("aac", rate=SAMPLE_RATE, layout="mono") for _ in tracks]
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(np.full((90, 160, 3), 128, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        for stream, samples in zip(streams, tracks):
            _mux_audio(out, stream, samples)
    return path

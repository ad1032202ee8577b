"""Small synthetic videos with known truth, made with PyAV: solid colour blocks cut at known
times, with a sine tone (or no audio track). Used by the ingest, scene and sensor tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import av
import numpy as np

# Consecutive colours differ in hue AND brightness/saturation (ContentDetector score > 60 for
# every neighbouring pair): a pure hue change of similar colours can score under the threshold.
PALETTE = [
    (220, 40, 40), (235, 235, 235), (40, 60, 220), (35, 35, 35), (40, 200, 60),
    (250, 230, 200), (200, 40, 200), (20, 20, 60), (250, 140, 20), (160, 160, 160),
]


def make_video(
    path: Path,
    cuts: Sequence[float] = (3.0, 7.5, 12.0),
    duration_s: float = 15.0,
    fps: int = 25,
    size: tuple[int, int] = (320, 180),
    audio: bool = True,
    tone_hz: float = 440.0,
    sample_rate: int = 16_000,
) -> Path:
    """Write an H.264 (+AAC) MP4 at ``path`` whose picture changes colour at each cut time."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    n_frames = int(round(duration_s * fps))
    starts = [0.0, *cuts]
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        astream = out.add_stream("aac", rate=sample_rate, layout="mono") if audio else None
        spf = sample_rate // fps
        for i in range(n_frames):
            t = i / fps
            scene = sum(1 for s in starts if s <= t + 1e-9) - 1
            img = np.empty((height, width, 3), np.uint8)
            img[:] = PALETTE[scene % len(PALETTE)]
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
            if astream is not None:
                n = np.arange(i * spf, (i + 1) * spf)
                tone = (0.3 * np.sin(2 * np.pi * tone_hz * n / sample_rate) * 32767).astype(np.int16)
                aframe = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
                aframe.sample_rate, aframe.pts = sample_rate, i * spf
                aframe.time_base = Fraction(1, sample_rate)
                out.mux(astream.encode(aframe))
        out.mux(video.encode(None))
        if astream is not None:
            out.mux(astream.encode(None))
    return path


def make_portrait_video(path: Path, pictures: Sequence[np.ndarray], seconds_each: float = 4.0, fps: int = 5) -> Path:
    """Write ``pictures`` (BGR portrait pictures, one after the other, ``seconds_each``) as a phone
    does: stored sideways (turned a quarter clockwise), with a display rotation of 90 degrees that
    players undo. An I-frame every second, so OCR's extra reads inside a long scene find frames."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "g": str(fps)})
        video.width, video.height = pictures[0].shape[:2]  # stored sideways: the picture's height is the width
        video.pix_fmt = "yuv420p"
        video.set_display_rotation(90)
        per_picture = int(round(seconds_each * fps))
        for i in range(per_picture * len(pictures)):
            stored = np.ascontiguousarray(np.rot90(pictures[i // per_picture], k=-1))
            frame = av.VideoFrame.from_ndarray(stored, format="bgr24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return path


def portrait_slide(extra: str = "") -> np.ndarray:
    """A 360x640 BGR phone-screen slide: a title over a second, smaller line (and ``extra`` below)."""
    import cv2

    image = np.full((640, 360, 3), 255, np.uint8)
    cv2.putText(image, "BATTERY PLAN", (20, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (0, 0, 0), 3)
    cv2.putText(image, "Vote next week", (30, 260), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
    if extra:
        cv2.putText(image, extra, (30, 360), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
    return image

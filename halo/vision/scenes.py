"""Scene (shot) cuts with PySceneDetect, plus one keyframe JPEG per scene.

Cuts are found by PySceneDetect's ContentDetector on frames decoded through its PyAV backend
(no system ffmpeg). Speed comes from three things, so an hour of video scans in well under two
minutes on two cores: FFmpeg's own threads decode, each analysed frame is scaled down by
swscale while it is converted (instead of converting full size and resizing in Python), and at
most ``analysis_fps`` frames per second are analysed (the rest are decoded but never converted).

The keyframe of a scene is its middle frame at full resolution, found by seeking: a chunk or
summary can show what was on screen without anyone scrubbing the video.

An audio-only input (a podcast, or an MP3 whose only image is its cover art) has no scenes: the
table is empty but keeps its columns, so every later stage reads it the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from halo.errors import MediaError
from halo.media import ffmpeg_reason
from halo.storage import write_bytes_atomic

SCENE_COLUMNS = ["scene_id", "start", "end", "keyframe_path"]


@dataclass(frozen=True)
class SceneConfig:
    """How cuts are detected. The defaults find hard cuts in talks, meetings and slides."""

    threshold: float = 27.0  # ContentDetector score (HSV change) that counts as a cut
    min_scene_len_s: float = 0.6  # no two cuts closer than this
    analysis_width: int = 256  # frames are analysed at this width (height keeps the aspect)
    analysis_fps: float = 8.0  # analyse at most this many frames per second (cut error < 1/8 s)
    keyframe_quality: int = 85  # JPEG quality of the per-scene keyframe


@dataclass(frozen=True)
class SceneDetection:
    """Detected scenes and what the scan cost, for the asset's metadata and the benchmark."""

    scenes: pd.DataFrame
    frames_analysed: int
    detect_seconds: float
    keyframe_seconds: float

    @property
    def analysed_fps(self) -> float:
        return self.frames_analysed / self.detect_seconds if self.detect_seconds > 0 else 0.0


def _small_stream_class():
    """A VideoStreamAv that hands PySceneDetect frames already scaled down by swscale."""
    from scenedetect.backends.pyav import VideoStreamAv

    class SmallFrameStreamAv(VideoStreamAv):
        def __init__(self, path: str, width: int):
            import av

            # PySceneDetect's own callback with FFmpeg threads can deadlock, so it restores
            # FFmpeg's native logging (suppress_output=False); keep that to real errors only.
            super().__init__(path, threading_mode="AUTO", suppress_output=False)
            av.logging.set_libav_level(av.logging.ERROR)
            src_w, src_h = self.frame_size
            scale = min(1.0, width / max(src_w, 1))
            # Even sizes keep swscale on its fast path.
            self._out_w = max(2, int(round(src_w * scale / 2)) * 2)
            self._out_h = max(2, int(round(src_h * scale / 2)) * 2)

        @property
        def frame_size(self) -> tuple[int, int]:
            # The size of the frames handed out (PySceneDetect checks decoded frames against it).
            if hasattr(self, "_out_w"):
                return (self._out_w, self._out_h)
            return super().frame_size

        def read(self, decode: bool = True):
            ok = super().read(decode=False)
            if ok is False or not decode:
                return ok
            return self._frame.to_ndarray(width=self._out_w, height=self._out_h, format="bgr24")

    return SmallFrameStreamAv


def detect_cuts(path: Path, settings: SceneConfig = SceneConfig()) -> tuple[list[float], float, int]:
    """Cut times in seconds (the first frame of each new scene), the video's duration and the
    number of frames analysed."""
    from scenedetect import ContentDetector, SceneManager
    from scenedetect.video_stream import VideoOpenFailure

    try:
        video = _small_stream_class()(str(path), settings.analysis_width)
    except (VideoOpenFailure, OSError) as exc:
        raise MediaError(f"{path} could not be opened for scene detection: {ffmpeg_reason(exc)}") from exc
    manager = SceneManager()
    manager.auto_downscale = False  # frames already arrive small
    manager.add_detector(
        ContentDetector(threshold=settings.threshold, min_scene_len=settings.min_scene_len_s)
    )
    fps = float(video.frame_rate)
    skip = max(0, int(math.floor(fps / settings.analysis_fps + 1e-6)) - 1) if settings.analysis_fps else 0
    frames = manager.detect_scenes(video, frame_skip=skip)
    cuts = [float(start.seconds) for start, _ in manager.get_scene_list()[1:]]
    duration = float(video.duration.seconds) if video.duration is not None else 0.0
    return cuts, duration, frames // (skip + 1)


def scene_table(cuts: list[float], duration_s: float) -> pd.DataFrame:
    """Contiguous scenes covering [0, duration_s] from sorted cut times (no keyframes yet)."""
    bounds = [0.0, *[c for c in sorted(cuts) if 0.0 < c < duration_s], duration_s]
    rows = [
        {"scene_id": i, "start": round(bounds[i], 3), "end": round(bounds[i + 1], 3)}
        for i in range(len(bounds) - 1)
        if bounds[i + 1] > bounds[i]
    ]
    return pd.DataFrame(rows, columns=["scene_id", "start", "end"])


def extract_keyframes(
    path: Path, times_s: list[float], out_dir: Path, quality: int = 85
) -> list[str]:
    """Save the frame shown at each time in ``times_s`` as ``out_dir/scene_NNNN.jpg``.

    Each file is written atomically; keyframes left over from an earlier run with more scenes
    are removed afterwards so the folder always matches the table.
    """
    import av

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    from halo.media import picture_streams, upright_bgr

    with av.open(str(path)) as container:
        stream = picture_streams(container)[0]  # not the cover art a file may carry before it
        stream.thread_type = "AUTO"
        time_base = float(stream.time_base)
        start_pts = stream.start_time or 0
        for i, t in enumerate(times_s):
            image = None
            try:
                container.seek(start_pts + int(t / time_base), stream=stream, backward=True)
                for frame in container.decode(stream):
                    image = frame
                    if frame.pts is not None and (frame.pts - start_pts) * time_base >= t - 1e-3:
                        break
            except av.error.FFmpegError as exc:  # a header fine, the data behind it not: PyAV's bare error
                raise MediaError(f"{path} is not a readable video (truncated or corrupt?): no frame near "
                                 f"{t:.2f}s could be read ({ffmpeg_reason(exc)}). Re-copy or re-encode the file.") from None
            if image is None:
                raise MediaError(f"No frame could be decoded near {t:.2f}s in {path} (truncated or corrupt?): "
                                 "re-copy or re-encode the file.")
            ok, jpeg = cv2.imencode(".jpg", upright_bgr(image), [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                raise MediaError(f"Could not encode the keyframe at {t:.2f}s of {path} as JPEG.")
            target = out_dir / f"scene_{i:04d}.jpg"
            write_bytes_atomic(target, np.asarray(jpeg).tobytes())
            written.append(str(target))
    _remove_keyframes_except(out_dir, written)
    return written


def _remove_keyframes_except(out_dir: Path, keep: list[str]) -> None:
    """Delete keyframes of an earlier run that are not in ``keep`` (the folder matches the table)."""
    names = {Path(p).name for p in keep}
    for stale in Path(out_dir).glob("scene_*.jpg"):
        if stale.name not in names:
            stale.unlink(missing_ok=True)


def empty_scenes() -> pd.DataFrame:
    """The scenes table of a file with no picture: no rows, the usual columns and types."""
    return pd.DataFrame({
        "scene_id": pd.Series(dtype="int64"),
        "start": pd.Series(dtype="float64"),
        "end": pd.Series(dtype="float64"),
        "keyframe_path": pd.Series(dtype="object"),
    })[SCENE_COLUMNS]


def detect_scenes(
    path: Path,
    keyframes_dir: Path,
    duration_s: float | None = None,
    settings: SceneConfig = SceneConfig(),
    has_video: bool = True,
) -> SceneDetection:
    """Scenes of the video at ``path``: scene_id, start, end, keyframe_path (one JPEG each).

    ``duration_s`` (from the probe) sets the end of the last scene; by default the video
    stream's own duration is used. ``has_video=False`` (the probe found no picture track)
    gives the empty table without opening the file, and clears keyframes of an earlier version.
    """
    import time

    if not has_video:
        _remove_keyframes_except(keyframes_dir, [])
        return SceneDetection(empty_scenes(), 0, 0.0, 0.0)
    t0 = time.perf_counter()
    cuts, stream_duration, frames = detect_cuts(Path(path), settings)
    t1 = time.perf_counter()
    table = scene_table(cuts, duration_s or stream_duration)
    middles = [(s + e) / 2 for s, e in zip(table["start"], table["end"])]
    table["keyframe_path"] = extract_keyframes(Path(path), middles, keyframes_dir, settings.keyframe_quality)
    t2 = time.perf_counter()
    return SceneDetection(table[SCENE_COLUMNS], frames, t1 - t0, t2 - t1)

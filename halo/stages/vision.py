"""Vision stages: scene cuts with one keyframe each (`scenes`) and slide text (`on_screen_text`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from halo.stages.result import FileLink, Markdown, StageResult, real_time_factor
from halo.validation import scene_tiling_problems
from halo.vision.ocr import read_on_screen_text
from halo.vision.scenes import detect_scenes

PREVIEW_ROWS = 20
SCENES_CHECK = "scenes_tile_the_video"


def _scenes_preview(df: pd.DataFrame) -> str:
    """The first scenes as a markdown table (keyframe file names, not full paths)."""
    shown = df.head(PREVIEW_ROWS).assign(keyframe=lambda d: d["keyframe_path"].map(lambda p: Path(p).name))
    return shown[["scene_id", "start", "end", "keyframe"]].to_markdown(index=False)


def scenes(video_file: pd.DataFrame, keyframes_dir: Path) -> StageResult:
    """Shot/scene cuts (PySceneDetect ContentDetector) and the middle frame of each as a JPEG
    in ``keyframes_dir``. Audio-only sources have no scenes."""
    source = video_file.iloc[0]
    duration = float(source["duration_s"])
    picture = bool(source.get("has_video", True))  # probes stored before audio-only support had a picture
    result = detect_scenes(Path(source["path"]), keyframes_dir, duration, has_video=picture)
    df = result.scenes
    seconds = result.detect_seconds + result.keyframe_seconds
    return StageResult(df, {
        "cuts": max(len(df) - 1, 0),
        "picture": "yes" if picture else "none (audio-only: no scenes or keyframes)",
        "duration_s": duration,
        "frames_analysed": result.frames_analysed,
        "detection_fps": round(result.analysed_fps, 1),
        "processing_s": round(seconds, 3),
        "real_time_factor": real_time_factor(seconds, duration),
        "keyframes_dir": FileLink(str(keyframes_dir)),
        "preview": Markdown(_scenes_preview(df)),
    }, problems={SCENES_CHECK: scene_tiling_problems(df, duration if picture else 0.0)})


def on_screen_text(video_file: pd.DataFrame, scenes: pd.DataFrame) -> StageResult:
    """Slide text (PP-OCRv4) of each scene's keyframe and of changed frames inside long scenes."""
    source = video_file.iloc[0]
    result = read_on_screen_text(Path(source["path"]), scenes)
    df = result.table
    return StageResult(df, {
        "frames_read": result.frames_read,
        "frames_considered": result.candidates,
        "characters": result.characters,
        "processing_s": round(result.seconds, 3),
        "real_time_factor": real_time_factor(result.seconds, float(source["duration_s"])),
        "preview": Markdown(
            df.head(PREVIEW_ROWS)[["scene_id", "start", "end", "text", "confidence"]].to_markdown(index=False)),
    })

"""Hand-built upstream outputs for the LLM assets (video_file, scenes, chunks) from the sample's
ground truth: one chunk per true topic, keyframes as small JPEGs. Stand-in assets carry the
real asset keys, so the LLM assets load them through the Parquet IO manager as in production."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from dagster import asset

from halo.paths import media_dir
from halo.vision.ocr import OCR_COLUMNS
from bench.samplegen import load_truth
from halo_assets.partitions import videos_partitions

VIDEO_ID = "meeting"
VISUAL_LINE = "As you can see on this slide, the remote has only three buttons."


def sample_frames(video_id: str = VIDEO_ID) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    truth = load_truth()
    duration = float(truth["duration_s"])
    video = pd.DataFrame([{"video_id": video_id, "path": "data/samples/meeting.mp4", "sha256": "0" * 64,
                           "duration_s": duration, "fps": 25.0, "width": 640, "height": 360,
                           "has_audio": True, "size_bytes": 1}])
    bounds = [0.0, *truth["scene_cuts"], duration]
    kdir = media_dir(video_id) / "keyframes"
    kdir.mkdir(parents=True, exist_ok=True)
    scene_rows = []
    for i, (s, e) in enumerate(zip(bounds[:-1], bounds[1:])):
        path = kdir / f"scene_{i:04d}.jpg"
        cv2.imwrite(str(path), np.full((36, 64, 3), 40 * i, np.uint8))
        scene_rows.append({"scene_id": i, "start": s, "end": e, "keyframe_path": str(path)})
    chunk_rows = []
    for t in truth["topics"]:
        turns = [u for u in truth["turns"] if u["topic_id"] == t["topic_id"]]
        text = " ".join(u["text"] for u in turns)
        if t["topic_id"] == 1:
            text = VISUAL_LINE + " " + text  # makes this chunk's picture matter (rule 1)
        chunk_rows.append({"chunk_id": t["topic_id"], "start": t["start"], "end": t["end"],
                           "first_utt": turns[0]["turn_id"], "last_utt": turns[-1]["turn_id"],
                           "n_tokens": len(text.split()), "coherence": 0.5,
                           "boundary_reason": "truth", "text": text})
    return video, pd.DataFrame(scene_rows), pd.DataFrame(chunk_rows)


def stand_in_assets(video_id: str = VIDEO_ID) -> list:
    video, scene_df, chunk_df = sample_frames(video_id)

    @asset(name="video_file", partitions_def=videos_partitions)
    def video_file_stub() -> pd.DataFrame:
        return video

    @asset(name="scenes", partitions_def=videos_partitions, deps=["video_file"])
    def scenes_stub() -> pd.DataFrame:
        return scene_df

    @asset(name="chunks", partitions_def=videos_partitions, deps=["scenes"])
    def chunks_stub() -> pd.DataFrame:
        return chunk_df

    @asset(name="on_screen_text", partitions_def=videos_partitions, deps=["scenes"])
    def on_screen_text_stub() -> pd.DataFrame:
        return pd.DataFrame(columns=OCR_COLUMNS)  # the keyframes are plain grey: no text

    return [video_file_stub, scenes_stub, chunks_stub, on_screen_text_stub]

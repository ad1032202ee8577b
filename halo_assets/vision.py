"""Vision assets: scene cuts with one keyframe each (`scenes`)."""

from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from halo.ids import validate_video_id
from halo.paths import media_dir
from halo.vision.scenes import detect_scenes
from halo.validation import scene_tiling_problems
from halo_assets import checks
from halo_assets.metadata import real_time_factor
from halo_assets.partitions import videos_partitions

PREVIEW_ROWS = 20


def _preview(df: pd.DataFrame) -> str:
    """The first scenes as a markdown table (keyframe file names, not full paths)."""
    shown = df.head(PREVIEW_ROWS).assign(keyframe=lambda d: d["keyframe_path"].map(lambda p: Path(p).name))
    return shown[["scene_id", "start", "end", "keyframe"]].to_markdown(index=False)


@asset(partitions_def=videos_partitions, group_name="media", kinds={"pyscenedetect"},
       check_specs=[checks.spec("scenes_tile_the_video", "scenes", "Scenes cover 0 to the end, no gap or overlap.")])
def scenes(context: AssetExecutionContext, video_file: pd.DataFrame):  # no annotation: check_specs make it multi-output
    """Shot/scene cuts (PySceneDetect ContentDetector) and the middle frame of each as a JPEG."""
    video_id = validate_video_id(context.partition_key)
    source = video_file.iloc[0]
    duration = float(source["duration_s"])
    picture = bool(source.get("has_video", True))  # probes stored before audio-only support had a picture
    result = detect_scenes(Path(source["path"]), media_dir(video_id) / "keyframes", duration, has_video=picture)
    df = result.scenes
    seconds = result.detect_seconds + result.keyframe_seconds
    return MaterializeResult(
        value=df,
        metadata={
            "dagster/row_count": len(df),
            "cuts": max(len(df) - 1, 0),
            "picture": "yes" if picture else "none (audio-only: no scenes or keyframes)",
            "duration_s": duration,
            "frames_analysed": result.frames_analysed,
            "detection_fps": round(result.analysed_fps, 1),
            "processing_s": round(seconds, 3),
            "real_time_factor": real_time_factor(seconds, duration),
            "keyframes_dir": MetadataValue.path(str(media_dir(video_id) / "keyframes")),
            "preview": MetadataValue.md(_preview(df)),
        },
        check_results=[checks.result("scenes_tile_the_video", "scenes", scene_tiling_problems(df, duration if picture else 0.0))],
    )

"""On-screen text asset: what the slides say, per scene and time span (`on_screen_text`)."""

from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from halo.ids import validate_video_id
from halo.vision.ocr import read_on_screen_text
from halo_assets.metadata import real_time_factor
from halo_assets.partitions import videos_partitions

PREVIEW_ROWS = 20


@asset(partitions_def=videos_partitions, group_name="text", kinds={"onnx"})
def on_screen_text(context: AssetExecutionContext, video_file: pd.DataFrame, scenes: pd.DataFrame) -> MaterializeResult:
    """Slide text (PP-OCRv4) of each scene's keyframe and of changed frames inside long scenes."""
    validate_video_id(context.partition_key)
    source = video_file.iloc[0]
    duration = float(source["duration_s"])
    result = read_on_screen_text(Path(source["path"]), scenes)
    df = result.table
    return MaterializeResult(
        value=df,
        metadata={
            "dagster/row_count": len(df),
            "frames_read": result.frames_read,
            "frames_considered": result.candidates,
            "characters": result.characters,
            "processing_s": round(result.seconds, 3),
            "real_time_factor": real_time_factor(result.seconds, duration),
            "preview": MetadataValue.md(
                df.head(PREVIEW_ROWS)[["scene_id", "start", "end", "text", "confidence"]].to_markdown(index=False)
            ),
        },
    )

"""Vision assets: scene cuts with one keyframe each (`scenes`) and slide text (`on_screen_text`)."""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, asset

from halo.ids import validate_video_id
from halo.paths import media_dir
from halo.stages import vision
from halo.store import local_keyframes, publish_media
from halo_assets import checks
from halo_assets.metadata import materialize
from halo_assets.partitions import videos_partitions


@asset(partitions_def=videos_partitions, group_name="media", kinds={"pyscenedetect"},
       check_specs=[checks.spec(vision.SCENES_CHECK, "scenes", "Scenes cover 0 to the end, no gap or overlap.")])
def scenes(context: AssetExecutionContext, video_file: pd.DataFrame):  # no annotation: check_specs make it multi-output
    """Shot/scene cuts (PySceneDetect ContentDetector) and the middle frame of each as a JPEG."""
    video_id = validate_video_id(context.partition_key)
    result = vision.scenes(video_file, media_dir(video_id) / "keyframes")
    publish_media(video_id, "keyframes")
    return materialize("scenes", result)


@asset(partitions_def=videos_partitions, group_name="text", kinds={"onnx"})
def on_screen_text(context: AssetExecutionContext, video_file: pd.DataFrame, scenes: pd.DataFrame) -> MaterializeResult:
    """Slide text (PP-OCRv4) of each scene's keyframe and of changed frames inside long scenes."""
    video_id = validate_video_id(context.partition_key)
    return materialize("on_screen_text", vision.on_screen_text(video_file, local_keyframes(video_id, scenes)))

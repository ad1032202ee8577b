"""Q&A asset: `qa_index`, the searchable windows of a video with their vectors.

Built once when the video is processed, so `halo ask` loads Parquet instead of re-embedding an
hour of speech on every call (halo/qa/retrieval.py says what a unit is and how it scores).
"""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, asset

from halo.ids import validate_video_id
from halo.stages import text
from halo_assets.metadata import materialize
from halo_assets.partitions import videos_partitions


@asset(partitions_def=videos_partitions, group_name="text", kinds={"numpy"})
def qa_index(context: AssetExecutionContext, chunks: pd.DataFrame, utterances: pd.DataFrame) -> MaterializeResult:
    """Timed windows inside each chunk, embedded for retrieval."""
    validate_video_id(context.partition_key)
    return materialize("qa_index", text.qa_index(chunks, utterances))

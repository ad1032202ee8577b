"""Q&A asset: `qa_index`, the searchable windows of a video with their vectors.

Built once when the video is processed, so `halo ask` loads Parquet instead of re-embedding an
hour of speech on every call (halo/qa/retrieval.py says what a unit is and how it scores).
"""

import time

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, asset

from halo.ids import validate_video_id
from halo.qa.retrieval import WINDOW_WORDS, build_units
from halo_assets.partitions import videos_partitions


@asset(partitions_def=videos_partitions, group_name="text", kinds={"numpy"})
def qa_index(context: AssetExecutionContext, chunks: pd.DataFrame, utterances: pd.DataFrame) -> MaterializeResult:
    """Timed windows inside each chunk, embedded for retrieval."""
    validate_video_id(context.partition_key)
    t0 = time.perf_counter()
    ordered = chunks.sort_values("start", kind="stable").reset_index(drop=True)
    windows = build_units(ordered, utterances)
    return MaterializeResult(value=windows, metadata={
        "dagster/row_count": len(windows),
        "window_words": WINDOW_WORDS,
        "mean_window_s": round(float((windows["end"] - windows["start"]).mean()), 1) if len(windows) else 0.0,
        "processing_s": round(time.perf_counter() - t0, 3),
    })

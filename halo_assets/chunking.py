"""Chunking asset: `chunks`, the rule-based multimodal chunker's output, with its timeline."""

import pandas as pd
from dagster import AssetExecutionContext, Config, asset

from halo.chunking.rules import ChunkingConfig
from halo.ids import validate_video_id
from halo.paths import media_dir
from halo.stages import chunking
from halo.store import publish_media
from halo_assets import checks
from halo_assets.metadata import materialize
from halo_assets.partitions import videos_partitions
from halo_resources.models import ModelsResource


class ChunksConfig(Config, ChunkingConfig):
    """Run config of `chunks`: the ChunkingConfig knobs (durations, thresholds, weights)."""


@asset(partitions_def=videos_partitions, group_name="text", kinds={"bertscore"}, check_specs=[
    checks.spec(chunking.ORDER_CHECK, "chunks", "Chunks are in time order and never overlap."),
    checks.spec(chunking.LENGTH_CHECK, "chunks", "Chunks last between the configured min and max (warning)."),
])
def chunks(context: AssetExecutionContext, config: ChunksConfig, utterances: pd.DataFrame,
           embeddings: pd.DataFrame, topics: pd.DataFrame, scenes: pd.DataFrame,
           on_screen_text: pd.DataFrame, models: ModelsResource):  # no annotation: check_specs make it multi-output
    """Chunks cut where speakers, scenes, topics and meaning change, within min/max duration.

    Each chunk's text then gets the slide lines shown in its span, marked ``[on screen]``.
    """
    video_id = validate_video_id(context.partition_key)
    result = chunking.chunks(utterances, embeddings, topics, scenes, on_screen_text,
                             ChunkingConfig(**config.model_dump()), media_dir(video_id) / "chunk_timeline.png",
                             coherence_model=models.coherence_model, coherence_layers=models.coherence_num_layers)
    publish_media(video_id, "chunk_timeline.png")
    return materialize("chunks", result, warn_only={chunking.LENGTH_CHECK})

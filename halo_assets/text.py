"""Text assets: sentence `embeddings` per utterance and BERTopic `topics` per utterance."""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, asset

from halo.ids import validate_video_id
from halo.stages import text
from halo_assets.metadata import materialize
from halo_assets.partitions import videos_partitions
from halo_resources.models import ModelsResource


@asset(partitions_def=videos_partitions, group_name="text", kinds={"sentence_transformers"})
def embeddings(context: AssetExecutionContext, utterances: pd.DataFrame,
               models: ModelsResource) -> MaterializeResult:
    """One L2-normalised sentence embedding per utterance (offline default all-MiniLM-L6-v2)."""
    validate_video_id(context.partition_key)
    return materialize("embeddings", text.embeddings(utterances, models.embedding_model, models.device))


@asset(partitions_def=videos_partitions, group_name="text", kinds={"bertopic"})
def topics(context: AssetExecutionContext, utterances: pd.DataFrame,
           embeddings: pd.DataFrame) -> MaterializeResult:
    """BERTopic fitted on this video's utterances: a topic id and label per utterance."""
    validate_video_id(context.partition_key)
    return materialize("topics", text.topics(utterances, embeddings))

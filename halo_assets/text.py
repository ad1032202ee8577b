"""Text assets: sentence `embeddings` per utterance and BERTopic `topics` per utterance."""

import time

import numpy as np
import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from halo.ids import validate_video_id
from halo.text.embed import embed_texts
from halo.text.topics import fit_topics
from halo_assets.partitions import videos_partitions
from halo_resources.models import ModelsResource

EMBEDDING_COLUMNS = ["utt_id", "vector"]
TOPIC_COLUMNS = ["utt_id", "topic", "topic_label"]


def _texts(utterances: pd.DataFrame) -> list[str]:
    return utterances["text"].fillna("").astype(str).tolist() if len(utterances) else []


def vectors_of(embeddings: pd.DataFrame) -> np.ndarray:
    """The `embeddings` asset's vector column as a float32 (n, dim) array."""
    if not len(embeddings):
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([np.asarray(v, dtype=np.float32) for v in embeddings["vector"]])


@asset(partitions_def=videos_partitions, group_name="text", kinds={"sentence_transformers"})
def embeddings(context: AssetExecutionContext, utterances: pd.DataFrame,
               models: ModelsResource) -> MaterializeResult:
    """One L2-normalised sentence embedding per utterance (offline default all-MiniLM-L6-v2)."""
    validate_video_id(context.partition_key)
    t0 = time.perf_counter()
    vectors = embed_texts(_texts(utterances), models.embedding_model, models.device)
    seconds = time.perf_counter() - t0
    df = pd.DataFrame({"utt_id": utterances["utt_id"].astype("int64").tolist() if len(utterances) else [],
                       "vector": [v.tolist() for v in vectors]}, columns=EMBEDDING_COLUMNS)
    return MaterializeResult(value=df, metadata={
        "dagster/row_count": len(df),
        "model": models.embedding_model or "all-MiniLM-L6-v2 (bundled)",
        "dimension": int(vectors.shape[1]),
        "processing_s": round(seconds, 3),
        "utterances_per_s": round(len(df) / max(seconds, 1e-9), 1),
    })


@asset(partitions_def=videos_partitions, group_name="text", kinds={"bertopic"})
def topics(context: AssetExecutionContext, utterances: pd.DataFrame,
           embeddings: pd.DataFrame) -> MaterializeResult:
    """BERTopic fitted on this video's utterances: a topic id and label per utterance."""
    validate_video_id(context.partition_key)
    t0 = time.perf_counter()
    result = fit_topics(_texts(utterances), vectors_of(embeddings))
    seconds = time.perf_counter() - t0
    df = pd.DataFrame({
        "utt_id": utterances["utt_id"].astype("int64").tolist() if len(utterances) else [],
        "topic": pd.Series(result.topics, dtype="int64"),
        "topic_label": [result.labels.get(t, "") for t in result.topics]}, columns=TOPIC_COLUMNS)
    sizes = df.groupby(["topic", "topic_label"]).size().reset_index(name="utterances")
    return MaterializeResult(value=df, metadata={
        "dagster/row_count": len(df),
        "n_topics": int(df["topic"].nunique()),
        "method": result.method,
        "processing_s": round(seconds, 3),
        "topics": MetadataValue.md(sizes.to_markdown(index=False) if len(sizes) else "(none)"),
    })

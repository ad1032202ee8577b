"""embeddings -> topics -> chunks as Dagster assets on the bundled sample's utterances and scenes."""

from __future__ import annotations

import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from halo.chunking.video import truth_frames
from halo.store import parquet_root
from halo.storage import write_parquet_atomic
from halo.vision.ocr import OCR_COLUMNS

VIDEO = "meeting"


def _seed_upstream(truth) -> None:
    """utterances, scenes and (no) slide text as their assets store them (speech/vision output)."""
    utts, scenes = truth_frames(truth)
    write_parquet_atomic(utts, parquet_root() / "utterances" / f"{VIDEO}.parquet")
    write_parquet_atomic(scenes, parquet_root() / "scenes" / f"{VIDEO}.parquet")
    write_parquet_atomic(pd.DataFrame(columns=OCR_COLUMNS), parquet_root() / "on_screen_text" / f"{VIDEO}.parquet")


def test_text_and_chunking_assets_materialize_with_audit_metadata(data_root):
    from bench.samplegen import load_truth
    from halo_assets import chunking, text
    from halo_assets.definitions import ASSETS
    from halo_resources.environments import get_resources

    try:
        truth = load_truth()
    except FileNotFoundError:
        pytest.skip("bundled sample not generated")
    _seed_upstream(truth)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [VIDEO])
    result = materialize(
        ASSETS, selection=[text.embeddings, text.topics, chunking.chunks], partition_key=VIDEO,
        instance=instance, resources=get_resources("local"))
    assert result.success
    chunks = pd.read_parquet(parquet_root() / "chunks" / f"{VIDEO}.parquet")
    emb = pd.read_parquet(parquet_root() / "embeddings" / f"{VIDEO}.parquet")
    topics = pd.read_parquet(parquet_root() / "topics" / f"{VIDEO}.parquet")
    assert len(emb) == len(topics) == len(truth["turns"]) and len(emb["vector"].iloc[0]) == 384
    assert list(chunks.columns) == ["chunk_id", "start", "end", "first_utt", "last_utt", "n_tokens",
                                    "coherence", "boundary_reason", "text"]
    starts = chunks["start"].tolist()
    near = [any(abs(s - t["start"]) <= 10 for s in starts) for t in truth["topics"]]
    assert sum(near) > len(near) / 2
    meta = result.asset_materializations_for_node("chunks")[0].metadata
    assert meta["dagster/row_count"].value == len(chunks)
    assert meta["total_tokens"].value == int(chunks["n_tokens"].sum()) > 0
    assert 0 <= meta["mean_coherence"].value <= 1
    assert "data:image/png;base64," in meta["timeline"].value and len(meta["timeline"].value) < 1000  # drawn inline
    assert "data:image/png;base64," in meta["timeline_detail"].value
    assert (data_root / "media" / VIDEO / "chunk_timeline.png").read_bytes().startswith(b"\x89PNG")
    assert result.asset_materializations_for_node("topics")[0].metadata["n_topics"].value >= 1
    assert instance.get_latest_materialization_event(AssetKey("chunks")) is not None

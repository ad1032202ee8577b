"""The whole Definitions object: loadable, and shaped like the design's asset graph.

A snapshot of asset keys and their upstream keys catches accidental graph changes (a renamed
asset silently orphans every stored Parquet file and every UI bookmark).
"""

from __future__ import annotations

from dagster import AssetKey, Definitions

from halo_assets.definitions import defs

EXPECTED_UPSTREAM = {
    "video_file": set(),
    "audio": {"video_file"},
    "scenes": {"video_file"},
    "transcript": {"audio"},
    "diarization": {"audio"},
    "utterances": {"transcript", "diarization", "scenes"},
    "embeddings": {"utterances"},
    "topics": {"utterances", "embeddings"},
    "chunks": {"utterances", "embeddings", "topics", "scenes", "on_screen_text"},
    "qa_index": {"chunks", "utterances"},
}
PARTITIONED = set(EXPECTED_UPSTREAM) | {"chunk_summaries", "video_summary", "cost_ledger"}


def test_definitions_load() -> None:
    Definitions.validate_loadable(defs)


def test_asset_graph_matches_design() -> None:
    graph = defs.resolve_asset_graph()
    for name, upstream in EXPECTED_UPSTREAM.items():
        node = graph.get(AssetKey(name))
        assert {key.to_user_string() for key in node.parent_keys} == upstream, name


def test_every_video_asset_is_partitioned_by_videos() -> None:
    graph = defs.resolve_asset_graph()
    for name in PARTITIONED:
        node = graph.get(AssetKey(name))
        assert node.partitions_def is not None and node.partitions_def.name == "videos", name

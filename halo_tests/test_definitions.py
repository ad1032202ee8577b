"""The whole Definitions object: loadable, and shaped like the design's asset graph.

A snapshot of every asset (its upstream keys and UI group), asset check, job, sensor and
schedule catches accidental changes: a renamed asset silently orphans every stored Parquet file
and every UI bookmark, and a renamed sensor or schedule loses its cursor and tick history.
"""

from __future__ import annotations

import shutil

import yaml
from dagster import AssetKey, Definitions
from dagster_dg_core.context import DgContext

from halo.paths import PROJECT_ROOT

from halo_assets.definitions import defs

# asset -> (upstream assets, UI group)
EXPECTED_ASSETS = {
    "video_file": (set(), "media"),
    "audio": ({"video_file"}, "media"),
    "scenes": ({"video_file"}, "media"),
    "transcript": ({"audio"}, "speech"),
    "diarization": ({"audio"}, "speech"),
    "utterances": ({"transcript", "diarization", "scenes"}, "speech"),
    "on_screen_text": ({"scenes", "video_file"}, "text"),
    "embeddings": ({"utterances"}, "text"),
    "topics": ({"utterances", "embeddings"}, "text"),
    "chunks": ({"utterances", "embeddings", "topics", "scenes", "on_screen_text"}, "text"),
    "qa_index": ({"chunks", "utterances"}, "text"),
    "chunking_policy": (set(), "text"),
    "chunk_summaries": ({"chunks", "scenes", "video_file"}, "llm"),
    "video_summary": ({"chunk_summaries", "on_screen_text"}, "llm"),
    "cost_ledger": ({"chunk_summaries", "video_file", "video_summary"}, "costs"),
    "library_costs": ({"cost_ledger"}, "costs"),
}
UNPARTITIONED = {"chunking_policy", "library_costs"}
PARTITIONED = set(EXPECTED_ASSETS) - UNPARTITIONED
EXPECTED_CHECKS = {"audio:audio_covers_video", "chunks:chunks_in_time_order",
                   "chunks:chunks_within_duration_limits", "scenes:scenes_tile_the_video"}
EXPECTED_JOBS = {"process_video", "train_chunking_policy"}
EXPECTED_SENSORS = {"library_costs_automation", "videos_folder_sensor"}
EXPECTED_SCHEDULES = {"backfill_stale_videos"}


def test_definitions_load() -> None:
    Definitions.validate_loadable(defs)


def test_asset_graph_matches_design() -> None:
    graph = defs.resolve_asset_graph()
    assert {key.to_user_string() for key in graph.get_all_asset_keys()} == set(EXPECTED_ASSETS)
    for name, (upstream, group) in EXPECTED_ASSETS.items():
        node = graph.get(AssetKey(name))
        assert {key.to_user_string() for key in node.parent_keys} == upstream, name
        assert node.group_name == group, name
        assert node.description, f"{name} has no description for the UI"


def test_checks_jobs_sensors_and_schedules_match_design() -> None:
    graph = defs.resolve_asset_graph()
    assert {f"{c.asset_key.to_user_string()}:{c.name}" for c in graph.asset_check_keys} == EXPECTED_CHECKS
    assert {j.name for j in defs.resolve_all_job_defs()} - {"__ASSET_JOB"} == EXPECTED_JOBS
    assert {s.name for s in defs.sensors or []} == EXPECTED_SENSORS
    assert {s.name for s in defs.schedules or []} == EXPECTED_SCHEDULES


def test_every_video_asset_is_partitioned_by_videos() -> None:
    graph = defs.resolve_asset_graph()
    for name in PARTITIONED:
        node = graph.get(AssetKey(name))
        assert node.partitions_def is not None and node.partitions_def.name == "videos", name
    for name in UNPARTITIONED:
        assert graph.get(AssetKey(name)).partitions_def is None, name


def test_dg_dev_and_workspace_yaml_name_the_same_code_location(tmp_path) -> None:
    """Found with `make ui`: dg dev named the location after the checkout's folder ('main', 'ui6'),
    workspace.yaml (`make daemon`, dagster-webserver -w) names it 'halo'. Sensor and schedule
    on/off state is keyed by that name, so a sensor switched off under one came back on under the other."""
    checkout = tmp_path / "some-checkout"
    checkout.mkdir()
    shutil.copy(PROJECT_ROOT / "pyproject.toml", checkout)
    workspace = yaml.safe_load((PROJECT_ROOT / "workspace.yaml").read_text())
    names = {entry["python_module"]["location_name"] for entry in workspace["load_from"]}
    assert names == {DgContext.for_project_environment(checkout, {}).code_location_name}

"""The team set-up: a Dagster instance on PostgreSQL (dagster-postgres, postgresql+psycopg2).

Materializes a video's ingest assets into a Postgres-backed instance and reads back the
partition and its materialization, the same way the webserver and daemon would.
Skipped when no PostgreSQL answers at 127.0.0.1:5432.
"""

from __future__ import annotations

import socket
import uuid

import pytest
import yaml
from dagster import AssetKey, AssetRecordsFilter, materialize
from dagster._core.test_utils import instance_for_test

from halo import registry
from halo.paths import PROJECT_ROOT
from halo_assets import ingest
from halo_assets.partitions import videos_partitions
from halo_resources.environments import get_resources
from halo_tests.synth import make_video

PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def _postgres_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not _postgres_up(), reason="no PostgreSQL at 127.0.0.1:5432"),
]


def test_committed_postgres_config_selects_psycopg2():
    config = yaml.safe_load((PROJECT_ROOT / "dagster.postgres.yaml").read_text())
    assert config["storage"]["postgres"]["postgres_db"]["params"]["scheme"] == "postgresql+psycopg2"


def test_materialize_into_postgres_instance(data_root, tmp_path):
    video = make_video(tmp_path / "standup.mp4", cuts=(1.5,), duration_s=3.0)
    entry, _ = registry.register(video, f"pg-{uuid.uuid4().hex[:8]}")
    overrides = {"storage": {"postgres": {"postgres_url": PG_URL}}}
    with instance_for_test(overrides=overrides) as instance:
        instance.add_dynamic_partitions(videos_partitions.name, [entry.video_id])
        result = materialize(
            [ingest.video_file], partition_key=entry.video_id, instance=instance,
            resources={"io_manager": get_resources()["io_manager"]},
        )
        assert result.success
        assert entry.video_id in instance.get_dynamic_partitions(videos_partitions.name)
        records = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("video_file"), asset_partitions=[entry.video_id]), limit=1
        ).records
        assert records[0].asset_materialization.metadata["duration_s"].value == pytest.approx(3.0, abs=0.1)
        instance.delete_dynamic_partition(videos_partitions.name, entry.video_id)

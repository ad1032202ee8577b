"""What a user reads in the UI comes from the webserver's GraphQL: test it against a real webserver.

A video is registered and its ingest assets materialized into a private instance; then a real
`dagster-webserver` on workspace.yaml must list the asset graph, the video's partition and the
materialization metadata a user audits (duration, rows, real-time factor).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from halo import registry
from halo.paths import PROJECT_ROOT
from halo_assets import ingest, vision
from halo_assets.partitions import videos_partitions
from halo_resources.environments import get_resources
from halo_tests.synth import make_video

QUERY = """
query Audit($partition: String!) {
  assetNodes { assetKey { path } }
  assetNodeOrError(assetKey: {path: ["scenes"]}) {
    ... on AssetNode { partitionKeys dependencyKeys { path } }
  }
  assetOrError(assetKey: {path: ["video_file"]}) {
    ... on Asset {
      assetMaterializations(partitions: [$partition], limit: 1) {
        partition
        metadataEntries { label ... on FloatMetadataEntry { floatValue } ... on IntMetadataEntry { intValue } }
      }
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    assert "errors" not in payload, payload.get("errors")
    return payload["data"]


@pytest.fixture
def dagster_home(tmp_path, data_root, monkeypatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_webserver_graphql_shows_lineage_partitions_and_metadata(dagster_home, data_root, tmp_path):
    video = make_video(tmp_path / "Team Sync.mp4", cuts=(2.0,), duration_s=4.0)
    entry, _ = registry.register(video)
    instance = DagsterInstance.get()
    instance.add_dynamic_partitions(videos_partitions.name, [entry.video_id])
    resources = {"io_manager": get_resources()["io_manager"]}
    result = materialize(
        [ingest.video_file, ingest.audio, vision.scenes],
        partition_key=entry.video_id, instance=instance, resources=resources,
    )
    assert result.success

    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    server = subprocess.Popen(
        [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "webserver did not start in 180 s"
                time.sleep(1)
        data = _graphql(port, QUERY, {"partition": entry.video_id})
    finally:
        server.terminate()
        server.wait(timeout=30)

    keys = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
    assert {"video_file", "audio", "scenes"} <= keys
    scenes_node = data["assetNodeOrError"]
    assert entry.video_id in scenes_node["partitionKeys"]
    assert [d["path"] for d in scenes_node["dependencyKeys"]] == [["video_file"]]
    (materialization,) = data["assetOrError"]["assetMaterializations"]
    assert materialization["partition"] == entry.video_id
    metadata = {e["label"]: e.get("floatValue", e.get("intValue")) for e in materialization["metadataEntries"]}
    assert metadata["duration_s"] == pytest.approx(4.0, abs=0.1)

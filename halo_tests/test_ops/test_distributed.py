"""Beyond one machine, on this machine: Parquet outputs on s3:// (moto's S3 server on loopback)
and steps executed by a Celery worker through the RabbitMQ broker at 127.0.0.1:5672.

Covered on s3://: the Parquet IO manager (every asset output, read back by downstream steps
and checked against the synthetic video's truth). Not covered here: the ledger, registry, Q&A
sessions and media files (audio.wav, keyframes) still go to the local data root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest
from dagster import DagsterInstance, Definitions, define_asset_job, execute_job, materialize, reconstructable
from upath import UPath

from halo import registry
from halo.paths import PROJECT_ROOT
from halo_assets.ingest import audio, video_file
from halo_assets.vision import scenes
from halo_resources.io_manager import ParquetIOManager
from halo_tests.synth import make_video
from halo_tests.test_ops.homes import free_port, private_home

pytestmark = pytest.mark.distributed

BUCKET = "halo-outputs"
CUTS = (1.5,)
BROKER = ("127.0.0.1", 5672)


@pytest.fixture
def s3_root(monkeypatch):
    """A moto S3 server on a loopback port, a bucket, and the AWS env pointing at it."""
    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    s3fs.S3FileSystem.clear_instance_cache()  # a cached filesystem would keep a previous server's endpoint

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"]).create_bucket(Bucket=BUCKET)
    yield f"s3://{BUCKET}/parquet"
    server.stop()
    s3fs.S3FileSystem.clear_instance_cache()


def _broker_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(BROKER) == 0


@pytest.fixture(scope="module")
def rabbitmq():
    """RabbitMQ at 127.0.0.1:5672 (guest/guest): the running one, or one started here."""
    started = None
    if not _broker_up():
        if not shutil.which("rabbitmq-server"):
            pytest.fail("RabbitMQ is not running on 127.0.0.1:5672 and rabbitmq-server is not installed "
                        "(make system-deps installs it)")
        started = subprocess.Popen(["rabbitmq-server"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while not _broker_up() and time.monotonic() < deadline:
            time.sleep(1)
    yield "pyamqp://guest:guest@127.0.0.1:5672//"
    if started is not None:
        subprocess.run(["rabbitmqctl", "stop"], check=False, capture_output=True)


def ingest_defs(base_path: str) -> Definitions:
    from dagster_celery import celery_executor

    job = define_asset_job("ingest_on_celery", selection=["video_file", "audio", "scenes"],
                           executor_def=celery_executor)
    return Definitions(assets=[video_file, audio, scenes], jobs=[job],
                       resources={"io_manager": ParquetIOManager(base_path=base_path)})


def celery_ingest_job():
    """Rebuilt by the Celery worker from this module (the job's reconstructable origin)."""
    return ingest_defs(os.environ["HALO_TEST_S3_ROOT"]).resolve_job_def("ingest_on_celery")


def _check_scenes(frame: pd.DataFrame) -> None:
    assert len(frame) == len(CUTS) + 1
    assert all(abs(found - truth) <= 0.5 for found, truth in zip(frame["start"].iloc[1:], CUTS))


def test_parquet_outputs_on_s3(data_root, s3_root) -> None:
    entry, _ = registry.register(make_video(data_root / "videos" / "s3-video.mp4", cuts=CUTS, duration_s=3.0))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    result = materialize([video_file, audio, scenes], partition_key=entry.video_id, instance=instance,
                         resources={"io_manager": ParquetIOManager(base_path=s3_root)})
    assert result.success
    stored = UPath(s3_root) / "scenes" / f"{entry.video_id}.parquet"
    assert stored.protocol == "s3" and stored.exists()
    with stored.open("rb") as handle:
        _check_scenes(pd.read_parquet(handle))
    assert not (data_root / "parquet").exists()  # nothing fell back to the local disk
    names = {p.name for p in (UPath(s3_root) / "video_file").iterdir()}
    assert names == {f"{entry.video_id}.parquet"}  # no temp files left behind


def test_celery_worker_runs_the_steps(data_root, s3_root, rabbitmq, tmp_path, monkeypatch) -> None:
    home = private_home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("HALO_TEST_S3_ROOT", s3_root)
    monkeypatch.setenv("DAGSTER_CELERY_BROKER_HOST", BROKER[0])
    entry, _ = registry.register(make_video(data_root / "videos" / "celery-video.mp4", cuts=CUTS, duration_s=3.0))
    instance = DagsterInstance.get()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dagster_celery.app", "worker", "-Q", "dagster",
         "--pool", "solo", "--concurrency", "1", "--loglevel", "INFO", "-n", f"halo-test-{os.getpid()}@%h"],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        result = execute_job(
            reconstructable(celery_ingest_job), instance, tags={"dagster/partition": entry.video_id},
            run_config={"execution": {"config": {"broker": rabbitmq, "backend": "rpc://"}}},
        )
        assert result.success
    finally:
        worker.terminate()
        worker.wait(60)
    with (UPath(s3_root) / "scenes" / f"{entry.video_id}.parquet").open("rb") as handle:
        _check_scenes(pd.read_parquet(handle))
    ran_in = {e.step_key: e.pid for e in result.all_events if e.is_step_success}
    assert ran_in == {step: worker.pid for step in ("video_file", "audio", "scenes")}  # the worker ran them

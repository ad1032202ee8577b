"""Beyond one machine, on this machine: every stored output on s3:// (moto's S3 server on
loopback) and steps executed by a Celery worker through the RabbitMQ broker at 127.0.0.1:5672.

Covered on s3:// (HALO_STORAGE_ROOT=s3://bucket/halo, halo.store): the Parquet outputs (read back
by downstream steps and checked against the synthetic video's truth), the video registry, the
cost ledger, Q&A sessions and media (audio.wav, keyframes, fetched back onto a machine without
them). Each lands in the bucket and reads back through the same functions the CLI uses.
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

from halo import media, registry
from halo.llm.ledger import CallRecord, append_records, read_ledger
from halo.paths import PROJECT_ROOT, media_dir
from halo.qa.sessions import Turn, list_sessions, load_session, save_session
from halo.store import fetch_media, load_output, storage_root
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
    """A moto S3 server on a loopback port, a bucket, the AWS env pointing at it, and
    HALO_STORAGE_ROOT on that bucket."""
    import boto3
    import s3fs
    from moto.server import ThreadedMotoServer

    s3fs.S3FileSystem.clear_instance_cache()  # a cached filesystem would keep a previous server's endpoint

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
           "HALO_STORAGE_ROOT": f"s3://{BUCKET}/halo"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"]).create_bucket(Bucket=BUCKET)
    yield env["HALO_STORAGE_ROOT"]
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


def ingest_defs() -> Definitions:
    from dagster_celery import celery_executor

    job = define_asset_job("ingest_on_celery", selection=["video_file", "audio", "scenes"],
                           executor_def=celery_executor)
    return Definitions(assets=[video_file, audio, scenes], jobs=[job], resources={"io_manager": ParquetIOManager()})


def celery_ingest_job():
    """Rebuilt by the Celery worker from this module (the job's reconstructable origin); the
    worker inherits HALO_STORAGE_ROOT, so it stores on the same bucket."""
    return ingest_defs().resolve_job_def("ingest_on_celery")


def _check_scenes(frame: pd.DataFrame) -> None:
    assert len(frame) == len(CUTS) + 1
    assert all(abs(found - truth) <= 0.5 for found, truth in zip(frame["start"].iloc[1:], CUTS))


def test_every_stored_output_on_s3(data_root, s3_root) -> None:
    bucket = UPath(s3_root)
    assert storage_root().protocol == "s3"
    entry, _ = registry.register(make_video(data_root / "videos" / "s3-video.mp4", cuts=CUTS, duration_s=3.0))
    vid = entry.video_id
    # the registry: in the bucket, and read back from there
    assert (bucket / "registry.json").exists() and not (data_root / "registry.json").exists()
    assert registry.lookup(vid).path == entry.path

    # Parquet and media through the assets, with the project's default IO manager
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [vid])
    result = materialize([video_file, audio, scenes], partition_key=vid, instance=instance,
                         resources={"io_manager": ParquetIOManager()})
    assert result.success
    stored = bucket / "parquet" / "scenes" / f"{vid}.parquet"
    assert stored.exists()
    _check_scenes(load_output("scenes", vid))  # the reader the report, Q&A and export use
    assert not (data_root / "parquet").exists()  # nothing fell back to the local disk
    assert {p.name for p in (bucket / "parquet" / "video_file").iterdir()} == {f"{vid}.parquet"}  # no temp files
    wav, keyframes = bucket / "media" / vid / "audio.wav", bucket / "media" / vid / "keyframes"
    assert wav.exists() and len({p.name for p in keyframes.iterdir()}) == len(CUTS) + 1
    shutil.rmtree(media_dir(vid))  # a worker on another machine: no working copy of the media
    fetch_media(vid, "audio.wav", "keyframes")
    samples = media.read_wav(media_dir(vid) / "audio.wav")
    assert abs(len(samples) / media.SAMPLE_RATE - 3.0) < 0.05
    assert sorted(p.name for p in (media_dir(vid) / "keyframes").iterdir()) == ["scene_0000.jpg", "scene_0001.jpg"]

    # the cost ledger: appended as objects in the bucket, read back whole
    calls = [CallRecord(vid, "chunk_summaries", "chunk_summary", "local", "local-extractive", run_id="r1",
                        input_tokens=100 + i, naive_tokens=1000) for i in range(3)]
    append_records(calls[:2])
    append_records(calls[2:])
    assert len(list((bucket / "ledger" / vid).glob("*.jsonl"))) == 2  # one object per flush
    ledger = read_ledger(vid)
    assert sorted(ledger["input_tokens"]) == [100, 101, 102] and set(ledger["call_id"]) == {c.call_id for c in calls}
    # reading compacted the flushes into one Parquet object in the bucket; read again, nothing lost or doubled
    assert [p.suffix for p in (bucket / "ledger" / vid).iterdir()] == [".parquet"]
    assert sorted(read_ledger(vid)["input_tokens"]) == [100, 101, 102]
    assert not (data_root / "ledger").exists()

    # a Q&A session: saved in the bucket, continued and listed from there
    session = load_session(vid, "s3-session")
    session.turns.append(Turn("What changes?", "What changes?", "The colour [00:01].", [], [], "local",
                              "local-extractive", ""))
    save_session(session)
    assert (bucket / "qa" / vid / "s3-session.json").exists() and not (data_root / "qa").exists()
    assert load_session(vid, "s3-session").turns[0].answer == "The colour [00:01]."
    assert [s.session_id for s in list_sessions(vid)] == ["s3-session"]


def test_celery_worker_runs_the_steps(data_root, s3_root, rabbitmq, tmp_path, monkeypatch) -> None:
    home = private_home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
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
    assert (UPath(s3_root) / "parquet" / "scenes" / f"{entry.video_id}.parquet").exists()
    _check_scenes(load_output("scenes", entry.video_id))
    ran_in = {e.step_key: e.pid for e in result.all_events if e.is_step_success}
    assert ran_in == {step: worker.pid for step in ("video_file", "audio", "scenes")}  # the worker ran them

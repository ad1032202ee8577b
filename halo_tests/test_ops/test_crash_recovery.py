"""A run whose process is killed: run monitoring marks it FAILED, the stale-videos schedule
requests the video again, and re-execution from failure skips the steps that had finished.

The run is the real `process_video` job in its own process on a private instance (the project's
run launcher and run_monitoring settings); the test SIGKILLs that process mid-run and then runs
the daemon's run-monitoring check on it.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, ReexecutionOptions, execute_job, reconstructable
from dagster._daemon.monitoring.run_monitoring import monitor_started_run

from halo import registry
from halo.paths import PROJECT_ROOT
from halo_assets.jobs import outdated_run_requests, video_asset_graph
from halo_assets.launcher import run_worker_pid
from halo_assets.registration import PROCESS_VIDEO_JOB
from halo_tests.synth import make_video
from halo_tests.test_ops.homes import private_home, wait_for


def process_video_job():
    from halo_assets.definitions import defs

    return defs.resolve_job_def(PROCESS_VIDEO_JOB)


def test_killed_run_is_failed_rerequested_and_resumed(data_root, tmp_path, monkeypatch) -> None:
    home = private_home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    entry, _ = registry.register(make_video(data_root / "videos" / "crash.mp4", cuts=(1.5,), duration_s=3.0))
    instance = DagsterInstance.get()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    assert instance.run_monitoring_enabled and instance.run_launcher.supports_check_run_worker_health

    child = subprocess.Popen(
        [sys.executable, "-c", "from halo_assets.registration import run_video; run_video('crash')"],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, cwd=PROJECT_ROOT,
    )
    try:
        run = wait_for(lambda: next(iter(instance.get_runs(limit=1)), None), 120, "the run to start")
        finished = lambda: {  # noqa: E731
            r.step_key for r in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_SUCCESS)}
        wait_for(lambda: {"video_file", "audio"} <= finished(), 180, "ingest steps to finish")
        assert run_worker_pid(instance, run.run_id) == child.pid
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    done_before_kill = finished()
    graph = video_asset_graph(process_video_job().asset_layer.asset_graph.assets_defs)
    assert instance.get_run_by_id(run.run_id).status == DagsterRunStatus.STARTED
    assert outdated_run_requests(instance, graph) == []  # a STARTED run blocks the video

    record = instance.get_run_record_by_id(run.run_id)
    monitor_started_run(instance, None, record, logging.getLogger("run_monitoring"))
    failed = instance.get_run_by_id(run.run_id)
    assert failed.status == DagsterRunStatus.FAILURE
    failure = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)[-1]
    assert f"pid {child.pid}" in failure.message and "is gone" in failure.message

    requests = outdated_run_requests(instance, graph)
    assert [r.partition_key for r in requests] == ["crash"]

    # As the UI's "Re-execute from failure" does: the parent's tags (its partition) carry over.
    resumed = execute_job(reconstructable(process_video_job), instance, tags=failed.tags,
                          reexecution_options=ReexecutionOptions.from_failure(run.run_id, instance))
    assert resumed.success
    rerun_steps = {e.step_key for e in resumed.all_events if e.event_type == DagsterEventType.STEP_START}
    assert rerun_steps and not rerun_steps & done_before_kill
    assert "cost_ledger" in rerun_steps
    assert outdated_run_requests(instance, graph) == []  # nothing left to do for the video

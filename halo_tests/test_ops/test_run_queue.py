"""The run queue holds a second run of a video while one is in progress (dagster.yaml).

Found by hand: a file copied into data/videos/ and launched from the UI ("Add a partition") got a
second, simultaneous run from the folder sensor; both redid every stage and, with a Gemini key,
both would have paid for the same summaries. The daemon's queue must hold the second run back
and still launch other videos' runs.
"""

from __future__ import annotations

import logging

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus
from dagster._core.remote_origin import InProcessCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from halo_assets.registration import PROCESS_VIDEO_JOB
from halo_tests.test_ops.homes import private_home


ORIGIN = RemoteJobOrigin(
    RemoteRepositoryOrigin(
        InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="halo_assets.definitions"), location_name="halo"),
        "__repository__",
    ),
    PROCESS_VIDEO_JOB,
)


def _add_run(instance: DagsterInstance, video_id: str, status: DagsterRunStatus) -> DagsterRun:
    return instance.add_run(DagsterRun(job_name=PROCESS_VIDEO_JOB, status=status, remote_job_origin=ORIGIN,
                                       tags={"dagster/partition": video_id}))


def test_second_run_of_a_video_waits_while_other_videos_launch(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(private_home(tmp_path)))
    instance = DagsterInstance.get()
    _add_run(instance, "a", DagsterRunStatus.STARTED)
    _add_run(instance, "a", DagsterRunStatus.QUEUED)  # e.g. the folder sensor's, queued first
    other = _add_run(instance, "b", DagsterRunStatus.QUEUED)

    daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)
    daemon._logger = logging.getLogger("run_queue")
    to_launch = daemon._get_runs_to_dequeue(instance, instance.get_concurrency_config(), None)

    assert [run.run_id for run in to_launch] == [other.run_id]

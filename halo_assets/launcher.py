"""A run launcher whose runs run monitoring can check: is the run's process still alive?

Dagster's DefaultRunLauncher starts each run in a local process but cannot tell run monitoring
whether that process still exists, so a run whose process was killed (OOM, reboot, kill -9)
stayed STARTED forever -- and the stale-videos schedule never requested that video again.
This launcher reads the pid the run worker logged when it started ("Started process for run
(pid: N)", or "Executing steps in process" for in-process runs) and checks it on this host.
With `run_monitoring` enabled in dagster.yaml the daemon then marks a dead run FAILED.
Single-host only: on a cluster use a launcher with its own health check (dagster-k8s).
"""

from __future__ import annotations

from dagster import DagsterEventType, DagsterRun
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

from halo.processes import process_alive


def run_worker_pid(instance, run_id: str) -> int | None:
    """The pid of the process that ran ``run_id`` (its first engine event carrying one)."""
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
        data = record.dagster_event.engine_event_data if record.dagster_event else None
        pid = data.metadata.get("pid") if data and data.metadata else None
        if pid is not None:
            return int(pid.value)
    return None


class LocalRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher plus a worker health check by pid (processes on this machine)."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        pid = run_worker_pid(self._instance, run.run_id)
        if pid is None:  # not started far enough to log its pid: run monitoring's start timeout covers it
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no run worker pid logged yet")
        if process_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker pid {pid} alive")
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"the run's process (pid {pid}) is gone (killed or crashed); re-execute from failure "
            "to skip the steps that finished",
        )

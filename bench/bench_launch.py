"""Launch overhead: the bundled sample processed in-process vs launched by the folder sensor.

    python -m bench.bench_launch

In-process = `halo add --run` (execute_in_process). Sensor-launched = the sample copied into a
fresh data/videos/ with `dagster-daemon run` watching it: the sensor registers it and the
daemon launches `process_video` through the project's run launcher, as in production. Both use
private data roots and instances under a temp dir, so caches start cold in both. Target
(issue 11): sensor-launched run within 1.1x of the in-process wall time. Wall times on a shared
machine include others' work: CPU seconds and the load average are printed beside them.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from halo.paths import PROJECT_ROOT, samples_dir

TARGET_RATIO = 1.1
VIDEO_ID = "meeting"


def private_env(root: Path) -> dict[str, str]:
    """HALO_DATA_DIR and a DAGSTER_HOME (the project's dagster.yaml, storage under ``root``)."""
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    for section in ("storage", "local_artifact_storage", "compute_logs"):
        node = config[section].get("sqlite") or config[section]["config"]
        node["base_dir"] = str(root / "dagster" / section)
    home = root / "home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return {**os.environ, "DAGSTER_HOME": str(home), "HALO_DATA_DIR": str(root / "data"),
            "PYTHONPATH": str(PROJECT_ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false"}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def in_process(root: Path) -> tuple[float, float]:
    """Wall and CPU seconds of `halo add --run` on the sample in a fresh process."""
    env = private_env(root)
    code = ("from halo_assets.registration import add_video, run_video; import sys; "
            f"add_video(sys.argv[1], {VIDEO_ID!r}); sys.exit(0 if run_video({VIDEO_ID!r}).success else 1)")
    cpu0, t0 = children_cpu(), time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(samples_dir() / "meeting.mp4")], env=env, check=True,
                   cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, children_cpu() - cpu0


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, own + reaped children) of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def sensor_launched(root: Path, timeout_s: float = 1200) -> tuple[float, float, float]:
    """(file dropped -> run success, run start -> end, run worker CPU s) with the daemon launching it."""
    env = private_env(root)
    videos = root / "data" / "videos"
    videos.mkdir(parents=True)
    target = videos / f"{VIDEO_ID}.mp4"
    shutil.copy(samples_dir() / "meeting.mp4", target)
    old = time.time() - 60  # past the sensor's settle time, so the first tick picks it up
    os.utime(target, (old, old))
    t0 = time.perf_counter()
    daemon = subprocess.Popen([str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w",
                               str(PROJECT_ROOT / "workspace.yaml")], env=env, cwd=PROJECT_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    from halo_assets.launcher import run_worker_pid

    instance = DagsterInstance.get()
    worker_cpu = 0.0
    try:
        while time.perf_counter() - t0 < timeout_s:
            records = instance.get_run_records(RunsFilter(job_name="process_video"), limit=1)
            pid = run_worker_pid(instance, records[0].dagster_run.run_id) if records else None
            try:
                worker_cpu = process_cpu(pid) if pid else worker_cpu  # last sample before it exits
            except (OSError, IndexError):
                pass
            if records and records[0].dagster_run.status in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE):
                record = records[0]
                if record.dagster_run.status != DagsterRunStatus.SUCCESS:
                    raise SystemExit(f"sensor-launched run {record.dagster_run.run_id} failed")
                return time.perf_counter() - t0, record.end_time - record.start_time, worker_cpu
            time.sleep(1)
        raise SystemExit("sensor-launched run did not finish in time")
    finally:
        os.killpg(daemon.pid, 15)
        daemon.wait(60)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="halo-bench-launch-") as tmp:
        load0 = os.getloadavg()[0]
        wall_in, cpu_in = in_process(Path(tmp) / "in_process")
        drop_to_done, run_wall, cpu_launched = sensor_launched(Path(tmp) / "sensor")
        load1 = os.getloadavg()[0]
    print(f"bundled sample, process_video (load avg {load0:.1f} -> {load1:.1f}, 2 cores shared)")
    print(f"  in-process (halo add --run):  {wall_in:6.1f} s wall  {cpu_in:6.1f} CPU s (process start to exit)")
    print(f"  sensor-launched run:          {run_wall:6.1f} s wall (run start to end); "
          f"{drop_to_done:.1f} s from file drop to success incl. daemon start + sensor tick; "
          f"{cpu_launched:.1f} CPU s (run worker process, sampled each second)")
    ratio = run_wall / wall_in
    print(f"  ratio sensor-launched / in-process: wall {ratio:.2f}, CPU {cpu_launched / cpu_in:.2f} "
          f"(target <= {TARGET_RATIO}) {'OK' if ratio <= TARGET_RATIO else 'OVER'}")


if __name__ == "__main__":
    main()

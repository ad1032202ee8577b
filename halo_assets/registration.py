"""Getting a video into the Dagster instance by hand (`halo add`): register, add the partition,
optionally process it in-process. The sensor does the same for files in data/videos/."""

from __future__ import annotations

import logging
import shlex
from pathlib import Path

import yaml
from dagster import DagsterInstance, ExecuteInProcessResult
from dagster._core.instance.ref import InstanceRef

from halo import media, registry
from halo.cache import TieredCache
from halo.errors import HaloError
from halo.paths import PROJECT_ROOT, ensure_dagster_home
from halo.run_tags import SOURCE_TAG
from halo_assets.partitions import videos_partitions
from halo_resources.environments import environment_cache

PROCESS_VIDEO_JOB = "process_video"

log = logging.getLogger(__name__)


def _anchored(config, root: Path):
    """``config`` with every relative ``base_dir`` made absolute under ``root``."""
    if isinstance(config, dict):
        return {
            key: str(root / value) if key == "base_dir" and isinstance(value, str) and not Path(value).is_absolute()
            else _anchored(value, root)
            for key, value in config.items()
        }
    return config


def default_instance() -> DagsterInstance:
    """The project's Dagster instance (DAGSTER_HOME defaults to the project root).

    dagster.yaml keeps storage paths relative to the project root (so `dg dev` works from there
    with no DAGSTER_HOME). Dagster resolves a relative ``base_dir`` against the directory it is
    started in (it takes the path as given), which for the webserver and daemon is the project
    root (`make`, `dg dev`: workspace.yaml and pyproject.toml are there). The CLI may run from any
    directory, so it anchors every relative ``base_dir`` of DAGSTER_HOME's dagster.yaml to the
    root, the project's own file or a copy in another DAGSTER_HOME alike: a copy's
    `data/dagster` became a new, empty instance in whatever folder `halo` ran from. (Absolute
    paths, and a Postgres dagster.yaml, pass through as they are.) A DAGSTER_HOME without
    dagster.yaml is used as Dagster would, with a warning naming the fix.
    """
    home = ensure_dagster_home()
    if not (Path(home).is_absolute() and Path(home).is_dir()):  # Dagster's own error is a traceback
        absolute = shlex.quote(str(Path(home).expanduser().absolute()))  # "~/x" quoted is no home folder
        raise HaloError(f"DAGSTER_HOME={home} is not an existing folder (Dagster needs the absolute path of one): "
                        f"`mkdir -p {absolute}` and set DAGSTER_HOME={absolute}, or unset DAGSTER_HOME to use "
                        "the project's instance.")
    if not (Path(home) / "dagster.yaml").is_file():
        log.warning(instance_config())  # Dagster's own note does not say HALO's settings are missing
        return DagsterInstance.get()
    config = yaml.safe_load((Path(home) / "dagster.yaml").read_text()) or {}
    return DagsterInstance.from_ref(InstanceRef.from_dir(home, overrides=_anchored(config, PROJECT_ROOT)))


def instance_config() -> str:
    """Which settings the instance DAGSTER_HOME names runs with: its dagster.yaml, or Dagster's
    defaults when it has none, said with the fix. Dagster takes a folder without dagster.yaml
    with a note about metadata storage, and then HALO's settings (one run per video and at most 2 at once, run monitoring,
    HALO's run launcher; storage under data/dagster) do not apply: a second run of a video pays
    Gemini again beside the first, and a crashed run is never marked failed."""
    home = Path(ensure_dagster_home())
    if (home / "dagster.yaml").is_file():
        return str(home / "dagster.yaml")
    template = PROJECT_ROOT / "dagster.yaml"
    put = f"`cp {shlex.quote(str(template))} {shlex.quote(str(home))}/`" if template.is_file() else \
        "put HALO's dagster.yaml there"
    return (f"Dagster's defaults: DAGSTER_HOME={home} has no dagster.yaml, so HALO's instance settings (one "
            f"run per video and at most 2 at once, run monitoring, storage under data/dagster) do not apply. "
            f"Fix: {put}, or unset DAGSTER_HOME to use the project's instance.")


def add_video(
    path: Path, video_id: str | None = None, instance: DagsterInstance | None = None, replace: bool = False,
    cache: TieredCache | None = None,
) -> registry.VideoEntry:
    """Check ``path`` is a readable video, register it and add its partition to the instance.

    Raises MediaError / InvalidVideoId / VideoIdTaken / FileRegistered (with what to do) before
    anything is registered; ``replace`` lets an explicit id move to another file, and a registered
    file move to another id. The id a file moves from is dropped whole (drop_video, from ``cache``,
    default the environment's): it stood for nothing any more, yet stayed a partition in the UI
    and a video in `halo report`. A move is refused (HaloError) while a run of that id is queued
    or running.
    """
    path = registry.given_file(path)
    media.check_media_file(path)  # not probe: its hash was thrown away, and the file read whole again later
    instance = instance or default_instance()  # before registering: a bad DAGSTER_HOME leaves no entry
    former = [vid for vid, e in registry.all_videos().items() if e.path == str(path)] if replace else []
    _refuse_while_processed([vid for vid in former if video_id is not None and vid != video_id], instance, path)
    entry, _changed = registry.register(path, video_id, replace=replace)
    instance.add_dynamic_partitions(videos_partitions.name, [entry.video_id])
    for old in former:
        if old != entry.video_id:
            drop_video(old, instance, cache or environment_cache())
    return entry


def _refuse_while_processed(leaving: list[str], instance: DagsterInstance, path: Path) -> None:
    """HaloError when a run of an id ``path`` would move away from is queued or running: dropping
    the id deleted its outputs under that run, which then wrote the rest back (paying for them)."""
    from halo_assets.jobs import has_active_run

    for old in leaving:
        if has_active_run(instance, old):
            raise HaloError(f"{path} was not moved from video {old!r}: a run of {old!r} is queued or in "
                            "progress, and moving the file drops that id's outputs. Wait for the run to "
                            "finish, or cancel it in the Dagster UI (Runs), then run this again.")


def drop_video(video_id: str, instance: DagsterInstance, cache: TieredCache) -> None:
    """Remove ``video_id``, which no longer stands for a file, from the instance (its partition),
    its outputs from the store (halo.store.remove_outputs: the ledger, cost_ledger and the probe
    stay, so the money spent on it is still audited) and its entries from ``cache`` (every tier:
    answers and summaries no id reaches any more, which `halo cache stats` counted; the cache's
    hit statistics stay, as after `halo cache clear --video`)."""
    from halo.store import remove_outputs

    if instance.has_dynamic_partition(videos_partitions.name, video_id):
        instance.delete_dynamic_partition(videos_partitions.name, video_id)
    remove_outputs(video_id)
    cache.clear(video_id)


def run_video(video_id: str, instance: DagsterInstance | None = None) -> ExecuteInProcessResult:
    """Materialize every per-video asset of ``video_id`` in this process (the process_video job)."""
    from halo_assets.definitions import defs

    job = defs.resolve_job_def(PROCESS_VIDEO_JOB)
    return job.execute_in_process(
        partition_key=video_id,
        instance=instance or default_instance(),
        raise_on_error=False,
        run_config={"loggers": {"stage_progress": {}}},
        tags={SOURCE_TAG: "halo add"},
    )


def failure_messages(result: ExecuteInProcessResult) -> list[str]:
    """Readable reasons of every failed step in ``result``."""
    messages = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None and not error.message.strip():
                error = error.cause
            root = error.cause or error
            messages.append(f"{event.step_key}: {root.message.strip()}")
    return messages

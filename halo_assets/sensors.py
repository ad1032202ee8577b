"""The folder sensor: every video dropped into data/videos/ becomes a partition and a run.

The cursor remembers each file's fingerprint (size + mtime), so a file is registered and run
once, and a file that changes is processed again (run key = video id + fingerprint); a new
fingerprint on the same bytes (`touch`, a copy put back in place) is registered and runs nothing
(jobs.outdated: the bytes decide, hashed once per new fingerprint). A file
whose video already has a run queued or in progress, created after the file last changed (e.g.
launched from the UI's "Add a partition"), gets no second run: that run reads this version.
Nor does a file whose video's outputs are up to date for it, so a lost cursor (sensor reset, a
renamed code location, a new instance on the same data) does not re-process the whole folder.
A registered video's run is for what is outdated and what follows from it, as the schedule's: a
file touched after a run that failed at the summaries gets its summaries, not a new transcription.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from halo import media, registry
from halo.errors import HaloError
from halo.paths import videos_dir
from halo.run_tags import SOURCE_TAG
from halo_assets.jobs import has_active_run, outdated, video_asset_graph
from halo_assets.partitions import videos_partitions
from halo_assets.registration import PROCESS_VIDEO_JOB

# A file modified within this many seconds may still be being copied: look again next tick.
SETTLE_SECONDS = 5.0


@cache
def _video_graph() -> dict[AssetKey, set[AssetKey]]:
    from halo_assets.definitions import ASSETS  # imported here: definitions imports this module

    return video_asset_graph(ASSETS)


def candidate_files(folder: Path) -> list[Path]:
    """Video files directly in ``folder`` (hidden and partial files are ignored)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in registry.MEDIA_SUFFIXES
    )


@sensor(
    job_name=PROCESS_VIDEO_JOB,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Registers new or changed videos in data/videos/ and requests their processing.",
)
def videos_folder_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    folder = videos_dir()
    if not folder.is_dir():
        return SkipReason(f"{folder} does not exist: create it and drop videos into it.")
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(videos_partitions.name))
    cursor: dict[str, str] = {}
    new_keys: list[str] = []
    requests: list[RunRequest] = []
    now = time.time()
    for path in candidate_files(folder):
        key = str(path)
        try:
            fingerprint = registry.current_fingerprint(path)
            stat = path.stat()
        except FileNotFoundError:
            continue
        settling = now - stat.st_mtime < SETTLE_SECONDS
        # When the file last changed here: `mv`, `cp -p` and rsync keep an older mtime, but the
        # ctime is the move's (a run created between the two read the file it replaced).
        changed = datetime.fromtimestamp(max(stat.st_mtime, stat.st_ctime), timezone.utc)
        if settling or seen.get(key) == fingerprint:
            if key in seen:
                cursor[key] = seen[key]
            continue
        cursor[key] = fingerprint
        try:
            entry, _ = registry.register(media.check_media_file(path))
        except HaloError as exc:
            context.log.warning(f"Skipped {path.name}: {exc}")
            continue
        if entry.video_id not in known and entry.video_id not in new_keys:
            new_keys.append(entry.video_id)
        if has_active_run(context.instance, entry.video_id, created_after=changed):
            context.log.info(f"{path.name}: {entry.video_id} already has a run started after the file last changed.")
            continue
        selection = None  # a new video: the whole job
        if entry.video_id in known:
            stale = outdated(context.instance, _video_graph(), entry.video_id, entry.path)
            selection = stale.asset_selection
            if not stale.reasons:
                context.log.info(f"{path.name}: {entry.video_id}'s outputs are up to date for this file.")
                continue
        requests.append(
            RunRequest(
                run_key=f"{entry.video_id}:{entry.fingerprint}",
                partition_key=entry.video_id,
                tags={SOURCE_TAG: "videos_folder_sensor"},
                asset_selection=selection,  # what is outdated and what follows from it (jobs.outdated)
            )
        )
    return SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[videos_partitions.build_add_request(new_keys)] if new_keys else [],
        cursor=json.dumps(cursor, sort_keys=True),
    )

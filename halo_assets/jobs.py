"""The per-video job and the schedule that keeps every registered video processed.

`process_video` materializes every asset partitioned by `videos` (whatever stages exist), so
the sensor, `halo add --run` and the schedule all run the same thing (`halo add --run`, `halo
process` and HALOPipeline run the subset from `chunks` on when only the chunk or LLM settings
changed, and after a run that failed part-way only what is missing or outdated and what is
computed from it: HALOPipeline._assets_to_run, outdated). The schedule finds videos
whose outputs are missing or stale (source file changed since it was probed, or an asset older
than one it is computed from) and requests one run per such video.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from graphlib import TopologicalSorter
from typing import Iterable, Mapping, Sequence

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    AssetsDefinition,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    HookContext,
    RunRequest,
    RunsFilter,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
    success_hook,
)

from halo import registry
from halo.allocator import release_free_memory
from halo.run_tags import SOURCE_TAG, STALE_VIDEOS_SCHEDULE
from halo.store import missing_outputs
from halo_assets.partitions import videos_partitions
from halo_assets.registration import PROCESS_VIDEO_JOB

_ACTIVE = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


def video_asset_graph(assets: Iterable) -> dict[AssetKey, set[AssetKey]]:
    """Every asset partitioned by `videos`, mapped to its upstream assets (any partitioning)."""
    graph: dict[AssetKey, set[AssetKey]] = {}
    for definition in assets:
        if isinstance(definition, AssetsDefinition) and definition.partitions_def == videos_partitions:
            for key in definition.keys:
                graph[key] = set(definition.asset_deps.get(key, set()))
    return graph


@success_hook
def release_stage_memory(_context: HookContext) -> None:
    """The stages share one process (below) that runs under glibc settings keeping freed memory
    (halo/allocator.py): without this each stage would start on top of the last one's pages."""
    release_free_memory()


def build_process_video_job(assets: Sequence):
    """`process_video`: every per-video asset for one partition (one video)."""
    keys = sorted(video_asset_graph(assets), key=lambda k: k.to_user_string())
    return define_asset_job(
        PROCESS_VIDEO_JOB,
        selection=AssetSelection.assets(*keys),
        partitions_def=videos_partitions,
        description="Process one video: every asset partitioned by `videos`.",
        # One process per run: the stages of one video run one after another anyway (each
        # needs the last), and a process per step paid ~35 s of imports and model loads per video.
        executor_def=in_process_executor,
        hooks={release_stage_memory},
    )


def _latest(instance: DagsterInstance, key: AssetKey, video_id: str):
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=key, asset_partitions=[video_id]), limit=1
    ).records
    return records[0] if records else None


@dataclass(frozen=True)
class Outdated:
    """Why a video's outputs need a run (no reasons: they do not) and what that run materializes."""

    reasons: list[str]  # "missing chunks", "source file changed", "chunks older than topics", ...
    #: the missing or outdated assets and every per-video asset computed from them (all of them
    #: when the source file changed): a run that failed at the summaries (a Gemini outage) is
    #: finished by its summaries and what follows, not by transcribing the video again
    assets: frozenset[AssetKey]
    every: bool  # ``assets`` is every per-video asset (the whole process_video job)

    @property
    def asset_selection(self) -> list[AssetKey] | None:
        """``assets`` as a RunRequest's asset_selection: None for the whole job."""
        return None if self.every else sorted(self.assets, key=lambda k: k.to_user_string())


def outdated(
    instance: DagsterInstance, graph: Mapping[AssetKey, set[AssetKey]], video_id: str, path: str
) -> Outdated:
    """What of ``video_id`` (its file at ``path``) needs a run, and why: missing assets, a changed
    source, assets older than one they are computed from. One answer for `halo process` and
    HALOPipeline (``assets``), and the sensor and the schedule (``asset_selection``)."""
    upstream_first = TopologicalSorter({k: parents & graph.keys() for k, parents in graph.items()})
    latest = {key: _latest(instance, key, video_id) for key in upstream_first.static_order()}
    reasons: list[tuple[str, AssetKey | None]] = [(f"missing {k.to_user_string()}", k)
                                                  for k, rec in latest.items() if rec is None]
    recorded = {k.to_user_string(): k for k, rec in latest.items() if rec is not None}
    reasons += [(f"missing {name} (recorded, but its output is gone)", recorded[name])
                for name in missing_outputs(video_id, recorded)]
    probe = latest.get(AssetKey("video_file"))
    if probe is not None and _source_changed(probe.asset_materialization.metadata, video_id, path):
        reasons.append(("source file changed", None))  # None: the whole video
    for key, parents in sorted(graph.items()):
        mine = latest[key]
        for parent in sorted(parents & graph.keys()):
            theirs = latest[parent]
            if mine is not None and theirs is not None and theirs.storage_id > mine.storage_id:
                reasons.append((f"{key.to_user_string()} older than {parent.to_user_string()}", key))
    assets = _with_downstream(graph, [key for _, key in reasons])
    return Outdated([reason for reason, _ in reasons], frozenset(assets), assets == set(graph))


def _source_changed(probed: Mapping, video_id: str, path: str) -> bool:
    """Whether the file at ``path`` holds other bytes than the ones ``video_file`` probed
    (``probed``: its metadata). Same size and mtime: unchanged, nothing is read. Otherwise the
    bytes decide (registry.content_sha256): `touch` or a copy put back in place is no change,
    where every per-video asset used to run again (and pay Gemini again)."""
    fingerprint, sha256 = probed.get("fingerprint"), probed.get("sha256")
    if fingerprint is not None and fingerprint.value == registry.current_fingerprint(path):
        return False
    return sha256 is None or sha256.value != registry.content_sha256(video_id, path)


def _with_downstream(graph: Mapping[AssetKey, set[AssetKey]], about: list[AssetKey | None]) -> set[AssetKey]:
    """The assets ``about`` names and every per-video asset computed from them (all for None)."""
    if None in about:
        return set(graph)
    needed = set(about)
    for key in TopologicalSorter({k: parents & graph.keys() for k, parents in graph.items()}).static_order():
        if graph[key] & needed:
            needed.add(key)
    return needed


def has_active_run(instance: DagsterInstance, video_id: str, created_after: datetime | None = None) -> bool:
    """Whether a `process_video` run of ``video_id`` is queued or running (created after ``created_after``)."""
    runs = instance.get_runs(
        filters=RunsFilter(
            job_name=PROCESS_VIDEO_JOB, statuses=_ACTIVE, tags={"dagster/partition": video_id},
            created_after=created_after,
        ),
        limit=1,
    )
    return bool(runs)


def _crashed_run_id(instance: DagsterInstance, video_id: str) -> str:
    """The id of ``video_id``'s latest run if its process died (FAILED with no step failing), else ''.

    Such a run failed for no reason in the video, so it must not suppress the next request the
    way a video that fails for the same reason every time does.
    """
    runs = instance.get_runs(
        filters=RunsFilter(job_name=PROCESS_VIDEO_JOB, tags={"dagster/partition": video_id}), limit=1
    )
    if not runs or runs[0].status != DagsterRunStatus.FAILURE:
        return ""
    step_failures = instance.all_logs(runs[0].run_id, of_type=DagsterEventType.STEP_FAILURE)
    return "" if step_failures else runs[0].run_id


def outdated_run_requests(instance: DagsterInstance, graph: Mapping[AssetKey, set[AssetKey]]) -> list[RunRequest]:
    """One run request per registered video whose outputs are missing or stale, for the assets
    that are (outdated): a video whose last run failed at the summaries gets its summaries.

    The run key hashes the reasons and the source fingerprint, so a video that keeps failing
    for the same reason is not retried every tick; any change (new file, new asset, new
    upstream output) makes a new key, and so does a run whose process died (run monitoring
    marks it failed; see halo_assets/launcher.py).
    """
    known = set(instance.get_dynamic_partitions(videos_partitions.name))
    requests = []
    for video_id, entry in sorted(registry.all_videos().items()):
        if video_id not in known or not os.path.exists(entry.path) or has_active_run(instance, video_id):
            continue
        stale = outdated(instance, graph, video_id, entry.path)
        if not stale.reasons:
            continue
        signature = "|".join([registry.current_fingerprint(entry.path), *stale.reasons,
                              _crashed_run_id(instance, video_id)])
        digest = hashlib.sha256(signature.encode()).hexdigest()[:16]
        requests.append(
            RunRequest(
                run_key=f"{video_id}:{digest}",
                partition_key=video_id,
                tags={SOURCE_TAG: STALE_VIDEOS_SCHEDULE, "halo/reason": "; ".join(stale.reasons)[:200]},
                # what is outdated and what follows from it, not a new transcription of the video
                asset_selection=stale.asset_selection,
            )
        )
    return requests


def build_stale_videos_schedule(assets: Sequence, cron_schedule: str = "0 * * * *") -> ScheduleDefinition:
    """Hourly: request `process_video` for every registered video that is missing or stale."""
    graph = video_asset_graph(assets)

    @schedule(
        name=STALE_VIDEOS_SCHEDULE,
        cron_schedule=cron_schedule,
        job_name=PROCESS_VIDEO_JOB,
        default_status=DefaultScheduleStatus.RUNNING,
        description="Backfills every registered video whose outputs are missing or stale.",
    )
    def _backfill(context: ScheduleEvaluationContext):
        requests = outdated_run_requests(context.instance, graph)
        return requests or SkipReason("Every registered video is up to date.")

    return _backfill

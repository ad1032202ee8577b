"""The folder sensor and the stale-video schedule, evaluated against a real Dagster instance."""

from __future__ import annotations

import json
import os
import time
from graphlib import TopologicalSorter

from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
)

from halo import registry
from halo.stages import ingest
from halo_assets import sensors
from halo_assets.definitions import ASSETS, defs
from halo_assets.jobs import (
    PROCESS_VIDEO_JOB,
    build_stale_videos_schedule,
    outdated,
    outdated_run_requests,
    video_asset_graph,
)
from halo_assets.sensors import videos_folder_sensor
from halo_tests.synth import make_video


def settle(path, seconds_ago: float = 60.0) -> None:
    """Age the file's mtime so the sensor treats it as fully copied."""
    past = time.time() - seconds_ago
    os.utime(path, (past, past))


def tick(instance, cursor=None):
    return videos_folder_sensor(build_sensor_context(instance=instance, cursor=cursor))


def test_sensor_registers_once_and_reprocesses_changed_files(data_root) -> None:
    folder = data_root / "videos"
    a = make_video(folder / "Weekly Sync.mp4", duration_s=2.0, cuts=())
    b = make_video(folder / "demo.MKV.mp4", duration_s=2.0, cuts=())
    (folder / "notes.txt").write_text("not a video")
    (folder / ".hidden.mp4").write_bytes(b"partial")
    copying = make_video(folder / "copying.mp4", duration_s=2.0, cuts=())  # mtime = now
    settle(a), settle(b)
    instance = DagsterInstance.ephemeral()

    first = tick(instance)
    keys = sorted(r.partition_key for r in first.run_requests)
    assert keys == ["demo-mkv", "weekly-sync"]
    assert [sorted(r.partition_keys) for r in first.dynamic_partitions_requests] == [keys]
    assert {r.run_key for r in first.run_requests} == {
        f"{v}:{registry.lookup(v).fingerprint}" for v in keys
    }
    assert sorted(registry.all_videos()) == keys  # the copying file waits for a later tick
    instance.add_dynamic_partitions("videos", keys)  # what the daemon does with the request

    second = tick(instance, first.cursor)
    assert second.run_requests == [] and second.dynamic_partitions_requests == []

    settle(copying)
    make_video(a, duration_s=3.0, cuts=(1.0,))  # the file is replaced by a new version
    settle(a, seconds_ago=30.0)
    third = tick(instance, second.cursor)
    assert sorted(r.partition_key for r in third.run_requests) == ["copying", "weekly-sync"]
    changed = next(r for r in third.run_requests if r.partition_key == "weekly-sync")
    assert changed.run_key not in {r.run_key for r in first.run_requests}
    assert [list(r.partition_keys) for r in third.dynamic_partitions_requests] == [["copying"]]
    assert set(json.loads(third.cursor)) == {str(folder / n) for n in ("Weekly Sync.mp4", "demo.MKV.mp4", "copying.mp4")}


def test_sensor_leaves_a_video_to_the_run_already_processing_it(data_root, monkeypatch) -> None:
    """Found in the UI: a file copied into data/videos/ and launched with "Add a partition" got a
    second, simultaneous run from the sensor. A file changed after its video's run was created
    still gets one (that run may have read the old version)."""
    folder = data_root / "videos"
    launched = make_video(folder / "standup.mp4", duration_s=2.0, cuts=())
    changed = make_video(folder / "retro.mp4", duration_s=2.0, cuts=())
    settle(launched), settle(changed)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", ["standup", "retro"])
    runs = [instance.add_run(DagsterRun(job_name=PROCESS_VIDEO_JOB, status=DagsterRunStatus.STARTED,
                                        tags={"dagster/partition": video_id})) for video_id in ("standup", "retro")]
    monkeypatch.setattr(sensors, "SETTLE_SECONDS", 0.0)
    time.sleep(0.05)
    os.utime(changed, (time.time(), time.time()))  # modified after its run was created

    result = tick(instance)

    assert [r.partition_key for r in result.run_requests] == ["retro"]
    assert sorted(registry.all_videos()) == ["retro", "standup"]
    instance.report_run_failed(runs[0])
    later = tick(instance, result.cursor)  # and no run once the first one has ended either
    assert later.run_requests == []


def test_sensor_requests_a_file_moved_in_with_an_old_mtime_during_a_run(data_root, tmp_path, monkeypatch) -> None:
    """`mv` (or `cp -p`, rsync -t) keeps a file's mtime: a new version recorded before the running
    run was created, moved in while that run read the old one, looked 'changed before the run'
    and got no run (only the hourly schedule noticed it). Moving it in changes its ctime."""
    folder = data_root / "videos"
    old = make_video(folder / "standup.mp4", duration_s=2.0, cuts=())
    settle(old)
    recorded = make_video(tmp_path / "standup.mp4", duration_s=3.0, cuts=())
    settle(recorded, seconds_ago=600.0)  # recorded ten minutes ago
    instance = DagsterInstance.ephemeral()
    first = tick(instance)
    assert [r.partition_key for r in first.run_requests] == ["standup"]
    instance.add_run(DagsterRun(job_name=PROCESS_VIDEO_JOB, status=DagsterRunStatus.STARTED,
                                tags={"dagster/partition": "standup"}))  # reading the old version
    monkeypatch.setattr(sensors, "SETTLE_SECONDS", 0.0)
    time.sleep(0.05)
    os.replace(recorded, folder / "standup.mp4")  # mv: the mtime stays ten minutes old

    result = tick(instance, first.cursor)

    assert [r.partition_key for r in result.run_requests] == ["standup"]


def record_processed(instance, video_id: str, path) -> None:
    """What a finished run of ``video_id`` leaves: every per-video asset recorded, upstream first,
    the probe with the fingerprint and sha256 the `video_file` stage gives its metadata, and an
    output on disk for each (a recorded output that is not on disk is missing: jobs.outdated)."""
    import pandas as pd

    from halo.storage import write_parquet_atomic
    from halo.store import output_path

    graph = video_asset_graph(ASSETS)
    probed = ingest.probe_video(video_id, path, registry.current_fingerprint(path)).metrics
    for key in TopologicalSorter({k: parents & graph.keys() for k, parents in graph.items()}).static_order():
        metadata = {name: probed[name] for name in ("fingerprint", "sha256")} if key == AssetKey("video_file") else {}
        instance.report_runless_asset_event(AssetMaterialization(key, partition=video_id, metadata=metadata))
        write_parquet_atomic(pd.DataFrame(), output_path(key.to_user_string(), video_id))


def test_sensor_with_a_lost_cursor_leaves_up_to_date_videos_alone(data_root) -> None:
    """Found by renaming the code location: the sensor started with no cursor and re-ran every
    video in data/videos/, though each one's outputs were up to date for its file."""
    done = make_video(data_root / "videos" / "done.mp4", duration_s=2.0, cuts=())
    edited = make_video(data_root / "videos" / "edited.mp4", duration_s=2.0, cuts=())
    settle(done), settle(edited)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", ["done", "edited"])
    record_processed(instance, "done", done)
    record_processed(instance, "edited", edited)
    make_video(edited, duration_s=3.0, cuts=(1.0,))  # changed since it was processed
    settle(edited, seconds_ago=30.0)

    result = tick(instance)  # no cursor

    assert [r.partition_key for r in result.run_requests] == ["edited"]


def test_a_touched_or_copied_back_file_runs_nothing_and_is_hashed_once(data_root, tmp_path, monkeypatch) -> None:
    """`touch talk.mp4` (or a copy put back in place) gives the file a new mtime, not new bytes:
    the sensor and the schedule saw a new fingerprint and ran every per-video asset again (and
    paid Gemini again). The bytes decide now, hashed once per new size or mtime: the registry
    keeps the new fingerprint with the hash, so later checks read nothing. New bytes still run."""
    path = make_video(data_root / "videos" / "talk.mp4", duration_s=2.0, cuts=())
    settle(path, seconds_ago=600.0)
    instance = DagsterInstance.ephemeral()
    first = tick(instance)
    assert [r.partition_key for r in first.run_requests] == ["talk"]
    instance.add_dynamic_partitions("videos", ["talk"])
    record_processed(instance, "talk", path)
    graph = video_asset_graph(ASSETS)
    hashed = []
    monkeypatch.setattr(registry, "sha256_file", lambda p, real=registry.sha256_file: hashed.append(p) or real(p))

    settle(path, seconds_ago=300.0)  # touch
    touched = tick(instance, first.cursor)
    assert touched.run_requests == [] and len(hashed) == 1
    assert registry.lookup("talk").fingerprint == registry.current_fingerprint(path) == json.loads(touched.cursor)[str(path)]
    assert outdated(instance, graph, "talk", str(path)).reasons == [] and outdated_run_requests(instance, graph) == []
    assert len(hashed) == 1  # the schedule's checks read nothing

    copy = tmp_path / "copy.mp4"
    copy.write_bytes(path.read_bytes())
    path.write_bytes(copy.read_bytes())  # copied back in place: same bytes, new mtime
    settle(path, seconds_ago=120.0)
    copied = tick(instance, touched.cursor)
    assert copied.run_requests == [] and len(hashed) == 2

    make_video(path, duration_s=3.0, cuts=(1.0,))  # new bytes
    settle(path, seconds_ago=60.0)
    edited = tick(instance, copied.cursor)
    assert [r.partition_key for r in edited.run_requests] == ["talk"]
    changed = outdated(instance, graph, "talk", str(path))
    assert "source file changed" in changed.reasons and changed.assets == set(graph) and changed.asset_selection is None
    assert [r.partition_key for r in outdated_run_requests(instance, graph)] == ["talk"]


def test_sensor_runs_only_what_is_outdated_for_a_known_video(data_root) -> None:
    """A file touched (or its cursor lost) after a run whose summaries are outdated: the sensor
    requested the whole job, a new transcription included, where the schedule requests only the
    summaries and what follows from them."""
    path = make_video(data_root / "videos" / "talk.mp4", duration_s=2.0, cuts=())
    settle(path, seconds_ago=600.0)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", ["talk"])
    registry.register(path)
    record_processed(instance, "talk", path)
    instance.report_runless_asset_event(AssetMaterialization(AssetKey("chunks"), partition="talk"))
    settle(path, seconds_ago=300.0)  # touch

    [request] = tick(instance).run_requests

    assert {k.to_user_string() for k in request.asset_selection} == {
        "chunk_summaries", "video_summary", "qa_index", "cost_ledger"}
    assert request.asset_selection == outdated_run_requests(instance, video_asset_graph(ASSETS))[0].asset_selection


def test_sensor_skips_when_folder_missing(data_root) -> None:
    result = tick(DagsterInstance.ephemeral())
    assert "does not exist" in result.skip_message


def test_schedule_requests_missing_and_stale_videos(data_root) -> None:
    with instance_for_test() as instance:
        check_schedule(instance, data_root)


def check_schedule(instance, data_root) -> None:
    path = make_video(data_root / "videos" / "talk.mp4", duration_s=3.0, cuts=(1.0,))
    entry, _ = registry.register(path)
    instance.add_dynamic_partitions("videos", [entry.video_id])
    schedule = build_stale_videos_schedule(ASSETS)

    def requests():
        with build_schedule_context(instance=instance, repository_def=defs.get_repository_def()) as context:
            data = schedule.evaluate_tick(context)
        return data.run_requests or []

    first = requests()
    assert [r.partition_key for r in first] == ["talk"] and "missing video_file" in first[0].tags["halo/reason"]

    job = defs.resolve_job_def(PROCESS_VIDEO_JOB)
    assert job.execute_in_process(partition_key="talk", instance=instance).success
    assert requests() == []  # everything up to date

    make_video(path, duration_s=3.0, cuts=(1.5,))  # the source file changed
    settle(path, seconds_ago=10.0)
    stale = requests()
    assert [r.partition_key for r in stale] == ["talk"] and "source file changed" in stale[0].tags["halo/reason"]

    assert job.execute_in_process(partition_key="talk", instance=instance).success
    # An upstream asset re-materialized alone makes its downstream assets stale.
    graph = video_asset_graph(ASSETS)
    assert {k.to_user_string() for k in graph} >= {"video_file", "audio", "scenes"}
    defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key="talk", instance=instance, asset_selection=[AssetKey("video_file")]
    )
    reasons = requests()[0].tags["halo/reason"]
    assert "audio older than video_file" in reasons and "scenes older than video_file" in reasons

    # Only what is outdated runs: a scheduled run after a run that failed at the summaries (or an
    # asset re-materialized alone) re-ran every stage, a new transcription included.
    assert job.execute_in_process(partition_key="talk", instance=instance).success
    defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key="talk", instance=instance, asset_selection=[AssetKey("chunks")]
    )
    [request] = requests()
    assert {k.to_user_string() for k in request.asset_selection} == {
        "chunk_summaries", "video_summary", "qa_index", "cost_ledger"}
    assert job.get_subset(asset_selection=set(request.asset_selection)).execute_in_process(
        partition_key="talk", instance=instance).success
    assert requests() == []


def test_definitions_wire_the_job_sensor_and_schedule() -> None:
    from dagster import Definitions

    Definitions.validate_loadable(defs)
    job = defs.resolve_job_def(PROCESS_VIDEO_JOB)
    assert job.partitions_def.name == "videos"
    assert set(job.asset_layer.selected_asset_keys) == set(video_asset_graph(ASSETS))
    assert {"video_file", "audio", "scenes"} <= {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
    assert defs.resolve_sensor_def("videos_folder_sensor").job_name == PROCESS_VIDEO_JOB
    assert defs.resolve_schedule_def("backfill_stale_videos").job_name == PROCESS_VIDEO_JOB

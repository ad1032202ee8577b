"""Bad input never leaves a partial output or damages another video's outputs.

A good video is materialized first; then each bad input runs through the same assets and must
fail with a readable reason (or succeed correctly), leaving the good video's files untouched.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from dagster import DagsterInstance, materialize

from halo import registry
from halo.errors import InvalidVideoId
from halo.paths import data_dir, media_dir
from halo.store import parquet_root
from halo_assets.ingest import audio, video_file
from halo_assets.registration import failure_messages
from halo_tests.synth import make_video
from halo_tests.test_assets.test_ingest import materialize_video, stored
from halo_tests.test_ops.homes import defaults_home


def snapshot() -> dict[str, str]:
    """sha256 of every file under parquet/ and media/."""
    root = data_dir()
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in ("parquet", "media")
        for p in sorted((root / sub).rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def good(data_root):
    instance = DagsterInstance.ephemeral()
    entry, _ = registry.register(make_video(data_root / "videos" / "good.mp4", cuts=(2.0,), duration_s=4.0))
    assert materialize_video(instance, entry.video_id).success
    return instance, snapshot()


def fail_reason(instance, video_id: str) -> str:
    result = materialize_video(instance, video_id, raise_on_error=False)
    assert not result.success
    return "\n".join(failure_messages(result))


def assert_untouched(before: dict[str, str], video_id: str) -> None:
    assert snapshot() == before
    assert not (parquet_root() / "video_file" / f"{video_id}.parquet").exists()
    assert not list(parquet_root().rglob("*.tmp")) and not list(parquet_root().rglob(".*"))


def test_zero_byte_file(good, data_root) -> None:
    instance, before = good
    path = data_root / "videos" / "empty.mp4"
    path.write_bytes(b"")
    entry, _ = registry.register(path)
    assert "empty (0 bytes)" in fail_reason(instance, entry.video_id)
    assert_untouched(before, entry.video_id)


def test_truncated_and_corrupt_files(good, data_root, tmp_path) -> None:
    instance, before = good
    source = make_video(tmp_path / "full.mp4", duration_s=6.0)
    truncated = data_root / "videos" / "truncated.mp4"
    truncated.write_bytes(source.read_bytes()[: source.stat().st_size * 2 // 3])
    corrupt = data_root / "videos" / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 200)
    for path in (truncated, corrupt):
        entry, _ = registry.register(path)
        reason = fail_reason(instance, entry.video_id)
        assert "truncated or corrupt" in reason and path.name in reason
        assert_untouched(before, entry.video_id)


def test_video_without_audio_gives_valid_silent_audio(good, data_root) -> None:
    instance, before = good
    entry, _ = registry.register(make_video(data_root / "videos" / "mute.mp4", cuts=(1.5,), duration_s=3.0, audio=False))
    assert materialize_video(instance, entry.video_id).success
    assert not bool(stored("video_file", "mute").iloc[0]["has_audio"])
    assert stored("audio", "mute").iloc[0]["duration_s"] == pytest.approx(3.0, abs=0.05)
    assert len(stored("scenes", "mute")) == 2
    assert {k: v for k, v in snapshot().items() if k in before} == before


def test_file_name_with_spaces_and_unicode(good, data_root) -> None:
    instance, before = good
    path = make_video(data_root / "videos" / "Réunion d'équipe – 第1回 (final).mp4", duration_s=3.0, cuts=(1.0,))
    entry, _ = registry.register(path)
    assert entry.video_id == "reunion-d-equipe-1-final"
    assert materialize_video(instance, entry.video_id).success
    assert stored("video_file", entry.video_id).iloc[0]["path"] == str(path.resolve())
    assert (media_dir(entry.video_id) / "audio.wav").exists()
    assert {k: v for k, v in snapshot().items() if k in before} == before


@pytest.mark.parametrize("key", ["../../etc", "a" * 300, "Bad Key", "good/../../x"])
def test_hostile_partition_keys(good, data_root, key) -> None:
    instance, before = good
    with pytest.raises(InvalidVideoId):
        registry.register(data_root / "videos" / "good.mp4", video_id=key)
    reason = fail_reason(instance, key)  # added straight to the instance, as the UI could
    assert "Invalid video id" in reason
    assert snapshot() == before
    assert not (data_dir().parent / "etc.parquet").exists()
    assert sorted(p.name for p in (parquet_root() / "video_file").iterdir()) == ["good.parquet"]


# Defects found by the hostile-input probe (issue 13): each asserts what the user sees.

def test_add_another_file_under_a_taken_id_is_refused(data_root, tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from halo_cli.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    defaults_home(tmp_path / "dagster_home")
    first = make_video(tmp_path / "in" / "first.mp4", duration_s=2.0, cuts=())
    other = make_video(tmp_path / "in" / "other.mp4", duration_s=3.0, cuts=(1.0,))
    runner = CliRunner()
    added = runner.invoke(main, ["add", str(first), "--id", "talk"])
    assert added.exit_code == 0 and added.stdout.strip() == "talk"
    assert f"halo add {str(first)} --id talk --run" in added.stderr  # the hint keeps --id

    refused = runner.invoke(main, ["add", str(other), "--id", "talk"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    message = " ".join(refused.output.split())
    assert f"Video id 'talk' already stands for {first.resolve()}" in message
    assert "--id OTHER_ID" in message and "--id talk --replace" in message
    assert registry.lookup("talk").path == str(first.resolve())  # nothing re-pointed

    moved = runner.invoke(main, ["add", str(other), "--id", "talk", "--replace"])
    assert moved.exit_code == 0 and registry.lookup("talk").path == str(other.resolve())


def test_add_a_registered_file_under_another_id_is_refused(data_root, tmp_path, monkeypatch) -> None:
    """`halo add a.mp4 --id talk` then `halo add a.mp4 --id lecture` registered the one file under
    two ids without a word: processed and billed twice, and the sensor, which re-registers a file
    under the first id it finds for it, kept only that one current. The second add is refused,
    naming the id the file has; --replace moves the file to the new id."""
    from click.testing import CliRunner

    from halo_cli.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    defaults_home(tmp_path / "dagster_home")
    video = make_video(tmp_path / "in" / "a.mp4", duration_s=2.0, cuts=())
    runner = CliRunner()
    assert runner.invoke(main, ["add", str(video), "--id", "talk"]).exit_code == 0

    refused = runner.invoke(main, ["add", str(video), "--id", "lecture"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    message = " ".join(refused.output.split())
    assert f"{video.resolve()} is already registered as video 'talk'; it was not registered as 'lecture'" in message
    assert f"halo add {video.resolve()} --id talk --run" in message
    assert f"halo add {video.resolve()} --id lecture --replace" in message
    assert list(registry.all_videos()) == ["talk"]
    assert DagsterInstance.get().get_dynamic_partitions("videos") == ["talk"]

    for again in (["--id", "talk"], []):  # the id it has, given or not, is no second registration
        ran = runner.invoke(main, ["add", str(video), *again])
        assert ran.exit_code == 0 and ran.stdout.strip() == "talk", ran.output

    moved = runner.invoke(main, ["add", str(video), "--id", "lecture", "--replace"])
    assert moved.exit_code == 0 and moved.stdout.strip() == "lecture", moved.output
    assert {vid: e.path for vid, e in registry.all_videos().items()} == {"lecture": str(video.resolve())}


def _added_as_talk(tmp_path, monkeypatch, *, ingest: bool):
    """A 2-s video added as 'talk' with `halo add` in a fresh Dagster instance (its ingest assets
    materialized when ``ingest``): the file the --replace tests move. (video, CliRunner, instance)"""
    from click.testing import CliRunner

    from halo_cli.cli import main
    from halo_resources.environments import get_resources
    from halo_tests.test_assets.test_ingest import INGEST_ASSETS

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    defaults_home(tmp_path / "dagster_home")
    video = make_video(tmp_path / "in" / "a.mp4", duration_s=2.0, cuts=(1.0,))
    runner = CliRunner()
    assert runner.invoke(main, ["add", str(video), "--id", "talk"]).exit_code == 0
    instance = DagsterInstance.get()
    if ingest:
        assert materialize(INGEST_ASSETS, partition_key="talk", instance=instance, resources=get_resources()).success
    return video, runner, instance


def test_replace_drops_the_id_a_file_moves_from_but_keeps_what_was_spent(data_root, tmp_path, monkeypatch) -> None:
    """`halo add a.mp4 --id lecture --replace` moved the file from 'talk' to 'lecture' and left
    'talk' behind: a partition in the UI that stood for no file, and its stored probe, audio and
    scenes, which `halo report talk` showed as a video. 'talk' is dropped (partition, outputs,
    media); what was spent on it stays audited: its ledger, its cost_ledger snapshot and the
    report's costs, now saying it stands for no file -- with the probe, whose duration prices
    the baselines (removed, `halo report talk` and library_costs priced them as a 0-s video)."""
    import json

    from halo.llm.baseline import MediaStreams
    from halo.llm.ledger import CallRecord, append_records, read_ledger, records_frame
    from halo_assets.costs import _media
    from halo_cli.cli import main

    video, runner, instance = _added_as_talk(tmp_path, monkeypatch, ingest=True)
    spent = [CallRecord("talk", "chunk_summaries", "chunk_summary", "gemini", "gemini-2.5-flash", run_id="r1",
                        input_tokens=900, output_tokens=60, cost_usd=0.0123, naive_cost_usd=0.5)]
    append_records(spent)
    (parquet_root() / "cost_ledger").mkdir()
    records_frame(spent).to_parquet(parquet_root() / "cost_ledger" / "talk.parquet")
    assert (media_dir("talk") / "keyframes").is_dir()
    audited = json.loads(runner.invoke(main, ["report", "talk", "--json"]).stdout)
    assert audited["duration_s"] == pytest.approx(2.0) and audited["naive_default_usd_per_question"] > 0

    moved = runner.invoke(main, ["add", str(video), "--id", "lecture", "--replace"])
    assert moved.exit_code == 0, moved.output
    assert DagsterInstance.get().get_dynamic_partitions("videos") == ["lecture"]
    # the probe stays beside the ledger: its duration and picture price every baseline of the spend
    assert sorted(p.parent.name for p in parquet_root().glob("*/talk.parquet")) == ["cost_ledger", "video_file"]
    assert not media_dir("talk").exists()
    assert read_ledger("talk")["cost_usd"].sum() == pytest.approx(0.0123)
    shown = runner.invoke(main, ["report", "talk"])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "stands for no file any more" in text and "spent: $0.0123" in text
    assert "Scenes" not in text and str(video.resolve()) not in text
    assert "USD per question" in text  # HALO against the baselines, priced on the file's duration
    assert json.loads(runner.invoke(main, ["report", "talk", "--json"]).stdout) == audited
    assert _media("talk") == (pytest.approx(2.0), MediaStreams())  # what library_costs prices talk's baselines with


def test_replace_removes_the_dropped_id_s_cache_entries_and_no_other_video_s(data_root, tmp_path, monkeypatch) -> None:
    """Dropping 'talk' (`halo add a.mp4 --id lecture --replace`) removed its outputs but left its
    cached answers (L1 exact, L2 semantic) and summaries (L3) in Redis, which no id reaches any
    more and `halo cache stats` kept counting. They go with the id; another video's stay."""
    import json

    from halo.cache.tiered import TIERS
    from halo_cli.cli import main
    from halo_resources.environments import environment_cache

    video, runner, _instance = _added_as_talk(tmp_path, monkeypatch, ingest=False)
    cache = environment_cache()
    for video_id in ("talk", "other"):
        for question in ("What was decided?", "Who presented the budget?"):
            cache.store(video_id, question, f"{video_id}: they agreed [00:01].", model="local-extractive",
                        prompt_version="v1", meta={}, evidence=(0,))
        cache.store_summaries(video_id, [{"text": f"{video_id} opens with the budget.", "start": 0.0, "end": 1.0,
                                          "chunk_id": 0}])

    def sizes(*argv: str) -> dict[str, int]:
        shown = runner.invoke(main, ["cache", "stats", "--json", *argv])
        assert shown.exit_code == 0, shown.output
        return {tier: json.loads(shown.stdout)[tier]["size"] for tier in TIERS}

    assert sizes("--video", "talk") == sizes("--video", "other") == {"l1": 2, "l2": 2, "l3": 1}
    assert sizes() == {"l1": 4, "l2": 4, "l3": 2}

    moved = runner.invoke(main, ["add", str(video), "--id", "lecture", "--replace"])
    assert moved.exit_code == 0, moved.output
    assert sizes("--video", "talk") == {"l1": 0, "l2": 0, "l3": 0}
    assert sizes("--video", "other") == {"l1": 2, "l2": 2, "l3": 1} and sizes() == {"l1": 2, "l2": 2, "l3": 1}
    assert cache.peek("other", "What was decided?", model="local-extractive", prompt_version="v1") == \
        "other: they agreed [00:01]."


def test_an_id_dropped_then_given_its_file_back_is_processed_again(data_root, tmp_path, monkeypatch) -> None:
    """Dropping an id removed its stored outputs but left the Dagster instance's records of them:
    moved back (`halo add a.mp4 --id talk --replace` after `--id lecture --replace`), 'talk'
    counted as processed -- no missing asset, same file -- so `halo add --run` / process_video
    ran nothing and then found no chunks, and the schedule never requested it. The instance
    must say what the store holds: every output removed is missing again."""
    from halo.store import load_output
    from halo_assets.definitions import ASSETS
    from halo_assets.jobs import outdated, video_asset_graph
    from halo_cli.cli import main

    video, runner, instance = _added_as_talk(tmp_path, monkeypatch, ingest=True)
    graph = video_asset_graph(ASSETS)
    missing_before = set(outdated(instance, graph, "talk", str(video.resolve())).reasons)
    assert "missing audio" not in missing_before and "missing scenes" not in missing_before

    for new_id in ("lecture", "talk"):  # away and back
        moved = runner.invoke(main, ["add", str(video), "--id", new_id, "--replace"])
        assert moved.exit_code == 0, moved.output
    assert load_output("audio", "talk") is None and load_output("scenes", "talk") is None
    reasons = outdated(DagsterInstance.get(), graph, "talk", str(video.resolve())).reasons
    gone = "missing {} (recorded, but its output is gone)"
    assert {gone.format("audio"), gone.format("scenes")} <= set(reasons), reasons


def test_outputs_gone_from_a_new_or_emptied_data_root_are_made_again(data_root, tmp_path, monkeypatch) -> None:
    """The Dagster instance kept saying 'talk' was processed after its outputs left the disk (a
    data root emptied, or HALO_DATA_DIR set to a new folder beside the same instance): `halo
    process` ran nothing, then failed with "no stored chunks: process it first with `halo
    process`". Each recorded output that is not on disk is missing, with what is made from it."""
    import shutil

    from halo.store import output_path
    from halo_assets.definitions import ASSETS
    from halo_assets.jobs import outdated, video_asset_graph

    video, _, instance = _added_as_talk(tmp_path, monkeypatch, ingest=True)
    graph = video_asset_graph(ASSETS)
    path = str(video.resolve())
    assert not any("scenes" in r or "audio" in r for r in outdated(instance, graph, "talk", path).reasons)

    output_path("scenes", "talk").unlink()  # one output deleted by hand
    stale = outdated(instance, graph, "talk", path)
    assert "missing scenes (recorded, but its output is gone)" in stale.reasons
    assert "audio" not in {k.to_user_string() for k in stale.assets}  # still on disk: not made again
    assert {"scenes", "utterances", "chunks"} <= {k.to_user_string() for k in stale.assets}

    moved = tmp_path / "moved"
    shutil.copytree(data_root, moved)  # the registry comes along, the outputs do not
    shutil.rmtree(moved / "parquet")
    monkeypatch.setenv("HALO_DATA_DIR", str(moved))
    stale = outdated(instance, graph, "talk", path)
    assert stale.every, stale.reasons  # the probe is gone too: the whole video runs again


def test_replace_waits_for_a_run_of_the_id_a_file_moves_from(data_root, tmp_path, monkeypatch) -> None:
    """Dropping 'talk' while a run of it was queued or running deleted its outputs under the run,
    which then wrote the rest back (and paid for its summaries): a ghost again, reported as a
    video. `--replace` is refused until that run ends, and nothing is changed."""
    from dagster import DagsterRun, DagsterRunStatus

    from halo_assets.registration import PROCESS_VIDEO_JOB
    from halo_cli.cli import main

    video, runner, instance = _added_as_talk(tmp_path, monkeypatch, ingest=False)
    run = instance.add_run(DagsterRun(job_name=PROCESS_VIDEO_JOB, status=DagsterRunStatus.STARTED,
                                      tags={"dagster/partition": "talk"}))

    refused = runner.invoke(main, ["add", str(video), "--id", "lecture", "--replace"])
    assert refused.exit_code == 1 and "a run of 'talk' is queued or in progress" in refused.output, refused.output
    assert {vid: e.path for vid, e in registry.all_videos().items()} == {"talk": str(video.resolve())}
    assert DagsterInstance.get().get_dynamic_partitions("videos") == ["talk"]

    instance.report_run_canceled(run)  # the run ends: the move goes through
    assert runner.invoke(main, ["add", str(video), "--id", "lecture", "--replace"]).exit_code == 0
    assert DagsterInstance.get().get_dynamic_partitions("videos") == ["lecture"]


def test_add_hints_quote_the_path_for_the_shell(data_root, tmp_path, monkeypatch) -> None:
    """`halo add`'s "Process it with" hint and the taken-id refusal printed the path as a Python
    repr, which a shell reads wrongly for a name holding both quote marks: pasted, the command
    named another file (the report and ask hints already used shell quoting)."""
    import shlex

    from click.testing import CliRunner

    from halo_cli.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    defaults_home(tmp_path / "dagster_home")
    first = make_video(tmp_path / "in" / "Ann's \"best\" take.mp4", duration_s=2.0, cuts=())
    other = make_video(tmp_path / "in" / "Bob's \"other\" take.mp4", duration_s=2.0, cuts=())
    runner = CliRunner()
    added = runner.invoke(main, ["add", str(first), "--id", "talk"])
    assert added.exit_code == 0, added.output
    assert shlex.split(added.stderr.split("`")[1]) == ["halo", "add", str(first), "--id", "talk", "--run"]
    refused = runner.invoke(main, ["add", str(other), "--id", "talk"])
    commands = refused.output.replace("\n", " ").split("`")[1::2]
    assert refused.exit_code == 1 and len(commands) == 2, refused.output
    assert [shlex.split(c)[:3] for c in commands] == [["halo", "add", str(other.resolve())]] * 2


def test_speech_on_the_second_audio_track_is_transcribed(data_root) -> None:
    from dagster import AssetKey

    from halo.eval.speech import wer
    from halo_assets.speech import transcript
    from halo_resources.environments import get_resources
    from halo_tests.synth_media import sample_speech, truth_text, write_multitrack_video

    speech = sample_speech(14.2)  # the sample's first two turns end at 13.97 s
    hiss = np.random.default_rng(1).normal(0, 0.003, len(speech)).astype(np.float32)
    entry, _ = registry.register(write_multitrack_video(data_root / "videos" / "dubbed.mp4", [hiss, speech]))
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    result = materialize([video_file, audio, transcript], partition_key=entry.video_id, instance=instance,
                         resources=get_resources())
    assert result.success
    meta = instance.get_latest_materialization_event(AssetKey("audio")).asset_materialization.metadata
    assert (meta["audio_track"].value, meta["audio_tracks"].value) == (1, 2)
    assert "most speech" in meta["track_choice"].value
    assert stored("audio", entry.video_id).iloc[0]["audio_track"] == 1
    from rich.console import Console

    from halo.report import build_report

    console = Console(record=True, width=200)  # the CLI says which track it used, not only the UI
    console.print(build_report(entry.video_id))
    assert "audio: track 1 of 2 (most speech" in console.export_text()
    said = " ".join(stored("transcript", entry.video_id)["text"])
    assert wer(truth_text(14.2), said) <= 0.2  # the first track alone gave 0 words


def test_podcast_with_cover_art_ingests_as_audio_only(good, data_root) -> None:
    from dagster import AssetKey

    from halo.vision.scenes import SCENE_COLUMNS
    from halo_tests.synth_media import sample_speech, write_podcast

    instance, before = good
    entry, _ = registry.register(write_podcast(data_root / "videos" / "episode.mp3", sample_speech(5.0), cover=True))
    result = materialize_video(instance, entry.video_id)  # failed in scenes with "Operation not permitted"
    assert result.success
    probe = stored("video_file", "episode").iloc[0]
    assert not probe["has_video"] and probe["has_audio"] and probe["fps"] == 0
    shots = stored("scenes", "episode")
    assert list(shots.columns) == SCENE_COLUMNS and len(shots) == 0
    assert not (media_dir("episode") / "keyframes").exists() or not any((media_dir("episode") / "keyframes").iterdir())
    assert stored("audio", "episode").iloc[0]["duration_s"] == pytest.approx(5.0, abs=0.1)
    check = result.get_asset_check_evaluations()
    assert all(c.passed for c in check)
    meta = instance.get_latest_materialization_event(AssetKey("scenes")).asset_materialization.metadata
    assert "audio-only" in meta["picture"].value
    assert {k: v for k, v in snapshot().items() if k in before} == before


def test_failed_rerun_of_a_changed_file_reports_old_outputs_as_stale(data_root, monkeypatch) -> None:
    from rich.console import Console

    from halo.errors import MediaError
    from halo.report import build_report
    from halo.staleness import stale_outputs
    from halo.storage import sha256_file

    instance = DagsterInstance.ephemeral()
    path = make_video(data_root / "videos" / "lecture.mp4", cuts=(2.0,), duration_s=4.0)
    entry, _ = registry.register(path)
    assert materialize_video(instance, entry.video_id).success
    old_sha = sha256_file(path)

    def render() -> str:
        console = Console(record=True, width=200)
        console.print(build_report(entry.video_id))
        return console.export_text()

    assert "Scenes (2)" in render() and "Stale" not in render()
    make_video(path, cuts=(1.0, 3.0), duration_s=5.0)  # the file is replaced by a new version
    registry.register(path)

    def broken(*args, **kwargs):
        raise MediaError("scene detection crashed (simulated)")

    with monkeypatch.context() as patched:
        patched.setattr("halo.stages.vision.detect_scenes", broken)
        assert not materialize_video(instance, entry.video_id, raise_on_error=False).success
    assert stored("video_file", entry.video_id).iloc[0]["sha256"] == sha256_file(path) != old_sha
    assert stale_outputs(entry.video_id, parquet_root()) == {"scenes": old_sha}
    text = " ".join(render().split())
    assert "Stale outputs" in text and "Not shown: scenes" in text and f"--id {entry.video_id} --run" in text
    assert "Scenes (2)" not in text  # the old file's scenes are not shown beside the new probe
    assert not list(parquet_root().rglob("*.tmp"))

    assert materialize_video(instance, entry.video_id).success
    assert stale_outputs(entry.video_id, parquet_root()) == {}
    assert "Scenes (3)" in render() and "Stale" not in render()


def test_folder_sensor_checks_files_before_registering(data_root, capfd) -> None:
    from dagster import build_sensor_context

    from halo_assets.sensors import videos_folder_sensor
    from halo_tests.synth_media import sample_speech, write_podcast
    from halo_tests.test_assets.test_sensor import settle

    folder = data_root / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("agenda: not a video\n" * 20)
    podcast = write_podcast(folder / "episode.m4a", sample_speech(2.0))
    for p in folder.iterdir():
        settle(p)
    instance = DagsterInstance.ephemeral()
    result = videos_folder_sensor(build_sensor_context(instance=instance))
    assert [r.partition_key for r in result.run_requests] == ["episode"]
    assert sorted(registry.all_videos()) == ["episode"] and registry.lookup("episode").path == str(podcast)
    logged = capfd.readouterr().err  # the sensor's log (dagster's handler writes to stderr)
    assert "Skipped empty.mp4" in logged and "empty (0 bytes)" in logged
    assert "Skipped notes.mp4" in logged and "not a readable video" in logged


def test_same_file_name_in_two_folders_gets_two_ids(data_root, tmp_path) -> None:
    first = make_video(tmp_path / "monday" / "talk.mp4", duration_s=1.0, cuts=())
    second = make_video(tmp_path / "tuesday" / "talk.mp4", duration_s=1.0, cuts=())
    a, _ = registry.register(first)
    b, _ = registry.register(second)
    assert a.video_id == "talk" and b.video_id.startswith("talk-") and len(b.video_id) == len("talk-") + 8
    assert registry.lookup("talk").path == str(first.resolve())
    assert registry.lookup(b.video_id).path == str(second.resolve())
    assert registry.register(second)[0].video_id == b.video_id  # stable on re-registration


def test_a_hostile_key_added_in_the_ui_fails_with_its_reason_as_the_run_failure_line(data_root) -> None:
    """A key like 'Bad Key' added with "Add partition": the UI's failure line was Dagster's
    "Error occurred while executing op video_file:", the reason only further down."""
    from halo_resources.environments import get_resources

    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", ["Bad Key"])
    result = materialize([video_file], partition_key="Bad Key", instance=instance, raise_on_error=False,
                         resources={"io_manager": get_resources()["io_manager"]})
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "Invalid video id 'Bad Key'" in failure.step_failure_data.error.message.splitlines()[0]

"""video_file, audio and scenes materialized by Dagster for a synthetic video with known truth."""

from __future__ import annotations

import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from halo import media, registry
from halo.errors import MediaError
from halo.paths import media_dir
from halo.store import parquet_root
from halo.stages.ingest import AUDIO_COLUMNS, VIDEO_FILE_COLUMNS
from halo_assets.ingest import audio, video_file
from halo_assets.vision import scenes
from halo_resources.environments import get_resources
from halo_tests.synth import make_video

INGEST_ASSETS = [video_file, audio, scenes]
CUTS = [2.0, 5.5, 9.25]


def materialize_video(instance: DagsterInstance, video_id: str, raise_on_error: bool = True):
    instance.add_dynamic_partitions("videos", [video_id])
    return materialize(
        INGEST_ASSETS,
        partition_key=video_id,
        instance=instance,
        resources=get_resources(),
        raise_on_error=raise_on_error,
    )


def stored(asset: str, video_id: str) -> pd.DataFrame:
    return pd.read_parquet(parquet_root() / asset / f"{video_id}.parquet")


def test_ingest_assets_match_truth(data_root) -> None:
    path = make_video(data_root / "videos" / "Team Sync.mp4", cuts=CUTS, duration_s=12.0)
    entry, changed = registry.register(path)
    assert entry.video_id == "team-sync" and changed
    instance = DagsterInstance.ephemeral()
    result = materialize_video(instance, entry.video_id)
    assert result.success

    probe = stored("video_file", "team-sync")
    assert list(probe.columns) == VIDEO_FILE_COLUMNS and len(probe) == 1
    row = probe.iloc[0]
    assert row["path"] == str(path.resolve()) and row["duration_s"] == pytest.approx(12.0, abs=0.01)
    assert (row["width"], row["height"], row["fps"], bool(row["has_audio"])) == (320, 180, 25.0, True)

    sound = stored("audio", "team-sync")
    assert list(sound.columns) == AUDIO_COLUMNS
    wav = media_dir("team-sync") / "audio.wav"
    assert sound.iloc[0]["path"] == str(wav) and sound.iloc[0]["sample_rate"] == 16_000
    samples = media.read_wav(wav)
    assert abs(len(samples) / 16_000 - row["duration_s"]) <= 0.05
    assert abs(sound.iloc[0]["duration_s"] - row["duration_s"]) <= 0.05

    shots = stored("scenes", "team-sync")
    assert len(shots) == len(CUTS) + 1
    for found, truth in zip(shots["start"].iloc[1:], CUTS):
        assert abs(found - truth) <= 0.5
    assert all((media_dir("team-sync") / "keyframes" / f"scene_{i:04d}.jpg").exists() for i in range(4))

    # Metadata a user audits in the UI.
    for name in ("video_file", "audio", "scenes"):
        meta = instance.get_latest_materialization_event(AssetKey(name)).asset_materialization.metadata
        assert meta["dagster/row_count"].value == (len(shots) if name == "scenes" else 1)
        assert meta["processing_s"].value >= 0 and "real_time_factor" in meta
    scene_meta = instance.get_latest_materialization_event(AssetKey("scenes")).asset_materialization.metadata
    assert "scene_0003.jpg" in scene_meta["preview"].value and scene_meta["detection_fps"].value > 0


def test_sample_ingests_with_truth_cuts(data_root) -> None:
    from halo.paths import samples_dir

    video = samples_dir() / "meeting.mp4"
    if not video.exists() or not (samples_dir() / "meeting.truth.json").exists():
        pytest.skip("bundled sample not generated yet")
    from bench.samplegen import load_truth

    truth = load_truth(video)
    entry, _ = registry.register(video)
    assert materialize_video(DagsterInstance.ephemeral(), entry.video_id).success
    shots = stored("scenes", entry.video_id)
    assert len(shots) == len(truth["scene_cuts"]) + 1
    for found, cut in zip(shots["start"].iloc[1:], truth["scene_cuts"]):
        assert abs(found - cut) <= 0.5
    wav = media.read_wav(media_dir(entry.video_id) / "audio.wav")
    assert abs(len(wav) / 16_000 - truth["duration_s"]) <= 0.05


def test_partition_added_in_the_ui_resolves_to_the_watched_folder(data_root) -> None:
    """"Add partition" in the UI only adds a key: video_file finds data/videos/<key>.<ext>."""
    path = make_video(data_root / "videos" / "standup.mkv", cuts=(1.5,), duration_s=3.0)
    instance = DagsterInstance.ephemeral()
    assert registry.all_videos() == {}
    assert materialize_video(instance, "standup").success
    assert stored("video_file", "standup").iloc[0]["path"] == str(path.resolve())
    assert registry.lookup("standup").path == str(path.resolve())


def test_partition_added_in_the_ui_finds_what_the_folder_sensor_would(data_root) -> None:
    """Found in the UI: "Add a partition" for data/videos/episode.mp3 or phone.MOV (files the folder
    sensor picks up) failed, telling the user to copy the file to episode.mp4."""
    from halo_tests.synth_media import sample_speech, write_podcast

    podcast = write_podcast(data_root / "videos" / "episode.mp3", sample_speech(2.0))
    phone = make_video(data_root / "videos" / "phone.MOV", cuts=(1.5,), duration_s=3.0)
    instance = DagsterInstance.ephemeral()
    for video_id, path in (("episode", podcast), ("phone", phone)):
        instance.add_dynamic_partitions("videos", [video_id])
        assert materialize([video_file], partition_key=video_id, instance=instance, resources=get_resources()).success
        assert stored("video_file", video_id).iloc[0]["path"] == str(path.resolve())
    assert not stored("video_file", "episode").iloc[0]["has_video"]
    assert stored("video_file", "phone").iloc[0]["duration_s"] == pytest.approx(3.0, abs=0.1)


def test_partition_added_in_the_ui_is_the_file_named_key_not_key_dot_anything(data_root) -> None:
    """data/videos/<key>.<ext> only: "talk.v2.mp4" (the sensor's 'talk-v2') is not video 'talk'. The
    suffix glob matched it, so "Add a partition" 'talk' beside talk.mp4 failed as ambiguous, and
    alone it was registered as video 'talk'."""
    folder = data_root / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "talk.v2.mp4").write_bytes(b"another recording")
    with pytest.raises(MediaError, match="'talk' has no source file"):
        registry.resolve("talk")
    (folder / "talk.mp4").write_bytes(b"the recording")
    assert registry.resolve("talk").path == str((folder / "talk.mp4").resolve())
    assert list(registry.all_videos()) == ["talk"]


def test_partition_without_a_file_fails_saying_what_to_do(data_root) -> None:
    instance = DagsterInstance.ephemeral()
    result = materialize_video(instance, "nowhere", raise_on_error=False)
    failure = next(e for e in result.all_events if e.is_step_failure)
    first_line = failure.step_failure_data.error.message.splitlines()[0]  # what the run page shows
    description = failure.step_failure_data.user_failure_data.description
    assert failure.step_key == "video_file"
    for text in (first_line, description):
        assert f"{data_root / 'videos'}/nowhere.mp4" in text and "halo add PATH --id nowhere" in text


def test_registered_file_deleted_since_fails_naming_the_video_and_fix(data_root, tmp_path) -> None:
    """Found in the UI: a registered file deleted before its run failed with a bare FileNotFoundError."""
    good = registry.register(make_video(tmp_path / "kept.mp4", cuts=(1.5,), duration_s=3.0))[0]
    gone = registry.register(make_video(tmp_path / "gone.mp4", cuts=(1.5,), duration_s=3.0))[0]
    instance = DagsterInstance.ephemeral()
    assert materialize_video(instance, good.video_id).success
    kept = stored("video_file", good.video_id)
    (tmp_path / "gone.mp4").unlink()

    result = materialize_video(instance, gone.video_id, raise_on_error=False)
    failure = next(e for e in result.all_events if e.is_step_failure)
    first_line = failure.step_failure_data.error.message.splitlines()[0]  # what the run page shows
    assert failure.step_key == "video_file"
    assert "'gone'" in first_line and str(tmp_path / "gone.mp4") in first_line
    assert "halo add NEW_PATH --id gone --replace" in first_line
    pd.testing.assert_frame_equal(stored("video_file", good.video_id), kept)

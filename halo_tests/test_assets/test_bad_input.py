"""Bad input never leaves a partial output or damages another video's outputs.

A good video is materialized first; then each bad input runs through the same assets and must
fail with a readable reason (or succeed correctly), leaving the good video's files untouched.
"""

from __future__ import annotations

import hashlib

import pytest
from dagster import DagsterInstance

from halo import registry
from halo.errors import InvalidVideoId
from halo.paths import data_dir, media_dir, parquet_dir
from halo_assets.registration import failure_messages
from halo_tests.synth import make_video
from halo_tests.test_assets.test_ingest import materialize_video, stored


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
    assert not (parquet_dir() / "video_file" / f"{video_id}.parquet").exists()
    assert not list(parquet_dir().rglob("*.tmp")) and not list(parquet_dir().rglob(".*"))


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
    assert sorted(p.name for p in (parquet_dir() / "video_file").iterdir()) == ["good.parquet"]

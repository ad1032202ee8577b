"""halo.registry on its own: what it hashes, and what it reads back."""

from __future__ import annotations

import hashlib
import os

from halo import registry
from halo_tests.synth import make_video


def test_a_read_only_data_root_hashes_a_touched_file_once_per_process_and_says_so(
        data_root, tmp_path, monkeypatch, caplog) -> None:
    """A data root the registry cannot be written in (read-only): a touched file's hash could not
    be recorded, so every check in one process (each question of `halo chat`, each hourly tick
    of the daemon's schedule) read the whole file again and warned again. Once per process and
    file version now, and the warning says that each new command reads the file again, and why."""
    video = make_video(tmp_path / "talk.mp4", duration_s=2.0, cuts=())
    registry.register(video, "talk")
    lock = data_root / "registry.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()  # cannot be opened for writing, even by root (who ignores file modes)
    hashed: list[str] = []
    real = registry.sha256_file
    monkeypatch.setattr(registry, "sha256_file", lambda path: hashed.append(str(path)) or real(path))
    for touch in (1, 2):
        stat = video.stat()
        os.utime(video, ns=(stat.st_atime_ns, stat.st_mtime_ns + touch * 10**9))
        caplog.clear()
        with caplog.at_level("WARNING", logger="halo.registry"):
            for _ in range(3):
                assert registry.content_sha256("talk", str(video)) == hashlib.sha256(video.read_bytes()).hexdigest()
        assert hashed == [str(video)] * touch  # once per new size or mtime, not once per check
        [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert "was not recorded, so each new `halo` command reads the whole file again" in warning, warning
        assert "lock file could not be written" in warning and "HALO_DATA_DIR" in warning, warning


def test_a_registry_written_by_a_newer_halo_is_read(data_root) -> None:
    """Entries with fields this HALO does not know are read without them: a HALO from before
    `sha256` took the registry a newer one wrote for "not a video registry" (TypeError) and
    refused every command. What is not a registry is still refused, naming the file."""
    import json

    import pytest

    from halo.errors import NotReadable
    from halo.store import registry_file

    talk = {"video_id": "talk", "path": "/videos/talk.mp4", "size_bytes": 10, "mtime_ns": 20, "sha256": "ab",
            "duration_s": 3.5}
    after = {**talk, "video_id": "next", "path": "/videos/next.mp4", "tags": ["x"]}
    registry_file().write_text(json.dumps({"talk": talk, "next": after}))
    assert registry.all_videos() == {
        "talk": registry.VideoEntry("talk", "/videos/talk.mp4", 10, 20, "ab"),
        "next": registry.VideoEntry("next", "/videos/next.mp4", 10, 20, "ab")}
    registry_file().write_text(json.dumps({"talk": {"video_id": "talk"}}))  # no path: not a registry entry
    with pytest.raises(NotReadable, match="not a video registry"):
        registry.all_videos()

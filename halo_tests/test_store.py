"""halo.store: one root for every stored output; a storage root apart from the data root gets
the outputs, and media travel between the local working copy and the store."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from halo import registry
from halo.paths import media_dir
from halo.qa.sessions import load_session, save_session
from halo.storage import write_parquet_atomic
from halo.store import (
    fetch_media,
    load_output,
    local_keyframes,
    output_path,
    publish_media,
    storage_root,
    stored_media,
)
from halo_tests.test_ops.homes import defaults_home


def test_default_root_is_the_data_root(data_root, monkeypatch) -> None:
    monkeypatch.delenv("HALO_STORAGE_ROOT", raising=False)
    assert str(storage_root()) == str(data_root)
    assert str(output_path("chunks", "v")) == str(data_root / "parquet" / "chunks" / "v.parquet")
    assert load_output("chunks", "v") is None
    assert str(stored_media("v")) == str(media_dir("v"))
    publish_media("v", "audio.wav")  # same place: nothing to copy, nothing fails


def test_outputs_go_to_the_storage_root(data_root, tmp_path, monkeypatch) -> None:
    shared = tmp_path / "shared"
    monkeypatch.setenv("HALO_STORAGE_ROOT", str(shared))
    write_parquet_atomic(pd.DataFrame({"x": [1, 2]}), output_path("chunks", "v"))
    assert load_output("chunks", "v")["x"].tolist() == [1, 2]
    assert (shared / "parquet" / "chunks" / "v.parquet").is_file()

    video = data_root / "videos" / "v.mp4"
    video.parent.mkdir()
    video.write_bytes(b"not really a video")
    registry.register(video, "v")
    assert (shared / "registry.json").is_file() and registry.lookup("v").path == str(video)

    save_session(load_session("v", "s1"))
    assert (shared / "qa" / "v" / "s1.json").is_file()

    work = media_dir("v")
    (work / "keyframes").mkdir(parents=True)
    (work / "keyframes" / "scene_0000.jpg").write_bytes(b"jpeg")
    (work / "audio.wav").write_bytes(b"wav")
    publish_media("v", "audio.wav", "keyframes")
    assert (shared / "media" / "v" / "keyframes" / "scene_0000.jpg").read_bytes() == b"jpeg"
    (work / "keyframes" / "scene_0000.jpg").unlink()
    (work / "keyframes" / "scene_0001.jpg").write_bytes(b"new")
    publish_media("v", "keyframes")  # the stored folder matches the working one: no stale keyframe
    assert sorted(p.name for p in (shared / "media" / "v" / "keyframes").iterdir()) == ["scene_0001.jpg"]

    shutil.rmtree(work)
    fetch_media("v", "audio.wav", "keyframes", "chunk_timeline.png")  # a missing name is skipped
    assert (work / "audio.wav").read_bytes() == b"wav" and (work / "keyframes" / "scene_0001.jpg").is_file()

    shutil.rmtree(work)  # another machine, another data root: the table's paths are rewritten to its copy
    scenes = pd.DataFrame({"scene_id": [0], "keyframe_path": ["/elsewhere/media/v/keyframes/scene_0001.jpg"]})
    here = local_keyframes("v", scenes)["keyframe_path"].iloc[0]
    assert here == str(work / "keyframes" / "scene_0001.jpg") and (work / "keyframes" / "scene_0001.jpg").is_file()


@pytest.mark.parametrize("bad", ["../x", "a/b"])
def test_paths_refuse_bad_video_ids(data_root, bad) -> None:
    from halo.errors import HaloError

    with pytest.raises(HaloError):
        output_path("chunks", bad)


def test_a_data_root_that_cannot_be_written_is_one_clear_error(tmp_path, monkeypatch) -> None:
    """A read-only HALO_DATA_DIR: `halo add` / `halo process` and `halo speakers --name` ended in an
    OSError traceback. (Root ignores file modes, so the root here sits below a file.)"""
    from click.testing import CliRunner

    from halo.errors import NotWritable
    from halo.paths import samples_dir
    from halo.store import save_roster
    from halo_cli.cli import main

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("HALO_DATA_DIR", str(blocker / "data"))
    monkeypatch.delenv("HALO_STORAGE_ROOT", raising=False)
    sample = samples_dir() / "meeting.mp4"
    ran = CliRunner().invoke(main, ["add", str(sample)])
    assert ran.exit_code == 1, ran.output
    assert ran.exception is None or isinstance(ran.exception, SystemExit)
    assert len(ran.output.strip().splitlines()) == 1, ran.output
    assert f"{sample} was not registered" in ran.output and "HALO_DATA_DIR" in ran.output
    with pytest.raises(NotWritable, match=r"speaker names of video 'meeting' were not saved.*HALO_DATA_DIR"):
        save_roster("meeting", {"SPEAKER_00": "Ann"}, "digest")
    # The embedded Redis cannot start there: its own reason, not "start it or fix REDIS_URL" (none is set).
    monkeypatch.delenv("REDIS_URL", raising=False)
    for argv in (["cache", "stats"], ["cache", "clear"]):
        ran = CliRunner().invoke(main, argv)
        errors = [line for line in ran.output.splitlines() if line.startswith("Error:")]
        assert ran.exit_code == 1 and len(errors) == 1 and not ran.stdout, ran.output
        assert "embedded redis-server under" in errors[0] and "Not a directory" in errors[0], errors
        assert "fix REDIS_URL" not in errors[0]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_stored_files_get_the_mode_the_umask_gives(data_root, umask, mode) -> None:
    """Outputs, the registry and exports are shared with other users of a data root (the
    webserver's user, a teammate): they used to be created 0600 whatever the umask."""
    import os
    import stat

    from halo.storage import write_bytes_atomic

    saved = os.umask(umask)
    try:
        write_parquet_atomic(pd.DataFrame({"x": [1]}), output_path("chunks", "v"))
        write_bytes_atomic(data_root / "export.json", b"{}")
    finally:
        os.umask(saved)
    for path in (data_root / "parquet" / "chunks" / "v.parquet", data_root / "export.json"):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


@pytest.mark.parametrize("damage", ["a folder in its place", "truncated JSON", "JSON of another shape"])
def test_a_registry_that_cannot_be_read_says_read_not_written(data_root, tmp_path, monkeypatch, damage) -> None:
    """An unreadable registry.json was reported as "the registry could not be written" with the
    fix "make HALO_DATA_DIR writable" (a folder in its place), or ended in a JSONDecodeError
    traceback (a damaged file). The message says it could not be read, names the file and the fix."""
    from click.testing import CliRunner

    from halo.errors import NotReadable
    from halo.paths import samples_dir
    from halo.store import registry_file
    from halo_cli.cli import main

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    defaults_home(tmp_path / "dagster_home")
    path = registry_file()
    if damage == "a folder in its place":
        path.mkdir(parents=True)
    else:
        path.write_text('{"talk": ' if damage == "truncated JSON" else '["talk"]')
    sample = samples_dir() / "meeting.mp4"
    ran = CliRunner().invoke(main, ["add", str(sample)])
    assert ran.exit_code == 1 and len(ran.output.strip().splitlines()) == 1, ran.output
    assert f"{sample} was not registered: the video registry {path} could not be read" in ran.output
    assert "written" not in ran.output and "move it aside" in ran.output, ran.output
    with pytest.raises(NotReadable, match=r"^The video registry .* could not be read"):
        registry.all_videos()


def test_a_registry_that_cannot_be_written_says_written(data_root, monkeypatch) -> None:
    from halo.errors import NotWritable
    from halo.paths import samples_dir
    from halo.store import registry_file

    def read_only(path, data):
        raise OSError(30, "Read-only file system", str(path))

    monkeypatch.setattr(registry, "write_bytes_atomic", read_only)
    sample = samples_dir() / "meeting.mp4"
    with pytest.raises(NotWritable, match=rf"{sample} was not registered: the video registry "
                                          rf"{registry_file()} could not be written \(Read-only file system\)"):
        registry.register(sample)


def test_a_lock_the_file_system_refuses_is_one_error_naming_the_fix(data_root, monkeypatch) -> None:
    """On a network file system without locks, flock raises "No locks available": that was a
    traceback from inside the registry's lock."""
    import errno

    from halo.errors import NotWritable
    from halo.paths import samples_dir

    def no_locks(handle, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(registry.fcntl, "flock", no_locks)
    sample = samples_dir() / "meeting.mp4"
    with pytest.raises(NotWritable, match=rf"{sample} was not registered: the registry's lock file .* could not be "
                                          r"locked \(No locks available\)\. Put HALO_DATA_DIR on a disk that supports"):
        registry.register(sample)

"""`halo add PATH`: validates, registers, adds the partition and (with --run) processes it."""

from __future__ import annotations

import shutil

import pandas as pd
from click.testing import CliRunner
from dagster import DagsterInstance

from halo import registry
from halo_cli.cli import main
from halo.store import parquet_root
from halo_tests.synth import make_video


def test_halo_add_registers_and_runs(data_root, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    video = make_video(tmp_path / "in" / "Board Review.mp4", cuts=(1.5,), duration_s=3.0)
    runner = CliRunner()

    added = runner.invoke(main, ["add", str(video)])
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "board-review"
    assert registry.lookup("board-review").path == str(video.resolve())
    assert DagsterInstance.get().get_dynamic_partitions("videos") == ["board-review"]

    copy = shutil.copy(video, tmp_path / "in" / "Board Review 2.mp4")  # the same file is refused a second id
    ran = runner.invoke(main, ["add", str(copy), "--id", "board_2", "--run"])
    assert ran.exit_code == 0, ran.output
    scenes = pd.read_parquet(parquet_root() / "scenes" / "board_2.parquet")
    assert len(scenes) == 2 and abs(scenes["start"].iloc[1] - 1.5) <= 0.5
    assert sorted(DagsterInstance.get().get_dynamic_partitions("videos")) == ["board-review", "board_2"]


def test_halo_add_rejects_bad_input_clearly(data_root, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    (tmp_path / "dagster_home").mkdir()
    runner = CliRunner()
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    video = make_video(tmp_path / "ok.mp4", duration_s=1.0, cuts=())
    cases = {
        str(tmp_path / "missing.mp4"): "No video file",
        str(empty): "empty (0 bytes)",
    }
    for path, message in cases.items():
        result = runner.invoke(main, ["add", path])
        assert result.exit_code == 1 and message in result.output
    result = runner.invoke(main, ["add", str(video), "--id", "../../etc"])
    assert result.exit_code == 1 and "Invalid video id" in result.output
    assert registry.all_videos() == {}
    assert DagsterInstance.get().get_dynamic_partitions("videos") == []


def test_halo_add_with_a_dagster_home_that_is_not_a_folder(data_root, tmp_path, monkeypatch) -> None:
    """DAGSTER_HOME missing or relative: Dagster's traceback, after the video was already registered."""
    from halo.paths import samples_dir

    for home in (tmp_path / "no-such-home", "relative/home"):
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        added = CliRunner().invoke(main, ["add", str(samples_dir() / "meeting.mp4")])
        assert added.exit_code == 1 and not added.stdout, added.output
        errors = [line for line in added.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and f"DAGSTER_HOME={home} is not an existing folder" in errors[0], added.output
        assert "mkdir -p" in errors[0] and registry.all_videos() == {}
    # DAGSTER_HOME="~/dagster" (quoted, so never expanded): the fix named ./~/dagster, not the home folder's
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", "~/dagster")
    added = CliRunner().invoke(main, ["add", str(samples_dir() / "meeting.mp4")])
    home = tmp_path / "home" / "dagster"
    assert f"`mkdir -p {home}` and set DAGSTER_HOME={home}," in added.output, added.output

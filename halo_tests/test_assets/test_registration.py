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
from halo_tests.test_ops.homes import defaults_home


def test_halo_add_registers_and_runs(data_root, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    defaults_home(tmp_path / "dagster_home")
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
    defaults_home(tmp_path / "dagster_home")
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


def test_a_dangling_symlink_is_named_as_typed_with_the_fix(data_root, tmp_path, monkeypatch) -> None:
    """`halo add/process clip.mp4` (a link to a moved file) said "No video file at <target>: check
    the path or re-register the video", for a video never registered."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    defaults_home(tmp_path / "dagster_home")
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "moved" / "talk.mp4"
    (tmp_path / "clip.mp4").symlink_to(target)
    for argv in (["add", "clip.mp4"], ["add", "clip.mp4", "--run"], ["process", "clip.mp4"]):
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 1, result.output
        assert (f"Error: clip.mp4 is a symlink whose target {target} does not exist" in result.output
                and "`ln -sfn /path/to/video.mp4 clip.mp4`" in result.output), result.output
        assert "re-register" not in result.output
    assert registry.all_videos() == {} and DagsterInstance.get().get_dynamic_partitions("videos") == []


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


def test_a_dagster_home_without_dagster_yaml_is_named_with_the_fix(data_root, tmp_path, monkeypatch, capsys) -> None:
    """A DAGSTER_HOME with no dagster.yaml ran silently on Dagster's defaults: no one-run-per-video
    limit (a second run of a video paid Gemini again beside the first), no run monitoring. `halo
    add` (as every command that opens the instance) warns, naming the fix, and a run's progress
    says which instance settings it runs with."""
    from dagster import job, op

    from halo.paths import PROJECT_ROOT
    from halo_assets.progress import stage_progress_logger

    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    video = make_video(tmp_path / "in" / "talk.mp4", cuts=(), duration_s=2.0)
    added = CliRunner().invoke(main, ["add", str(video)])
    assert added.exit_code == 0 and added.stdout == "talk\n", added.output
    warning = " ".join(added.stderr.split())
    assert f"DAGSTER_HOME={home} has no dagster.yaml" in warning and "one run per video" in warning, warning
    assert f"`cp {PROJECT_ROOT / 'dagster.yaml'} {home}/`, or unset DAGSTER_HOME" in warning, warning

    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")  # the fix (settings of one's own)
    again = CliRunner().invoke(main, ["add", str(video)])
    assert again.exit_code == 0 and "dagster.yaml" not in again.stderr, again.output

    @op
    def stage() -> None:
        pass

    @job(logger_defs={"stage_progress": stage_progress_logger})
    def one_stage() -> None:
        stage()

    capsys.readouterr()
    assert one_stage.execute_in_process(instance=DagsterInstance.get(),
                                        run_config={"loggers": {"stage_progress": {}}}).success
    assert f"Dagster instance: {home / 'dagster.yaml'}" in " ".join(capsys.readouterr().err.split())


def test_a_copy_of_a_registered_file_is_registered_with_a_warning_naming_the_original(
        data_root, tmp_path, caplog) -> None:
    """The same bytes under another name were registered (and then processed and billed) as a
    second video without a word. A file of the same size with other bytes is no copy."""
    video = make_video(tmp_path / "talk.mp4", duration_s=2.0, cuts=())
    original, _ = registry.register(video)
    other = tmp_path / "other.mp4"
    other.write_bytes(bytes(b ^ 0xFF for b in video.read_bytes()))  # same size, other bytes
    with caplog.at_level("WARNING", logger="halo.registry"):
        registry.register(other)
    assert "same bytes" not in caplog.text
    copy = shutil.copy(video, tmp_path / "talk copy.mp4")
    with caplog.at_level("WARNING", logger="halo.registry"):
        entry, _ = registry.register(copy)
        registry.register(copy)  # already registered: said once
    assert entry.video_id == "talk-copy" and set(registry.all_videos()) == {"talk", "other", "talk-copy"}
    warnings = [r.getMessage() for r in caplog.records if "same bytes" in r.getMessage()]
    assert warnings == [f"{copy} holds the same bytes as video {original.video_id!r} ({video}): processing it as "
                        "'talk-copy' repeats, and with Gemini bills, the same work. Ask about 'talk' instead "
                        "(`halo ask talk \"...\"`), or keep one of the files."]


def test_a_file_is_read_whole_once_from_add_to_its_probe(data_root, tmp_path, monkeypatch) -> None:
    """`halo add` probed the file, hashing it whole, and threw the hash away; a new version under
    a registered id was hashed again by registration, and the `video_file` probe hashed it once
    more (an hour of video read three times). Now: a new file is hashed once, by its probe; a new
    version once, by registration, whose hash the probe takes. The stored hashes are the bytes'."""
    import hashlib
    from pathlib import Path

    from dagster import materialize

    from halo import media
    from halo.storage import sha256_file
    from halo.store import load_output
    from halo_assets.ingest import video_file
    from halo_assets.registration import add_video
    from halo_resources.environments import get_resources

    hashed: list[str] = []

    def counting(path) -> str:
        hashed.append(Path(path).name)
        return sha256_file(path)

    monkeypatch.setattr(media, "sha256_file", counting)
    monkeypatch.setattr(registry, "sha256_file", counting)
    instance = DagsterInstance.ephemeral()
    video = make_video(tmp_path / "in" / "talk.mp4", duration_s=2.0, cuts=())

    def probed_sha256() -> str:
        assert materialize([video_file], partition_key="talk", instance=instance, resources=get_resources()).success
        return str(load_output("video_file", "talk")["sha256"].iloc[0])

    assert add_video(video, instance=instance).video_id == "talk" and hashed == []  # a new file: nothing to compare
    assert probed_sha256() == hashlib.sha256(video.read_bytes()).hexdigest() and hashed == ["talk.mp4"]
    newer = make_video(tmp_path / "new" / "talk.mp4", duration_s=3.0, cuts=(1.0,))
    video.write_bytes(newer.read_bytes())  # a new version of the registered file
    add_video(video, instance=instance)
    assert hashed == ["talk.mp4"] * 2  # by registration: the id's file changed
    assert probed_sha256() == hashlib.sha256(newer.read_bytes()).hexdigest() and hashed == ["talk.mp4"] * 2


def test_a_copy_of_dagster_yaml_in_another_dagster_home_keeps_the_storage_under_the_project(
        data_root, tmp_path, monkeypatch) -> None:
    """A DAGSTER_HOME holding a copy of the project's dagster.yaml (the fix a home without one is
    told) had its relative base_dir (data/dagster) resolved by Dagster against the working
    directory: `halo` run from another folder made a new, empty instance there, without the runs
    and partitions the UI shows. Relative paths are read under the project root, where make and
    dg dev start Dagster (and so where Dagster resolves them)."""
    from halo.paths import PROJECT_ROOT
    from halo_assets import registration

    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setattr(registration, "PROJECT_ROOT", project)  # a project root of the test's own
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = registration.default_instance()
    try:
        instance.add_dynamic_partitions("videos", ["talk"])
        assert instance.root_directory == str(project / "data" / "dagster")
        assert (project / "data" / "dagster").is_dir() and list(elsewhere.iterdir()) == []
    finally:
        instance.dispose()

"""`halo sessions ID` for an id that names no video."""

from __future__ import annotations

from click.testing import CliRunner

from halo_cli.cli import main
from halo_tests.test_cli.conftest import project_env


def test_sessions_of_an_unknown_video_is_an_error_not_an_empty_list(tmp_path, monkeypatch):
    """`halo sessions meetnig` (a typo) said "No Q&A sessions for meetnig yet: `halo ask meetnig ...`
    starts one", exit 0, and that `halo ask` then failed with "Unknown video"; `halo chat meetnig`
    and `halo report meetnig` exit 1 naming the registered videos."""
    project_env(monkeypatch, tmp_path)
    for argv in (["sessions", "meetnig"], ["sessions", "meetnig", "--json"]):
        ran = CliRunner().invoke(main, argv)
        assert ran.exit_code == 1 and len(ran.output.strip().splitlines()) == 1, ran.output
        assert "Unknown video 'meetnig'" in ran.output and "halo add PATH --run" in ran.output

"""A registered file replaced after it was processed: `halo ask ID`, `halo report ID` and the
API answered and reported from the old version's outputs without a word (the report's header
even gave the old size and duration as the file's). A touched file is no change."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from halo.paths import PROJECT_ROOT, samples_dir

CHANGED = "changed since it was processed"


def _halo(*args: str) -> subprocess.CompletedProcess:
    """One `python -m halo` process, as a user runs it (its stderr is the terminal's)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-m", "halo", *args], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    return out


def test_answers_and_the_report_say_when_the_file_changed_since_it_was_processed(
        sample_root, tmp_path, no_key_env, fresh_redis, monkeypatch, caplog):
    from halo import registry
    from halo_cli.pipeline import HALOPipeline

    monkeypatch.setenv("REDIS_URL", fresh_redis)
    video = tmp_path / "meeting.mp4"
    shutil.copy(samples_dir() / "meeting.mp4", video)
    registry.register(video, "meeting", replace=True)  # the processed outputs are of this very file
    question = "Which animals did they draw?"
    assert CHANGED not in _halo("ask", "meeting", question).stderr
    assert CHANGED not in _halo("report", "meeting").stdout
    os.utime(video, (1e9, 1e9))  # touched: other mtime, same bytes
    assert CHANGED not in _halo("ask", "meeting", question).stderr

    shutil.copy(samples_dir() / "meeting.truth.json", video)  # another file under the same name
    asked = _halo("ask", "meeting", question)  # the repeat is an exact-cache hit
    fresh = _halo("ask", "meeting", "What did they say about the battery?", "--session", "other")
    assert CHANGED in asked.stderr and CHANGED in fresh.stderr
    why = registry.source_changed("meeting")
    assert why.startswith(f"The file of video 'meeting', {video}, {CHANGED} (")
    assert f"{(samples_dir() / 'meeting.mp4').stat().st_size:,} bytes then, {video.stat().st_size:,} now" in why
    assert why.endswith(f"Process it again: `halo process {video}`.")
    assert asked.stdout.strip() and fresh.stdout.strip()  # still answered from what is stored
    assert why in asked.stderr and why in fresh.stderr
    report = _halo("report", "meeting", "--json")
    assert CHANGED not in report.stdout  # --json stays JSON
    assert "Source file changed" in _halo("report", "meeting").stdout
    with caplog.at_level("WARNING", logger="halo.registry"):
        HALOPipeline().ask_question(question, "meeting", session="api")
    assert why in caplog.text


def test_a_file_replaced_and_registered_again_without_processing_is_still_changed(sample_root, tmp_path):
    """`halo add PATH` (no --run) of a replaced file, `halo add OTHER --id ID --replace`, or the
    sensor registering it before its run: the registry then holds the new fingerprint, which
    source_changed's stat shortcut took for "processed as it is" and said nothing."""
    from halo import registry

    video, other = tmp_path / "meeting.mp4", tmp_path / "other.mp4"
    shutil.copy(samples_dir() / "meeting.mp4", video)
    registry.register(video, "meeting", replace=True)
    assert registry.source_changed("meeting") == ""
    shutil.copy(samples_dir() / "meeting.truth.json", video)
    registry.register(video, "meeting")  # halo add, no --run
    assert CHANGED in registry.source_changed("meeting")
    shutil.copy(samples_dir() / "meeting.truth.json", other)
    registry.register(other, "meeting", replace=True)  # re-pointed to another file, not processed
    assert CHANGED in registry.source_changed("meeting")

"""Counts the CLI prints agree with their number: a trial's short clip read "1 chunks"."""

from __future__ import annotations

from types import SimpleNamespace

from click.testing import CliRunner

from halo_cli import cli
from halo_cli.counts import counted


def test_counted_is_singular_for_exactly_one():
    assert [counted(n, "chunk") for n in (0, 1, 2)] == ["0 chunks", "1 chunk", "2 chunks"]
    assert counted(1, "cache entry", "cache entries") == "1 cache entry"
    assert counted(3, "miss", "misses") == "3 misses"


def test_process_of_a_one_chunk_video_prints_1_chunk(monkeypatch, tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"x")
    metrics = {"run_id": "r", "stage_seconds": {"chunks": 1.0}, "calls": 1, "cost_usd": 0.0, "naive_cost_usd": 0.0}
    ran_pipeline = SimpleNamespace(
        process_video=lambda *a, **kw: ([{"chunk_id": 0}], {"video_id": "clip", "answer": None}, metrics))
    monkeypatch.setattr(cli, "_pipeline", lambda ctx, **kw: ran_pipeline)
    ran = CliRunner().invoke(cli.main, ["process", str(video)])
    assert ran.exit_code == 0, ran.output
    assert ran.stdout == "clip\n" and ran.stderr.startswith("1 chunk; ") and "1 chunks" not in ran.stderr

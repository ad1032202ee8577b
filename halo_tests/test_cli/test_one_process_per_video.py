"""Two `halo process` of one video at once: the second waits for the first, then reuses."""

from __future__ import annotations

import logging
import threading
import time

from halo_cli.pipeline import HALOPipeline
from halo_tests.test_cli.conftest import SAMPLE, project_env


def test_two_processings_of_one_video_never_run_side_by_side(tmp_path, monkeypatch, caplog):
    """Measured: two `halo process twin.mp4` started 2 s apart both ran all 14 stages side by side
    and the video's LLM calls went from 2 to 4 (with Gemini, paid twice), although the README
    says a video has at most one run at a time whatever starts it: dagster.yaml's per-video run
    limit only holds queued runs, and in-process runs are never queued. What to run and running
    it now happen under a per-video lock; the second finds the first one's outputs."""
    project_env(monkeypatch, tmp_path)
    caplog.set_level(logging.WARNING)
    inside, most = [], []

    def decide_and_run(self, video_id, path, signature):  # stands for choosing the assets + the run
        inside.append(video_id)
        most.append(len(inside))
        time.sleep(0.5)
        inside.pop()
        return None  # nothing to run: outputs stored

    monkeypatch.setattr(HALOPipeline, "_assets_to_run", decide_and_run)
    monkeypatch.setattr(HALOPipeline, "outputs", lambda self, video_id: dict.fromkeys(
        ("chunks", "chunk_summaries", "video_summary", "chapters")))
    monkeypatch.setattr(HALOPipeline, "metrics", lambda self, video_id, run_id=None: {})
    HALOPipeline().process_video(SAMPLE)  # registers it first, so the two below race only to run it
    most.clear()
    threads = [threading.Thread(target=HALOPipeline().process_video, args=(SAMPLE,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert most == [1, 1]
    assert "video 'meeting' is being processed by another process on this machine: waiting for it" in caplog.text

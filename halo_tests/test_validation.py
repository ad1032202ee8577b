"""The invariants behind HALO's asset checks, on hand-checked cases, and the checks in a real run."""

import pandas as pd
from dagster import DagsterInstance, materialize

from halo import registry
from halo.validation import (
    audio_duration_problems,
    chunk_length_problems,
    chunk_order_problems,
    scene_tiling_problems,
)
from halo_assets import ingest, vision
from halo_assets.partitions import videos_partitions
from halo_resources.environments import get_resources
from halo_tests.synth import make_video


def spans(*pairs):
    return pd.DataFrame(pairs, columns=["start", "end"])


def test_audio_duration_tolerance_is_50_ms():
    assert audio_duration_problems(10.04, 10.0) == []
    assert audio_duration_problems(10.2, 10.0) == ["audio lasts 10.200 s but the video 10.000 s"]


def test_scene_tiling():
    assert scene_tiling_problems(spans((0, 4), (4, 10)), 10.0) == []
    assert scene_tiling_problems(spans((0, 4), (5, 10)), 10.0) == ["1 gaps between scenes"]
    assert scene_tiling_problems(spans((0, 4), (3, 10)), 10.0) == ["1 scenes overlap the one before"]
    assert scene_tiling_problems(spans((0, 4), (4, 9)), 10.0) == ["the last scene ends at 9.00 s, the video at 10.00 s"]
    assert scene_tiling_problems(spans(), 0.0) == []


def test_chunk_order_and_lengths():
    good = spans((0, 30), (30, 90), (91, 150))
    assert chunk_order_problems(good) == [] and chunk_length_problems(good, 20, 300) == []
    assert chunk_order_problems(spans((0, 30), (20, 60))) == ["1 chunks overlap the one before"]
    assert chunk_length_problems(spans((0, 10), (10, 400)), 20, 300) == [
        "1 chunks shorter than 20 s", "1 chunks longer than 300 s"]
    assert chunk_length_problems(spans((0, 5)), 20, 300) == []  # a 5 s video is one short chunk


def test_ingest_checks_pass_on_a_real_run(data_root, tmp_path):
    video = make_video(tmp_path / "cuts.mp4", cuts=(2.0, 4.0), duration_s=6.0)
    entry, _ = registry.register(video)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(videos_partitions.name, [entry.video_id])
    run = materialize([ingest.video_file, ingest.audio, vision.scenes], partition_key=entry.video_id,
                      instance=instance, resources={"io_manager": get_resources()["io_manager"]})
    evaluations = run.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {"audio_covers_video", "scenes_tile_the_video"}
    assert all(e.passed for e in evaluations)

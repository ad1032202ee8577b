"""Podcasts end to end: an MP3 with cover art and an M4A made from the bundled sample's speech go
through every asset (no scenes, no keyframes) and `halo ask` answers about them, on the local
backend. Truth: data/samples/meeting.truth.json (what was said, and when each topic ran)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from dagster import DagsterInstance, materialize

from halo import registry
from halo.chunking.chapters import MIN_CHAPTERS
from halo.eval.speech import wer
from halo.paths import media_dir
from halo.store import parquet_root
from bench.samplegen import load_truth
from halo.vision.scenes import SCENE_COLUMNS
from halo_tests.synth_media import SAMPLE, sample_speech, truth_text, write_podcast
from halo_tests.test_llm.conftest import fresh_redis, no_key_env, redis_url  # noqa: F401 - shared fixtures


def stored(asset: str, video_id: str) -> pd.DataFrame:
    return pd.read_parquet(parquet_root() / asset / f"{video_id}.parquet")


@pytest.mark.slow
def test_podcasts_process_end_to_end_and_answer_questions(data_root, no_key_env, fresh_redis, monkeypatch):
    from halo_cli.cli import main
    from halo_assets.definitions import ASSETS
    from halo_resources.cache import CacheResource
    from halo_resources.environments import get_resources

    truth = load_truth(SAMPLE)
    speech = sample_speech()
    episodes = [
        write_podcast(data_root / "videos" / "remote-control-episode.mp3", speech, cover=True),
        write_podcast(data_root / "videos" / "remote-control-episode-aac.m4a", speech),
    ]
    partitioned = [a for a in ASSETS if getattr(a, "partitions_def", None) is not None]
    resources = {**get_resources("local"), "cache": CacheResource(redis_url=fresh_redis)}
    monkeypatch.setenv("REDIS_URL", fresh_redis)
    animals = next(t for t in truth["topics"] if "animal" in t["title"].lower())
    for path in episodes:
        entry, _ = registry.register(path)
        instance = DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("videos", [entry.video_id])
        assert materialize(partitioned, partition_key=entry.video_id, instance=instance, resources=resources).success

        probe = stored("video_file", entry.video_id).iloc[0]
        assert not probe["has_video"] and probe["duration_s"] == pytest.approx(truth["duration_s"], abs=0.1)
        scenes = stored("scenes", entry.video_id)
        assert list(scenes.columns) == SCENE_COLUMNS and scenes.empty
        assert not (media_dir(entry.video_id) / "keyframes").exists()
        said = " ".join(stored("transcript", entry.video_id)["text"])
        error = wer(truth_text(), said)
        print(f"{path.name}: WER {error:.3f}")
        assert error <= 0.15  # the same speech in the MP4 sample: 5.7 %
        chunks = stored("chunks", entry.video_id)
        assert len(chunks) > 1 and set(stored("utterances", entry.video_id)["scene_id"]) == {-1}
        assert len(stored("chunk_summaries", entry.video_id)) == len(chunks)
        chapters = [c["start"] for c in stored("video_summary", entry.video_id).iloc[0]["chapters"]]
        assert set(chapters) <= set(chunks["start"]) and len(chapters) == min(len(chunks), MIN_CHAPTERS)

        out = CliRunner().invoke(main, ["ask", entry.video_id, "Which animals did they draw?", "--json"])
        assert out.exit_code == 0, out.output
        turn = json.loads(out.stdout)
        assert turn["citations"] and all(animals["start"] - 1 <= c["start"] <= animals["end"] for c in turn["citations"])

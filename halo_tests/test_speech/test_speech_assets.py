"""transcript, diarization and utterances materialized by Dagster for a short generated meeting."""

from __future__ import annotations

import pandas as pd
from dagster import DagsterInstance, materialize

from halo import registry
from halo.eval.speech import wer
from halo.store import parquet_root
from bench.samplegen import make_meeting_video
from halo_assets.ingest import audio, video_file
from halo_assets.speech import diarization, transcript, utterances
from halo_assets.vision import scenes
from halo_resources.environments import get_resources


def stored(asset: str, video_id: str) -> pd.DataFrame:
    return pd.read_parquet(parquet_root() / asset / f"{video_id}.parquet")


def test_speech_assets_on_a_short_meeting(data_root) -> None:
    path = data_root / "videos" / "standup.mp4"
    truth = make_meeting_video(path, 40.0)
    entry, _ = registry.register(path)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    result = materialize(
        [video_file, audio, scenes, transcript, diarization, utterances],
        partition_key=entry.video_id,
        instance=instance,
        resources=get_resources(),
    )
    assert result.success
    meta = {name: result.asset_materializations_for_node(name)[0].metadata for name in ("transcript", "diarization")}
    assert meta["transcript"]["word_timing"].value == "faster-whisper"
    assert meta["transcript"]["real_time_factor"].value > 0

    words = stored("transcript", entry.video_id)
    assert wer(" ".join(t["text"] for t in truth["turns"]), " ".join(words["text"])) <= 0.25
    first = list(words["words"].iloc[0])[0]
    assert set(first) == {"word", "start", "end", "prob"}

    turns = stored("diarization", entry.video_id)
    assert turns["speaker"].nunique() == len({t["speaker"] for t in truth["turns"]})

    utts = stored("utterances", entry.video_id)
    assert list(utts.columns) == ["utt_id", "start", "end", "speaker", "scene_id", "text"]
    shots = stored("scenes", entry.video_id)
    assert set(utts["scene_id"]) <= set(shots["scene_id"])
    assert utts["utt_id"].tolist() == list(range(len(utts)))

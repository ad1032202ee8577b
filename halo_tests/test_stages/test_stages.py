"""Stages are plain functions: called without Dagster they give the frame, the figures and the
problems the assets report (checked against the synthetic video's truth)."""

from __future__ import annotations

import pandas as pd
import pytest

from halo.llm.ledger import CallRecord, records_frame
from halo.llm.pricing import price_for
from halo.stages import FileLink, Markdown, ingest, vision
from halo.stages.costs import library_costs
from halo_tests.synth import make_video

CUTS = (1.0, 2.5)


def test_ingest_and_scene_stages_without_dagster(tmp_path) -> None:
    path = make_video(tmp_path / "v.mp4", cuts=CUTS, duration_s=4.0)
    probe = ingest.probe_video("v", path, "fp")
    assert list(probe.frame.columns) == ingest.VIDEO_FILE_COLUMNS
    assert abs(probe.metrics["duration_s"] - 4.0) < 0.05 and probe.metrics["fingerprint"] == "fp"
    assert isinstance(probe.metrics["path"], FileLink) and probe.problems == {}

    audio = ingest.extract_audio("v", probe.frame, tmp_path / "media" / "audio.wav")
    assert (tmp_path / "media" / "audio.wav").is_file()
    assert audio.problems == {ingest.AUDIO_CHECK: []}  # as long as the video

    scenes = vision.scenes(probe.frame, tmp_path / "media" / "keyframes")
    starts = scenes.frame["start"].tolist()[1:]
    assert len(starts) == len(CUTS) and all(abs(s - t) <= 0.5 for s, t in zip(starts, CUTS))
    assert scenes.problems == {vision.SCENES_CHECK: []} and scenes.metrics["cuts"] == len(CUTS)
    assert isinstance(scenes.metrics["preview"], Markdown)
    assert len(list((tmp_path / "media" / "keyframes").iterdir())) == len(CUTS) + 1


def test_library_costs_stage_counts_the_baseline_once_and_skips_the_total_row() -> None:
    calls = [CallRecord("a", "chunk_summaries", "chunk_summary", "local", "m", run_id=run, cost_usd=0.01,
                        naive_tokens=1000, naive_cost_usd=0.5) for run in ("r1", "r2")]
    result = library_costs(records_frame(calls), {"a": 60.0})
    row = result.frame.set_index("video_id").loc["a"]
    assert row["runs"] == 2 and row["naive_tokens"] == 1000 and abs(row["cost_usd_lifetime"] - 0.02) < 1e-9
    assert result.row_count == 1 and result.frame.iloc[-1]["video_id"] == "TOTAL"
    assert isinstance(result.metrics["table"], pd.DataFrame)


def test_cost_stages_price_an_audio_only_file_s_baselines_as_sound_alone() -> None:
    """A podcast's per-question baselines in cost_ledger's metadata and library_costs counted
    258 tokens of pictures per second (of a video it is not) beside its 32 of sound."""
    from halo.llm.baseline import ANSWER_TOKENS, MediaStreams, media_tokens, media_usd
    from halo.stages.costs import cost_ledger

    sound = MediaStreams(video=False)
    calls = [CallRecord(vid, "chunk_summaries", "chunk_summary", "local", "m", run_id="r1") for vid in ("pod", "vid")]
    ledger = records_frame(calls)
    meta = cost_ledger(ledger[ledger["video_id"] == "pod"], 600.0, "r1", streams=sound).metrics
    assert meta["naive_tokens_per_question"] == media_tokens(600.0, streams=sound).total == 600 * 32
    table = library_costs(ledger, {"pod": 600.0, "vid": 600.0}, {"pod": sound}).frame
    per_question = table.set_index("video_id")["naive_default_usd_per_question"]
    model = meta["baseline_model"]
    assert per_question["pod"] == meta["naive_default_usd_per_question"] == round(
        media_usd(model, 600.0, ANSWER_TOKENS, streams=sound), 8)
    pictures = media_tokens(600.0).total - media_tokens(600.0, streams=sound).total  # 258 tokens a second
    assert per_question["vid"] == round(media_usd(model, 600.0, ANSWER_TOKENS), 8) == pytest.approx(
        per_question["pod"] + pictures * price_for(model).input_per_m / 1e6, abs=2e-8)


def test_cost_stages_price_a_video_without_sound_as_its_frames_alone() -> None:
    """A video with no audio track (a silent screen recording) has no sound to send: its baselines
    in cost_ledger's metadata and library_costs counted 32 tokens of audio per second beside its
    258 of frames, ~12 % too many tokens."""
    from halo.llm.baseline import ANSWER_TOKENS, MediaStreams, media_usd
    from halo.stages.costs import cost_ledger

    silent = MediaStreams(audio=False)
    calls = [CallRecord(vid, "chunk_summaries", "chunk_summary", "local", "m", run_id="r1") for vid in ("mute", "vid")]
    ledger = records_frame(calls)
    meta = cost_ledger(ledger[ledger["video_id"] == "mute"], 600.0, "r1", streams=silent).metrics
    assert meta["naive_tokens_per_question"] == 600 * 258
    table = library_costs(ledger, {"mute": 600.0, "vid": 600.0}, {"mute": silent}).frame
    per_question = table.set_index("video_id")["naive_default_usd_per_question"]
    model = meta["baseline_model"]
    assert per_question["mute"] == meta["naive_default_usd_per_question"] == round(
        media_usd(model, 600.0, ANSWER_TOKENS, streams=silent), 8)
    sound_usd = 600 * 32 * price_for(model).audio_input_per_m / 1e6
    assert per_question["vid"] == pytest.approx(per_question["mute"] + sound_usd, abs=2e-8)

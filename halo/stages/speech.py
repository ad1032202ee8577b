"""Speech stages: `transcript` (WhisperX), `diarization` (who spoke when), `utterances`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from halo import media
from halo.speech.diarize import DiarizationConfig, diarize
from halo.speech.transcribe import AsrConfig, transcribe, words_from_frame
from halo.speech.utterances import build_utterances, scenes_from_frame, turns_from_frame, utterances_frame
from halo.stages.result import Markdown, StageResult, real_time_factor


def _samples(audio: pd.DataFrame):
    return media.read_wav(Path(audio.iloc[0]["path"]))


def transcript(audio: pd.DataFrame, config: AsrConfig) -> StageResult:
    """Speech to text with word times (list of {word, start, end, prob} per segment)."""
    result = transcribe(_samples(audio), config)
    df = result.to_frame()
    return StageResult(df, {
        "words": len(result.words),
        "model": result.model,
        "word_timing": result.word_timing,
        "language": result.language or "none (no speech)",
        "speech_s": float(result.extra.get("speech_s", 0.0)),
        "processing_s": round(result.processing_s, 3),
        "real_time_factor": real_time_factor(result.processing_s, result.duration_s),
        "preview": Markdown(" ".join(df["text"].head(5)) or "_no speech_"),
    })


def diarization(audio: pd.DataFrame, config: DiarizationConfig) -> StageResult:
    """Who spoke when: (start, end, speaker) turns."""
    result = diarize(_samples(audio), config)
    return StageResult(result.to_frame(), {
        "speakers": len(result.speakers),
        "backend": result.backend,
        "model": result.model,
        "speech_s": float(result.extra.get("speech_s", 0.0)),
        "processing_s": round(result.processing_s, 3),
        "real_time_factor": real_time_factor(result.processing_s, result.duration_s),
    })


def utterances(transcript: pd.DataFrame, diarization: pd.DataFrame, scenes: pd.DataFrame) -> StageResult:
    """Transcript words joined with speakers and scenes: the unit of chunking."""
    df = utterances_frame(build_utterances(
        words_from_frame(transcript), turns_from_frame(diarization), scenes_from_frame(scenes)))
    return StageResult(df, {
        "speakers": int(df["speaker"].nunique()),
        "scenes": int(df["scene_id"].nunique()),
        "preview": Markdown(
            "\n".join(f"- {r.speaker} [{r.start:.1f}s]: {r.text}" for r in df.head(5).itertuples()) or "_empty_"),
    })

"""Speech assets: `transcript` (WhisperX), `diarization` (who spoke when), `utterances`."""


from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from halo import media
from halo.speech.diarize import DiarizationConfig, diarize
from halo.speech.transcribe import AsrConfig, transcribe, words_from_frame
from halo.speech.utterances import build_utterances, scenes_from_frame, turns_from_frame, utterances_frame
from halo_assets.metadata import real_time_factor
from halo_assets.partitions import videos_partitions
from halo_resources.models import ModelsResource


def asr_config(models: ModelsResource) -> AsrConfig:
    return AsrConfig(
        model=models.asr_model,
        device=models.device,
        compute_type=models.asr_compute_type,
        batch_size=models.asr_batch_size,
        beam_size=models.asr_beam_size,
        language=models.language,
        alignment_model=models.alignment_model,
    )


def diarization_config(models: ModelsResource) -> DiarizationConfig:
    return DiarizationConfig(
        backend=models.diarization_backend,
        pyannote_pipeline=models.pyannote_pipeline,
        hf_token=models.hf_token,
        device=models.device,
        min_speakers=models.min_speakers,
        max_speakers=models.max_speakers,
    )


@asset(partitions_def=videos_partitions, group_name="speech", kinds={"whisperx"})
def transcript(context: AssetExecutionContext, audio: pd.DataFrame, models: ModelsResource) -> MaterializeResult:
    """Speech to text with word times (list of {word, start, end, prob} per segment)."""
    result = transcribe(media.read_wav(Path(audio.iloc[0]["path"])), asr_config(models))
    df = result.to_frame()
    return MaterializeResult(
        value=df,
        metadata={
            "dagster/row_count": len(df),
            "words": len(result.words),
            "model": result.model,
            "word_timing": result.word_timing,
            "language": result.language or "none (no speech)",
            "speech_s": float(result.extra.get("speech_s", 0.0)),
            "processing_s": round(result.processing_s, 3),
            "real_time_factor": real_time_factor(result.processing_s, result.duration_s),
            "preview": MetadataValue.md(" ".join(df["text"].head(5)) or "_no speech_"),
        },
    )


@asset(partitions_def=videos_partitions, group_name="speech", kinds={"resemblyzer"})
def diarization(context: AssetExecutionContext, audio: pd.DataFrame, models: ModelsResource) -> MaterializeResult:
    """Who spoke when: (start, end, speaker) turns."""
    result = diarize(media.read_wav(Path(audio.iloc[0]["path"])), diarization_config(models))
    df = result.to_frame()
    return MaterializeResult(
        value=df,
        metadata={
            "dagster/row_count": len(df),
            "speakers": len(result.speakers),
            "backend": result.backend,
            "model": result.model,
            "speech_s": float(result.extra.get("speech_s", 0.0)),
            "processing_s": round(result.processing_s, 3),
            "real_time_factor": real_time_factor(result.processing_s, result.duration_s),
        },
    )


@asset(partitions_def=videos_partitions, group_name="speech")
def utterances(
    context: AssetExecutionContext, transcript: pd.DataFrame, diarization: pd.DataFrame, scenes: pd.DataFrame
) -> MaterializeResult:
    """Transcript words joined with speakers and scenes: the unit of chunking."""
    utts = build_utterances(words_from_frame(transcript), turns_from_frame(diarization), scenes_from_frame(scenes))
    df = utterances_frame(utts)
    return MaterializeResult(
        value=df,
        metadata={
            "dagster/row_count": len(df),
            "speakers": int(df["speaker"].nunique()),
            "scenes": int(df["scene_id"].nunique()),
            "preview": MetadataValue.md(
                "\n".join(f"- {r.speaker} [{r.start:.1f}s]: {r.text}" for r in df.head(5).itertuples()) or "_empty_"
            ),
        },
    )

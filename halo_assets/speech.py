"""Speech assets: `transcript` (WhisperX), `diarization` (who spoke when), `utterances`."""

import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, asset

from halo.ids import validate_video_id
from halo.stages import speech
from halo.store import fetch_media
from halo_assets.metadata import materialize
from halo_assets.partitions import videos_partitions
from halo_resources.models import ModelsResource


@asset(partitions_def=videos_partitions, group_name="speech", kinds={"whisperx"})
def transcript(context: AssetExecutionContext, audio: pd.DataFrame, models: ModelsResource) -> MaterializeResult:
    """Speech to text with word times (list of {word, start, end, prob} per segment)."""
    fetch_media(validate_video_id(context.partition_key), "audio.wav")
    return materialize("transcript", speech.transcript(audio, models.asr_config()))


@asset(partitions_def=videos_partitions, group_name="speech", kinds={"resemblyzer"})
def diarization(context: AssetExecutionContext, audio: pd.DataFrame, models: ModelsResource) -> MaterializeResult:
    """Who spoke when: (start, end, speaker) turns."""
    fetch_media(validate_video_id(context.partition_key), "audio.wav")
    return materialize("diarization", speech.diarization(audio, models.diarization_config()))


@asset(partitions_def=videos_partitions, group_name="speech")
def utterances(
    context: AssetExecutionContext, transcript: pd.DataFrame, diarization: pd.DataFrame, scenes: pd.DataFrame
) -> MaterializeResult:
    """Transcript words joined with speakers and scenes: the unit of chunking."""
    return materialize("utterances", speech.utterances(transcript, diarization, scenes))

"""Ingest assets: the probed source file (`video_file`) and its 16 kHz mono audio (`audio`)."""

import pandas as pd
from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, asset
from pydantic import Field

from halo import registry
from halo.errors import HaloError
from halo.ids import validate_video_id
from halo.paths import media_dir
from halo.stages import ingest
from halo.store import publish_media
from halo_assets import checks
from halo_assets.metadata import materialize
from halo_assets.partitions import videos_partitions


class AudioConfig(Config):
    """Which audio track to transcribe (set it in the launchpad for files with several tracks)."""

    track: int = Field(
        default=-1,
        description="Audio track to use, 0 = first; -1 = the track where voice detection finds the most speech.",
    )


@asset(partitions_def=videos_partitions, group_name="media", kinds={"pyav"})
def video_file(context: AssetExecutionContext) -> MaterializeResult:
    """The source file of this video, probed: duration, frame rate, size, sound, picture.

    The partition key names the file: a registered path, or data/videos/<key>.<ext>.
    Audio-only files (podcasts) have ``has_video`` False; an MP3's cover art is not a picture.
    """
    try:  # a hostile key added in the UI too: its reason, not "Error occurred while executing op"
        video_id = validate_video_id(context.partition_key)
        entry = registry.resolve(video_id)
        result = ingest.probe_video(video_id, entry.path, registry.current_fingerprint(entry.path),
                                    registry.known_sha256(video_id, entry.path) or None)
    except HaloError as exc:
        # Failure's description is the run's failure line in the UI: say what to do, not a trace.
        raise Failure(description=str(exc), allow_retries=False) from None
    return materialize("video_file", result)


@asset(partitions_def=videos_partitions, group_name="media", kinds={"pyav"},
       check_specs=[checks.spec(ingest.AUDIO_CHECK, "audio", "Audio lasts as long as the video (50 ms).")])
def audio(context: AssetExecutionContext, config: AudioConfig, video_file: pd.DataFrame):  # no annotation: check_specs make it multi-output
    """The video's sound as media/<id>/audio.wav (16 kHz mono PCM16), as long as the video.

    A video without an audio track gets a silent WAV, so speech stages return empty results.
    With several tracks, the one with the most speech (or the configured one) is used.
    """
    video_id = validate_video_id(context.partition_key)
    result = ingest.extract_audio(video_id, video_file, media_dir(video_id) / "audio.wav",
                                  track=config.track if config.track >= 0 else None)
    if result.metrics["audio_tracks"] > 1:
        context.log.info(f"{video_id}: using audio track {result.metrics['audio_track']} of "
                         f"{result.metrics['audio_tracks']} ({result.metrics['track_choice']}).")
    publish_media(video_id, "audio.wav")
    return materialize("audio", result)

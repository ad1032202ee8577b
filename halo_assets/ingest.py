"""Ingest assets: the probed source file (`video_file`) and its 16 kHz mono audio (`audio`)."""

import time
from pathlib import Path

import pandas as pd
from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from pydantic import Field

from halo import media, registry
from halo.errors import HaloError, MediaError
from halo.ids import validate_video_id
from halo.paths import media_dir, videos_dir
from halo.validation import audio_duration_problems
from halo_assets import checks
from halo_assets.metadata import real_time_factor
from halo_assets.partitions import videos_partitions
from halo_assets.registration import current_fingerprint

VIDEO_FILE_COLUMNS = [
    "video_id", "path", "sha256", "duration_s", "fps", "width", "height", "has_audio", "size_bytes", "has_video",
]
AUDIO_COLUMNS = ["video_id", "path", "duration_s", "sample_rate", "audio_track"]


class AudioConfig(Config):
    """Which audio track to transcribe (set it in the launchpad for files with several tracks)."""

    track: int = Field(
        default=-1,
        description="Audio track to use, 0 = first; -1 = the track where voice detection finds the most speech.",
    )


def resolve_source(video_id: str) -> registry.VideoEntry:
    """The file behind partition ``video_id``: its registered path, else data/videos/<id>.<ext>.

    A partition added by hand in the UI ("Add partition") has no registry entry yet; a file of
    that name in the watched folder is registered on the spot. Otherwise the error says what to do.
    """
    try:
        return registry.lookup(video_id)
    except HaloError:
        folder = videos_dir()
        matches = [folder / f"{video_id}{suffix}" for suffix in registry.VIDEO_SUFFIXES]
        found = [path for path in matches if path.is_file()]
        if len(found) == 1:
            return registry.register(found[0], video_id)[0]
        if found:
            raise MediaError(
                f"Video {video_id!r}: several files match in {folder} ({', '.join(p.name for p in found)}): "
                f"keep one, or register the right one with `halo add PATH --id {video_id}`."
            ) from None
        raise MediaError(
            f"Video {video_id!r} has no source file: copy it to {folder}/{video_id}.mp4 (or another "
            f"of {', '.join(registry.VIDEO_SUFFIXES)}) or run `halo add PATH --id {video_id}`, "
            "then materialize again."
        ) from None


@asset(partitions_def=videos_partitions, group_name="media", kinds={"pyav"})
def video_file(context: AssetExecutionContext) -> MaterializeResult:
    """The source file of this video, probed: duration, frame rate, size, sound, picture.

    The partition key names the file: a registered path, or data/videos/<key>.<ext>.
    Audio-only files (podcasts) have ``has_video`` False; an MP3's cover art is not a picture.
    """
    video_id = validate_video_id(context.partition_key)
    started = time.perf_counter()
    try:
        entry = resolve_source(video_id)
        info = media.probe(Path(entry.path))
    except HaloError as exc:
        # Failure's description is the run's failure line in the UI: say what to do, not a trace.
        raise Failure(description=str(exc), allow_retries=False) from None
    df = pd.DataFrame([info.as_row(video_id)], columns=VIDEO_FILE_COLUMNS)
    seconds = time.perf_counter() - started
    return MaterializeResult(
        value=df,
        metadata={
            "dagster/row_count": len(df),
            "path": MetadataValue.path(info.path),
            "duration_s": info.duration_s,
            "resolution": f"{info.width}x{info.height} @ {info.fps:.3f} fps" if info.has_video else "audio only",
            "has_audio": info.has_audio,
            "size_mb": round(info.size_bytes / 1e6, 2),
            "sha256": info.sha256,
            "fingerprint": current_fingerprint(info.path),
            "processing_s": round(seconds, 3),
            "real_time_factor": real_time_factor(seconds, info.duration_s),
        },
    )


@asset(partitions_def=videos_partitions, group_name="media", kinds={"pyav"},
       check_specs=[checks.spec("audio_covers_video", "audio", "Audio lasts as long as the video (50 ms).")])
def audio(context: AssetExecutionContext, config: AudioConfig, video_file: pd.DataFrame):  # no annotation: check_specs make it multi-output
    """The video's sound as data/media/<id>/audio.wav (16 kHz mono PCM16), as long as the video.

    A video without an audio track gets a silent WAV, so speech stages return empty results.
    With several tracks, the one with the most speech (or the configured one) is used.
    """
    video_id = validate_video_id(context.partition_key)
    source = video_file.iloc[0]
    started = time.perf_counter()
    samples, track = media.decode_speech_track(
        Path(source["path"]), media.SAMPLE_RATE, float(source["duration_s"]),
        track=config.track if config.track >= 0 else None,
    )
    if track.n_tracks > 1:
        context.log.info(f"{video_id}: using audio track {track.index} of {track.n_tracks} ({track.reason}).")
    out = media_dir(video_id) / "audio.wav"
    media.write_wav(out, samples, media.SAMPLE_RATE)
    seconds = time.perf_counter() - started
    duration = len(samples) / media.SAMPLE_RATE
    df = pd.DataFrame(
        [{"video_id": video_id, "path": str(out), "duration_s": duration, "sample_rate": media.SAMPLE_RATE,
          "audio_track": track.index}],
        columns=AUDIO_COLUMNS,
    )
    return MaterializeResult(
        value=df,
        metadata={
            "dagster/row_count": len(df),
            "path": MetadataValue.path(str(out)),
            "duration_s": round(duration, 3),
            "has_audio": bool(source["has_audio"]),
            "audio_track": track.index,
            "audio_tracks": track.n_tracks,
            "track_choice": track.reason,
            "speech_s_per_track": ", ".join(f"{s:.1f}" for s in track.speech_s) or "not measured",
            "processing_s": round(seconds, 3),
            "real_time_factor": real_time_factor(seconds, duration),
        },
        check_results=[checks.result("audio_covers_video", "audio",
                              audio_duration_problems(duration, float(source["duration_s"])))],
    )

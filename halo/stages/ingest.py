"""Ingest stages: probe the source file (`video_file`) and decode its speech track (`audio`)."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from halo import media
from halo.stages.result import FileLink, StageResult, real_time_factor
from halo.validation import audio_duration_problems

VIDEO_FILE_COLUMNS = [
    "video_id", "path", "sha256", "duration_s", "fps", "width", "height", "has_audio", "size_bytes", "has_video",
]
#: audio_track / audio_tracks / track_choice: which of the file's audio tracks was used, of how
#: many, and why (`halo report` shows them when there was a choice)
AUDIO_COLUMNS = ["video_id", "path", "duration_s", "sample_rate", "audio_track", "audio_tracks", "track_choice"]
AUDIO_CHECK = "audio_covers_video"


def probe_video(video_id: str, source: Path, fingerprint: str, sha256: str | None = None) -> StageResult:
    """The source file probed: duration, frame rate, size, sound, picture (MediaError if unusable).

    ``fingerprint`` (size + mtime, halo.registry) is recorded so a changed file is noticed;
    ``sha256``, the bytes' hash if already known for that fingerprint (else hashed: media.probe).
    """
    started = time.perf_counter()
    info = media.probe(Path(source), sha256)
    seconds = time.perf_counter() - started
    return StageResult(pd.DataFrame([info.as_row(video_id)], columns=VIDEO_FILE_COLUMNS), {
        "path": FileLink(info.path),
        "duration_s": info.duration_s,
        "resolution": f"{info.width}x{info.height} @ {info.fps:.3f} fps" if info.has_video else "audio only",
        "has_audio": info.has_audio,
        "size_mb": round(info.size_bytes / 1e6, 2),
        "sha256": info.sha256,
        "fingerprint": fingerprint,
        "processing_s": round(seconds, 3),
        "real_time_factor": real_time_factor(seconds, info.duration_s),
    })


def extract_audio(video_id: str, video_file: pd.DataFrame, wav_path: Path, track: int | None = None) -> StageResult:
    """The video's sound as a 16 kHz mono PCM16 WAV at ``wav_path``, exactly as long as the video.

    No audio track gives a silent WAV (speech stages then return empty results); with several
    tracks, ``track`` or else the one with the most speech is used.
    """
    source = video_file.iloc[0]
    started = time.perf_counter()
    samples, choice = media.decode_speech_track(
        Path(source["path"]), media.SAMPLE_RATE, float(source["duration_s"]), track=track)
    media.write_wav(wav_path, samples, media.SAMPLE_RATE)
    seconds = time.perf_counter() - started
    duration = len(samples) / media.SAMPLE_RATE
    frame = pd.DataFrame([{"video_id": video_id, "path": str(wav_path), "duration_s": duration,
                           "sample_rate": media.SAMPLE_RATE, "audio_track": choice.index,
                           "audio_tracks": choice.n_tracks, "track_choice": choice.reason}], columns=AUDIO_COLUMNS)
    return StageResult(frame, {
        "path": FileLink(str(wav_path)),
        "duration_s": round(duration, 3),
        "has_audio": bool(source["has_audio"]),
        "audio_track": choice.index,
        "audio_tracks": choice.n_tracks,
        "track_choice": choice.reason,
        "speech_s_per_track": ", ".join(f"{s:.1f}" for s in choice.speech_s) or "not measured",
        "processing_s": round(seconds, 3),
        "real_time_factor": real_time_factor(seconds, duration),
    }, problems={AUDIO_CHECK: audio_duration_problems(duration, float(source["duration_s"]))})

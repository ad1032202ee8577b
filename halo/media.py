"""Probe videos and decode their audio with PyAV (which bundles FFmpeg: no system ffmpeg needed).

Every later stage reads the 16 kHz mono WAV written here (:func:`write_wav` / :func:`read_wav`),
so decoding happens once per video. A video without an audio track still yields a valid WAV of
silence as long as the video, so transcription and diarization give empty-but-valid results
instead of failing.

Audio-only files (podcasts: mp3, m4a, wav, opus) are media too: they probe with
``has_video=False``. A cover image inside an MP3 or M4A is a "video" stream to FFmpeg (disposition
``attached_pic``, one frame, a nonsense 90000 fps rate); it is not a picture track and is ignored.
A file with several audio tracks (a dub, a director's commentary, a silent mix-minus) is decoded
from the track with the most speech, unless the user names one (:func:`decode_speech_track`).
"""

from __future__ import annotations

import wave
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from halo.errors import MediaError
from halo.storage import atomic_path, sha256_file

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class VideoProbe:
    """What a video file holds, independent of its video id (the ``video_file`` row minus id)."""

    path: str
    sha256: str
    duration_s: float
    fps: float
    width: int
    height: int
    has_audio: bool
    size_bytes: int
    has_video: bool = True  # False for audio-only inputs (podcasts); fps/width/height are then 0

    def as_row(self, video_id: str) -> dict:
        return {"video_id": video_id, **asdict(self)}


def _open(path: Path):
    """Open ``path`` with PyAV, turning every way a file can be unusable into a MediaError."""
    import av

    path = Path(path)
    if not path.is_file():
        raise MediaError(f"No video file at {path}: check the path or re-register the video.")
    if path.stat().st_size == 0:
        raise MediaError(f"{path} is empty (0 bytes): the copy or download did not finish; replace the file.")
    try:
        return av.open(str(path))
    except av.error.FFmpegError as exc:
        raise MediaError(
            f"{path} is not a readable video (truncated or corrupt?): {ffmpeg_reason(exc)}. "
            "Re-copy or re-encode the file."
        ) from exc


def ffmpeg_reason(exc: Exception) -> str:
    """An FFmpeg error as a user reads it: its message without PyAV's "[Errno 1094995529]"."""
    return getattr(exc, "strerror", None) or str(exc)


def picture_streams(container) -> list:
    """The container's real video tracks: cover art (disposition attached_pic) is not one."""
    import av

    return [
        s for s in container.streams.video
        if not s.disposition & av.stream.Disposition.attached_pic
    ]


def upright_bgr(frame) -> np.ndarray:
    """``frame`` as a BGR array, turned the way players show it.

    A phone stores a portrait video sideways and says how to turn it (FFmpeg's display matrix,
    PyAV's ``frame.rotation``, degrees counter-clockwise). Taken as stored, its keyframes lay
    on their side and OCR read a slide's lines as one sideways line, in the wrong order."""
    image = frame.to_ndarray(format="bgr24")
    turns = _quarter_turns(frame)
    return np.ascontiguousarray(np.rot90(image, turns)) if turns else image


def _quarter_turns(frame) -> int:
    """Counter-clockwise quarter turns that show ``frame`` upright (0-3)."""
    return round(float(frame.rotation or 0) / 90) % 4


def _first_frame_turns(container, stream) -> int:
    """``_quarter_turns`` of the stream's first frame (the display matrix travels with the
    frames); 0 if no frame decodes: a damaged file is reported by the stages that read pictures."""
    import av

    try:
        return _quarter_turns(next(container.decode(stream)))
    except (av.error.FFmpegError, StopIteration):
        return 0


def _media_pictures(container, path: Path) -> list:
    """``picture_streams``, after checking the file has sound or a picture at all, and a duration."""
    pictures = picture_streams(container)
    if not pictures and not container.streams.audio:
        raise MediaError(
            f"{path} holds neither sound nor a picture track: HALO needs a video or an audio file."
        )
    if _duration_s(container) <= 0:
        raise MediaError(f"{path} reports no duration (truncated or still being written?).")
    return pictures


def check_media_file(path: Path) -> Path:
    """``path`` if it is a non-empty file FFmpeg can open with sound or a picture and a duration,
    else MediaError: what ``probe`` refuses, without reading the whole file to hash it.

    A cheap gate (no hashing, no decoding) for callers that register files, like the folder
    sensor and `halo add`: a zero-byte copy or a text file named .mp4 is refused with the reason.
    """
    path = Path(path)
    with _open(path) as container:
        _media_pictures(container, path)
    return path


def _duration_s(container) -> float:
    """Container duration (what ffprobe reports as format duration), else the longest stream."""
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    spans = [
        float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base
    ]
    return max(spans, default=0.0)


def probe(path: Path, sha256: str | None = None) -> VideoProbe:
    """Probe ``path``: duration, frame rate, size, whether it has sound and a picture, and the
    sha256 of its bytes: ``sha256`` when the caller has it (registry.known_sha256: an hour of
    video is read whole once, not once more per caller), else hashed here.

    An audio-only file (or one whose only image is cover art) probes with ``has_video=False``
    and fps/width/height 0. Raises MediaError for a missing, empty, corrupt or truncated file,
    or one with neither sound nor picture, with a message that says which file and what to do.
    """
    path = Path(path)
    with _open(path) as container:
        pictures = _media_pictures(container, path)
        stream = pictures[0] if pictures else None
        rate = (stream.average_rate or stream.guessed_rate) if stream is not None else None
        duration = _duration_s(container)
        width, height = (stream.codec_context.width, stream.codec_context.height) if stream is not None else (0, 0)
        if stream is not None and _first_frame_turns(container, stream) % 2:
            width, height = height, width  # a portrait phone video: its size as it is shown
        result = VideoProbe(
            path=str(path.resolve()),
            sha256=sha256 or sha256_file(path),
            duration_s=float(duration),
            fps=float(rate) if rate else 0.0,
            width=int(width),
            height=int(height),
            has_audio=bool(container.streams.audio),
            size_bytes=path.stat().st_size,
            has_video=stream is not None,
        )
    return result


def fit_length(samples: np.ndarray, n: int) -> np.ndarray:
    """Pad with silence or trim so ``samples`` has exactly ``n`` samples."""
    if len(samples) >= n:
        return samples[:n]
    return np.concatenate([samples, np.zeros(n - len(samples), dtype=samples.dtype)])


@dataclass(frozen=True)
class TrackChoice:
    """Which audio track was decoded and why (for the audio asset's metadata and log)."""

    index: int  # position among the file's audio tracks, 0 = first; -1 = no audio track
    n_tracks: int
    speech_s: tuple[float, ...]  # speech found in each track's sample (empty when not measured)
    reason: str


# Containers whose header indexes every packet, so a track's declared length is exact: decoding
# far less than it means the bytes stop early. (An MP3's length is an estimate from its bit rate.)
INDEXED_FORMATS = ("mov", "mp4", "matroska", "webm")
TRUNCATED_SLACK_S = 2.0  # decoded audio may fall this short of the declared length (and 5 %)


def _check_complete(path: Path, container, streams: Sequence, decoded_s: Sequence[float]) -> None:
    """MediaError when an indexed file's audio decodes to much less than its header declares.

    A copy cut short keeps a header written up front ("faststart") that still declares the whole
    length; FFmpeg then stops at the last byte without an error, and the missing part used to be
    padded with silence and processed as if it were the video."""
    if not any(name in INDEXED_FORMATS for name in container.format.name.split(",")):
        return
    for stream, got in zip(streams, decoded_s):
        declared = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
        if declared - got > max(TRUNCATED_SLACK_S, 0.05 * declared):
            raise MediaError(
                f"Audio of {path} stops at {got:.1f} s of the {declared:.1f} s its header declares: the file "
                "is cut short (an interrupted copy or download?). Re-copy or re-encode the file.")


def _decode_tracks(path: Path, tracks: Sequence[int], sample_rate: int) -> list[np.ndarray]:
    """Audio tracks ``tracks`` (positions among the audio streams) as float32 mono, in one pass;
    MediaError if the file is cut short (``_check_complete``)."""
    import av

    with _open(path) as container:
        streams = [container.streams.audio[i] for i in tracks]
        order = [s.index for s in streams]  # stream objects are unusable once the file is closed
        chunks: dict[int, list[np.ndarray]] = {i: [] for i in order}
        resamplers = {i: av.AudioResampler(format="flt", layout="mono", rate=sample_rate) for i in order}
        for stream in streams:
            stream.thread_type = "AUTO"
        try:
            for packet in container.demux(*streams):
                for frame in packet.decode():
                    for out in resamplers[packet.stream.index].resample(frame):
                        chunks[packet.stream.index].append(out.to_ndarray().reshape(-1))
            for index, resampler in resamplers.items():
                for out in resampler.resample(None):
                    chunks[index].append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            raise MediaError(f"Audio of {path} could not be decoded (truncated or corrupt?): {ffmpeg_reason(exc)}. "
                             "Re-copy or re-encode the file.") from exc
        decoded = [
            np.concatenate(chunks[i]).astype(np.float32, copy=False) if chunks[i] else np.zeros(0, np.float32)
            for i in order
        ]
        _check_complete(path, container, streams, [len(d) / sample_rate for d in decoded])
    return decoded


def _audio_track_count(path: Path) -> int:
    with _open(path) as container:
        return len(container.streams.audio)


def speech_seconds(samples: np.ndarray, sample_rate: int = SAMPLE_RATE, max_s: float = 600.0, windows: int = 20) -> float:
    """Seconds of speech silero-vad finds in ``samples``; long tracks are judged on ``windows``
    evenly spread windows totalling ``max_s``, so choosing among tracks stays cheap on long files."""
    from halo.speech.vad import speech_regions

    limit = int(max_s * sample_rate)
    if len(samples) > limit:
        width = limit // windows
        starts = np.linspace(0, len(samples) - width, windows).astype(int)
        samples = np.concatenate([samples[s : s + width] for s in starts])
    return float(sum(r.duration for r in speech_regions(samples)))


def decode_speech_track(
    path: Path, sample_rate: int = SAMPLE_RATE, duration_s: float | None = None, track: int | None = None
) -> tuple[np.ndarray, TrackChoice]:
    """The audio of ``path`` as float32 mono, from the track the user named or the one with speech.

    With one audio track that track is used. With several and no ``track``, each is decoded
    (one pass over the file) and the one where silero-vad finds the most speech wins (ties go
    to the first), so speech on a second track is not lost to a silent or music first track.
    ``duration_s`` pads or trims the result to the video's length; no audio track at all gives
    silence of that length (or an empty array).
    """
    path = Path(path)
    n_tracks = _audio_track_count(path)
    if track is not None and not 0 <= track < n_tracks:
        raise MediaError(
            f"{path} has {n_tracks} audio track(s) (0-{n_tracks - 1}); track {track} does not exist. "
            "Name one of those, or leave the track unset to pick the one with speech."
        )
    if n_tracks == 0:
        samples, choice = np.zeros(0, np.float32), TrackChoice(-1, 0, (), "no audio track: silence")
    elif track is not None:
        samples = _decode_tracks(path, [track], sample_rate)[0]
        choice = TrackChoice(track, n_tracks, (), "named by the user")
    elif n_tracks == 1:
        samples = _decode_tracks(path, [0], sample_rate)[0]
        choice = TrackChoice(0, 1, (), "the only audio track")
    else:
        decoded = _decode_tracks(path, list(range(n_tracks)), sample_rate)
        speech = tuple(round(speech_seconds(t, sample_rate), 2) for t in decoded)
        best = int(np.argmax(speech))
        samples = decoded[best]
        choice = TrackChoice(best, n_tracks, speech, f"most speech ({speech[best]:.1f} s in its sample)")
    if duration_s is not None:
        samples = fit_length(samples, int(round(duration_s * sample_rate)))
    return samples, choice


def decode_audio(path: Path, sample_rate: int = SAMPLE_RATE, duration_s: float | None = None) -> np.ndarray:
    """The audio of ``path`` as float32 mono at ``sample_rate`` (see :func:`decode_speech_track`).

    With ``duration_s`` the result is padded or trimmed to exactly that long, so the audio
    lines up with the video's timeline. A file without an audio track gives silence of that
    length (or an empty array when no duration is given).
    """
    return decode_speech_track(path, sample_rate, duration_s)[0]


def write_wav(path: Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write mono float samples in [-1, 1] as 16-bit PCM WAV, atomically (temp file + rename)."""
    pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * 32767.0).astype("<i2")
    with atomic_path(Path(path)) as tmp:
        with wave.open(str(tmp), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(pcm.tobytes())


def read_wav_with_rate(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV as float32 in [-1, 1] (channels averaged to mono) and its sample rate."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"No audio file at {path}: materialize the `audio` asset for this video first.")
    try:
        with wave.open(str(path), "rb") as handle:
            if handle.getsampwidth() != 2:
                raise MediaError(f"{path} is not 16-bit PCM; HALO writes and reads 16-bit WAV only.")
            channels, rate = handle.getnchannels(), handle.getframerate()
            raw = handle.readframes(handle.getnframes())
    except (wave.Error, EOFError) as exc:
        raise MediaError(f"{path} is not a readable WAV file: {exc}") from exc
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def read_wav(path: Path) -> np.ndarray:
    """The WAV at ``path`` (e.g. ``data/media/<id>/audio.wav``, 16 kHz mono) as float32 samples."""
    return read_wav_with_rate(path)[0]

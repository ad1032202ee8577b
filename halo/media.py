"""Probe videos and decode their audio with PyAV (which bundles FFmpeg: no system ffmpeg needed).

Every later stage reads the 16 kHz mono WAV written here (:func:`write_wav` / :func:`read_wav`),
so decoding happens once per video. A video without an audio track still yields a valid WAV of
silence as long as the video, so transcription and diarization give empty-but-valid results
instead of failing.
"""

from __future__ import annotations

import wave
from dataclasses import asdict, dataclass
from pathlib import Path

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
            f"{path} is not a readable video (truncated or corrupt?): {exc}. "
            "Re-copy or re-encode the file."
        ) from exc


def _duration_s(container) -> float:
    """Container duration (what ffprobe reports as format duration), else the longest stream."""
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    spans = [
        float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base
    ]
    return max(spans, default=0.0)


def probe(path: Path) -> VideoProbe:
    """Probe ``path``: duration, frame rate, size and whether it has sound.

    Raises MediaError for a missing, empty, corrupt or truncated file, or one without a video
    stream, with a message that says which file and what to do.
    """
    path = Path(path)
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path} has no video stream: HALO needs a video (picture) track.")
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate
        duration = _duration_s(container)
        if duration <= 0:
            raise MediaError(f"{path} reports no duration (truncated or still being written?).")
        result = VideoProbe(
            path=str(path.resolve()),
            sha256=sha256_file(path),
            duration_s=float(duration),
            fps=float(rate) if rate else 0.0,
            width=int(stream.codec_context.width),
            height=int(stream.codec_context.height),
            has_audio=bool(container.streams.audio),
            size_bytes=path.stat().st_size,
        )
    return result


def fit_length(samples: np.ndarray, n: int) -> np.ndarray:
    """Pad with silence or trim so ``samples`` has exactly ``n`` samples."""
    if len(samples) >= n:
        return samples[:n]
    return np.concatenate([samples, np.zeros(n - len(samples), dtype=samples.dtype)])


def decode_audio(path: Path, sample_rate: int = SAMPLE_RATE, duration_s: float | None = None) -> np.ndarray:
    """The first audio track of ``path`` as float32 mono at ``sample_rate`` (PyAV resampler).

    With ``duration_s`` the result is padded or trimmed to exactly that long, so the audio
    lines up with the video's timeline. A file without an audio track gives silence of that
    length (or an empty array when no duration is given).
    """
    import av

    path = Path(path)
    chunks: list[np.ndarray] = []
    with _open(path) as container:
        if container.streams.audio:
            stream = container.streams.audio[0]
            stream.thread_type = "AUTO"
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
            try:
                for frame in container.decode(stream):
                    for out in resampler.resample(frame):
                        chunks.append(out.to_ndarray().reshape(-1))
                for out in resampler.resample(None):
                    chunks.append(out.to_ndarray().reshape(-1))
            except av.error.FFmpegError as exc:
                raise MediaError(f"Audio of {path} could not be decoded (corrupt?): {exc}") from exc
    samples = np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)
    if duration_s is not None:
        samples = fit_length(samples, int(round(duration_s * sample_rate)))
    return samples


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

"""Voice activity detection with silero-vad (its ONNX model ships inside the PyPI wheel).

Diarization and transcription both ask where someone speaks, with different settings, on the same
audio. silero's speech probability per 32 ms frame is what costs (an ONNX call per frame, about
100,000 on an hour); turning probabilities into regions is cheap. So the probabilities are
computed once per audio (``speech_probabilities``) and each caller applies its own settings with
silero's own ``get_speech_timestamps_from_probs``. The regions are those silero's
``get_speech_timestamps`` returns, bit for bit: the same ONNX calls on the same inputs
(halo_tests/test_speech/test_vad.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from halo.media import SAMPLE_RATE

FRAME = 512  # samples silero reads per call at 16 kHz
CONTEXT = 64  # samples of the previous frame it sees again (silero's OnnxWrapper)


@dataclass(frozen=True)
class SpeechRegion:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@lru_cache(maxsize=1)
def load_silero():
    """The silero-vad ONNX model, loaded once per process from the silero-vad package."""
    from silero_vad import load_silero_vad

    return load_silero_vad(onnx=True)


def _probabilities(audio: np.ndarray) -> list[float]:
    """silero's speech probability of every 512-sample frame, as its ``get_speech_timestamps``
    computes them (zero state and context, the last frame zero-padded), calling the ONNX session
    directly: the torch wrapper around each call cost a third of the time."""
    session = load_silero().session
    frames = np.zeros((-(-audio.size // FRAME), FRAME), np.float32)
    frames.reshape(-1)[: audio.size] = audio
    state = np.zeros((2, 1, 128), np.float32)
    x = np.zeros((1, CONTEXT + FRAME), np.float32)
    rate = np.array(SAMPLE_RATE, dtype=np.int64)
    probs = []
    for frame in frames:
        x[0, :CONTEXT] = x[0, -CONTEXT:]
        x[0, CONTEXT:] = frame
        out, state = session.run(None, {"input": x, "state": state, "sr": rate})
        probs.append(float(out[0, 0]))
    return probs


_last: tuple[bytes, list[float]] = (b"", [])


def speech_probabilities(audio: np.ndarray) -> list[float]:
    """``_probabilities`` of ``audio``, kept for the last audio seen: diarization and
    transcription of a video in one process pay for them once."""
    global _last
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    key = hashlib.blake2b(audio.data, digest_size=16).digest() + audio.size.to_bytes(8, "little")
    last = _last  # one read: another thread may replace it meanwhile
    if last[0] == key:
        return last[1]
    probs = _probabilities(audio)
    _last = (key, probs)
    return probs


def silero_timestamps(audio, model=None, **settings) -> list[dict]:
    """silero's ``get_speech_timestamps(audio, model, **settings)`` (sample offsets), from the
    shared ``speech_probabilities``. ``model`` is ignored: it is always the packaged one."""
    from silero_vad.utils_vad import get_speech_timestamps_from_probs

    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    return get_speech_timestamps_from_probs(speech_probabilities(samples), audio_length_samples=samples.size, **settings)


def speech_regions(
    audio: np.ndarray,
    threshold: float = 0.5,
    min_speech_s: float = 0.25,
    min_silence_s: float = 0.2,
    pad_s: float = 0.03,
) -> list[SpeechRegion]:
    """Speech regions (seconds) in 16 kHz mono ``audio``; [] for silence or audio under 0.1 s."""
    if audio.size < SAMPLE_RATE // 10:
        return []
    stamps = silero_timestamps(
        audio,
        threshold=threshold,
        sampling_rate=SAMPLE_RATE,
        min_speech_duration_ms=int(min_speech_s * 1000),
        min_silence_duration_ms=int(min_silence_s * 1000),
        speech_pad_ms=int(pad_s * 1000),
    )
    return [SpeechRegion(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps]


@lru_cache(maxsize=1)
def _packaged_silero_class():
    import torch
    from whisperx.vads import Silero
    from whisperx.vads.vad import Vad

    class PackagedSilero(Silero):
        """WhisperX's Silero VAD, but with the model from the silero-vad wheel.

        WhisperX's own Silero class fetches the model with torch.hub (a download); its pyannote
        VAD slides a 10 s window by 1 s, which alone costs ~0.08 x real time on 2 cores.
        """

        def __init__(self, vad_onset: float = 0.5, chunk_size: float = 30.0):
            Vad.__init__(self, vad_onset)
            self.vad_onset = vad_onset
            self.chunk_size = chunk_size
            self.vad_pipeline = load_silero()
            self.get_speech_timestamps = silero_timestamps

        @staticmethod
        def preprocess_audio(audio):
            return torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))

    return PackagedSilero


def whisperx_vad(method: str = "silero", chunk_s: float = 30.0, onset: float = 0.5):
    """A VAD for ``whisperx.load_model(vad_model=...)``: packaged silero, or WhisperX's pyannote one."""
    if method == "silero":
        return _packaged_silero_class()(onset, chunk_s)
    if method == "pyannote":
        import torch
        from whisperx.vads import Pyannote

        from halo.model_files import whisperx_vad_path

        return Pyannote(torch.device("cpu"), token=None, model_fp=str(whisperx_vad_path()), vad_onset=onset, vad_offset=0.363)
    raise ValueError(f"unknown VAD {method!r}: use 'silero' or 'pyannote'")

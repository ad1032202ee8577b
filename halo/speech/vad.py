"""Voice activity detection with silero-vad (its ONNX model ships inside the PyPI wheel).

Diarization only needs to know where someone speaks; silero's ONNX model does that at a real-time
factor of ~0.007 on 2 cores, so it costs a small share of diarization's budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000


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
    import torch
    from silero_vad import get_speech_timestamps

    stamps = get_speech_timestamps(
        torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32)),
        load_silero(),
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
    from silero_vad import get_speech_timestamps
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
            self.get_speech_timestamps = get_speech_timestamps

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

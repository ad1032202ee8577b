"""The bundled meeting sample, transcribed and diarized once per test session (the slow part)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from halo.media import decode_audio
from halo.paths import samples_dir
from halo.speech.diarize import Diarization, diarize
from halo.speech.transcribe import AsrConfig, Transcript, transcribe

SAMPLE = samples_dir() / "meeting.mp4"
PYANNOTE_SAMPLE = Path(__import__("pyannote.audio", fromlist=["x"]).__file__).parent / "sample"


@dataclass
class Processed:
    audio: np.ndarray
    transcript: Transcript
    diarization: Diarization


@pytest.fixture(scope="session")
def meeting() -> Processed:
    if not SAMPLE.is_file():
        pytest.skip(f"bundled sample {SAMPLE} is missing (make sample)")
    audio = decode_audio(SAMPLE)
    return Processed(audio, transcribe(audio, AsrConfig()), diarize(audio))


@pytest.fixture(scope="session")
def meeting_truth() -> dict:
    from bench.samplegen import load_truth

    return load_truth(samples_dir() / "meeting.truth.json")


@pytest.fixture(scope="session")
def phone_call() -> Processed:
    """pyannote-audio's bundled 30 s two-speaker recording (real speech, with overlap)."""
    audio = decode_audio(PYANNOTE_SAMPLE / "sample.wav")
    return Processed(audio, transcribe(audio, AsrConfig()), diarize(audio))

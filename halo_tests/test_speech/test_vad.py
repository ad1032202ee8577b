"""Shared speech probabilities give exactly the regions silero's own get_speech_timestamps gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from silero_vad import get_speech_timestamps

from halo.media import decode_audio
from halo.paths import samples_dir
from halo.speech import vad

SAMPLE = samples_dir() / "meeting.mp4"


@pytest.fixture(scope="module")
def sample_audio() -> np.ndarray:
    if not SAMPLE.is_file():
        pytest.skip(f"bundled sample {SAMPLE} is missing (make sample)")
    return decode_audio(SAMPLE)


@pytest.mark.parametrize(
    "settings",
    [
        # diarization's settings (speech_regions' defaults)
        dict(threshold=0.5, min_speech_duration_ms=250, min_silence_duration_ms=200, speech_pad_ms=30),
        # WhisperX's call: chunk cap and onset only
        dict(max_speech_duration_s=30.0, threshold=0.5),
    ],
)
def test_regions_are_silero_s_own_bit_for_bit(sample_audio, settings) -> None:
    # an odd length: the last frame is zero-padded as silero pads it
    audio = sample_audio[: 16000 * 90 + 123]
    expected = get_speech_timestamps(torch.from_numpy(audio), vad.load_silero(), sampling_rate=16000, **settings)
    got = vad.silero_timestamps(audio, sampling_rate=16000, **settings)
    assert len(expected) > 5
    assert got == expected


def test_probabilities_are_computed_once_per_audio(sample_audio, monkeypatch) -> None:
    calls = []
    real = vad._probabilities
    monkeypatch.setattr(vad, "_last", (b"", []))  # nothing kept from an earlier test
    monkeypatch.setattr(vad, "_probabilities", lambda a: calls.append(a.size) or real(a))
    first = sample_audio[: 16000 * 20]
    second = sample_audio[16000 * 20 : 16000 * 40].copy()
    vad.speech_regions(first)
    vad.silero_timestamps(first.copy(), sampling_rate=16000, threshold=0.5)  # same samples, another array
    assert calls == [first.size]
    vad.speech_regions(second)  # other samples: computed afresh, not served the first audio's
    assert calls == [first.size, second.size]
    assert vad.speech_regions(second) == [vad.SpeechRegion(s["start"] / 16000, s["end"] / 16000) for s in
                                          get_speech_timestamps(torch.from_numpy(second), vad.load_silero(),
                                                                sampling_rate=16000, min_silence_duration_ms=200)]

"""The speech stages' settings, in a module that imports nothing heavy.

halo.models (the seed's ModelsConfig, read by every Dagster code location at import) takes its
defaults from these dataclasses, so each default is declared once; the stages themselves
(halo.speech.transcribe, halo.speech.diarize) import numpy, pandas and the model loaders.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AsrConfig:
    model: str = ""  # '' = bundled Whisper base (CTranslate2); or a name like "large-v3" / a CT2 dir
    device: str = "cpu"
    compute_type: str = "int8"
    batch_size: int = 8
    # Beam 2, not greedy: on the tuning half's clips (16-bit audio, as the pipeline reads it) WER
    # 0.1220 -> 0.1183 clean and 0.3143 -> 0.3032 noisy + echo, for ~5 % more CPU (docs/speech.md).
    beam_size: int = 2
    language: str = ""  # '' = detect
    alignment_model: str = ""  # '' = faster-whisper word timestamps; "default" = WhisperX's per-language model
    cpu_threads: int = 0  # 0 = all cores (at most 4)
    chunk_s: float = 30.0
    vad: str = "silero"  # "silero" (packaged) | "pyannote" (WhisperX's bundled segmentation model)


@dataclass(frozen=True)
class DiarizationConfig:
    backend: str = "local"  # "local" | "pyannote"
    pyannote_pipeline: str = "pyannote/speaker-diarization-community-1"
    hf_token: str = field(default="", repr=False)  # a secret: never in reprs / logs
    device: str = "cpu"
    min_speakers: int = 1
    max_speakers: int = 8
    window_s: float = 1.6  # resemblyzer's training partial length
    hop_s: float = 0.8
    min_turn_s: float = 0.4  # label runs shorter than this inside a speech region are absorbed

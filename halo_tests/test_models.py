"""halo.models: the seed's configs map onto the settings that already exist, honestly."""

from __future__ import annotations

import pytest

from halo.chunking.rules import ChunkingConfig as ChunkerConfig
from halo.errors import RetiredModel, UnknownModelPrice
from halo.llm.pricing import current_models
from halo.models import CacheConfig, ChunkingConfig, GeminiConfig, check_model_name
from halo_resources.gemini import GeminiResource


def test_chunking_config_is_the_chunkers_config_plus_the_rl_switch():
    seed = ChunkingConfig(max_chunk_duration=240.0, min_chunk_duration=30.0, speaker_change_threshold=0.6,
                          scene_change_threshold=2.0, coherence_threshold=0.4, use_rl_chunker=True,
                          rl_training_episodes=50)
    chunker = seed.chunker_config()
    assert type(chunker) is ChunkerConfig and chunker.method == "ppo"
    assert (chunker.max_chunk_duration, chunker.min_chunk_duration, chunker.speaker_change_threshold,
            chunker.scene_change_threshold, chunker.coherence_threshold) == (240.0, 30.0, 0.6, 2.0, 0.4)
    assert ChunkingConfig().chunker_config() == ChunkerConfig()


@pytest.mark.parametrize("limits", [{"min_chunk_duration": 400.0}, {"min_chunk_duration": 40.0, "max_chunk_duration": 30.0}])
def test_a_minimum_chunk_longer_than_the_maximum_is_refused(limits):
    """It was dropped without a word (the DP relaxes limits no cut can meet): asking for chunks of
    at least 400 s gave chunks of any length up to the 300 s maximum. Run config (`chunks`) too."""
    from pydantic import ValidationError

    from halo_assets.chunking import ChunksConfig

    for config in (ChunkingConfig, ChunkerConfig, ChunksConfig):
        with pytest.raises(ValidationError, match="is longer than max_chunk_duration .* lower the minimum"):
            config(**limits)
    assert ChunkingConfig(min_chunk_duration=300.0).min_chunk_duration == 300.0  # equal limits are fine


def test_cache_config_fakeredis_means_the_embedded_server():
    assert CacheConfig(use_fakeredis=True).redis_url() == ""
    assert CacheConfig(use_fakeredis=False, redis_host="cache", redis_port=6380).redis_url() == "redis://cache:6380/0"


def test_the_python_api_and_the_cli_build_the_same_l2_threshold(monkeypatch):
    """HALOPipeline's CacheConfig defaulted to 0.85 while the CLI's cache resource used 0.70, where
    docs/qa.md measured the cache's quality (0 wrong of 503 near-misses at cosine >= 0.70)."""
    from halo_cli.pipeline import HALOPipeline
    from halo_resources.environments import get_resources

    monkeypatch.delenv("HALO_ENV", raising=False)
    cli = get_resources()["cache"].l2_similarity_threshold
    api = HALOPipeline(cache_config=CacheConfig()).resources()["cache"].l2_similarity_threshold
    assert api == cli == CacheConfig().l2_similarity_threshold == 0.70


@pytest.mark.parametrize("name,error", [("gemini-1.5-flash", RetiredModel), ("models/gemini-1.5-pro-002", RetiredModel),
                                        ("gemini-1.0-pro", UnknownModelPrice)])
def test_retired_models_are_refused_naming_current_ones(name, error):
    with pytest.raises(error, match=", ".join(current_models())):
        GeminiConfig(model_name=name)
    assert GeminiConfig(model_name=name, use_mock=True).use_mock  # the local backend needs no model


def test_a_retired_model_name_is_refused_naming_the_field_to_change(monkeypatch):
    """GeminiConfig has no flash_model/pro_model: its refusal used to say to set them."""
    import datetime as dt

    import halo.llm.pricing

    monkeypatch.setattr(halo.llm.pricing, "today", lambda: dt.date(2026, 12, 1))
    with pytest.raises(RetiredModel, match=r"'gemini-2.5-pro' was shut down on 2026-12-01.*"
                                           r"Set GeminiConfig.model_name to a current model: gemini-3.5-flash-lite.*"
                                           r"Or use_mock=True") as refused:
        GeminiConfig(model_name="gemini-2.5-pro")
    assert "flash_model" not in str(refused.value)


def test_gemini_config_becomes_resource_fields():
    model = current_models()[0]
    config = GeminiConfig(model_name=model, max_tokens=256, temperature=0.0, batch_size=2,
                          timeout_s=5.0, use_mock=True)
    resource = GeminiResource(**config.resource_fields())
    assert (resource.flash_model, resource.max_output_tokens, resource.temperature, resource.batch_size,
            resource.timeout_s, resource.backend) == (model, 256, 0.0, 2, 5.0, "local")
    assert check_model_name(model) == model
    assert "secret" not in repr(GeminiConfig(api_key="secret"))

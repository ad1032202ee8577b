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


def test_cache_config_fakeredis_means_the_embedded_server():
    assert CacheConfig(use_fakeredis=True).redis_url() == ""
    assert CacheConfig(use_fakeredis=False, redis_host="cache", redis_port=6380).redis_url() == "redis://cache:6380/0"


@pytest.mark.parametrize("name,error", [("gemini-1.5-flash", RetiredModel), ("models/gemini-1.5-pro-002", RetiredModel),
                                        ("gemini-1.0-pro", UnknownModelPrice)])
def test_retired_models_are_refused_naming_current_ones(name, error):
    with pytest.raises(error, match=", ".join(current_models())):
        GeminiConfig(model_name=name)
    assert GeminiConfig(model_name=name, use_mock=True).use_mock  # the local backend needs no model


def test_gemini_config_becomes_resource_fields():
    model = current_models()[0]
    config = GeminiConfig(model_name=model, max_tokens=256, temperature=0.0, batch_size=2,
                          timeout_s=5.0, use_mock=True)
    resource = GeminiResource(**config.resource_fields())
    assert (resource.flash_model, resource.max_output_tokens, resource.temperature, resource.batch_size,
            resource.timeout_s, resource.backend) == (model, 256, 0.0, 2, 5.0, "local")
    assert check_model_name(model) == model
    assert "secret" not in repr(GeminiConfig(api_key="secret"))

"""A private HALO project for the API/CLI tests: its own data root, Dagster instance and
embedded redis-server, no Gemini key. The contract snippet processes the bundled sample once per
session; later tests (CLI, demo.py, demo.ipynb) reuse that instance and data root."""

from __future__ import annotations

import pytest

from halo.paths import samples_dir

SAMPLE = samples_dir() / "meeting.mp4"
KEY_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "REDIS_URL", "HALO_ENV",
            "HALO_STORAGE_ROOT")

# The contract, verbatim (only the video path is replaced by the test).
CONTRACT = '''\
from halo import HALOPipeline
from halo.models import ChunkingConfig, CacheConfig, GeminiConfig

chunking_config = ChunkingConfig(max_chunk_duration=300.0, min_chunk_duration=30.0, use_rl_chunker=False)
cache_config = CacheConfig(use_fakeredis=True, l2_similarity_threshold=0.85)
gemini_config = GeminiConfig(model_name="gemini-1.5-flash", use_mock=True)
pipeline = HALOPipeline(chunking_config=chunking_config, cache_config=cache_config, gemini_config=gemini_config)
chunks, results, metrics = pipeline.process_video("path/to/your/video.mp4", query="What are the main topics discussed?")
answer = pipeline.ask_question("What conclusions were drawn?")
print(answer.response_text)
'''


def project_env(mp: pytest.MonkeyPatch, root) -> None:
    """Point HALO and Dagster at ``root`` (data/, dagster home without telemetry noise)."""
    home = root / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    mp.setenv("HALO_DATA_DIR", str(root / "data"))
    mp.setenv("DAGSTER_HOME", str(home))
    for name in KEY_VARS:
        mp.delenv(name, raising=False)


def run_contract(video) -> dict:
    """Execute the contract snippet on ``video``; its variables afterwards."""
    namespace: dict = {}
    exec(compile(CONTRACT.replace("path/to/your/video.mp4", str(video)), "contract", "exec"), namespace)
    return namespace


@pytest.fixture(scope="session")
def api_root(tmp_path_factory):
    return tmp_path_factory.mktemp("api-project")


@pytest.fixture(scope="session")
def contract(api_root):
    """The contract snippet run on the bundled sample (the session's one full pipeline run)."""
    with pytest.MonkeyPatch.context() as mp:
        project_env(mp, api_root)
        return run_contract(SAMPLE)


@pytest.fixture
def api_env(api_root, contract, monkeypatch):
    """This test runs in the session's project, where the sample is already processed."""
    project_env(monkeypatch, api_root)
    return api_root

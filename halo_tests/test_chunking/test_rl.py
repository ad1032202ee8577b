"""The PPO chunker: environment API and reward, limits, the shipped policy (loads without SB3,
acts as SB3 does, cuts the bundled sample at its topics), the bundled training data, and the
training job run from a fresh-clone-like environment."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from halo.chunking.dp import cuts_to_masses
from halo.chunking.metrics import default_k, labels_to_masses, pk, windowdiff
from halo.chunking.rl_env import ChunkingEnv
from halo.chunking.rl_episode import Limits, document_episode, walk
from halo.chunking.rl_policy import PRETRAINED_POLICY, load_policy
from halo.chunking.rl_train import PPOTrainingConfig, save_policy, train_ppo
from halo.chunking.rules import ChunkingConfig
from halo.chunking.signals import compute_signals
from halo.paths import PROJECT_ROOT

RULES = ChunkingConfig()


def synthetic_episode(seed: int = 0, n_segments: int = 5, per_segment: int = 30):
    """Units drawn around one random direction per segment (noisy), 4 s each, known truth."""
    rng = np.random.default_rng(seed)
    truth = [int(rng.integers(per_segment // 2, per_segment * 2)) for _ in range(n_segments)]
    centers = rng.normal(size=(n_segments, 16))
    vectors = np.concatenate([c + 0.8 * rng.normal(size=(m, 16)) for c, m in zip(centers, truth)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    n = len(vectors)
    speakers = [f"s{int(rng.integers(3))}" for _ in range(n)]
    texts = ["word " * int(rng.integers(3, 15)) for _ in range(n)]
    starts = np.arange(n) * 4.0
    ends = starts + 3.5
    signals = compute_signals(texts, vectors, speakers=speakers, starts=starts, ends=ends)
    limits = Limits(min_duration=8.0, max_duration=200.0)
    f1 = np.clip(0.5 + 0.1 * rng.normal(size=n - 1), 0, 1)
    episode = document_episode(signals, vectors, starts, ends, limits, weights=RULES.weights,
                               cohesion_weight=RULES.cohesion_weight, truth=truth, gap_f1=f1,
                               doc_id=f"synthetic{seed}")
    return episode, limits


def test_env_passes_gymnasium_checks():
    episode, limits = synthetic_episode()
    env = ChunkingEnv([episode, synthetic_episode(1)[0]], limits)
    check_env(env, skip_render_check=True)
    obs, info = env.reset(seed=3)
    assert env.observation_space.contains(obs) and info["doc_id"].startswith("synthetic")


@pytest.mark.parametrize("pk_weight", [1.0, 0.0])
def test_rewards_sum_to_the_metric_improvement(pk_weight):
    """Per-cut rewards telescope: return = (metric(no cuts) - metric(final)) * (N - k) / k."""
    episode, _ = synthetic_episode(seed=4)
    episode.candidates = None  # decide at every gap
    limits = Limits(min_duration=0.0, max_duration=1e9)
    env = ChunkingEnv([episode], limits, coherence_weight=0.0, pk_weight=pk_weight)
    rng = np.random.default_rng(0)
    env.reset(seed=0)
    total, done = 0.0, False
    while not done:
        _, reward, done, _, _ = env.step(int(rng.random() < 0.1))
        total += reward
    cuts = env.walker.cuts
    assert cuts, "the random walk should have cut somewhere"
    metric = pk if pk_weight == 1.0 else windowdiff
    n, k = episode.n_units, default_k(episode.truth)
    expected = (metric(episode.truth, [n]) - metric(episode.truth, cuts_to_masses(cuts, n))) * (n - k) / k
    assert total == pytest.approx(expected, abs=1e-9)


def test_limits_are_enforced_whatever_the_policy_does():
    episode, limits = synthetic_episode(seed=2, n_segments=8)
    for action in (0, 1):
        cuts = walk(episode, limits, lambda obs: action)
        edges = [0, *cuts, episode.n_units]
        durations = [episode.ends[b - 1] - episode.starts[a] for a, b in zip(edges, edges[1:])]
        assert max(durations) <= limits.max_duration
        assert min(durations[:-1]) >= limits.min_duration
    assert len(walk(episode, limits, lambda obs: 0)) < len(walk(episode, limits, lambda obs: 1))



def test_bundled_training_data_is_the_tuning_half_without_the_sample():
    from bench.splits import SAMPLE_MEETING, half_of
    from halo.eval.datasets import load_qmsum
    from halo.eval.ppo import BUNDLED_QMSUM

    docs = load_qmsum(BUNDLED_QMSUM)
    lines = [int(d.doc_id.removeprefix("val.jsonl#")) for d in docs]
    assert len(docs) == 9 and all(half_of(i) == "tune" for i in lines) and SAMPLE_MEETING not in lines
    assert all(d.n_segments >= 2 and sum(d.truth) == len(d.units) for d in docs)
    assert (BUNDLED_QMSUM.parent / "README.md").read_text().count("MIT License") >= 1
    meta = load_policy(PRETRAINED_POLICY).meta  # the shipped policy saw only these meetings
    assert set(meta["train_docs"]) | set(meta["test_docs"]) == {d.doc_id for d in docs}
    assert not set(meta["train_docs"]) & set(meta["test_docs"])


def test_inference_loads_neither_stable_baselines3_nor_gymnasium():
    """Processing a video with the policy (and loading the Dagster code) never imports them."""
    code = ("import sys; from halo.chunking.rl_policy import PRETRAINED_POLICY, load_policy; "
            "import halo_assets.definitions; p = load_policy(PRETRAINED_POLICY); "
            "import numpy as np; p.act(np.zeros(len(p.meta['feature_names']), dtype=np.float32)); "
            "print(sorted(m for m in ('stable_baselines3', 'gymnasium') if m in sys.modules))")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=PROJECT_ROOT)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip().splitlines()[-1] == "[]"


def test_numpy_actor_acts_as_stable_baselines3_does():
    from stable_baselines3 import PPO

    policy = load_policy(PRETRAINED_POLICY)
    model = PPO.load(str(PRETRAINED_POLICY), device="cpu")
    observations = []
    for seed in range(6):  # observations a walk really meets, plus random ones
        episode, limits = synthetic_episode(seed, n_segments=6)
        walk(episode, limits, lambda obs: observations.append(obs) or 0)
    rng = np.random.default_rng(0)
    observations += list(rng.random((400, len(observations[0])), dtype=np.float32))
    observations = np.stack(observations)
    expected = model.predict(observations, deterministic=True)[0]
    assert 0 < expected.sum() < len(expected)  # both actions occur, so agreement means something
    assert [policy.act(o) for o in observations] == expected.tolist()


@pytest.fixture(scope="module")
def sample():
    from bench.samplegen import load_truth
    from halo.chunking.video import truth_frames

    truth = load_truth()
    return (truth, *truth_frames(truth))


def test_pretrained_policy_cuts_the_bundled_sample_at_its_topics(sample, data_root):
    """No training, no trained policy in the data root: `use_rl_chunker` runs the shipped one."""
    from halo.chunking.video import chunk_video
    from halo.models import ChunkingConfig as ApiChunkingConfig
    from halo.text.embed import embed_texts

    truth, utts, scenes = sample
    config = ApiChunkingConfig(use_rl_chunker=True).chunker_config()
    out = chunk_video(utts, embed_texts(utts["text"].tolist()), None, scenes, config, render=False)
    chunks = out.result.chunks
    durations = (chunks["end"] - chunks["start"]).to_numpy()
    assert durations.min() >= config.min_chunk_duration and durations.max() <= config.max_chunk_duration
    # The policy learned ~13-minute QMSum topics; the sample's are 35-45 s, so it finds the two
    # topic changes that are also scene cuts (0.29 Pk at the time of writing; the rules: 0.11).
    starts = chunks["start"].to_numpy()
    found = [np.min(np.abs(starts - t["start"])) <= 10.0 for t in truth["topics"][1:]]
    assert sum(found) >= len(found) / 2, (starts, truth["topics"])
    labels = [t["topic_id"] for t in truth["turns"]]
    ref = labels_to_masses(labels)
    ppo_pk = pk(ref, cuts_to_masses(out.result.cuts, len(labels)))
    assert ppo_pk <= 0.35 and ppo_pk < pk(ref, [len(labels)])  # and better than one chunk


def test_train_job_runs_from_a_fresh_clone(tmp_path, monkeypatch, data_root):
    """Default training data (the bundled subset), nothing outside the checkout, cwd elsewhere:
    the job trains, reports `chunking_policy`, and the chunker then uses the trained policy."""
    from dagster import AssetKey, DagsterInstance

    from halo.chunking.rl_policy import active_policy_path, trained_policy_path
    from halo_assets.policy import train_chunking_policy_job

    monkeypatch.chdir(tmp_path)
    for name in ("HALO_QMSUM_DIR", "HALO_QMSUM_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert active_policy_path() == PRETRAINED_POLICY
    instance = DagsterInstance.ephemeral()
    # the two shortest bundled meetings; with test_fraction 0.75 the hash split holds out val#30
    result = train_chunking_policy_job.execute_in_process(instance=instance, run_config={
        "ops": {"train_ppo_chunker": {"config": {
            "limit": 2, "test_fraction": 0.75, "timesteps": 1024, "bertscore": False}}}})
    assert result.success
    event = instance.get_latest_materialization_event(AssetKey("chunking_policy"))
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert metadata["train_docs"] == 1 and metadata["test_doc_ids"] == "val.jsonl#30"
    assert 0.0 <= metadata["pk_ppo"] <= 1.0 and 0.0 <= metadata["pk_rules"] <= 1.0
    path = trained_policy_path()
    assert metadata["path"] == str(path) and path.parent.parent == data_root / "models"
    assert active_policy_path() == path
    meta = load_policy(path).meta
    assert meta["train_docs"] == ["val.jsonl#12"] and meta["source"] == "qmsum_val_tuning.jsonl.gz"
    assert meta["limits"] == {"min_duration": 60.0, "max_duration": 3600.0}


def test_chunker_uses_the_configured_policy(tmp_path):
    """ChunkingConfig(method="ppo", policy_path=...) cuts with that policy, within the config's limits."""
    import pandas as pd

    from halo.chunking.rules import chunk_utterances
    from halo.errors import ModelFileError

    episode, _ = synthetic_episode(seed=5)
    n = episode.n_units
    utterances = pd.DataFrame({"utt_id": range(n), "start": episode.starts, "end": episode.ends,
                               "speaker": ["a"] * n, "scene_id": [0] * n, "text": ["some words"] * n})
    vectors = np.random.default_rng(0).normal(size=(n, 8))
    config = ChunkingConfig(method="ppo", policy_path=str(tmp_path / "missing.zip"),
                            min_chunk_duration=10, max_chunk_duration=60)
    with pytest.raises(ModelFileError, match="train_chunking_policy"):
        chunk_utterances(utterances, vectors, config)
    (tmp_path / "corrupt.zip").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="not a stable-baselines3 PPO zip"):
        chunk_utterances(utterances, vectors, config.model_copy(update={"policy_path": str(tmp_path / "corrupt.zip")}))
    model, _ = train_ppo([episode], Limits(10, 60), PPOTrainingConfig(total_timesteps=512, n_steps=128,
                                                                batch_size=64))
    save_policy(model, tmp_path / "p.zip", Limits(10, 60))
    result = chunk_utterances(utterances, vectors, config.model_copy(
        update={"policy_path": str(tmp_path / "p.zip")}),
        coherence_fn=lambda g: [1.0] * len(g), token_fn=lambda t: [0] * len(t))
    durations = result.chunks["end"] - result.chunks["start"]
    assert len(result.chunks) >= n * 4 / 60 and durations.max() <= 60

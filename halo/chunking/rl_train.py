"""Training the learned chunker: PPO (stable-baselines3) on the gymnasium environment, and saving.

The only module that imports stable-baselines3 and gymnasium (inside train_ppo, so importing
PPOTrainingConfig for a config default stays cheap). The saved zip is SB3's own format, so training
can be resumed with SB3; inference reads its weights without SB3 (halo.chunking.rl_policy).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from halo.chunking.rl_episode import FEATURE_NAMES, Episode, Limits
from halo.chunking.rl_policy import ACTIVATIONS, policy_meta_path


@dataclass
class PPOTrainingConfig:
    """PPO hyper-parameters: a small MLP, short rollouts, CPU; sized for minutes, not hours."""

    total_timesteps: int = 60_000
    seed: int = 0
    n_envs: int = 4
    n_steps: int = 256        # short rollouts: many updates within a few thousand steps
    batch_size: int = 128
    n_epochs: int = 5
    learning_rate: float = 1e-3
    gamma: float = 0.95       # a cut's payoff is immediate (see reward); only limits look ahead
    gae_lambda: float = 0.9
    ent_coef: float = 0.01
    initial_cut_probability: float = 0.2  # start from "cuts are rare" (see train_ppo)
    net_arch: list[int] = field(default_factory=lambda: [32, 32])
    coherence_weight: float = 0.5
    pk_weight: float = 0.5


def train_ppo(episodes: Sequence[Episode], limits: Limits, settings: PPOTrainingConfig | None = None):
    """Train a PPO cut policy on ``episodes`` (seeded, CPU). Returns (model, seconds)."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    from halo.chunking.rl_env import ChunkingEnv

    settings = settings or PPOTrainingConfig()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 32x32 MLP is slower with thread hand-offs than without
    try:
        t0 = time.perf_counter()
        env = make_vec_env(ChunkingEnv, n_envs=settings.n_envs, seed=settings.seed,
                           env_kwargs={"episodes": list(episodes), "limits": limits,
                                       "coherence_weight": settings.coherence_weight,
                                       "pk_weight": settings.pk_weight})
        model = PPO("MlpPolicy", env, n_steps=settings.n_steps, batch_size=settings.batch_size,
                    n_epochs=settings.n_epochs, learning_rate=settings.learning_rate,
                    gamma=settings.gamma, gae_lambda=settings.gae_lambda,
                    ent_coef=settings.ent_coef, seed=settings.seed, device="cpu", verbose=0,
                    policy_kwargs={"net_arch": list(settings.net_arch)})
        # An untrained policy cuts at half the gaps; nearly every such cut is a false boundary,
        # so PPO's first updates learn "never cut" everywhere before it has seen a good cut.
        # Starting from a low cut probability explores in the regime that matters.
        p = settings.initial_cut_probability
        with torch.no_grad():
            model.policy.action_net.bias.copy_(torch.tensor([0.0, float(np.log(p / (1 - p)))]))
        model.learn(total_timesteps=settings.total_timesteps)
        return model, time.perf_counter() - t0
    finally:
        torch.set_num_threads(threads)


def save_policy(model, path: str | Path, limits: Limits, info: dict | None = None) -> Path:
    """Write the model zip and a JSON sidecar (features, limits, network, training info).

    The sidecar names the hidden activation because the SB3 zip stores it only as a pickled
    class, which inference (no SB3) does not unpickle.
    """
    from halo.storage import write_bytes_atomic

    activation = model.policy.activation_fn.__name__.lower()
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation {activation!r} is not one inference knows ({sorted(ACTIVATIONS)})")
    path = Path(path)
    buffer = io.BytesIO()
    model.save(buffer)
    meta = {"feature_names": list(FEATURE_NAMES), "limits": asdict(limits),
            "activation": activation, **(info or {})}
    write_bytes_atomic(policy_meta_path(path), json.dumps(meta, indent=1).encode("utf-8"))
    write_bytes_atomic(path, buffer.getvalue())
    return path

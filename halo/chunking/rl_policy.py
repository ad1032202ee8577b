"""Cutting with a trained PPO chunking policy: load it, walk a document, return the cuts.

The policy is the zip stable-baselines3 saves (halo.chunking.rl_train). Inference needs only
its actor: SB3's MlpPolicy maps the observation through ``mlp_extractor.policy_net`` (Linear +
activation layers) and ``action_net`` (Linear to two logits), and the deterministic action is
the larger logit. Those weights are read from the zip's ``policy.pth`` (torch.load with
weights_only, no pickled classes) and applied with numpy, so processing a video never imports
stable-baselines3 or gymnasium; a test checks the actions against SB3's own ``predict``.

Which policy: ``ChunkingConfig.policy_path`` if set; else the one the ``train_chunking_policy``
job last trained (``<data>/models/chunking_policy/policy.zip``); else the pretrained policy
that ships with HALO (``halo/chunking/pretrained/``, trained on the bundled QMSum subset), so
``use_rl_chunker=True`` works on a fresh clone without training.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from halo.chunking.rl_episode import FEATURE_NAMES, Episode, Limits, document_episode, walk
from halo.chunking.signals import BoundarySignals
from halo.errors import ModelFileError

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh, "relu": lambda x: np.maximum(x, 0.0)}
PRETRAINED_POLICY = Path(__file__).resolve().parent / "pretrained" / "ppo_qmsum.zip"


def policy_meta_path(policy_path: str | Path) -> Path:
    """The JSON sidecar next to a policy zip (features, limits, activation, training split)."""
    return Path(policy_path).with_suffix(".json")


def trained_policy_path() -> Path:
    """Where the `train_chunking_policy` job writes the policy it trains."""
    from halo.paths import models_dir

    return models_dir() / "chunking_policy" / "policy.zip"


def active_policy_path(configured: str | Path = "") -> Path:
    """The policy a chunker uses: the configured one, else the last trained, else the pretrained."""
    if configured:
        return Path(configured)
    trained = trained_policy_path()
    return trained if trained.is_file() else PRETRAINED_POLICY


@dataclass
class ChunkingPolicy:
    """A loaded policy's actor network plus what it was trained with (limits, features, split)."""

    hidden: list[tuple[np.ndarray, np.ndarray]]  # (weight, bias) per hidden layer
    action: tuple[np.ndarray, np.ndarray]         # (weight, bias) of the logits layer
    activation: str
    path: Path
    meta: dict

    @property
    def limits(self) -> Limits:
        return Limits(**self.meta.get("limits", {}))

    def act(self, observation: np.ndarray) -> int:
        """The deterministic action (1 = cut) for one observation."""
        h = np.asarray(observation, dtype=np.float32)
        apply = ACTIVATIONS[self.activation]
        for weight, bias in self.hidden:
            h = apply(h @ weight.T + bias)
        weight, bias = self.action
        return int(np.argmax(h @ weight.T + bias))


def _layers(state: dict, prefix: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of ``prefix.<i>`` Linear layers in index order (activations hold none)."""
    indices = sorted({int(k[len(prefix) + 1:].split(".")[0]) for k in state if k.startswith(prefix + ".")})
    return [(state[f"{prefix}.{i}.weight"], state[f"{prefix}.{i}.bias"]) for i in indices]


def load_policy(path: str | Path) -> ChunkingPolicy:
    """Load a policy saved by rl_train.save_policy; errors say what to do when it is unusable."""
    import torch

    path = Path(path)
    fix = "Fix: run the `train_chunking_policy` job (or `halo eval segmentation --ppo` a trained zip), " \
          "or use method='rules'."
    if not path.is_file():
        raise ModelFileError(f"No trained chunking policy at {path}. {fix}")
    meta_file = policy_meta_path(path)
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    if meta.get("feature_names", list(FEATURE_NAMES)) != list(FEATURE_NAMES):
        raise ModelFileError(f"Chunking policy {path} was trained on other observation features. {fix}")
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read("policy.pth")
        state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except (zipfile.BadZipFile, KeyError, RuntimeError, OSError) as exc:
        raise ModelFileError(f"Chunking policy {path} is not a stable-baselines3 PPO zip "
                             f"({type(exc).__name__}: {exc}). {fix}") from None
    arrays = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in state.items()}
    hidden = _layers(arrays, "mlp_extractor.policy_net")
    action = (arrays.get("action_net.weight"), arrays.get("action_net.bias"))
    activation = meta.get("activation", "tanh")  # SB3's MlpPolicy default
    if action[0] is None or activation not in ACTIVATIONS:
        raise ModelFileError(f"Chunking policy {path} has no actor HALO can run "
                             f"(action_net, activation {activation!r}). {fix}")
    return ChunkingPolicy(hidden, action, activation, path, meta)


def ppo_cuts(policy: ChunkingPolicy, episode: Episode, limits: Limits | None = None) -> list[int]:
    """Deterministic cuts (chunks start at 0 and at each cut) of ``policy`` on one document."""
    if episode.n_units < 2:
        return []
    return walk(episode, limits or policy.limits, policy.act)


def policy_cuts(policy_path: str | Path, limits: Limits, signals: BoundarySignals,
                vectors: np.ndarray, starts: np.ndarray, ends: np.ndarray, *,
                weights: dict[str, float], cohesion_weight: float, unit_weights: np.ndarray,
                gap_f1: np.ndarray | None = None) -> list[int]:
    """The chunker's ``method="ppo"`` path: the active policy's cuts under the caller's limits.

    ``weights`` / ``cohesion_weight`` are the rules' (the observation includes the rules' DP).
    A policy trained without BERTScore never saw the coherence signal, so it does not see it
    here either (the signal and gap F1 are dropped): same features as in training.
    """
    policy = load_policy(active_policy_path(policy_path))
    if not policy.meta.get("with_bertscore", True):
        signals = BoundarySignals({k: v for k, v in signals.values.items() if k != "coherence"})
        gap_f1 = None
    episode = document_episode(signals, vectors, starts, ends, limits, weights=weights,
                               cohesion_weight=cohesion_weight, gap_f1=gap_f1,
                               unit_weights=unit_weights)
    return ppo_cuts(policy, episode, limits)

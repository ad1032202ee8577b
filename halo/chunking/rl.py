"""The learned chunker: a gymnasium environment over candidate gaps and a PPO cut policy.

An episode is one document (a video's utterances or a benchmark's meeting turns). The agent
walks the candidate gaps between consecutive units in order (see candidate_gaps: the gaps the
rules find plausible) and decides at each: cut (1) or not (0).

Observation (float32, see FEATURE_NAMES): the gap's boundary signals (halo.chunking.signals,
as the rule-based chunker computes them), document-relative context (percentile of the rules'
combined score at this gap, the best percentile just before and just after it, so the policy
can tell a local peak from a slope), and the running state: time since the last cut
normalised by the minimum and the maximum chunk duration, time left in the document / max,
and whether a cut is allowed here at all.

Duration limits are enforced by the environment, not learned: a cut is *blocked* while the
open chunk is shorter than ``min_duration`` (or would leave a final chunk shorter than it), and
*forced* when adding the next unit would exceed ``max_duration``. The policy sees both flags.

Reward (why this shape): Pk and WindowDiff are episode-level numbers, and a 500-turn meeting has
~5 true boundaries, so an end-of-episode reward leaves PPO guessing which of 500 actions mattered.
Instead each cut is paid the *exact change* it makes to the Pk and WindowDiff error counts,
given the cuts already made and no later ones. The sum over an episode telescopes to
``-(Pk(final) - Pk(no cuts)) * (N - k) / k`` (same for WindowDiff), so maximising return is
minimising the metrics, while each action gets its credit immediately (a cut on a true
boundary with no other cut nearby earns +1, one far from any boundary -1, one at distance d
earns (k - 2d) / k). Not cutting earns 0.

Coherence term: when a chunk closes, ``coherence_weight * (chunk coherence - document mean)``
where chunk coherence is the mean BERTScore F1 over the gaps inside the chunk (each gap's F1
between the ~60 words before and after it, halo.text.coherence.gap_coherence). BERTScore is
far too slow to call per step on a CPU, so it is computed once per document (and cached on disk
by halo.eval.feature_store); the environment only averages a precomputed array. Without BERTScore
(``gap_f1`` None) the term is 0.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np

from halo.chunking.metrics import default_k, masses_to_boundaries
from halo.chunking.rules import ChunkingConfig
from halo.chunking.signals import SIGNAL_NAMES, BoundarySignals
from halo.errors import ModelFileError

CONTEXT_SCALES = (5, 25, 100)  # gaps before/after a gap whose best rules score the policy sees
DP_SEGMENTS = (2, 4, 8)  # exact-DP segmentations of the whole document into this many chunks
DP_NEAR_GAPS = 10.0      # "near a DP cut" fades to 0 this many gaps away
CANDIDATE_DP_SEGMENTS = (16,)  # finer DP cuts that are candidates but not features
PEAK_PCT = 0.9           # local score peaks above this percentile are candidates too
FEATURE_NAMES: tuple[str, ...] = (
    *SIGNAL_NAMES,
    "score_pct",
    *(f"{side}_max_pct_{w}" for w in CONTEXT_SCALES for side in ("before", "after")),
    *(f"near_dp_cut_{k}" for k in DP_SEGMENTS),
    "since_cut_over_min", "since_cut_over_max", "left_over_max", "cut_allowed", "cut_forced",
)
N_STATIC = len(SIGNAL_NAMES) + 1 + 2 * len(CONTEXT_SCALES) + len(DP_SEGMENTS)


def percentile_ranks(values: np.ndarray) -> np.ndarray:
    """Rank of each value within the document, in [0, 1] (ties share the mean rank)."""
    n = len(values)
    if n <= 1:
        return np.ones(n)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(n)
    # average ranks of ties so equal scores get equal features
    uniq, inverse = np.unique(values, return_inverse=True)
    sums = np.bincount(inverse, weights=ranks)
    counts = np.bincount(inverse)
    return (sums / counts)[inverse] / (n - 1)


def _window_max(values: np.ndarray, width: int, ahead: bool) -> np.ndarray:
    n = len(values)
    out = np.zeros(n)
    for j in range(n):
        part = values[j + 1:j + 1 + width] if ahead else values[max(j - width, 0):j]
        out[j] = part.max() if len(part) else 0.0
    return out


def nearness(cuts: Sequence[int], n_gaps: int, fade: float = DP_NEAR_GAPS) -> np.ndarray:
    """Per gap: 1 on a cut (cut c = gap c-1), fading linearly to 0 ``fade`` gaps away."""
    if not len(cuts) or n_gaps == 0:
        return np.zeros(n_gaps)
    gaps = np.asarray(cuts, dtype=float) - 1
    dist = np.abs(np.arange(n_gaps)[:, None] - gaps[None, :]).min(axis=1)
    return np.clip(1.0 - dist / fade, 0.0, 1.0)


def gap_features(signals: BoundarySignals, scores: np.ndarray, dp_cuts: Sequence[Sequence[int]]
                 ) -> np.ndarray:
    """Static observation part per gap: (n-1, N_STATIC) float32 (see FEATURE_NAMES).

    ``scores`` are the rules' combined boundary scores; ``dp_cuts`` the exact-DP cut sets at
    each of DP_SEGMENTS (see document_episode).
    """
    n_gaps = len(scores)
    if n_gaps == 0:
        return np.zeros((0, N_STATIC), dtype=np.float32)
    columns = [np.asarray(signals.values.get(name, np.zeros(n_gaps)), dtype=float)
               for name in SIGNAL_NAMES]
    pct = percentile_ranks(np.asarray(scores, dtype=float))
    columns.append(pct)
    for width in CONTEXT_SCALES:
        columns += [_window_max(pct, width, ahead=False), _window_max(pct, width, ahead=True)]
    columns += [nearness(cuts, n_gaps) for cuts in dp_cuts]
    return np.clip(np.stack(columns, axis=1), 0.0, 1.0).astype(np.float32)


@dataclass
class Limits:
    """Chunk duration limits in seconds (the env blocks/forces cuts to keep them)."""

    min_duration: float = 60.0
    max_duration: float = 3600.0


@dataclass
class Episode:
    """One document, ready for the environment: static features, unit times, the truth."""

    doc_id: str
    features: np.ndarray  # (n-1, N_STATIC)
    starts: np.ndarray    # (n,)
    ends: np.ndarray      # (n,)
    truth: list[int] | None = None      # true segment lengths (training / evaluation only)
    gap_f1: np.ndarray | None = None    # BERTScore F1 per gap (n-1,), for the coherence term
    candidates: np.ndarray | None = None  # bool (n-1,): gaps where the policy decides; None = all

    @property
    def n_units(self) -> int:
        return len(self.starts)


class Walker:
    """Running state of one left-to-right pass: the open chunk, the limits, the observation.

    Shared by the environment (training) and ppo_cuts (inference) so both see identical
    observations and enforce identical limits.
    """

    def __init__(self, episode: Episode, limits: Limits):
        self.ep, self.limits = episode, limits
        self.gap = 0
        self.chunk_start = 0
        self.cuts: list[int] = []
        self.forced_cuts: list[int] = []  # gaps cut by max_duration while skipping non-candidates
        self.skip()

    def skip(self) -> None:
        """Move to the next candidate gap, cutting on the way only where max_duration forces it."""
        candidates = self.ep.candidates
        if candidates is None:
            return
        while not self.done and not candidates[self.gap]:
            if self.flags()[1]:
                self.cuts.append(self.gap + 1)
                self.forced_cuts.append(self.gap)
                self.chunk_start = self.gap + 1
            self.gap += 1

    @property
    def done(self) -> bool:
        return self.gap >= self.ep.n_units - 1

    def flags(self) -> tuple[bool, bool]:
        """(cut allowed, cut forced) at the current gap."""
        ep, j = self.ep, self.gap
        elapsed = ep.ends[j] - ep.starts[self.chunk_start]
        left = ep.ends[-1] - ep.starts[j + 1]
        forced = ep.ends[j + 1] - ep.starts[self.chunk_start] > self.limits.max_duration
        allowed = forced or (elapsed >= self.limits.min_duration and left >= self.limits.min_duration)
        return allowed, forced

    def observation(self) -> np.ndarray:
        ep, j = self.ep, self.gap
        allowed, forced = self.flags()
        elapsed = ep.ends[j] - ep.starts[self.chunk_start]
        left = ep.ends[-1] - ep.starts[j + 1]
        lo, hi = self.limits.min_duration, self.limits.max_duration
        state = [min(elapsed / lo, 1.0) if lo > 0 else 1.0, min(elapsed / hi, 1.0),
                 min(left / hi, 1.0), float(allowed), float(forced)]
        return np.concatenate([ep.features[j], np.asarray(state, dtype=np.float32)])

    def step(self, action: int) -> bool:
        """Apply ``action`` at the current gap (limits win over it); return whether it cut."""
        allowed, forced = self.flags()
        cut = forced or (bool(action) and allowed)
        if cut:
            self.cuts.append(self.gap + 1)
            self.chunk_start = self.gap + 1
        self.gap += 1
        self.skip()
        return cut


class IncrementalScore:
    """Pk / WindowDiff error counts updated cut by cut (the reward; see the module docstring)."""

    def __init__(self, truth: Sequence[int]):
        ref = masses_to_boundaries(truth).astype(int)
        self.n = int(sum(truth))
        self.k = default_k(truth)
        probes = max(self.n - self.k, 0)
        cum = np.concatenate([[0], np.cumsum(ref)])
        self.ref_count = (cum[self.k:self.k + probes] - cum[:probes]) if probes else np.zeros(0, int)
        self.ref_same = self.ref_count == 0
        self.hyp_count = np.zeros(probes, dtype=int)

    def errors(self) -> tuple[int, int]:
        pk_err = int(np.sum((self.hyp_count == 0) != self.ref_same))
        wd_err = int(np.sum(self.hyp_count != self.ref_count))
        return pk_err, wd_err

    def add_cut(self, gap: int) -> tuple[int, int]:
        """Cut between unit ``gap`` and ``gap + 1``; return the change in (Pk, WD) error counts."""
        lo, hi = max(gap - self.k + 1, 0), min(gap, len(self.hyp_count) - 1)
        if hi < lo:
            return 0, 0
        count = self.hyp_count[lo:hi + 1]
        ref_same, ref_count = self.ref_same[lo:hi + 1], self.ref_count[lo:hi + 1]
        pk_before = np.sum((count == 0) != ref_same)
        wd_before = np.sum(count != ref_count)
        count += 1
        pk_after = np.sum(ref_same)  # every probe over the cut now says "different segments"
        wd_after = np.sum(count != ref_count)
        return int(pk_after - pk_before), int(wd_after - wd_before)


class ChunkingEnv(gym.Env):
    """Walk one document's gaps; action 1 = cut here. Episodes are drawn from ``episodes``."""

    metadata = {"render_modes": []}

    def __init__(self, episodes: Sequence[Episode], limits: Limits | None = None,
                 coherence_weight: float = 0.5, pk_weight: float = 0.5):
        super().__init__()
        usable = [e for e in episodes if e.n_units >= 2 and e.truth is not None
                  and (e.candidates is None or e.candidates.any())]
        if not usable:
            raise ValueError("ChunkingEnv needs at least one episode with >= 2 units and a truth")
        self.episodes = usable
        self.limits = limits or Limits()
        self.coherence_weight, self.pk_weight = coherence_weight, pk_weight
        size = len(FEATURE_NAMES)
        self.observation_space = gym.spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(2)
        self.walker: Walker | None = None
        self.score: IncrementalScore | None = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        index = (options or {}).get("episode")
        if index is None:
            index = int(self.np_random.integers(len(self.episodes)))
        episode = self.episodes[index]
        self.walker = Walker(episode, self.limits)
        self.score = IncrementalScore(episode.truth)
        for forced in self.walker.forced_cuts:  # before the first candidate: no decision to credit
            self.score.add_cut(forced)
        f1 = episode.gap_f1
        self.f1_mean = float(np.mean(f1)) if f1 is not None and len(f1) else 0.0
        return self.walker.observation(), {"doc_id": episode.doc_id}

    def _coherence_reward(self, start: int, end: int) -> float:
        """Closing chunk of units [start, end): mean gap F1 inside it minus the document's."""
        f1 = self.walker.ep.gap_f1
        if f1 is None or not self.coherence_weight or end - start < 2:
            return 0.0
        return self.coherence_weight * (float(np.mean(f1[start:end - 1])) - self.f1_mean)

    def _cut_reward(self, gap: int, start: int) -> float:
        d_pk, d_wd = self.score.add_cut(gap)
        return (self._coherence_reward(start, gap + 1)
                - (self.pk_weight * d_pk + (1 - self.pk_weight) * d_wd) / self.score.k)

    def step(self, action):
        walker, gap, start = self.walker, self.walker.gap, self.walker.chunk_start
        n_forced = len(walker.forced_cuts)
        cut = walker.step(int(action))
        reward = self._cut_reward(gap, start) if cut else 0.0
        # forced cuts made while skipping to the next candidate belong to this step's outcome
        start = gap + 1 if cut else start
        for forced in walker.forced_cuts[n_forced:]:
            reward += self._cut_reward(forced, start)
            start = forced + 1
        terminated = walker.done
        if terminated:
            reward += self._coherence_reward(walker.chunk_start, walker.ep.n_units)
            obs = np.zeros(self.observation_space.shape, dtype=np.float32)
        else:
            obs = walker.observation()
        return obs, float(reward), terminated, False, {"cuts": len(walker.cuts)}


# --- training, saving, inference -----------------------------------------------------------

@dataclass
class PPOSettings:
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


def train_ppo(episodes: Sequence[Episode], limits: Limits, settings: PPOSettings | None = None):
    """Train a PPO cut policy on ``episodes`` (seeded, CPU). Returns (model, seconds)."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env

    settings = settings or PPOSettings()
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


def policy_meta_path(policy_path: str | Path) -> Path:
    return Path(policy_path).with_suffix(".json")


def save_policy(model, path: str | Path, limits: Limits, info: dict | None = None) -> Path:
    """Write the model zip and a JSON sidecar (features, limits, training info), each atomically."""
    from halo.storage import write_bytes_atomic

    path = Path(path)
    buffer = io.BytesIO()
    model.save(buffer)
    meta = {"feature_names": list(FEATURE_NAMES), "limits": asdict(limits), **(info or {})}
    write_bytes_atomic(policy_meta_path(path), json.dumps(meta, indent=1).encode("utf-8"))
    write_bytes_atomic(path, buffer.getvalue())
    return path


@dataclass
class ChunkingPolicy:
    """A loaded PPO policy plus what it was trained with (limits, feature layout, split)."""

    model: object
    path: Path
    meta: dict

    @property
    def limits(self) -> Limits:
        return Limits(**self.meta.get("limits", {}))


def load_policy(path: str | Path) -> ChunkingPolicy:
    """Load a policy saved by save_policy; errors say what to do when it is missing or stale."""
    from stable_baselines3 import PPO

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"No trained chunking policy at {path}. Fix: materialize the `chunking_policy` asset "
            f"(or `halo eval segmentation --ppo` a trained zip), or use method='rules'.")
    meta_file = policy_meta_path(path)
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    if meta.get("feature_names", list(FEATURE_NAMES)) != list(FEATURE_NAMES):
        raise ModelFileError(
            f"Chunking policy {path} was trained on other observation features. Fix: "
            f"re-materialize the `chunking_policy` asset.")
    return ChunkingPolicy(PPO.load(str(path), device="cpu"), path, meta)


def walk(episode: Episode, limits: Limits, decide) -> list[int]:
    """Cut positions from a left-to-right pass where ``decide(observation) -> 0/1``."""
    walker = Walker(episode, limits)
    while not walker.done:
        walker.step(decide(walker.observation()))
    return walker.cuts


def ppo_cuts(policy: ChunkingPolicy, episode: Episode, limits: Limits | None = None) -> list[int]:
    """Deterministic cuts (chunks start at 0 and at each cut) of ``policy`` on one document."""
    if episode.n_units < 2:
        return []
    model = policy.model

    def decide(obs: np.ndarray) -> int:
        action, _ = model.predict(obs, deterministic=True)
        return int(action)

    return walk(episode, limits or policy.limits, decide)


def document_episode(signals: BoundarySignals, vectors: np.ndarray, starts: np.ndarray,
                     ends: np.ndarray, limits: Limits, config: ChunkingConfig | None = None, *,
                     truth: list[int] | None = None, gap_f1: np.ndarray | None = None,
                     unit_weights: np.ndarray | None = None, doc_id: str = "") -> Episode:
    """An Episode from the rule-based chunker's own signals, scores and exact DP.

    Besides the local signals, the policy sees where the rules' exact DP (cohesion + scores,
    halo.chunking.dp) would cut if asked for 2, 4 and 8 chunks (more when ``max_duration``
    needs more): the DP sees the whole document, which a left-to-right policy cannot, so the
    policy learns which granularity matches human topics and when the local evidence disagrees
    (a learned layer over the rules, not a replacement of them).
    """
    from halo.chunking.dp import segment

    config = config or ChunkingConfig()
    starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
    vectors = np.asarray(vectors, dtype=float)
    scores = signals.combined(config.weights)
    if len(starts) < 2:
        return Episode(doc_id, np.zeros((0, N_STATIC), dtype=np.float32), starts, ends, truth)
    weights = np.ones(len(starts)) if unit_weights is None else unit_weights
    duration = float(ends[-1] - starts[0]) if len(starts) else 0.0
    dp_cuts = []
    for count in (*DP_SEGMENTS, *CANDIDATE_DP_SEGMENTS):
        n_segments = max(count, int(np.ceil(duration / limits.max_duration)))
        dp_cuts.append(segment(vectors, scores, starts, ends, weights=weights,
                               cohesion_weight=config.cohesion_weight,
                               min_len=limits.min_duration, max_len=limits.max_duration,
                               n_segments=n_segments))
    features = gap_features(signals, scores, dp_cuts[:len(DP_SEGMENTS)])
    return Episode(doc_id, features, starts, ends, truth,
                   None if gap_f1 is None or not len(gap_f1) else np.asarray(gap_f1, dtype=float),
                   candidate_gaps(features, dp_cuts))


def candidate_gaps(features: np.ndarray, dp_cuts: Sequence[Sequence[int]]) -> np.ndarray:
    """Gaps where the policy decides: any DP cut, or a local peak of the rules score.

    Deciding at every gap makes exploration hopeless (a meeting has ~5 true boundaries in
    hundreds of gaps, and random cuts near each other cancel each other's reward), so the
    policy chooses among the gaps the rules consider plausible: DP cuts at 2..16 chunks and
    gaps whose score is in the top PEAK_PCT and highest within 5 gaps on both sides.
    """
    n_gaps = len(features)
    mask = np.zeros(n_gaps, dtype=bool)
    for cuts in dp_cuts:
        mask[np.asarray(cuts, dtype=int) - 1] = True
    pct = features[:, FEATURE_NAMES.index("score_pct")]
    before = features[:, FEATURE_NAMES.index("before_max_pct_5")]
    after = features[:, FEATURE_NAMES.index("after_max_pct_5")]
    mask |= (pct >= PEAK_PCT) & (pct >= before) & (pct >= after)
    return mask


def default_policy_path() -> Path:
    """Where the `chunking_policy` asset writes the trained policy."""
    from halo.paths import models_dir

    return models_dir() / "chunking_policy" / "policy.zip"


def policy_cuts(config: ChunkingConfig, signals: BoundarySignals, vectors: np.ndarray,
                starts: np.ndarray, ends: np.ndarray, unit_weights: np.ndarray,
                gap_f1: np.ndarray | None = None) -> list[int]:
    """The chunker's ``method="ppo"`` path: the policy's cuts under the config's own limits."""
    policy = load_policy(config.policy_path or default_policy_path())
    limits = Limits(config.min_chunk_duration, config.max_chunk_duration)
    episode = document_episode(signals, vectors, starts, ends, limits, config,
                               gap_f1=gap_f1, unit_weights=unit_weights)
    return ppo_cuts(policy, episode, limits)

"""The training environment of the learned chunker: a gymnasium Env and its reward.

Imported only to train (halo.chunking.rl_train); processing a video never loads gymnasium.
Observations and limits come from halo.chunking.rl_episode (the same walker inference uses).

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

from collections.abc import Sequence

import gymnasium as gym
import numpy as np

from halo.chunking.metrics import default_k, masses_to_boundaries
from halo.chunking.rl_episode import FEATURE_NAMES, Episode, Limits, Walker


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

"""What the learned chunker sees and may do: per-gap observations and the duration limits.

An episode is one document (a video's utterances or a benchmark's meeting turns). The policy
walks the candidate gaps between consecutive units in order (see candidate_gaps: the gaps the
rules find plausible) and decides at each: cut (1) or not (0). This module is shared by
training (halo.chunking.rl_env) and inference (halo.chunking.rl_policy), so both see identical
observations and enforce identical limits; it needs numpy only.

Observation (float32, see FEATURE_NAMES): the gap's boundary signals (halo.chunking.signals,
as the rule-based chunker computes them), document-relative context (percentile of the rules'
combined score at this gap, the best percentile just before and just after it, so the policy
can tell a local peak from a slope), and the running state: time since the last cut
normalised by the minimum and the maximum chunk duration, time left in the document / max,
and whether a cut is allowed here at all.

Duration limits are enforced by the walker, not learned: a cut is *blocked* while the open
chunk is shorter than ``min_duration`` (or would leave a final chunk shorter than it), and
*forced* when adding the next unit would exceed ``max_duration``. The policy sees both flags.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from halo.chunking.dp import segment
from halo.chunking.signals import SIGNAL_NAMES, BoundarySignals

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


def walk(episode: Episode, limits: Limits, decide: Callable[[np.ndarray], int]) -> list[int]:
    """Cut positions from a left-to-right pass where ``decide(observation) -> 0/1``."""
    walker = Walker(episode, limits)
    while not walker.done:
        walker.step(decide(walker.observation()))
    return walker.cuts


def document_episode(signals: BoundarySignals, vectors: np.ndarray, starts: np.ndarray,
                     ends: np.ndarray, limits: Limits, *, weights: dict[str, float],
                     cohesion_weight: float, truth: list[int] | None = None, gap_f1: np.ndarray | None = None,
                     unit_weights: np.ndarray | None = None, doc_id: str = "") -> Episode:
    """An Episode from the rule-based chunker's own signals, scores and exact DP.

    Besides the local signals, the policy sees where the rules' exact DP (cohesion + scores,
    halo.chunking.dp) would cut if asked for 2, 4 and 8 chunks (more when ``max_duration``
    needs more): the DP sees the whole document, which a left-to-right policy cannot, so the
    policy learns which granularity matches human topics and when the local evidence disagrees
    (a learned layer over the rules, not a replacement of them). ``weights`` and
    ``cohesion_weight`` are the rules' own (ChunkingConfig), so the DP is the rules' DP.
    """
    starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
    vectors = np.asarray(vectors, dtype=float)
    scores = signals.combined(weights)
    if len(starts) < 2:
        return Episode(doc_id, np.zeros((0, N_STATIC), dtype=np.float32), starts, ends, truth)
    weights = np.ones(len(starts)) if unit_weights is None else unit_weights
    duration = float(ends[-1] - starts[0]) if len(starts) else 0.0
    dp_cuts = []
    for count in (*DP_SEGMENTS, *CANDIDATE_DP_SEGMENTS):
        n_segments = max(count, int(np.ceil(duration / limits.max_duration)))
        dp_cuts.append(segment(vectors, scores, starts, ends, weights=weights,
                               cohesion_weight=cohesion_weight,
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

"""How far the rule chunker's cut decisions are from flipping.

The chunker picks the cuts that maximise an objective J (halo.chunking.dp). Whether a true topic
change gets a chunk boundary is a yes/no outcome of that optimisation, and its *decision margin*
is how much J would have to move for the answer to change: J of the chosen cuts minus J of the
best segmentation with the opposite answer (no boundary near the topic change when there is
one, a boundary there when there is none). Inputs computed on another CPU (BLAS kernels in the
embeddings, Whisper decoding, word alignment) move J by small amounts; a decision with a margin
below that noise is a coin toss between machines, and so is any test that pins it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from halo.chunking.rules import CutProblem

#: a true topic change counts as found when a chunk starts within this many seconds of it
#: (the tolerance of the sample's contract test)
TOPIC_TOLERANCE_S = 10.0
_FORCE = 1e6  # boundary bonus that forces (or, negated, forbids) a cut


@dataclass(frozen=True)
class CutDecision:
    """One true topic change: found or not, and by how much of J."""

    topic_start: float
    found: bool
    margin: float  # J(chosen) - J(best with the opposite answer), >= 0; inf if it cannot flip


def gaps_near(problem: CutProblem, time_s: float, tolerance_s: float = TOPIC_TOLERANCE_S) -> np.ndarray:
    """Gaps j whose cut would start a chunk (utterance j+1) within ``tolerance_s`` of ``time_s``."""
    return np.nonzero(np.abs(problem.starts[1:] - time_s) <= tolerance_s)[0]


def _has_boundary_near(problem: CutProblem, cuts: list[int], time_s: float, tolerance_s: float) -> bool:
    return bool(cuts) and bool(np.any(np.abs(problem.starts[cuts] - time_s) <= tolerance_s))


def decision_margins(problem: CutProblem, topic_starts: list[float],
                     tolerance_s: float = TOPIC_TOLERANCE_S) -> list[CutDecision]:
    """The decision margin of each true topic change (penalty mode, as the product runs)."""
    cuts = problem.solve()
    best = problem.objective(cuts)
    out = []
    for t in topic_starts:
        near = gaps_near(problem, t, tolerance_s)
        found = _has_boundary_near(problem, cuts, t, tolerance_s)
        if found:  # the best cuts without any boundary near t
            scores = problem.scores.copy()
            scores[near] -= _FORCE
            options = [scores]
        else:  # the best cuts with a boundary at one of the gaps near t
            options = []
            for gap in near:
                scores = problem.scores.copy()
                scores[gap] += _FORCE
                options.append(scores)
        others = [problem.objective(alt) for alt in (problem.solve(scores=s) for s in options)
                  if _has_boundary_near(problem, alt, t, tolerance_s) != found]
        out.append(CutDecision(float(t), found, float(best - max(others)) if others else float("inf")))
    return out

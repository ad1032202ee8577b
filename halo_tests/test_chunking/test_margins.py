"""Decision margins of the rule chunker, checked against brute force over every cut set."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from halo.chunking.margins import decision_margins
from halo.chunking.rules import ChunkingConfig, cut_problem


def _problem(seed: int):
    rng = np.random.default_rng(seed)
    n = 9
    utts = pd.DataFrame({"utt_id": range(n), "start": 10.0 * np.arange(n), "end": 10.0 * np.arange(n) + 8.0,
                         "speaker": rng.choice(["A", "B"], n), "scene_id": 0,
                         "text": [" ".join(["word"] * int(k)) for k in rng.integers(3, 30, n)]})
    vectors = rng.normal(size=(n, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    config = ChunkingConfig(min_chunk_duration=0.0, fragmentation_penalty=12.0)
    return cut_problem(utts, vectors, config, scene_cuts=[39.0, 61.0])


def _brute_force(problem, time_s: float, tolerance_s: float) -> tuple[float, float]:
    """Best J with and without a chunk starting within tolerance of ``time_s``."""
    n = len(problem.starts)
    best = {True: -np.inf, False: -np.inf}
    for k in range(n):
        for cuts in combinations(range(1, n), k):
            near = any(abs(problem.starts[c] - time_s) <= tolerance_s for c in cuts)
            best[near] = max(best[near], problem.objective(list(cuts)))
    return best[True], best[False]


def test_the_dp_optimum_and_each_decision_margin_match_brute_force():
    for seed in range(3):
        problem = _problem(seed)
        cuts = problem.solve()
        for t in (20.0, 40.0, 60.0):
            with_cut, without = _brute_force(problem, t, 5.0)
            assert np.isclose(problem.objective(cuts), max(with_cut, without))
            (decision,) = decision_margins(problem, [t], tolerance_s=5.0)
            assert decision.found == (with_cut > without)
            assert np.isclose(decision.margin, abs(with_cut - without)), (seed, t, decision)

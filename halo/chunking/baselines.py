"""Baselines the chunker must beat: fixed-length chunks and a TextTiling-style segmenter.

Both return cut positions (a chunk starts at 0 and at every cut), like halo.chunking.dp.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from halo.chunking.signals import depth_scores, window_similarity, word_counts


def fixed_cuts(n: int, n_segments: int) -> list[int]:
    """``n_segments`` chunks of (nearly) equal numbers of units."""
    n_segments = max(1, min(n_segments, n))
    return sorted({int(round(i * n / n_segments)) for i in range(1, n_segments)} - {0, n})


def fixed_duration_cuts(starts: np.ndarray, chunk_s: float) -> list[int]:
    """Cut before the first unit that starts at or after each multiple of ``chunk_s``."""
    starts = np.asarray(starts, dtype=float)
    if len(starts) == 0:
        return []
    cuts, next_edge = [], starts[0] + chunk_s
    for i in range(1, len(starts)):
        if starts[i] >= next_edge:
            cuts.append(i)
            while next_edge <= starts[i]:
                next_edge += chunk_s
    return cuts


def texttiling_cuts(
    texts: Sequence[str],
    vectors: np.ndarray,
    n_segments: int | None = None,
    window_words: float = 60.0,
) -> list[int]:
    """TextTiling (Hearst 1997) over sentence embeddings instead of word counts.

    Depth scores of the similarity between adjacent windows; with ``n_segments`` the deepest
    n_segments-1 local maxima are cuts, otherwise every local maximum deeper than
    mean - std/2 (Hearst's liberal cutoff).
    """
    n = len(texts)
    if n < 2:
        return []
    depth = depth_scores(window_similarity(vectors, word_counts(texts), window_words))
    peaks = [j for j in range(len(depth))
             if depth[j] > 0 and (j == 0 or depth[j] >= depth[j - 1])
             and (j == len(depth) - 1 or depth[j] >= depth[j + 1])]
    if n_segments is None:
        cutoff = float(depth.mean() - depth.std() / 2.0)
        chosen = [j for j in peaks if depth[j] > cutoff]
    else:
        chosen = sorted(peaks, key=lambda j: -depth[j])[: max(n_segments - 1, 0)]
        if len(chosen) < n_segments - 1:  # too few valleys: fill with the next deepest gaps
            rest = [j for j in np.argsort(-depth) if j not in chosen]
            chosen += rest[: n_segments - 1 - len(chosen)]
    return sorted(int(j) + 1 for j in chosen)

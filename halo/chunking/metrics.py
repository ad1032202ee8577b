"""Pk and WindowDiff: the standard segmentation error metrics (lower is better, in [0, 1]).

A segmentation of N units is given as a list of segment lengths ("masses", summing to N), as in
Beeferman et al. (1999, Pk) and Pevzner & Hearst (2002, WindowDiff). Both slide a window of
width k over the N units (N - k positions, probes i and i + k):

- Pk counts probes where the reference and the hypothesis disagree on "i and i + k are in the
  same segment".
- WindowDiff counts probes where the number of boundaries between i and i + k differs.

k defaults to half the mean reference segment length, rounded (at least 1), computed per
document from the reference, so a hypothesis never influences its own yardstick.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def masses_to_boundaries(masses: Sequence[int]) -> np.ndarray:
    """Segment lengths -> 0/1 vector b of length N - 1, b[i] = 1 iff a segment ends after unit i."""
    masses = [int(m) for m in masses]
    if any(m <= 0 for m in masses):
        raise ValueError(f"segment lengths must be positive, got {masses}")
    n = sum(masses)
    bounds = np.zeros(max(n - 1, 0), dtype=np.int8)
    for edge in np.cumsum(masses)[:-1]:
        bounds[edge - 1] = 1
    return bounds


def labels_to_masses(labels: Sequence) -> list[int]:
    """Per-unit segment labels (runs of equal labels = one segment) -> segment lengths."""
    masses: list[int] = []
    previous = object()
    for label in labels:
        if masses and label == previous:
            masses[-1] += 1
        else:
            masses.append(1)
        previous = label
    return masses


def default_k(reference: Sequence[int]) -> int:
    """Half the mean reference segment length, rounded, at least 1."""
    return max(1, int(round(sum(reference) / len(reference) / 2.0)))


def _check(reference: Sequence[int], hypothesis: Sequence[int]) -> None:
    if sum(reference) != sum(hypothesis):
        raise ValueError(
            f"reference covers {sum(reference)} units but hypothesis covers {sum(hypothesis)}"
        )


def pk(reference: Sequence[int], hypothesis: Sequence[int], k: int | None = None) -> float:
    """Pk of ``hypothesis`` against ``reference`` (both lists of segment lengths)."""
    _check(reference, hypothesis)
    k = default_k(reference) if k is None else k
    n = sum(reference)
    if n <= k:
        return 0.0
    ref_seg = np.repeat(np.arange(len(reference)), reference)
    hyp_seg = np.repeat(np.arange(len(hypothesis)), hypothesis)
    ref_same = ref_seg[:-k] == ref_seg[k:]
    hyp_same = hyp_seg[:-k] == hyp_seg[k:]
    return float(np.mean(ref_same != hyp_same))


def windowdiff(reference: Sequence[int], hypothesis: Sequence[int], k: int | None = None) -> float:
    """WindowDiff of ``hypothesis`` against ``reference`` (both lists of segment lengths)."""
    _check(reference, hypothesis)
    k = default_k(reference) if k is None else k
    n = sum(reference)
    if n <= k:
        return 0.0
    ref_cum = np.concatenate([[0], np.cumsum(masses_to_boundaries(reference))])
    hyp_cum = np.concatenate([[0], np.cumsum(masses_to_boundaries(hypothesis))])
    # boundaries strictly between unit i and unit i + k: b[i] .. b[i + k - 1]
    ref_counts = ref_cum[k:] - ref_cum[:-k]
    hyp_counts = hyp_cum[k:] - hyp_cum[:-k]
    return float(np.mean(ref_counts != hyp_counts))

"""Pk / WindowDiff on cases checked by hand (and against NLTK's reference implementation)."""

from __future__ import annotations

import random

import pytest

from halo.chunking.metrics import default_k, labels_to_masses, masses_to_boundaries, pk, windowdiff


def test_identical_segmentation_scores_zero():
    assert pk([3, 4, 3], [3, 4, 3]) == 0.0
    assert windowdiff([3, 4, 3], [3, 4, 3]) == 0.0


def test_k_is_half_mean_reference_segment():
    assert default_k([4, 4, 4]) == 2  # mean 4 -> k 2
    assert default_k([10, 2]) == 3  # mean 6 -> 3
    assert default_k([1]) == 1


def test_missed_boundary_by_hand():
    # ref: AAAA|BBBB (8 units, k=2); hyp: one segment. Probes (i, i+2), i=0..5:
    # ref says "different segment" for i=2 (2,4) and i=3 (3,5): 2 of 6 probes disagree.
    assert pk([4, 4], [8]) == pytest.approx(2 / 6)
    assert windowdiff([4, 4], [8]) == pytest.approx(2 / 6)


def test_near_miss_is_cheaper_than_a_miss():
    # boundary off by one: ref AAAA|BBBB, hyp AAAAA|BBB -> probes i=2 and i=4 disagree
    assert pk([4, 4], [5, 3]) == pytest.approx(2 / 6)
    assert pk([4, 4], [5, 3]) <= pk([4, 4], [8])
    # off by three on longer segments: strictly worse than off by one
    assert pk([10, 10], [11, 9]) < pk([10, 10], [13, 7])


def test_windowdiff_counts_extra_boundaries_pk_does_not():
    # ref AAAAAA (6 units, one segment, k=3); hyp A|A|AAAA: two boundaries inside one window.
    # Pk: windows (0,3),(1,4),(2,5): hyp "different" for i=0, i=1 -> 2/3.
    assert pk([6], [1, 1, 4], k=3) == pytest.approx(2 / 3)
    # WindowDiff: boundary counts in windows: i=0 -> 2, i=1 -> 1, i=2 -> 0 vs ref 0 -> 2/3
    assert windowdiff([6], [1, 1, 4], k=3) == pytest.approx(2 / 3)
    # ref AAA|BBB, hyp AAA|B|BB, k=3: every probe straddles a boundary in both, so Pk is 0,
    # but windows i=1 (b1..b3) and i=2 (b2..b4) hold 2 hypothesis boundaries vs 1: WD 2/3.
    assert pk([3, 3], [3, 1, 2], k=3) == 0.0
    assert windowdiff([3, 3], [3, 1, 2], k=3) == pytest.approx(2 / 3)


def test_helpers():
    assert list(masses_to_boundaries([2, 3])) == [0, 1, 0, 0]
    assert labels_to_masses(["a", "a", "b", "a"]) == [2, 1, 1]
    with pytest.raises(ValueError):
        pk([3, 3], [5])


def test_matches_nltk_reference_implementation():
    nltk_seg = pytest.importorskip("nltk.metrics.segmentation")
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(6, 60)

        def random_masses():
            cuts = sorted(rng.sample(range(1, n), rng.randint(0, min(6, n - 1))))
            return [b - a for a, b in zip([0, *cuts], [*cuts, n])]

        ref, hyp = random_masses(), random_masses()
        k = default_k(ref)
        if n <= k:
            continue
        rb = "".join(map(str, masses_to_boundaries(ref)))
        hb = "".join(map(str, masses_to_boundaries(hyp)))
        assert pk(ref, hyp) == pytest.approx(nltk_seg.pk(rb, hb, k))
        assert windowdiff(ref, hyp) == pytest.approx(nltk_seg.windowdiff(rb, hb, k))

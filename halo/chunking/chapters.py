"""Chapters without an LLM: runs of consecutive chunks, one per topic, a handful per hour.

Why: chunks are cut for the LLM (20-300 s, wherever the signals say the subject or the floor
moves), so an hour of meeting is some 40 of them; chapters are for a reader scanning the video
(YouTube-style), one per topic. With Gemini the model groups the chunk summaries itself
(halo.llm.prompts.VIDEO_INSTRUCTION); the local backend made one chapter per chunk. Here the
chunks are the units of the chunker's own exact dynamic programme (halo.chunking.dp.segment,
cohesion of the units' vectors), told how many chapters to make by a rule of duration (one per
``MINUTES_PER_CHAPTER`` minutes) and how short one may be (``MIN_CHAPTER_S``).

A chapter starts at a chunk start and holds whole chunks, so chapters, chunks and the times
answers cite stay consistent. The knobs were chosen on the tuning half of QMSum val and measured
on the reporting half by bench/bench_chapters.py (figures in docs/chapters.md).
"""

from __future__ import annotations

import numpy as np

from halo.chunking.dp import segment

#: one chapter per this many minutes (rounded; see MIN_CHAPTERS)
MINUTES_PER_CHAPTER = 15.0
#: seconds: no chapter shorter (on a short video: no shorter than half an even share of it)
MIN_CHAPTER_S = 300.0
#: at least this many chapters when there are that many chunks: YouTube shows a video's chapters
#: only from three on, so a 4-minute talk still gets three rather than one
MIN_CHAPTERS = 3


def chapter_count(duration_s: float, n_units: int, minutes_per_chapter: float = MINUTES_PER_CHAPTER) -> int:
    """How many chapters a video of ``duration_s`` seconds cut into ``n_units`` chunks gets: one per
    ``minutes_per_chapter`` (rounded), at least MIN_CHAPTERS, never more than the chunks."""
    by_duration = int(round(duration_s / 60.0 / minutes_per_chapter))
    return max(1, min(n_units, max(by_duration, MIN_CHAPTERS)))


def chapter_starts(
    vectors: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    minutes_per_chapter: float = MINUTES_PER_CHAPTER,
    min_chapter_s: float = MIN_CHAPTER_S,
) -> list[int]:
    """Indices of the units (chunks, in time order) that open a chapter: 0, then ascending.

    ``vectors``: one L2-normalised vector per unit; ``weights``: how much each unit counts in its
    chapter's cohesion (default: its duration, so a 20-s chunk does not pull as hard as a
    5-minute one). ``chapter_count`` says how many.
    """
    vectors = np.asarray(vectors, dtype=float)
    starts = np.asarray(starts, dtype=float)
    ends = np.asarray(ends, dtype=float)
    if len(vectors) == 0:
        return []
    if weights is None:
        weights = np.maximum(ends - starts, 1e-3)
    weights = np.asarray(weights, dtype=float)
    weights = weights / weights.mean()
    duration = float(ends[-1] - starts[0])
    k = chapter_count(duration, len(vectors), minutes_per_chapter)
    cuts = segment(vectors, np.zeros(len(vectors) - 1), starts, ends, weights=weights,
                   min_len=min(min_chapter_s, duration / k / 2.0), n_segments=k)
    return [0, *cuts]

"""Invariants a user relies on, as plain functions: each returns the problems found (empty = fine).

The Dagster assets report them as asset checks next to the outputs they check, so a broken
invariant shows in the UI on the very materialization that broke it.
"""

from __future__ import annotations

import pandas as pd

TIME_TOLERANCE_S = 0.05


def audio_duration_problems(audio_s: float, video_s: float) -> list[str]:
    """The audio must last as long as the video (within 50 ms), so times line up across stages."""
    gap = abs(audio_s - video_s)
    return [f"audio lasts {audio_s:.3f} s but the video {video_s:.3f} s"] if gap > TIME_TOLERANCE_S else []


def _ordered_spans_problems(spans: pd.DataFrame, what: str) -> list[str]:
    problems = []
    if (spans["end"] < spans["start"]).any():
        problems.append(f"{int((spans['end'] < spans['start']).sum())} {what} end before they start")
    starts, ends = spans["start"].to_numpy(), spans["end"].to_numpy()
    overlaps = int((starts[1:] < ends[:-1] - TIME_TOLERANCE_S).sum()) if len(spans) > 1 else 0
    if overlaps:
        problems.append(f"{overlaps} {what} overlap the one before")
    return problems


def scene_tiling_problems(scenes: pd.DataFrame, video_s: float) -> list[str]:
    """Scenes must cover the video from 0 to its end with no gap or overlap."""
    if scenes.empty:
        return ["no scenes"] if video_s > 0 else []
    problems = _ordered_spans_problems(scenes, "scenes")
    starts, ends = scenes["start"].to_numpy(), scenes["end"].to_numpy()
    if abs(starts[0]) > TIME_TOLERANCE_S:
        problems.append(f"the first scene starts at {starts[0]:.2f} s, not 0")
    gaps = int((starts[1:] > ends[:-1] + TIME_TOLERANCE_S).sum())
    if gaps:
        problems.append(f"{gaps} gaps between scenes")
    if abs(ends[-1] - video_s) > TIME_TOLERANCE_S:
        problems.append(f"the last scene ends at {ends[-1]:.2f} s, the video at {video_s:.2f} s")
    return problems


def chunk_order_problems(chunks: pd.DataFrame) -> list[str]:
    """Chunks must be in time order and must not overlap (each second is in one chunk)."""
    return _ordered_spans_problems(chunks, "chunks") if len(chunks) else []


def chunk_length_problems(chunks: pd.DataFrame, min_s: float, max_s: float) -> list[str]:
    """Chunks should last between min_s and max_s; a video shorter than min_s is one chunk."""
    if len(chunks) <= 1:
        return []
    lengths = chunks["end"] - chunks["start"]
    short, long = int((lengths < min_s - TIME_TOLERANCE_S).sum()), int((lengths > max_s + TIME_TOLERANCE_S).sum())
    return ([f"{short} chunks shorter than {min_s:g} s"] if short else []) + (
        [f"{long} chunks longer than {max_s:g} s"] if long else [])

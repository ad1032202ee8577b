"""Chunk one video end to end from its stored stage outputs (plain DataFrames in, chunks out).

Glue between the text signals and the rule-based chunker that the ``chunks`` asset and the
benchmark share: BERTScore gap coherence, scene cut times, the chunker, chunk coherence, token
counts and the timeline PNG, with wall time per step.

No speech: when a video has no utterances, its scenes become the units (empty text, no
speaker), so the video is still covered by chunks that respect the duration limits and cut at
scene changes; first_utt/last_utt are -1 there. No utterances and no scenes: no chunks.
There every scene cut is a cut (scenes shorter than min_chunk_duration are joined): with no speech
signal beside it, a cut's score (the scene weight, 6) never paid the fragmentation penalty (14),
and a silent slideshow was one chunk per max_chunk_duration whatever its scenes. A scene longer
than max_chunk_duration is cut into equal parts within it (boundary_reason "max duration").
The same with ``method="ppo"``: the policy learnt where to cut speech and, shown scenes with no
words, dropped scene cuts near the end; with no speech there is nothing for it to weigh.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from halo.chunking.rules import ChunkingConfig, ChunkingResult, chunk_utterances


@dataclass
class VideoChunks:
    result: ChunkingResult
    timeline_png: bytes
    seconds: dict[str, float] = field(default_factory=dict)
    from_scenes_only: bool = False


def scene_cut_times(scenes: pd.DataFrame | None) -> list[float]:
    """Start times of every scene but the first (a cut = a new scene starts)."""
    if scenes is None or len(scenes) < 2:
        return []
    return sorted(float(s) for s in scenes["start"].iloc[1:])


def _scene_units(scenes: pd.DataFrame, max_s: float = math.inf) -> pd.DataFrame:
    """The units of a video without speech: its scenes, each longer than ``max_s`` cut into equal
    parts no longer than that (the chunker cuts only between units, so one static 10-minute shot
    was one 600-s chunk, past max_chunk_duration)."""
    rows = []
    for scene in scenes.itertuples(index=False):
        start, end = float(scene.start), float(scene.end)
        parts = max(1, math.ceil((end - start) / max_s - 1e-9))
        bounds = [start + (end - start) * k / parts for k in range(parts)] + [end]
        rows += [{"utt_id": -1, "start": a, "end": b, "speaker": None, "scene_id": scene.scene_id, "text": ""}
                 for a, b in zip(bounds, bounds[1:])]
    return pd.DataFrame(rows, columns=["utt_id", "start", "end", "speaker", "scene_id", "text"])


def chunk_video(
    utterances: pd.DataFrame,
    vectors: np.ndarray,
    topics: list[int] | None,
    scenes: pd.DataFrame | None,
    config: ChunkingConfig | None = None,
    *,
    coherence_model: str = "",
    coherence_layers: int = 6,
    render: bool = True,
) -> VideoChunks:
    """Chunks for one video (columns of the ``chunks`` asset) plus the timeline and timings."""
    from halo.chunking.timeline import render_timeline
    from halo.text.coherence import chunk_coherence, gap_coherence

    config = config or ChunkingConfig()
    seconds: dict[str, float] = {}
    utterances = utterances.sort_values("start").reset_index(drop=True) if len(utterances) else utterances
    scenes_only = len(utterances) == 0 and scenes is not None and len(scenes) > 0
    t0 = time.perf_counter()
    if scenes_only:
        units = _scene_units(scenes.sort_values("start").reset_index(drop=True), config.max_chunk_duration)
        cuts = scene_cut_times(scenes)
        result = chunk_utterances(units, np.zeros((len(units), 1)),
                                  config.model_copy(update={"fragmentation_penalty": 0.0, "method": "rules"}),
                                  scene_cuts=cuts,
                                  coherence_fn=lambda groups: [1.0] * len(groups),
                                  token_fn=lambda texts: [0] * len(texts))
        inside = (result.chunks["chunk_id"] > 0) & ~result.chunks["start"].isin(cuts)
        result.chunks.loc[inside, "boundary_reason"] = "max duration"  # a cut inside a long scene
        seconds["chunking"] = time.perf_counter() - t0
    else:
        texts = utterances["text"].fillna("").astype(str).tolist() if len(utterances) else []
        gap_f1 = gap_coherence(texts, config.window_words, coherence_model, coherence_layers)
        seconds["coherence"] = time.perf_counter() - t0

        def coherence_fn(groups):
            t1 = time.perf_counter()
            values = chunk_coherence(groups, config.window_words, coherence_model, coherence_layers)
            seconds["coherence"] += time.perf_counter() - t1
            return values

        t0 = time.perf_counter()
        before = seconds["coherence"]
        result = chunk_utterances(utterances, vectors, config, topics=topics,
                                  scene_cuts=scene_cut_times(scenes), gap_f1=gap_f1,
                                  coherence_fn=coherence_fn)
        # chunk coherence is timed under "coherence", not twice
        seconds["chunking"] = time.perf_counter() - t0 - (seconds["coherence"] - before)
    png = b""
    if render:
        t0 = time.perf_counter()
        png = render_timeline(utterances if len(utterances) else _scene_units(scenes) if scenes_only
                              else utterances, result.chunks, scenes=scenes,
                              topics=None if scenes_only else topics)
        seconds["timeline"] = time.perf_counter() - t0
    return VideoChunks(result, png, seconds, scenes_only)


def truth_frames(truth: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(utterances, scenes) frames from a samplegen truth dict: its speaker turns and scene cuts.

    What the speech and vision stages produce on clean audio; tests and benchmarks use it to run
    the text and chunking stages alone against known topic starts.
    """
    utterances = pd.DataFrame(
        [{"utt_id": t["turn_id"], "start": t["start"], "end": t["end"], "speaker": t["speaker"],
          "scene_id": 0, "text": t["text"]} for t in truth["turns"]],
        columns=["utt_id", "start", "end", "speaker", "scene_id", "text"])
    cuts = [0.0, *truth["scene_cuts"], float(truth["duration_s"])]
    scenes = pd.DataFrame({"scene_id": range(len(cuts) - 1), "start": cuts[:-1], "end": cuts[1:],
                           "keyframe_path": ""})
    return utterances, scenes

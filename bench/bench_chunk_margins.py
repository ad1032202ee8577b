"""Chunk-decision margins: how close the rule chunker's topic cuts on a video are to flipping.

    python -m bench.bench_chunk_margins                # the processed bundled sample (video id "meeting")
    python -m bench.bench_chunk_margins --video ID     # any processed video with a truth file
    python -m bench.bench_chunk_margins --from-truth   # the sample's true turns instead (no ASR run needed)

Reads the chunker's stored inputs (utterances with their word-derived times, embeddings,
scenes; process the sample first with `halo process data/samples/meeting.mp4`; topics are refitted
by the current code), then prints

- the decision margin of every true topic change (halo.chunking.margins: how much the objective
  must move before that change loses, or gains, its chunk boundary), and
- the cuts re-run under small perturbations of the inputs, the size of the noise a different CPU
  puts there: embeddings (and BERTScore gap F1) + Gaussian noise of 1e-6..1e-2 relative, topics
  refitted on them, every
  utterance's start and end moved by up to +-0.05..0.3 s, every scene cut by up to +-0.1 s.
  For each size: in how many trials a topic change flipped (found <-> missed), which ones, and
  the smallest margin seen.

The bundled sample is QMSum val-26, tuning-half data (bench/splits.py).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from halo.chunking.margins import decision_margins
from halo.chunking.rules import ChunkingConfig, cut_problem

#: (kind, sizes): relative embedding noise; seconds for word and scene times (uniform +-size)
SWEEP = {
    "embeddings": (1e-6, 1e-4, 1e-3, 1e-2),
    "word times": (0.05, 0.1, 0.2, 0.3),
    "scene times": (0.05, 0.1),
}
#: what the same pipeline plausibly differs by between two CPUs, and what decisions must survive:
#: BLAS summation order moves embeddings by ~1e-6 relative (1e-3 is a wide berth); forced
#: alignment places words on 20-ms frames and a CPU change moves a word by a frame or two, not by
#: the ~0.2 s the recogniser is off the sound on every machine alike (WORD_TIME_SLACK_S covers
#: that); a scene cut is a frame (40 ms) apart at most
PLAUSIBLE = {"embeddings": 1e-3, "word times": 0.1, "scene times": 0.1}


@dataclass(frozen=True)
class ChunkerInputs:
    """Everything the rule chunker reads for one video (in utterance order)."""

    utterances: pd.DataFrame
    vectors: np.ndarray
    topics: list[int] | None
    scene_cuts: list[float]
    gap_f1: np.ndarray


def stored_inputs(video_id: str) -> ChunkerInputs:
    """The stored stage outputs the `chunks` asset of ``video_id`` read (BERTScore recomputed)."""
    from halo.chunking.video import scene_cut_times
    from halo.stages.text import vectors_of
    from halo.store import load_output
    from halo.text.coherence import gap_coherence

    frames = {name: load_output(name, video_id) for name in ("utterances", "embeddings", "scenes")}
    missing = [name for name, frame in frames.items() if frame is None]
    if missing:
        raise SystemExit(f"video {video_id!r} has no stored {', '.join(missing)} under HALO_DATA_DIR="
                         f"{os.environ.get('HALO_DATA_DIR', 'data')}: process it first "
                         "(halo process data/samples/meeting.mp4), or use --from-truth")
    utts = frames["utterances"].sort_values("start").reset_index(drop=True)
    vectors = vectors_of(frames["embeddings"].set_index("utt_id").loc[utts["utt_id"]].reset_index())
    texts = utts["text"].fillna("").astype(str).tolist()
    return ChunkerInputs(utts, vectors.astype(float), topics_of(texts, vectors),
                         scene_cut_times(frames["scenes"]), gap_coherence(texts, ChunkingConfig().window_words))


def topics_of(texts: list[str], vectors: np.ndarray) -> list[int]:
    """Topics as the current code's `topics` asset fits them (not the stored ones: a change to
    the topic model is measured without re-running the video)."""
    from halo.text.topics import fit_topics

    return fit_topics(texts, vectors).topics


def truth_inputs(truth: dict) -> ChunkerInputs:
    """The inputs on the truth file's own turns (what the speech stages give on clean audio)."""
    from halo.chunking.video import scene_cut_times, truth_frames
    from halo.text.coherence import gap_coherence
    from halo.text.embed import embed_texts

    utts, scenes = truth_frames(truth)
    texts = utts["text"].tolist()
    vectors = np.asarray(embed_texts(texts), dtype=float)
    return ChunkerInputs(utts, vectors, topics_of(texts, vectors), scene_cut_times(scenes),
                         gap_coherence(texts, ChunkingConfig().window_words))


def with_embedding_noise(inputs: ChunkerInputs, size: float, rng: np.random.Generator) -> ChunkerInputs:
    """Each unit vector moved by a Gaussian of norm ~``size`` (then re-normalised) and the topics
    refitted on them, each gap F1 scaled by 1 + N(0, size): BLAS kernels differ between CPUs in
    both models, and the topics asset is fitted on the embeddings."""
    n, dim = inputs.vectors.shape
    vectors = inputs.vectors + rng.normal(scale=size / np.sqrt(dim), size=(n, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    gap_f1 = inputs.gap_f1 * (1.0 + rng.normal(scale=size, size=len(inputs.gap_f1)))
    texts = inputs.utterances["text"].fillna("").astype(str).tolist()
    return replace(inputs, vectors=vectors, topics=topics_of(texts, vectors), gap_f1=gap_f1)


def with_word_time_noise(inputs: ChunkerInputs, size: float, rng: np.random.Generator) -> ChunkerInputs:
    """Every utterance's start and end moved independently by up to +-``size`` seconds."""
    utts = inputs.utterances.copy()
    utts["start"] = utts["start"] + rng.uniform(-size, size, len(utts))
    utts["end"] = np.maximum(utts["end"] + rng.uniform(-size, size, len(utts)), utts["start"] + 0.01)
    return replace(inputs, utterances=utts)


def with_scene_time_noise(inputs: ChunkerInputs, size: float, rng: np.random.Generator) -> ChunkerInputs:
    """Every scene cut moved by up to +-``size`` seconds."""
    cuts = np.asarray(inputs.scene_cuts, dtype=float)
    return replace(inputs, scene_cuts=(cuts + rng.uniform(-size, size, len(cuts))).tolist())


PERTURB: dict[str, Callable[[ChunkerInputs, float, np.random.Generator], ChunkerInputs]] = {
    "embeddings": with_embedding_noise,
    "word times": with_word_time_noise,
    "scene times": with_scene_time_noise,
}


def margins_of(inputs: ChunkerInputs, topic_starts: list[float], config: ChunkingConfig):
    problem = cut_problem(inputs.utterances, inputs.vectors, config, inputs.topics, inputs.scene_cuts,
                          inputs.gap_f1)
    return decision_margins(problem, topic_starts)


@dataclass(frozen=True)
class Trials:
    """The outcome of one perturbation size over ``n`` seeded trials."""

    kind: str
    size: float
    n: int
    flipped: dict[float, int]  # topic start -> trials in which found/missed flipped
    min_margin: float
    fewest_found: int  # the fewest true topic changes found by any one trial


def run_trials(inputs: ChunkerInputs, topic_starts: list[float], config: ChunkingConfig,
               kind: str, size: float, n: int, seed: int = 0) -> Trials:
    """``n`` perturbed re-runs (seeded, so a failure reproduces) against the unperturbed answer."""
    base = {d.topic_start: d.found for d in margins_of(inputs, topic_starts, config)}
    rng = np.random.default_rng(seed)
    flipped = dict.fromkeys(base, 0)
    min_margin = float("inf")
    fewest_found = len(base)
    for _ in range(n):
        decisions = margins_of(PERTURB[kind](inputs, size, rng), topic_starts, config)
        for d in decisions:
            flipped[d.topic_start] += d.found != base[d.topic_start]
            min_margin = min(min_margin, d.margin)
        fewest_found = min(fewest_found, sum(d.found for d in decisions))
    return Trials(kind, size, n, flipped, min_margin, fewest_found)


def flip_problems(inputs: ChunkerInputs, topic_starts: list[float], config: ChunkingConfig,
                  n: int = 10, at_least_found: int | None = None) -> list[str]:
    """One line per true topic change whose decision flips under PLAUSIBLE noise, naming its margin.

    With ``at_least_found`` (a contract that lets some changes go unfound), flips count only
    under a noise that made some trial find fewer changes than that: one near-tie decision
    cannot fail such a contract on another CPU, two at once can."""
    margins = {d.topic_start: d.margin for d in margins_of(inputs, topic_starts, config)}
    problems = []
    for kind, size in PLAUSIBLE.items():
        t = run_trials(inputs, topic_starts, config, kind, size, n)
        if at_least_found is not None and t.fewest_found >= at_least_found:
            continue
        problems += [f"the true topic change at {start:.1f} s flipped in {k}/{n} trials with {kind} "
                     f"+-{size:g}: its decision margin is {margins[start]:.3f} (J units; smallest under "
                     f"this noise {t.min_margin:.3f}; fewest changes found in a trial {t.fewest_found})"
                     for start, k in t.flipped.items() if k]
    return problems


def describe(decisions) -> str:
    return ", ".join(f"{d.topic_start:.1f}s {'found' if d.found else 'MISSED'} (margin {d.margin:.3f})"
                     for d in decisions)


def main() -> None:
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(name, "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", default="meeting", help="processed video id (default: meeting)")
    parser.add_argument("--truth", help="samplegen truth file (default: the bundled sample's)")
    parser.add_argument("--from-truth", action="store_true", help="chunk the truth file's turns, not the stored outputs")
    parser.add_argument("--trials", type=int, default=20, help="perturbed re-runs per size")
    parser.add_argument("--min-chunk-duration", type=float, nargs="+", default=[30.0, 20.0],
                        help="configs to measure (30: the contract's; 20: the default)")
    args = parser.parse_args()
    from bench.samplegen import load_truth

    truth = load_truth(args.truth) if args.truth else load_truth()
    topic_starts = [t["start"] for t in truth["topics"][1:]]
    inputs = truth_inputs(truth) if args.from_truth else stored_inputs(args.video)
    print(f"{'truth turns' if args.from_truth else 'stored outputs of ' + args.video}: "
          f"{len(inputs.utterances)} utterances, scene cuts {[round(c, 2) for c in inputs.scene_cuts]}")
    for min_s in args.min_chunk_duration:
        config = ChunkingConfig(min_chunk_duration=min_s)
        print(f"\nmin_chunk_duration {min_s:g} s: {describe(margins_of(inputs, topic_starts, config))}")
        for kind, sizes in SWEEP.items():
            for size in sizes:
                t = run_trials(inputs, topic_starts, config, kind, size, args.trials)
                flips = ", ".join(f"{s:.1f}s x{k}" for s, k in t.flipped.items() if k) or "none"
                mark = " <= plausible cross-CPU noise" if size <= PLAUSIBLE[kind] else ""
                print(f"  {kind:11s} +-{size:<6g} flips in {t.n} trials: {flips:24s} "
                      f"min margin {t.min_margin:7.3f}{mark}")


if __name__ == "__main__":
    main()

"""Offline chapters (halo.chunking.chapters) vs QMSum's human topics: Pk and WindowDiff per half.

Each QMSum val meeting's turns are chunked as production chunks a video (the rules chunker,
default ChunkingConfig: 20-300 s chunks, synthetic times of 2.5 words/s as the other benches
use; like bench/bench_qa.py, without BERTopic topics and BERTScore gap coherence, which cost
minutes per meeting on 2 cores). Chapters then group consecutive chunks, so every row but
"never cut" cuts only at chunk starts. Pk / WindowDiff are scored over the meeting's turns
against the topic spans (halo.eval.datasets; lower is better). Rows:

- offline chapters: halo.chunking.chapters over the vectors the ``video_summary`` stage has
  (MiniLM of each chunk's local summary), with the shipped knobs;
- the same over each chunk's utterance embeddings (what the chunks + embeddings assets would
  give; for comparison only);
- one chapter per chunk (the local chapters before this: the chunks themselves);
- fixed-length chapters with the same count per meeting (equal durations, snapped to chunk starts);
- never cut (one chapter);
- oracle count: the chapter DP told the true number of topics (not available in production).

``--grid`` prints the tuning grid (minutes per chapter, minimum chapter length, vectors and
their weights) on the tuning half (even lines of val.jsonl, bench/splits.py); the reporting half
is printed only for the shipped knobs. The rule that chose them: lowest mean Pk on the tuning
half, settings within 0.005 of it counted as tied and the one with more chapters taken (Pk
rewards cutting less: "never cut" beats most chapter counts, so the bare minimum drifts to the
fewest chapters allowed). Compare rows at the same chapter count: the fixed-length row is the
yardstick for where the chapters are placed.

    python -m bench.bench_chapters [--grid] [--qmsum val.jsonl] [--meetings N]

Features (embeddings, chunks, local summaries) are stored once under
``$HALO_DATA_DIR/bench/chapter_features``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.splits import Half, half_of, qmsum_val
from halo.eval.datasets import SegDoc



@dataclass
class Meeting:
    """One meeting's chunk-level view: what the chapter step sees, plus the truth over turns."""

    index: int
    n_units: int
    truth: list[int]
    chunks: pd.DataFrame  # start, end, first_utt
    utterance_sums: np.ndarray  # per chunk: sum of words**0.75-weighted utterance embeddings
    summary_vectors: np.ndarray  # per chunk: MiniLM of its local summary


def features(index: int, doc: SegDoc, store: Path) -> Meeting:
    """Production chunks and chunk-level vectors of one meeting, computed once and stored (keyed
    by the meeting's text; delete the folder after changing the chunker or the local summaries)."""
    from halo.chunking.rules import ChunkingConfig, chunk_utterances
    from halo.eval.feature_store import DiskFeatureCache, feature_key
    from halo.llm.local import summarize_text
    from halo.text.embed import embed_texts

    path = store / f"{feature_key(doc, False)}.npz"
    if not path.is_file():
        f = DiskFeatureCache().get(doc)
        config = ChunkingConfig()
        chunks = chunk_utterances(f.utterances, f.vectors, config, coherence_fn=lambda g: [1.0] * len(g),
                                  token_fn=lambda t: [0] * len(t)).chunks
        words = np.maximum(f.utterances["text"].str.split().str.len().to_numpy(dtype=float), 1.0)
        weighted = f.vectors * (words ** config.unit_weight_power)[:, None]
        sums = np.stack([weighted[int(c.first_utt):int(c.last_utt) + 1].sum(axis=0)
                         for c in chunks.itertuples()])
        summaries = [summarize_text(t) for t in chunks["text"]]
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, start=chunks["start"].to_numpy(), end=chunks["end"].to_numpy(),
                 first_utt=chunks["first_utt"].to_numpy(), utterance_sums=sums,
                 summary_vectors=embed_texts(summaries), n_units=len(doc.units), truth=np.array(doc.truth))
    stored = np.load(path)
    chunks = pd.DataFrame({"start": stored["start"], "end": stored["end"], "first_utt": stored["first_utt"]})
    return Meeting(index, int(stored["n_units"]), [int(x) for x in stored["truth"]], chunks,
                   stored["utterance_sums"], stored["summary_vectors"])


def load_meetings(qmsum: Path, half: Half, limit: int | None, store: Path) -> list[Meeting]:
    from halo.eval.datasets import load_qmsum

    docs = [(i, d) for i, d in enumerate(load_qmsum(qmsum)) if half_of(i) == half]
    if limit:
        docs = sorted(docs, key=lambda p: sum(len(u) for u in p[1].units))[:limit]
    out = []
    for i, doc in docs:
        t0 = time.perf_counter()
        out.append(features(i, doc, store))
        if time.perf_counter() - t0 > 1:
            print(f"  features of val line {i} ({half}): {time.perf_counter() - t0:.0f} s", flush=True)
    return out


# --- methods: each returns the chunk indices that open a chapter (0 first) ----------------------

@dataclass(frozen=True)
class Knobs:
    minutes_per_chapter: float
    min_chapter_s: float
    source: str = "summary"  # "summary": MiniLM of the local summaries; "utterances": their embeddings
    weights: str = "duration"  # "duration" or "uniform" (summary source only)


def offline_chapters(m: Meeting, knobs: Knobs, told_k: bool = False) -> list[int]:
    from halo.chunking.chapters import chapter_starts

    starts, ends = m.chunks["start"].to_numpy(), m.chunks["end"].to_numpy()
    if knobs.source == "utterances":
        norms = np.linalg.norm(m.utterance_sums, axis=1)
        vectors, weights = m.utterance_sums / np.maximum(norms, 1e-12)[:, None], norms
    else:
        vectors = m.summary_vectors
        weights = None if knobs.weights == "duration" else np.ones(len(starts))
    minutes = knobs.minutes_per_chapter
    if told_k:  # the minutes per chapter that gives exactly the true count
        minutes = (ends[-1] - starts[0]) / 60.0 / len(m.truth)
    return chapter_starts(vectors, starts, ends, weights=weights, minutes_per_chapter=minutes,
                          min_chapter_s=knobs.min_chapter_s)


def fixed_chapters(m: Meeting, count: int) -> list[int]:
    """``count`` chapters of equal duration, each start snapped to the nearest chunk start."""
    starts = m.chunks["start"].to_numpy()
    span = m.chunks["end"].iloc[-1] - starts[0]
    picks = {int(np.argmin(np.abs(starts - (starts[0] + j * span / count)))) for j in range(1, count)}
    return [0, *sorted(picks - {0})]


def scores(m: Meeting, firsts: list[int]) -> tuple[float, float]:
    """Pk, WindowDiff over the meeting's turns of chapters opening at chunk indices ``firsts``."""
    from halo.chunking.dp import cuts_to_masses
    from halo.chunking.metrics import pk, windowdiff

    cuts = sorted({int(m.chunks["first_utt"].iloc[i]) for i in firsts} - {0})
    hyp = cuts_to_masses(cuts, m.n_units)
    return pk(m.truth, hyp), windowdiff(m.truth, hyp)


def table(meetings: list[Meeting], knobs: Knobs) -> list[tuple[str, float, float, float]]:
    """(row, mean Pk, mean WindowDiff, mean chapters per hour) of every compared method."""
    rows: dict[str, list[tuple[float, float, float]]] = {}

    def add(name: str, m: Meeting, firsts: list[int]) -> None:
        rows.setdefault(name, []).append((*scores(m, firsts), len(firsts) / hours_of(m)))

    for m in meetings:
        ours = offline_chapters(m, knobs)
        add("offline chapters (chunk summaries: shipped)", m, ours)
        add("offline chapters (chunks' utterance embeddings)",
            m, offline_chapters(m, Knobs(knobs.minutes_per_chapter, knobs.min_chapter_s, "utterances")))
        add("fixed-length chapters, same count", m, fixed_chapters(m, len(ours)))
        add("one chapter per chunk (before) = the chunks", m, list(range(len(m.chunks))))
        add("never cut", m, [0])
        add("offline chapters told the true count (oracle)", m, offline_chapters(m, knobs, told_k=True))
        rows.setdefault("truth: QMSum topic segments", []).append((0.0, 0.0, len(m.truth) / hours_of(m)))
    return [(name, *np.mean(np.array(v), axis=0)) for name, v in rows.items()]


def hours_of(m: Meeting) -> float:
    return float(m.chunks["end"].iloc[-1] - m.chunks["start"].iloc[0]) / 3600.0


def grid(meetings: list[Meeting]) -> list[tuple[Knobs, float, float]]:
    """Mean Pk / WindowDiff of every knob setting on ``meetings`` (the tuning half only)."""
    out = []
    for minutes, min_s, (source, weights) in itertools.product(
            (3, 4, 5, 6, 8, 10, 12, 15, 20), (0, 60, 120, 180, 300),
            (("summary", "duration"), ("summary", "uniform"), ("utterances", "duration"))):
        knobs = Knobs(minutes, min_s, source, weights)
        pks, wds = zip(*(scores(m, offline_chapters(m, knobs)) for m in meetings))
        out.append((knobs, float(np.mean(pks)), float(np.mean(wds))))
    return out


def print_table(title: str, rows) -> None:
    print(f"\n{title}\n| method | Pk | WindowDiff | chapters/hour |\n|---|---:|---:|---:|")
    for name, p, w, per_hour in rows:
        print(f"| {name} | {p:.3f} | {w:.3f} | {per_hour:.1f} |")


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from halo.chunking.chapters import MIN_CHAPTER_S, MINUTES_PER_CHAPTER
    from halo.paths import data_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qmsum", type=Path, default=qmsum_val())
    parser.add_argument("--meetings", type=int, default=None, help="the N shortest meetings per half")
    parser.add_argument("--grid", action="store_true", help="print the tuning grid (tuning half)")
    args = parser.parse_args()
    store = data_dir() / "bench" / "chapter_features"
    tune = load_meetings(args.qmsum, "tune", args.meetings, store)
    if args.grid:
        results = sorted(grid(tune), key=lambda r: (r[1], r[2]))
        print("tuning grid (best 25 by Pk): minutes/chapter, min chapter s, source, weights -> Pk, WD")
        for knobs, p, w in results[:25]:
            print(f"  {knobs.minutes_per_chapter:>4} {knobs.min_chapter_s:>4.0f} {knobs.source:>10} "
                  f"{knobs.weights:>8} -> {p:.3f} {w:.3f}")
    shipped = Knobs(MINUTES_PER_CHAPTER, MIN_CHAPTER_S)
    print(f"\nshipped knobs: one chapter per {MINUTES_PER_CHAPTER:g} min, none under {MIN_CHAPTER_S:g} s")
    print_table(f"QMSum val tuning half ({len(tune)} meetings, {sum(len(m.chunks) for m in tune)} chunks)",
                table(tune, shipped))
    report = load_meetings(args.qmsum, "report", args.meetings, store)
    print_table(f"QMSum val reporting half ({len(report)} meetings, "
                f"{sum(len(m.chunks) for m in report)} chunks)", table(report, shipped))


if __name__ == "__main__":
    main()

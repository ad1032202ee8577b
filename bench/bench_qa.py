"""Q&A retrieval benchmark: recall@k of halo.qa.ChunkIndex on QMSum's query spans, per half.

Each QMSum val meeting's turns are chunked by HALO's rule-based chunker exactly as production
chunks a video (synthetic times, 2.5 words/s, the video defaults: 20-300 s chunks); each chunk
is indexed by the same code the ``qa_index`` asset runs (timed windows inside chunks). Every
*specific* query is searched as ``halo ask`` searches a question: without the speakers it names
(halo/qa/speakers.py; before, the bench searched the whole question, which production never
does). Two units are measured:

- chunk recall@k: one of the top-k chunks overlaps one of the query's human relevant_text_span
  turn ranges (chance: k random chunks);
- moment@1: the best window of the top chunk (the time the answer cites first) overlaps a span.

Weights and window size are chosen on the tuning half (bench/splits.py) by chunk recall@3
(ties: moment@1); the reporting half is printed for the chosen setting and never fitted on.

    python bench/bench_qa.py                  # both halves, grid over weights and window sizes
    python bench/bench_qa.py --words 50 --meetings 0 2 4 6 8 10 1 3 5 7 9 11
    python bench/bench_qa.py --words 50 --roster   # speaker focus with the true speaker names

``--roster``: the transcript's own speaker names ("Professor C", "Marketing") are the roster a
user would have given, so a query naming a speaker favours windows where that speaker talks
(halo/qa/speaker_focus.py); printed at the halo.qa weights, per focus weight, for all queries
and for those naming a speaker the roster knows, next to the same figures without a roster.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.splits import half_of, qmsum_val  # noqa: E402
from halo.chunking.rules import ChunkingConfig, chunk_utterances  # noqa: E402
from halo.eval.datasets import SegDoc, clean_qmsum_text  # noqa: E402
from halo.eval.segmentation import text_utterances  # noqa: E402
from halo.paths import data_dir  # noqa: E402
from halo.qa import ChunkIndex, overlaps  # noqa: E402
from halo.qa.retrieval import (  # noqa: E402
    CENTROID_WEIGHT, CHUNK_LEXICAL_WEIGHT, LEXICAL_WEIGHT, WINDOW_WORDS, build_units,
)
from halo.qa.speaker_focus import FOCUS_WEIGHT, speaker_share  # noqa: E402
from halo.qa.speakers import named_speakers, search_query  # noqa: E402
from halo.text.embed import embed_texts  # noqa: E402

FOCUS_WEIGHTS = (0.2, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)
UNIT_WEIGHTS = (0.0, 0.25, 0.5, 1.0)
CHUNK_WEIGHTS = (0.0, 0.25, 0.5)
CENTROID_WEIGHTS = (0.0, 0.5, 1.0)


def meeting_utterances(record: dict) -> tuple[pd.DataFrame, np.ndarray]:
    """(utterances with synthetic times, original turn index per kept turn)."""
    units, speakers, kept = [], [], []
    for i, turn in enumerate(record["meeting_transcripts"]):
        text = clean_qmsum_text(turn.get("content", ""))
        if text:
            units.append(text)
            speakers.append(str(turn.get("speaker", "")))
            kept.append(i)
    return text_utterances(SegDoc("m", units, [len(units)], speakers)), np.asarray(kept)


def prepared(record: dict, path: Path) -> pd.DataFrame:
    """Production chunks of one meeting, stored once (chunking is slow)."""
    if path.exists():
        return pd.read_parquet(path).drop(columns=["summary"], errors="ignore")
    utts, _ = meeting_utterances(record)
    vectors = embed_texts(utts["text"].tolist())
    chunks = chunk_utterances(utts, vectors, ChunkingConfig(), coherence_fn=lambda g: [1.0] * len(g),
                              token_fn=lambda t: [0] * len(t)).chunks
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks.to_parquet(path)
    return chunks


def stored_units(chunks, utts, path: Path, words: int) -> pd.DataFrame:
    if path.exists():
        return pd.read_parquet(path)
    units = build_units(chunks, utts, words)
    units.to_parquet(path)
    return units


def query_spans(q: dict, utts: pd.DataFrame, kept: np.ndarray) -> list[tuple[float, float]]:
    """The query's human spans (original turn ranges) as times of the kept turns."""
    out = []
    for a, b in q.get("relevant_text_span", []):
        inside = np.flatnonzero((kept >= int(a)) & (kept <= int(b)))
        if len(inside):
            out.append((float(utts["start"].iloc[inside[0]]), float(utts["end"].iloc[inside[-1]])))
    return out


def chance_at(k: int, n: int, r: int) -> float:
    """Probability that k random chunks out of n include one of the r relevant ones."""
    if n - r < k:
        return 1.0
    return 1 - float(np.prod([(n - r - i) / (n - i) for i in range(min(k, n))]))


def collect(records: list[tuple[int, dict]], words: int, store: Path, stem: str, roster: bool = False) -> list[dict]:
    """Per query: its half, relevance per chunk, the score components of the query as
    Conversation searches it (``search_query``) and what ranking needs; with ``roster``, each
    unit's share of the speakers the query names (the meeting's own speaker names as the roster)."""
    out = []
    for i, record in records:
        chunks = prepared(record, store / f"{stem}-{i}.parquet")
        utts, kept = meeting_utterances(record)
        units = stored_units(chunks, utts, store / f"{stem}-{i}-windows{words}.parquet", words)
        index = ChunkIndex(chunks, units)
        for q in record.get("specific_query_list", []):
            spans = query_spans(q, utts, kept)
            relevant = np.array([any(overlaps(c.start, c.end, s, e) for s, e in spans) for c in chunks.itertuples()])
            if not relevant.any():
                continue
            named = named_speakers(q["query"], set(utts["speaker"])) if roster else set()
            out.append({"half": half_of(i), "index": index, "relevant": relevant, "spans": spans,
                        "parts": index.components(search_query(q["query"])),
                        "share": speaker_share(index.units, utts, named), "named": bool(named)})
    return out


def evaluate(queries: list[dict], a: float, b: float, c: float, ks: list[int], focus: float = 0.0) -> dict[str, float]:
    """recall@k and moment@1 at these weights; ``focus``: the speaker focus weight."""
    found = {k: [] for k in ks}
    moment = []
    for q in queries:
        dense, lex, chunk_lex, centroid = q["parts"]
        index = q["index"]
        index.chunk_lexical_weight, index.centroid_weight = b, c
        units = dense + a * lex + focus * q["share"]
        chunk_scores = index.chunk_scores(units, chunk_lex, centroid)
        order = np.argsort(-chunk_scores, kind="stable")
        for k in ks:
            found[k].append(bool(q["relevant"][order[:k]].any()))
        top = index.top(units, chunk_scores, 1)[0]
        moment.append(any(overlaps(top.moment_start, top.moment_end, s, e) for s, e in q["spans"]))
    return {**{f"r@{k}": float(np.mean(v)) for k, v in found.items()}, "moment@1": float(np.mean(moment))}


def roster_table(records: list[tuple[int, dict]], words: int, store: Path, stem: str, ks: list[int]) -> None:
    """Speaker focus with the true names as the roster, at the halo.qa weights (see ``--roster``)."""
    named = collect(records, words, store, stem, roster=True)
    weights = (LEXICAL_WEIGHT, CHUNK_LEXICAL_WEIGHT, CENTROID_WEIGHT)
    cols = [f"r@{k}" for k in ks] + ["moment@1"]
    print(f"speaker focus, window {words} words, halo.qa weights; roster = the transcript's speaker names")
    for h in sorted({q["half"] for q in named}, reverse=True):
        mask = [q["named"] for q in named if q["half"] == h]
        print(f"{h} half: {len(mask)} queries, {sum(mask)} name a speaker the roster knows")
        print(f"  {'setting':32s} | " + " ".join(f"{'all ' + c:>12}" for c in cols) + " | "
              + " ".join(f"{'named ' + c:>14}" for c in cols))
        rows = [("no roster (no focus)", named, {})]
        rows += [(f"roster, focus {f}" + (" <- FOCUS_WEIGHT" if f == FOCUS_WEIGHT else ""), named, {"focus": f})
                 for f in FOCUS_WEIGHTS]
        for label, queries, extra in rows:
            qs = [q for q in queries if q["half"] == h]
            sub = [q for q, m in zip(qs, mask) if m]
            every, some = evaluate(qs, *weights, ks, **extra), evaluate(sub, *weights, ks, **extra)
            print(f"  {label:32s} | " + " ".join(f"{every[c]:12.3f}" for c in cols) + " | "
                  + " ".join(f"{some[c]:14.3f}" for c in cols))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qmsum", type=Path, default=qmsum_val())
    ap.add_argument("--limit", type=int, default=None, help="first N meetings only")
    ap.add_argument("--meetings", type=int, nargs="+", help="these meeting lines only (0-based), in this order")
    ap.add_argument("--k", type=int, nargs="+", default=[1, 3, 5])
    ap.add_argument("--words", type=int, nargs="+", default=[30, WINDOW_WORDS, 80], help="window sizes to try")
    ap.add_argument("--roster", action="store_true",
                    help="speaker focus with the transcript's speaker names as the roster, with and without")
    args = ap.parse_args()
    lines = [ln for ln in args.qmsum.read_text().splitlines() if ln.strip()][: args.limit]
    order = args.meetings if args.meetings is not None else range(len(lines))
    records = [(i, json.loads(lines[i])) for i in order]
    store = data_dir() / "bench" / "qa_chunks"
    if args.roster:
        for words in args.words:
            roster_table(records, words, store, args.qmsum.stem, args.k)
        return
    t0, c0 = time.perf_counter(), time.process_time()
    results, chance = {}, {}
    for words in args.words:
        queries = collect(records, words, store, args.qmsum.stem)
        halves = {h: [q for q in queries if q["half"] == h] for h in ("tune", "report")}
        for h, qs in halves.items():
            chance[h] = {k: float(np.mean([chance_at(k, len(q["relevant"]), int(q["relevant"].sum())) for q in qs]))
                         for k in args.k}
        for a, b, c in itertools.product(UNIT_WEIGHTS, CHUNK_WEIGHTS, CENTROID_WEIGHTS):
            results[(words, a, b, c)] = {h: evaluate(qs, a, b, c, args.k) for h, qs in halves.items()}
        results[(words, "bm25 only", "", "")] = {h: _bm25_only(qs, args.k) for h, qs in halves.items()}
    n = {h: sum(1 for q in queries if q["half"] == h) for h in ("tune", "report")}
    print(f"QMSum {args.qmsum.name}: {len(records)} meetings; specific queries: tuning half {n['tune']}, "
          f"reporting half {n['report']}; {time.perf_counter() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU, "
          f"load {os.getloadavg()[0]:.1f}")
    cols = [f"r@{k}" for k in args.k] + ["moment@1"]
    print(f"{'words':>5} {'unit lex':>9} {'chunk lex':>9} {'centroid':>8} | " + " ".join(f"{'tune ' + c:>13}" for c in cols)
          + " | " + " ".join(f"{'report ' + c:>15}" for c in cols))

    def row(key, mark=""):
        r = results[key]
        return (f"{key[0]:>5} {key[1]!s:>9} {key[2]!s:>9} {key[3]!s:>8} | " + " ".join(f"{r['tune'][c]:13.3f}" for c in cols)
                + " | " + " ".join(f"{r['report'][c]:15.3f}" for c in cols) + mark)

    graded = sorted((k for k in results if not isinstance(k[1], str)),
                    key=lambda k: (results[k]["tune"]["r@3"], results[k]["tune"]["moment@1"]), reverse=True)
    for key in results:
        if isinstance(key[1], str) or key[1:] == (0.0, 0.0, 0.0):
            print(row(key, "   <- best window, dense only" if not isinstance(key[1], str) else ""))
    for key in graded[:8]:
        print(row(key))
    print("chosen on the tuning half:")
    print(row(graded[0], "   <- best on tuning half"))
    default = (WINDOW_WORDS, LEXICAL_WEIGHT, CHUNK_LEXICAL_WEIGHT, CENTROID_WEIGHT)
    if default in results:
        print(row(default, "   <- halo.qa defaults"))
    for h in ("tune", "report"):
        print(f"chance ({h} half, k random chunks): " + "  ".join(f"r@{k} {chance[h][k]:.3f}" for k in args.k))


def _bm25_only(queries: list[dict], ks: list[int]) -> dict[str, float]:
    found = {k: [] for k in ks}
    for q in queries:
        order = np.argsort(-q["parts"][2], kind="stable")
        for k in ks:
            found[k].append(bool(q["relevant"][order[:k]].any()))
    return {**{f"r@{k}": float(np.mean(v)) for k, v in found.items()}, "moment@1": float("nan")}


if __name__ == "__main__":
    main()

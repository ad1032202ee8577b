"""Q&A retrieval benchmark: recall@k of halo.qa.ChunkIndex on QMSum's query spans.

Each QMSum meeting's turns are chunked by HALO's rule-based chunker (synthetic times, 2.5
words/s, the video defaults: 20-300 s chunks), each chunk gets its local-backend summary
(central sentences), and every *specific* query is searched. A query counts as found at k when
one of the top-k chunks overlaps one of its human relevant_text_span turn ranges. Printed per
scoring variant (dense only, TF-IDF only, the hybrid at several weights), with the chance level
(k random chunks) because recall@k means little without the number of chunks.

    python bench/bench_qa.py                       # QMSum val (35 meetings, 237 queries)
    python bench/bench_qa.py --limit 5 --k 1 3 5
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from halo.chunking.rules import ChunkingConfig, chunk_utterances  # noqa: E402
from halo.eval.datasets import SegDoc, clean_qmsum_text  # noqa: E402
from halo.eval.segmentation import text_utterances  # noqa: E402
from halo.llm.local import summarize_text  # noqa: E402
from halo.paths import data_dir  # noqa: E402
from halo.qa import ChunkIndex  # noqa: E402
from halo.text.embed import embed_texts  # noqa: E402

DEFAULT_QMSUM = Path(__file__).resolve().parents[2] / "shared" / "data" / "qmsum" / "val.jsonl"


def meeting_chunks(record: dict):
    """(chunks DataFrame with utt ids = kept-turn positions, original turn index per kept turn)."""
    units, speakers, kept = [], [], []
    for i, turn in enumerate(record["meeting_transcripts"]):
        text = clean_qmsum_text(turn.get("content", ""))
        if text:
            units.append(text)
            speakers.append(str(turn.get("speaker", "")))
            kept.append(i)
    utts = text_utterances(SegDoc("m", units, [len(units)], speakers))
    vectors = embed_texts(units)
    chunks = chunk_utterances(utts, vectors, ChunkingConfig(),
                              coherence_fn=lambda g: [1.0] * len(g),
                              token_fn=lambda t: [0] * len(t)).chunks
    return chunks, np.asarray(kept)


def prepared(record: dict, path: Path):
    """Chunks, kept turns and local summaries of one meeting, stored once (chunking is slow)."""
    if path.exists():
        df = pd.read_parquet(path)
        kept = np.asarray(json.loads(path.with_suffix(".json").read_text()))
        return df.drop(columns=["summary"]), kept, df["summary"].tolist()
    chunks, kept = meeting_chunks(record)
    chunks["summary"] = [summarize_text(t) for t in chunks["text"]]
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks.to_parquet(path)
    path.with_suffix(".json").write_text(json.dumps(kept.tolist()))
    return chunks.drop(columns=["summary"]), kept, chunks["summary"].tolist()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qmsum", type=Path, default=DEFAULT_QMSUM)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--k", type=int, nargs="+", default=[1, 3, 5])
    ap.add_argument("--no-summaries", action="store_true", help="skip local chunk summaries")
    args = ap.parse_args()
    records = [json.loads(ln) for ln in args.qmsum.read_text().splitlines() if ln.strip()][: args.limit]
    variants = {"dense": 0.0, "hybrid 0.25": 0.25, "hybrid 0.5 (default)": 0.5, "hybrid 1.0": 1.0,
                "tfidf only": None}
    found = {name: {k: [] for k in args.k} for name in variants}
    chance = {k: [] for k in args.k}
    n_chunks, t0 = [], time.perf_counter()
    store = data_dir() / "bench" / "qa_chunks"
    for i, record in enumerate(records):
        chunks, kept, summaries = prepared(record, store / f"{args.qmsum.stem}-{i}.parquet")
        summaries = [] if args.no_summaries else summaries
        n_chunks.append(len(chunks))
        index = ChunkIndex(chunks, summaries or None, lexical_weight=1.0)
        for q in record.get("specific_query_list", []):
            spans = [(int(a), int(b)) for a, b in q.get("relevant_text_span", [])]
            # chunk c covers kept turns first_utt..last_utt -> original turns kept[first]..kept[last]
            lo = kept[chunks["first_utt"].to_numpy()]
            hi = kept[chunks["last_utt"].to_numpy()]
            relevant = np.array([any(l <= b and a <= h for a, b in spans) for l, h in zip(lo, hi)])
            if not relevant.any():
                continue
            index.lexical_weight = 1.0
            dense_plus = index.scores(q["query"])
            index.lexical_weight = 0.0
            dense = index.scores(q["query"])
            lexical = dense_plus - dense
            for name, w in variants.items():
                s = lexical if w is None else dense + w * lexical
                order = np.argsort(-s, kind="stable")
                for k in args.k:
                    found[name][k].append(bool(relevant[order[:k]].any()))
            for k in args.k:  # chance: probability that k random chunks include a relevant one
                n, r = len(chunks), int(relevant.sum())
                miss = np.prod([(n - r - i) / (n - i) for i in range(min(k, n))]) if n - r >= k else 0.0
                chance[k].append(1 - miss)
    nq = len(found["dense"][args.k[0]])
    print(f"QMSum {args.qmsum.name}: {len(records)} meetings, {nq} specific queries, "
          f"chunks per meeting {np.mean(n_chunks):.1f} (min {min(n_chunks)}, max {max(n_chunks)}), "
          f"{time.perf_counter() - t0:.0f} s")
    print(f"{'variant':24s}" + "".join(f"  recall@{k:<3d}" for k in args.k))
    for name in variants:
        print(f"{name:24s}" + "".join(f"  {np.mean(found[name][k]):9.3f}" for k in args.k))
    print(f"{'chance (random chunks)':24s}" + "".join(f"  {np.mean(chance[k]):9.3f}" for k in args.k))


if __name__ == "__main__":
    main()

"""Write data/qmsum_subset/: the QMSum meetings the pretrained PPO chunker trains on.

Takes the MEETINGS shortest meetings of the tuning half of QMSum val (even lines of val.jsonl,
bench/splits.py) except the bundled sample's (line 26, so the sample stays unseen by the shipped
policy): small to ship, and quick to embed when training on 2 CPU cores. Keeps
only what segmentation needs (topic spans and transcripts; the queries and answers go), adds
each meeting's original id (``val.jsonl#<line>``), puts the shortest meetings first (so the
``limit`` of a quick training run picks the cheapest to embed) and gzips them.

Usage: python -m bench.make_qmsum_subset [../shared/data/qmsum/val.jsonl]
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from bench.splits import SAMPLE_MEETING, meetings_in, qmsum_val

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = qmsum_val()
OUT = ROOT / "data" / "qmsum_subset" / "qmsum_val_tuning.jsonl.gz"
MEETINGS = 9


def subset_lines(source: Path) -> list[str]:
    """One JSON line per meeting: the MEETINGS shortest of the tuning half but the sample's."""
    lines = source.read_text(encoding="utf-8").splitlines()
    out = []
    for index in meetings_in("tune", len(lines)):
        if index == SAMPLE_MEETING:
            continue
        record = json.loads(lines[index])
        out.append(json.dumps({
            "id": f"{source.name}#{index}",
            "topic_list": [{"topic": t["topic"], "relevant_text_span": t["relevant_text_span"]}
                           for t in record["topic_list"]],
            "meeting_transcripts": record["meeting_transcripts"],
        }, ensure_ascii=False))
    return sorted(out, key=len)[:MEETINGS]


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE
    lines = subset_lines(source)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same input gives byte-identical output, so re-running never dirties git
    OUT.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0))
    print(f"{OUT}: {len(lines)} meetings, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()

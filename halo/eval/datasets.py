"""Segmentation benchmarks as plain documents: Choi's set (sentences) and QMSum (meeting turns).

Both become :class:`SegDoc` objects (units of text + optional speakers + the true segment
lengths), so the chunker and the baselines run on them exactly as on a video's utterances.

QMSum truth from topic spans (documented because spans are messy): ``topic_list`` gives each
topic one or more ``relevant_text_span`` [start, end] turn ranges (inclusive); spans can be
unordered, overlap, or leave gaps. Each turn gets the label of the covering span that starts
latest (a topic that begins inside another one takes over until its span ends, then the outer
topic resumes); turns covered by no span take the label of the previous labelled turn (leading
uncovered turns take the first label: greetings belong to the first topic). Turns left empty
after stripping non-speech marks are dropped *after* labelling. Segments are maximal runs of
one label, so a topic that returns later counts as a new segment, which is what a reader
scanning the timeline sees.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from halo.chunking.metrics import labels_to_masses

CHOI_BOUNDARY = "=========="
_NONSPEECH = re.compile(r"\{[a-z_]+\}", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass
class SegDoc:
    """One document to segment: ``units`` (sentences or turns) and the true segment lengths."""

    doc_id: str
    units: list[str]
    truth: list[int]
    speakers: list[str] | None = None
    meta: dict = field(default_factory=dict)

    @property
    def n_segments(self) -> int:
        return len(self.truth)


def clean_qmsum_text(text: str) -> str:
    """Drop QMSum non-speech marks ({vocalsound}, {disfmarker}, {gap}, ...) and squeeze spaces."""
    return _SPACES.sub(" ", _NONSPEECH.sub(" ", text)).strip()


def read_choi_file(path: Path) -> SegDoc:
    """A Choi .ref file: sentences one per line, ``==========`` lines between segments."""
    segments: list[list[str]] = []
    current: list[str] = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip() == CHOI_BOUNDARY:
            if current:
                segments.append(current)
            current = []
        elif line.strip():
            current.append(line.strip())
    if current:
        segments.append(current)
    units = [s for seg in segments for s in seg]
    return SegDoc(doc_id=str(path), units=units, truth=[len(seg) for seg in segments])


def load_choi(directory: str | Path, limit: int | None = None) -> list[SegDoc]:
    """Every ``*.ref`` under ``directory`` (recursively, sorted), optionally the first ``limit``."""
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"Choi folder {root} does not exist (expected .ref files under it)")
    paths = sorted(root.rglob("*.ref"), key=lambda p: (str(p.parent), _natural(p.stem)))
    if not paths:
        raise FileNotFoundError(f"No .ref files under {root}: point --choi at Choi's data folder")
    docs = [read_choi_file(p) for p in paths]
    return docs if limit is None else spread(docs, limit)


def spread(docs: list[SegDoc], limit: int) -> list[SegDoc]:
    """``limit`` documents spread evenly over the list (so a subset covers every sub-folder)."""
    if limit >= len(docs):
        return docs
    step = len(docs) / limit
    return [docs[int(i * step)] for i in range(limit)]


def _natural(stem: str) -> tuple:
    return (0, int(stem), "") if stem.isdigit() else (1, 0, stem)


def qmsum_turn_labels(n_turns: int, topic_list: list[dict]) -> list[int]:
    """Per-turn topic label from QMSum topic spans (rules in the module docstring)."""
    best_start = [-1] * n_turns
    labels: list[int | None] = [None] * n_turns
    for topic_index, topic in enumerate(topic_list):
        for span in topic.get("relevant_text_span", []):
            start, end = int(span[0]), int(span[1])
            for turn in range(max(start, 0), min(end, n_turns - 1) + 1):
                if start > best_start[turn] or labels[turn] is None:
                    best_start[turn] = start
                    labels[turn] = topic_index
    first = next((lab for lab in labels if lab is not None), 0)
    previous = first
    filled: list[int] = []
    for lab in labels:
        previous = previous if lab is None else lab
        filled.append(previous)
    return filled


def qmsum_meeting(record: dict, doc_id: str) -> SegDoc:
    """One QMSum meeting -> SegDoc of non-empty turns with truth from its topic spans."""
    turns = record["meeting_transcripts"]
    labels = qmsum_turn_labels(len(turns), record.get("topic_list", []))
    units, speakers, kept = [], [], []
    for turn, label in zip(turns, labels):
        text = clean_qmsum_text(turn.get("content", ""))
        if text:
            units.append(text)
            speakers.append(str(turn.get("speaker", "")))
            kept.append(label)
    return SegDoc(
        doc_id=doc_id,
        units=units,
        truth=labels_to_masses(kept),
        speakers=speakers,
        meta={"topics": [t.get("topic", "") for t in record.get("topic_list", [])]},
    )


def load_qmsum(path: str | Path, limit: int | None = None) -> list[SegDoc]:
    """QMSum meetings from a .json (one meeting) or .jsonl[.gz] (one meeting per line) file.

    A meeting's id is its ``id`` field when it has one (the bundled subset keeps the original
    ``val.jsonl#<line>``, so a policy trained on it and an evaluation on val.jsonl agree on
    which meetings were seen), else ``<file name>#<line>``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"QMSum file {path} does not exist (expected .json or .jsonl[.gz])")
    if path.name.endswith(".gz"):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    if path.name.endswith((".jsonl", ".jsonl.gz")):
        records = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
    else:
        loaded = json.loads(text)
        records = loaded if isinstance(loaded, list) else [loaded]
    docs = [qmsum_meeting(r, str(r.get("id") or f"{path.name}#{i}")) for i, r in enumerate(records)]
    return docs if limit is None else docs[:limit]

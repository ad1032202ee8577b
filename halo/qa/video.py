"""What Q&A needs of one processed video, loaded from its stored Parquet outputs.

The retrieval index comes from the ``qa_index`` asset (timed windows with their MiniLM
vectors, and the vectors of the sentences a local answer may quote, built once when the video
is processed) and is only assembled on the first search: a question answered from the exact
cache never loads a model or builds BM25. A video processed before the asset existed gets its
index built here instead, and sentences missing from the stored index are embedded when quoted
(slower, same result).

Speaker names from the video's roster (halo/speech/roster.py) replace the diarized labels in
the utterances as loaded, so prompts, quotes and citations show "Professor C", not SPEAKER_00.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, field
from typing import AbstractSet

import numpy as np
import pandas as pd

from halo.errors import HaloError
from halo.ids import validate_video_id
from halo.llm.baseline import MediaStreams, probed_streams
from halo.qa.retrieval import ChunkIndex, build_units, chunk_utterance_rows, split_qa_index
from halo.qa.speaker_focus import focus as speaker_focus
from halo.qa.speakers import named_speakers
from halo.qa.stamp import Stamp, outputs_stamp

QA_INDEX_ASSET = "qa_index"


class VideoNotReady(HaloError):
    """The video is unknown or its chunks (and summaries) are not materialized yet."""


def outputs_digest(chunks: pd.DataFrame, utterances: pd.DataFrame, duration_s: float) -> str:
    """A digest of what an answer's text and [mm:ss] citations are drawn from: every cell of the
    stored chunks and of the utterances as answers see them (speaker names from the roster), and
    the duration citations are clamped to. Part of a Q&A answer's cache identity
    (Request.outputs): a video processed again into other chunks or utterances, or whose
    speakers were named otherwise, gets fresh answers; one recomputed into the same ones keeps
    its cached ones."""
    digest = hashlib.sha256(f"{float(duration_s):.3f}".encode())
    for frame in (chunks, utterances):
        digest.update(frame[sorted(frame.columns)].to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()[:16]


@dataclass
class VideoQA:
    video_id: str
    duration_s: float
    chunks: pd.DataFrame
    utterances: pd.DataFrame
    summaries: dict[int, str]
    video_summary: str
    units: pd.DataFrame | None = None  # the stored qa_index's units; None = build on first search
    quotes: pd.DataFrame | None = None  # its quotable sentences with their vectors; None = embed when quoted
    roster: dict[str, str] = field(default_factory=dict)  # diarized label -> name (utterances show the names)
    outputs: str = ""  # outputs_digest of the stored outputs (answers are cached under it); "" = not loaded from the store
    stamp: Stamp | None = None  # halo.qa.stamp.outputs_stamp taken before loading (None: no memo of answers)
    streams: MediaStreams = MediaStreams()  # the file's picture and sound tracks (all the naive baseline sends)
    _index: ChunkIndex | None = field(default=None, repr=False)
    _sentence_vectors: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _chunk_rows: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def index(self) -> ChunkIndex:
        if self._index is None:
            if self.units is None:
                self.units = build_units(self.chunks, self.utterances)
            self._index = ChunkIndex(self.chunks, self.units)
        return self._index

    def has_content(self) -> bool:
        """Is anything said or shown in the video (a word in any chunk)? A silent video has
        nothing an answer could quote or cite, so it is not asked about at all."""
        return bool(len(self.chunks)) and bool(self.chunks["text"].astype(str).str.strip().ne("").any())

    def sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """MiniLM vectors of ``texts`` (len(texts), 384): stored ones from the qa_index, the
        others embedded now (a sentence's vector depends on its text alone)."""
        from halo.text.embed import embed_texts

        if self._sentence_vectors is None:
            quotes = self.quotes if self.quotes is not None else pd.DataFrame(columns=["text", "vector"])
            self._sentence_vectors = dict(zip(quotes["text"].astype(str), quotes["vector"]))
        known = self._sentence_vectors
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, embed_texts(missing)))
        return np.stack([np.asarray(known[t], dtype=np.float32) for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def named_in(self, question: str) -> set[str]:
        """The roster's names that ``question`` names (halo/qa/speakers.py); empty without a roster."""
        return named_speakers(question, self.roster.values()) if self.roster else set()

    def focus(self, speakers: AbstractSet[str]) -> np.ndarray | None:
        """Per retrieval unit, what it gains for ``speakers``' share of it (None: nobody named)."""
        return speaker_focus(self.index.units, self.utterances, speakers) if speakers else None

    @classmethod
    def load(cls, video_id: str, roster: dict[str, str] | None = None) -> "VideoQA":
        """``video_id``'s stored outputs; ``roster``: speaker names to use instead of the stored
        roster (halo/speech/roster.py), e.g. a benchmark's, which must not be stored."""
        from halo.speech.roster import current_roster, named
        from halo.store import load_output

        validate_video_id(video_id)
        stamp = outputs_stamp(video_id)  # before reading: files stored again meanwhile do not match it
        chunks = load_output("chunks", video_id)
        if chunks is None:
            raise VideoNotReady(not_ready_message(video_id))
        if not len(chunks):
            raise VideoNotReady(f"Video {video_id!r} has no speech chunks (no speech was transcribed), "
                                "so there is nothing to answer questions from.")
        utterances = load_output("utterances", video_id)
        if utterances is None:
            utterances = pd.DataFrame(columns=["utt_id", "start", "end", "speaker", "scene_id", "text"])
        roster = current_roster(video_id, utterances) if roster is None else roster
        utterances = named(utterances, roster)
        cs = load_output("chunk_summaries", video_id)
        summaries = dict(zip(cs["chunk_id"].astype(int), cs["summary"].astype(str))) if cs is not None else {}
        vs = load_output("video_summary", video_id)
        video_summary = str(vs.iloc[0]["summary"]) if vs is not None and len(vs) else ""
        probe = load_output("video_file", video_id)
        duration = float(probe.iloc[0]["duration_s"]) if probe is not None and len(probe) else float(chunks["end"].max())
        outputs = outputs_digest(chunks, utterances, duration)
        chunks = chunks.sort_values("start", kind="stable").reset_index(drop=True)
        stored = load_output(QA_INDEX_ASSET, video_id)
        units, quotes = split_qa_index(stored) if stored is not None else (None, None)
        if units is not None and not set(units["chunk_id"].astype(int)) <= set(chunks["chunk_id"].astype(int)):
            units = None  # an index of older chunks: rebuild rather than cite parts that no longer exist
        return cls(video_id, duration, chunks, utterances, summaries, video_summary, units, quotes, roster,
                   outputs, stamp, streams=probed_streams(probe))

    def chunk_utterances(self, chunk_id: int) -> pd.DataFrame:
        """The chunk's utterances (its text as one utterance when none are stored), made once
        per chunk: a question reads its retrieved chunks for the prompt and for the local answer."""
        if chunk_id not in self._chunk_rows:
            i = int(np.flatnonzero(self.chunks["chunk_id"].to_numpy() == chunk_id)[0])
            self._chunk_rows[chunk_id] = chunk_utterance_rows(self.chunks, self.utterances, i)
        return self._chunk_rows[chunk_id]


def not_ready_message(video_id: str) -> str:
    """Why ``video_id`` has no stored chunks, and what to do: process it if registered, else it is
    unknown (the registered ids listed, for a typo)."""
    from halo import registry

    try:
        known = registry.all_videos()
    except Exception:  # noqa: BLE001 - an unreadable registry must not hide the real error
        known = {}
    if video_id in known:
        return (f"Video {video_id!r} is registered but not processed yet (no stored chunks). "
                f"Process it first: `halo add {shlex.quote(known[video_id].path)} --run`, the Dagster UI, or wait "
                "for the schedule.")
    ids = sorted(known)
    hint = f" Registered videos: {', '.join(ids[:10])}." if ids else " No videos are registered yet."
    return f"Unknown video {video_id!r}: add it with `halo add PATH --run`.{hint}"

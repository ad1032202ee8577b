"""What Q&A needs of one processed video, loaded from its stored Parquet outputs.

The retrieval index comes from the ``qa_index`` asset (timed windows with their MiniLM
vectors, built once when the video is processed) and is only assembled on the first search:
a question answered from the exact cache never loads a model or builds BM25. A video
processed before the asset existed gets its index built here instead (slower, same result).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from halo.errors import HaloError
from halo.ids import validate_video_id
from halo.qa.retrieval import ChunkIndex, build_units, chunk_utterance_rows

QA_INDEX_ASSET = "qa_index"


class VideoNotReady(HaloError):
    """The video is unknown or its chunks (and summaries) are not materialized yet."""


@dataclass
class VideoQA:
    video_id: str
    duration_s: float
    chunks: pd.DataFrame
    utterances: pd.DataFrame
    summaries: dict[int, str]
    video_summary: str
    units: pd.DataFrame | None = None  # the stored qa_index; None = build on first search
    _index: ChunkIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> ChunkIndex:
        if self._index is None:
            if self.units is None:
                self.units = build_units(self.chunks, self.utterances)
            self._index = ChunkIndex(self.chunks, self.units)
        return self._index

    @classmethod
    def load(cls, video_id: str) -> "VideoQA":
        from halo.store import load_output

        validate_video_id(video_id)
        chunks = load_output("chunks", video_id)
        if chunks is None:
            raise VideoNotReady(_not_ready_message(video_id))
        if not len(chunks):
            raise VideoNotReady(f"Video {video_id!r} has no speech chunks (no speech was transcribed), "
                                "so there is nothing to answer questions from.")
        utterances = load_output("utterances", video_id)
        if utterances is None:
            utterances = pd.DataFrame(columns=["utt_id", "start", "end", "speaker", "scene_id", "text"])
        cs = load_output("chunk_summaries", video_id)
        summaries = dict(zip(cs["chunk_id"].astype(int), cs["summary"].astype(str))) if cs is not None else {}
        vs = load_output("video_summary", video_id)
        video_summary = str(vs.iloc[0]["summary"]) if vs is not None and len(vs) else ""
        probe = load_output("video_file", video_id)
        duration = float(probe.iloc[0]["duration_s"]) if probe is not None and len(probe) else float(chunks["end"].max())
        chunks = chunks.sort_values("start", kind="stable").reset_index(drop=True)
        units = load_output(QA_INDEX_ASSET, video_id)
        if units is not None and not set(units["chunk_id"].astype(int)) <= set(chunks["chunk_id"].astype(int)):
            units = None  # an index of older chunks: rebuild rather than cite parts that no longer exist
        return cls(video_id, duration, chunks, utterances, summaries, video_summary, units)

    def chunk_utterances(self, chunk_id: int) -> pd.DataFrame:
        """The chunk's utterances (its text as one utterance when none are stored)."""
        i = int(np.flatnonzero(self.chunks["chunk_id"].to_numpy() == chunk_id)[0])
        return chunk_utterance_rows(self.chunks, self.utterances, i)


def _not_ready_message(video_id: str) -> str:
    from halo import registry

    try:
        known = registry.all_videos()
    except Exception:  # noqa: BLE001 - an unreadable registry must not hide the real error
        known = {}
    if video_id in known:
        return (f"Video {video_id!r} is registered but not processed yet (no stored chunks). "
                f"Process it first: `halo add {known[video_id].path} --run`, the Dagster UI, or wait "
                "for the schedule.")
    ids = sorted(known)
    hint = f" Registered videos: {', '.join(ids[:10])}." if ids else " No videos are registered yet."
    return f"Unknown video {video_id!r}: add it with `halo add PATH --run`.{hint}"

"""`halo export ID FILE`: everything stored for one video as one JSON document.

Keys: video (probe + registered path), speaker_names (the roster: diarized label -> name),
chunks, summaries (per chunk), video_summary, chapters, qa (every session's turns), costs
(ledger rows + totals), metrics (stage seconds of the run that made the current outputs). Times are seconds from the start of the video.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from halo.errors import HaloError
from halo_cli.pipeline import resolve_citation

EXPORT_VERSION = 1


def _records(df: pd.DataFrame | None) -> list[dict]:
    return [] if df is None else json.loads(df.to_json(orient="records", date_format="iso"))


def _plain(value: Any) -> Any:
    """JSON-safe value (numpy scalars and arrays, NaN -> None)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _turn(turn, chunks: pd.DataFrame, utterances: pd.DataFrame | None) -> dict[str, Any]:
    """A saved turn with its citations as `halo ask --json` gives them (the utterance span each
    cited time points at, its speaker and chunk): the session keeps only the times the answer
    wrote, and an export read without HALO has no way to resolve them."""
    row = dataclasses.asdict(turn)
    if utterances is not None:
        row["citations"] = [resolve_citation(c, chunks, utterances) for c in turn.citations]
    return row


def export_video(pipeline, video_id: str) -> dict[str, Any]:
    """The export document of ``video_id`` (UnknownVideo if it has no stored chunks)."""
    from halo.llm.ledger import read_ledger, summarize_costs
    from halo.qa import list_sessions
    from halo.speech.roster import current_roster
    from halo.store import load_output

    outputs = pipeline.outputs(video_id)
    probe = load_output("video_file", video_id)
    ledger = read_ledger(video_id)
    utterances = load_output("utterances", video_id)
    return _plain({
        "export_version": EXPORT_VERSION,
        "video_id": video_id,
        "video": _records(probe)[0] if probe is not None and len(probe) else {},
        "speaker_names": current_roster(video_id, utterances) if utterances is not None else {},
        "chunks": _records(outputs["chunks"]),
        "summaries": _records(outputs["chunk_summaries"]),
        "video_summary": outputs["video_summary"],
        "chapters": outputs["chapters"],
        "qa": [{"session": s.session_id, "turns": [_turn(t, outputs["chunks"], utterances) for t in s.turns]}
               for s in list_sessions(video_id)],
        "costs": {"totals": summarize_costs(ledger), "calls": _records(ledger)},
        "metrics": pipeline.metrics(video_id),
    })


def write_export(pipeline, video_id: str, path: str | Path | None) -> str:
    """Write the export of ``video_id`` atomically to ``path`` (None: only return the JSON text).

    A ``path`` that exists and is not a regular file (a named pipe, ``>(jq .)``'s /dev/fd/N, a
    device) is written into as it is: renaming a temporary file over it replaced the pipe or
    device with a regular file, and /dev/fd/N resolved to no folder at all."""
    from halo.storage import write_bytes_atomic

    text = json.dumps(export_video(pipeline, video_id), indent=2)
    if path is not None:
        given = Path(path).expanduser()
        into_place = given.exists() and not given.is_file()  # a pipe or a device: written into as it is
        target = given if into_place else given.resolve()
        try:
            if into_place:
                with open(given, "wb") as out:
                    out.write(text.encode("utf-8"))
            else:
                write_bytes_atomic(target, text.encode("utf-8"))
        except OSError as e:  # a user's choice of file, not HALO's data root: say which, not a traceback
            raise HaloError(f"The export of video {video_id!r} was not written: {target} could not be written "
                            f"({e.strerror or e}). Pick a FILE in a folder you can write, or - for stdout.") from None
    return text

"""Which stored outputs were made from an older version of a video's source file.

Every per-video Parquet file carries, in its Parquet footer (schema metadata), the sha256 of
the source file it was derived from (``halo.source_sha256``): for ``video_file`` that is the
probe's own hash, for every later asset the hash in the ``video_file`` output at the time it was
written. When a changed file's re-run fails part-way, the new probe sits beside the transcript
and chunks of the old file; :func:`stale_outputs` names those, so readers (``halo report``) can
hide or flag them instead of showing two versions of a video as one.

Files written before this stamp existed carry none and are taken as current (nothing to compare).
The cost ledger is never stale: money spent on an old version stays spent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SOURCE_SHA_KEY = "halo.source_sha256"
PROBE_ASSET = "video_file"
NEVER_STALE = frozenset({"cost_ledger"})


def source_stamp(sha256: str | None) -> dict[str, str]:
    """The Parquet footer metadata recording ``sha256`` as the source (none when unknown)."""
    return {SOURCE_SHA_KEY: sha256} if sha256 else {}


def probed_sha256(probe_path: Path) -> str | None:
    """The source hash in a stored ``video_file`` output, or None if there is none yet."""
    if not probe_path.exists():
        return None
    with probe_path.open("rb") as handle:
        probe = pd.read_parquet(handle, columns=["sha256"])
    return str(probe["sha256"].iloc[0]) if len(probe) else None


def recorded_source(path: Path) -> str | None:
    """The source hash stamped in the footer of the Parquet file at ``path`` (None if unstamped)."""
    import pyarrow.parquet as pq

    with path.open("rb") as handle:
        metadata = pq.read_schema(handle).metadata or {}
    value = metadata.get(SOURCE_SHA_KEY.encode())
    return value.decode() if value else None


def stale_outputs(video_id: str, parquet_root: Path) -> dict[str, str]:
    """``{asset: source sha256 it was made from}`` for each stored output of ``video_id`` made
    from another version of the source than the current ``video_file`` probe."""
    current = probed_sha256(parquet_root / PROBE_ASSET / f"{video_id}.parquet")
    if current is None:
        return {}
    stale = {}
    for path in sorted(parquet_root.glob(f"*/{video_id}.parquet")):
        asset = path.parent.name
        if asset in NEVER_STALE or asset == PROBE_ASSET:
            continue
        recorded = recorded_source(path)
        if recorded is not None and recorded != current:
            stale[asset] = recorded
    return stale

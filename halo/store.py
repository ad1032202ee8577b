"""Where HALO's stored outputs live: the one reader and writer of them, local or on s3://.

``HALO_STORAGE_ROOT`` (a local folder or an fsspec URL such as ``s3://bucket/halo``; default
the data root, ``HALO_DATA_DIR`` or ``<project>/data``) holds everything a run produces::

    parquet/<asset>/<video_id>.parquet   per-video asset outputs (the Parquet IO manager)
    parquet/<asset>.parquet              library-wide outputs (library_costs)
    ledger/<video_id>/*.parquet          every LLM call, append-only (halo.llm.ledger)
    qa/<video_id>/<session>.json         Q&A sessions (halo.qa.sessions)
    speakers/<video_id>.json             names a user gave the diarized speakers (the roster)
    media/<video_id>/...                 audio.wav, keyframes/, chunk_timeline.png
    registry.json                        video id -> source file (halo.registry)

A local root is a plain Path and a URL root a UPath (imported only then, like pandas: writing a
session or a ledger row imports neither), so every reader and writer works the same on a
folder and a bucket.
What stays on the local data root: the source videos (videos/, watched by the sensor), model
files (models/), the embedded Redis (cache/) and the working copy of media that decoders and
OCR read from a real file (halo.paths.media_dir); :func:`publish_media` uploads it to the
store and :func:`fetch_media` brings it back on a machine that lacks it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from halo.errors import NotWritable
from halo.ids import validate_video_id
from halo.paths import data_dir, media_dir
from halo.storage import read_parquet, write_bytes_atomic

if TYPE_CHECKING:
    import pandas as pd
    from upath import UPath

STORAGE_ROOT_VAR = "HALO_STORAGE_ROOT"


def storage_root() -> Path | UPath:
    """``$HALO_STORAGE_ROOT`` (folder or URL such as s3://bucket/prefix), else the local data root."""
    root = os.environ.get(STORAGE_ROOT_VAR, "").strip()
    if "://" in root:
        from upath import UPath

        return UPath(root.rstrip("/"))
    return Path(root).expanduser().resolve() if root else data_dir()


def is_remote(path: Path | UPath) -> bool:
    """Whether ``path`` lives in an object store rather than on this machine's disks."""
    return getattr(path, "protocol", "") not in ("", "file", "local")


def parquet_root() -> Path | UPath:
    return storage_root() / "parquet"


def output_path(asset: str, video_id: str | None = None) -> Path | UPath:
    """Where the IO manager stores ``asset`` (for ``video_id``, or library-wide when None)."""
    if video_id is None:
        return parquet_root() / f"{asset}.parquet"
    return parquet_root() / asset / f"{validate_video_id(video_id)}.parquet"


def load_output(asset: str, video_id: str | None = None) -> pd.DataFrame | None:
    """The stored output of ``asset`` for ``video_id``, or None if not materialized yet."""
    path = output_path(asset, video_id)
    return read_parquet(path) if path.exists() else None


def roster_file(video_id: str) -> Path | UPath:
    """Where ``video_id``'s roster is stored (``speakers/<video_id>.json``)."""
    return storage_root() / "speakers" / f"{validate_video_id(video_id)}.json"


def load_roster(video_id: str) -> tuple[dict[str, str], str]:
    """The names a user gave ``video_id``'s diarized speakers ({"SPEAKER_00": "Professor C"}),
    {} if none were given, and the digest of who spoke when they were given for ('' in a file
    written before it was recorded). Read it through halo.speech.roster.current_roster, which
    drops names the video's re-processing made wrong."""
    path = roster_file(video_id)
    if not path.exists():
        return {}, ""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {str(label): str(name) for label, name in raw.get("names", {}).items()}, str(raw.get("turns", ""))


def save_roster(video_id: str, names: dict[str, str], turns: str) -> Path | UPath:
    """Store ``names`` as ``video_id``'s roster, given for the utterances whose digest is
    ``turns`` (atomic: a failed write keeps the old one)."""
    path = roster_file(video_id)
    body = {"version": 2, "video_id": video_id, "turns": turns, "names": dict(sorted(names.items()))}
    try:
        write_bytes_atomic(path, json.dumps(body, indent=2).encode("utf-8"))
    except OSError as e:
        raise NotWritable(f"The speaker names of video {video_id!r} were not saved: {path} could not be "
                          f"written ({e.strerror or e}). {NotWritable.FIX}") from None
    return path


def ledger_root() -> Path | UPath:
    return storage_root() / "ledger"


def sessions_dir(video_id: str) -> Path | UPath:
    return storage_root() / "qa" / validate_video_id(video_id)


def registry_file() -> Path | UPath:
    return storage_root() / "registry.json"


def stored_media(video_id: str) -> Path | UPath:
    """The stored copy of ``video_id``'s media folder."""
    return storage_root() / "media" / validate_video_id(video_id)


def _same_place(local: Path, stored: Path | UPath) -> bool:
    return not is_remote(stored) and Path(local).resolve() == Path(str(stored)).resolve()


def _relative(path: Path | UPath, folder: Path | UPath) -> str:
    """``path`` below ``folder`` as a posix string (the same for a folder and a bucket prefix)."""
    return str(path)[len(str(folder).rstrip("/")) + 1:]


def publish_media(video_id: str, *names: str) -> Path | UPath:
    """Copy the working media ``names`` (files or folders under halo.paths.media_dir) to the
    store; a no-op when the store is the data root. A folder's stored copy is made to match
    (files gone locally are removed), so stale keyframes never outlive a re-run."""
    local, stored = media_dir(video_id), stored_media(video_id)
    if _same_place(local, stored):
        return stored
    for name in names:
        source, target = local / name, stored / name
        if source.is_dir():
            keep = {_relative(p, source) for p in source.rglob("*") if p.is_file()}
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    write_bytes_atomic(target / _relative(path, source), path.read_bytes())
            if target.exists():
                for old in target.rglob("*"):
                    if old.is_file() and _relative(old, target) not in keep:
                        old.unlink()
        elif source.is_file():
            write_bytes_atomic(target, source.read_bytes())
    return stored


def fetch_media(video_id: str, *names: str) -> Path:
    """The working media folder of ``video_id`` with ``names`` present, downloaded from the
    store where this machine lacks them (a worker that did not run the upstream step)."""
    local, stored = media_dir(video_id), stored_media(video_id)
    if _same_place(local, stored):
        return local
    for name in names:
        source, target = stored / name, local / name
        if target.exists() or not source.exists():
            continue
        files = [p for p in source.rglob("*") if p.is_file()] if source.is_dir() else [source]
        for path in files:
            write_bytes_atomic(target / _relative(path, source) if path != source else target, path.read_bytes())
    return local


def kept_when_dropped() -> frozenset[str]:
    """The per-video outputs :func:`remove_outputs` keeps: what audits the money spent on the
    id -- the ``cost_ledger`` snapshot (halo.staleness.NEVER_STALE) and the probe
    (``video_file``), whose duration and picture track price every baseline of that spend."""
    from halo.staleness import NEVER_STALE, PROBE_ASSET

    return NEVER_STALE | {PROBE_ASSET}


def missing_outputs(video_id: str, recorded: Iterable[str]) -> list[str]:
    """The assets of ``recorded`` (those the Dagster instance has materializations of) whose
    output for ``video_id`` is not on disk: one look-up each.

    The instance's records outlive the files they describe. Dagster's OSS event log cannot wipe
    one partition's records, so after a drop (:func:`remove_outputs`) they still say the id was
    processed, and an id given its file back (`halo add --replace` the other way) was never
    processed again. A data root emptied or moved (``HALO_DATA_DIR`` set to a new folder beside
    the same instance) left `halo process` saying "no stored chunks: process it first with
    `halo process`" forever. Either way a missing output is what the run must make again."""
    return [asset for asset in recorded if not output_path(asset, video_id).exists()]


def remove_outputs(video_id: str) -> list[str]:
    """Delete what was derived from ``video_id``'s file: its per-video Parquet outputs and its
    media (stored and local working copy). Returns the assets whose output was removed.

    For an id that no longer stands for a file (``halo add --replace`` moved the file to another
    id): left behind, its outputs were still listed and reported as a video. What audits money
    is kept: the ledger store (ledger/<id>/) is not touched, nor the outputs of
    :func:`kept_when_dropped` (the probe too: without its duration `halo report` and
    library_costs priced the spend's baselines as a 0-second video), so the spend stays in
    `halo report` and library_costs. Q&A sessions and speaker names, which a user wrote rather
    than the file gave, stay too."""
    video_id = validate_video_id(video_id)
    kept = kept_when_dropped()
    removed = []
    root = parquet_root()
    for folder in sorted(root.iterdir()) if root.exists() else []:
        path = folder / f"{video_id}.parquet"
        if folder.name not in kept and path.exists():
            path.unlink()
            removed.append(folder.name)
    local, stored = media_dir(video_id), stored_media(video_id)
    _remove_folder(stored)
    if not _same_place(local, stored):
        _remove_folder(local)
    return removed


def _remove_folder(folder: Path | UPath) -> None:
    """``folder`` and every file in it, on a disk or in a bucket (which has no empty folders)."""
    if not folder.exists():
        return
    if is_remote(folder):
        for path in folder.rglob("*"):
            if path.is_file():
                path.unlink()
        return
    import shutil

    shutil.rmtree(folder)


def local_keyframes(video_id: str, scenes: pd.DataFrame) -> pd.DataFrame:
    """``scenes`` with ``keyframe_path`` pointing at this machine's working copy, fetched from the
    store if missing: the stored table names the files where the `scenes` step ran."""
    folder = fetch_media(video_id, "keyframes") / "keyframes"
    if not len(scenes):
        return scenes
    return scenes.assign(keyframe_path=[str(folder / Path(str(p)).name) if p else "" for p in scenes["keyframe_path"]])

"""The video registry: which file each video id stands for.

Dagster's dynamic partitions only hold keys, so HALO keeps ``video id -> source file`` in a
small JSON file under the data root (``data/registry.json``). The sensor, ``halo add`` and the
``video_file`` asset all go through here, so a file is registered once and a changed file
(new size or mtime) is noticed. A new size or mtime is only a hint: whether the bytes changed is
decided by their sha256 against the probe's (:func:`content_sha256`), so `touch` or a copy put
back in place re-runs nothing. Writes are locked and atomic.

An id, once given to a file, is never silently handed to another file: re-pointing it needs
``replace=True`` (``halo add PATH --id ID --replace``), after which outputs made from the old
file are reported as stale until the id is processed again. Likewise a file, once registered,
is not registered under a second id (it would be processed and billed twice, and the sensor keeps
only one of its ids current): ``replace=True`` moves it to the new id.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shlex
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace as with_fields
from datetime import datetime
from pathlib import Path
from typing import Iterator

from halo.errors import FileRegistered, MediaError, NotReadable, NotWritable, VideoIdTaken
from halo.ids import validate_video_id, video_id_for
from halo.paths import data_dir, videos_dir
from halo.storage import sha256_file, write_bytes_atomic
from halo.store import registry_file

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v")
AUDIO_SUFFIXES = (".mp3", ".m4a", ".wav", ".opus", ".ogg", ".oga", ".flac", ".aac")
MEDIA_SUFFIXES = VIDEO_SUFFIXES + AUDIO_SUFFIXES  # what the folder sensor picks up

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoEntry:
    """A registered video: its id, source path and the file's fingerprint when last seen, with
    the sha256 of its bytes at that fingerprint once :func:`content_sha256` hashed them ("" until
    then; registries written before the field existed load with "")."""

    video_id: str
    path: str
    size_bytes: int
    mtime_ns: int
    sha256: str = ""

    @property
    def fingerprint(self) -> str:
        """Changes when the file changes; used as the sensor's run key."""
        return f"{self.size_bytes}-{self.mtime_ns}"


_ENTRY_FIELDS = frozenset(field.name for field in fields(VideoEntry))


def current_fingerprint(path: Path | str) -> str:
    """The fingerprint the file at ``path`` has now, in the registry's format (size + mtime)."""
    return _entry_now("", path).fingerprint


def _entry_now(video_id: str, path: Path | str) -> VideoEntry:
    """The entry ``video_id``'s file ``path`` would have as it is now (its size and mtime), no hash."""
    stat = os.stat(path)
    return VideoEntry(video_id, str(path), stat.st_size, stat.st_mtime_ns)


@contextmanager
def _locked(what: str, name: str = "registry.lock", label: str = "the registry's lock file",
            busy: str = "") -> Iterator[None]:
    """One holder at a time on this machine of the lock file ``name`` under the data root (it
    stays local even when the registry is on s3://, where the last writer wins). A lock file that
    cannot be made (a read-only data root) raises NotWritable saying ``what`` was not done, instead
    of an OSError traceback. Only the lock is guarded here: the registry's own read and write say
    which of them failed. ``busy``, when given, is logged before waiting for another holder."""
    lock = data_dir() / name
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "w")
    except OSError as e:
        raise NotWritable(f"{what}: {label} could not be written ({e.strerror or e}: "
                          f"{e.filename or lock}). {NotWritable.FIX}") from None
    with handle:
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if busy:
                    log.warning(busy)
                fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as e:  # e.g. "No locks available" on a network file system without locking
            raise NotWritable(f"{what}: {label} {lock} could not be locked ({e.strerror or e}). "
                              "Put HALO_DATA_DIR on a disk that supports file locks (a local disk).") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def processing(video_id: str) -> Iterator[None]:
    """Held while this machine decides what of ``video_id`` to run and runs it in-process
    (``halo process``, ``HALOPipeline.process_video``): a second one waits, then finds the first
    one's outputs and reuses them. Queued runs (sensor, schedule, UI) are kept to one per video
    by dagster.yaml's run limit instead; in-process runs never enter that queue, so two
    ``halo process`` of one file ran every stage side by side and both paid for the LLM calls."""
    video_id = validate_video_id(video_id)
    with _locked(f"Video {video_id!r} was not processed", f"locks/{video_id}.lock",
                 f"the processing lock file of video {video_id!r}",
                 f"video {video_id!r} is being processed by another process on this machine: waiting for it"):
        yield


def _read(what: str = "") -> dict[str, VideoEntry]:
    """The registry's entries ({} before the first registration). One that cannot be read or is
    not a registry raises NotReadable naming the file and the fix (after ``what``, what was not
    done), instead of an OSError or JSONDecodeError traceback."""
    path = registry_file()
    try:
        if not path.exists():
            return {}
        raw = json.loads(path.read_text() or "{}")
        # fields a newer HALO added are left out: an older one took its registry for "not a video
        # registry" (TypeError) when `sha256` was added
        return {vid: VideoEntry(**{k: v for k, v in entry.items() if k in _ENTRY_FIELDS}) for vid, entry in raw.items()}
    except OSError as e:
        reason = e.strerror or str(e)
    except (ValueError, TypeError, AttributeError) as e:  # not JSON, or JSON of another shape
        reason = f"not a video registry: {e}"
    raise NotReadable(
        f"{what + ': the' if what else 'The'} video registry {path} could not be read ({reason}). Make it a file "
        "you can read; if it is damaged, move it aside and register the videos again (`halo add PATH --id ID`; "
        "the sensor registers files in data/videos/ by itself).")


def _write(entries: dict[str, VideoEntry], what: str) -> None:
    path = registry_file()
    payload = {vid: asdict(entry) for vid, entry in sorted(entries.items())}
    try:
        write_bytes_atomic(path, json.dumps(payload, indent=2).encode())
    except OSError as e:
        raise NotWritable(f"{what}: the video registry {path} could not be written ({e.strerror or e}). "
                          f"{NotWritable.FIX}") from None


def all_videos() -> dict[str, VideoEntry]:
    """Every registered video, by id."""
    return _read()


def lookup(video_id: str) -> VideoEntry:
    """The entry for ``video_id``; a clear error if it was never registered."""
    validate_video_id(video_id)
    entry = _read().get(video_id)
    if entry is None:
        raise MediaError(
            f"Video {video_id!r} is not registered: add it with `halo add PATH` or drop the file "
            "into data/videos/ for the sensor to pick up."
        )
    return entry


def given_file(path: str | os.PathLike) -> Path:
    """The file at ``path`` as the user gave it, resolved (symlinks followed), or MediaError naming
    ``path`` as typed: a dangling symlink was reported by its target's path with advice to
    "re-register the video", for a file never registered."""
    given = Path(path).expanduser()
    resolved = given.resolve()
    if resolved.is_file():
        return resolved
    if given.is_symlink():
        raise MediaError(
            f"{given} is a symlink whose target {resolved} does not exist (moved or deleted?): point it at the "
            f"video again (`ln -sfn /path/to/video.mp4 {shlex.quote(str(given))}`) or give the video's own path.")
    raise MediaError(f"No video file at {given}: check the path.")


def register(path: Path, video_id: str | None = None, replace: bool = False) -> tuple[VideoEntry, bool]:
    """Register ``path`` (under ``video_id`` or one derived from its name).

    Returns the entry and whether anything changed (new file, or same file modified since).
    Re-registering an unchanged file is a no-op, which keeps the sensor idempotent. An explicit
    ``video_id`` that already stands for another file raises VideoIdTaken, and one other than the id
    ``path`` is registered under raises FileRegistered, unless ``replace``: then the id is re-pointed
    and the file's former id dropped.
    """
    path = given_file(path)
    stat = path.stat()
    what = f"{path} was not registered"
    with _locked(what):
        entries = _read(what)
        own_ids = [vid for vid, e in entries.items() if e.path == str(path)]  # several only in older registries
        if video_id is None:
            video_id = own_ids[0] if own_ids else video_id_for(path, {vid: e.path for vid, e in entries.items()})
        validate_video_id(video_id)
        quoted = shlex.quote(str(path))
        if own_ids and video_id not in own_ids and not replace:
            raise FileRegistered(
                f"{path} is already registered as video {own_ids[0]!r}; it was not registered as {video_id!r} "
                f"(it would be processed, and billed, twice). Use {own_ids[0]!r} (`halo add {quoted} --id "
                f"{own_ids[0]} --run` processes it), or move the file to {video_id!r} with `halo add {quoted} "
                f"--id {video_id} --replace` ({own_ids[0]!r} is then no longer registered)."
            )
        taken = entries.get(video_id)
        if taken is not None and taken.path != str(path) and not replace:
            raise VideoIdTaken(
                f"Video id {video_id!r} already stands for {taken.path}; {path} was not registered. "
                f"Pick another id (`halo add {quoted} --id OTHER_ID`), or re-point {video_id!r} "
                f"to this file with `halo add {quoted} --id {video_id} --replace` "
                "(its outputs from the old file are then reported stale until it is processed again)."
            )
        entry = VideoEntry(video_id, str(path), stat.st_size, stat.st_mtime_ns)
        known = entries.get(video_id)
        if known is not None and with_fields(known, sha256="") == entry:  # unchanged: keep its hash
            entry = known
        dropped = [vid for vid in own_ids if vid != video_id] if replace else []
        changed = known != entry or bool(dropped)
        if changed:
            for vid in dropped:
                del entries[vid]
            entries[video_id] = entry
            _write(entries, what)
    if not own_ids:  # a new file: hashed against the others outside the lock (a long video takes seconds)
        _warn_if_copy(entry, entries)
    if known is not None and entry is not known:
        # another file or new size/mtime under a registered id: hashed now, or source_changed's
        # stat shortcut (registered fingerprint, no hash) would call the replaced file unchanged
        # until it is processed (`halo add` without --run, --replace, the sensor before its run)
        content_sha256(video_id, str(path))
    return entry, changed


#: Hashes content_sha256 could not record (a read-only data root), by file as hashed, for this
#: process: `halo chat` and the daemon's hourly schedule re-hashed the file, warning, every time.
_unrecorded: dict[VideoEntry, str] = {}


def content_sha256(video_id: str, path: str) -> str:
    """sha256 of the bytes of ``video_id``'s file ``path`` as they are now.

    Asked when the file's size or mtime differ from its probe's (`touch`, a copy put back in
    place, a new version): only the bytes say whether the video changed and must run again (and
    pay Gemini again). The file is hashed only when its size or mtime differ from the registry
    entry's; the hash is stored in the entry with the new fingerprint, so the next check (the
    hourly schedule, the next `halo process`) hashes nothing. It is stored only if the file kept
    the fingerprint it had before hashing: a file written meanwhile is hashed again next time.
    """
    seen = _entry_now(video_id, path)
    known = _known(seen) or _unrecorded.get(seen, "")
    if known:
        return known
    sha256 = sha256_file(path)
    what = (f"The hash of video {video_id!r}'s file {path} was not recorded, so each new `halo` command "
            "reads the whole file again to tell whether it changed")
    try:
        with _locked(what):
            entries = _read(what)
            registered = entries.get(video_id)
            if registered is not None and registered.path == str(path) and current_fingerprint(path) == seen.fingerprint:
                entries[video_id] = with_fields(seen, sha256=sha256)
                _write(entries, what)
    except NotWritable as exc:  # a read-only data root: the answer stands, only the shortcut is lost
        _unrecorded[seen] = sha256  # so this process (`halo chat`, the daemon) hashes and warns once
        log.warning(str(exc))
    return sha256


def known_sha256(video_id: str, path: str) -> str:
    """The sha256 the registry holds for ``video_id``'s file ``path`` as it is now (its size and
    mtime), '' when it holds none: nothing is read but the file's stat. The `video_file` probe
    takes it, so a file registration hashed (a new version under a registered id, a likely copy)
    is not read whole a second time."""
    return _known(_entry_now(video_id, path))


def _known(seen: VideoEntry) -> str:
    """The registered hash of ``seen`` (an entry without one), if its entry has this very fingerprint."""
    known = all_videos().get(seen.video_id)
    return known.sha256 if known is not None and with_fields(known, sha256="") == seen else ""


def _warn_if_copy(entry: VideoEntry, entries: dict[str, VideoEntry]) -> None:
    """Log a warning when ``entry``'s file holds the same bytes as another registered video's:
    a copy under another name was registered, processed and billed a second time without a word.
    Only files of the very same size are hashed, so registering a file costs a hash only when a
    copy is likely, and a file whose hash the registry holds for its size and mtime is not read
    again (content_sha256)."""
    mine = None
    for vid, other in sorted(entries.items()):
        if vid == entry.video_id or other.path == entry.path or other.size_bytes != entry.size_bytes:
            continue
        try:
            mine = mine or content_sha256(entry.video_id, entry.path)
            same = content_sha256(vid, other.path) == mine
        except OSError:
            continue
        if same:
            log.warning("%s holds the same bytes as video %r (%s): processing it as %r repeats, and with Gemini "
                        "bills, the same work. Ask about %r instead (`halo ask %s \"...\"`), or keep one of the files.",
                        entry.path, vid, other.path, entry.video_id, vid, vid)
            return


def source_changed(video_id: str) -> str:
    """Why ``video_id``'s stored outputs no longer describe its file ('' when they do): the file
    holds other bytes than the ones its stored probe hashed. `halo ask ID`, `halo report ID` and
    the API answered and reported from the old version of a replaced file without a word.
    Cheap for every question: a file with the size and mtime it was registered with (every
    processing registers it first) and no hash recorded since is unchanged, nothing is read;
    otherwise the bytes decide (content_sha256, hashed once per fingerprint), so `touch` is no
    change. A file that is gone, or an id that is not registered or not processed, is not
    "changed" here (`resolve` names those when the video is processed)."""
    try:
        entry = _read().get(validate_video_id(video_id))
        now = os.stat(entry.path) if entry is not None else None
        if entry is None or ((now.st_size, now.st_mtime_ns) == (entry.size_bytes, entry.mtime_ns) and not entry.sha256):
            return ""
        from halo.store import load_output  # pandas: not on the fast path above

        probe = load_output("video_file", video_id)
        if probe is None or not len(probe) or content_sha256(video_id, entry.path) == str(probe["sha256"].iloc[0]):
            return ""
    except (OSError, NotReadable):
        return ""
    then = int(probe["size_bytes"].iloc[0])
    size = "" if now.st_size == then else f"{then:,} bytes then, {now.st_size:,} now; "
    when = datetime.fromtimestamp(now.st_mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M")
    return (f"The file of video {video_id!r}, {entry.path}, changed since it was processed ({size}modified "
            f"{when}): what is stored for it, and answers from it, describe its old version. Process it again: "
            f"`halo process {shlex.quote(entry.path)}`.")


def warn_if_changed(video_id: str) -> None:
    """Log ``source_changed``'s warning (to stderr in `halo`) before answering from ``video_id``'s outputs."""
    why = source_changed(video_id)
    if why:
        log.warning(why)


def resolve(video_id: str) -> VideoEntry:
    """The file behind ``video_id``: its registered path, else data/videos/<id>.<ext> (any media suffix).

    A partition added by hand in the UI ("Add partition") has no registry entry yet; a file of
    that name in the watched folder is registered on the spot. Otherwise the error says what to do,
    also when the registered file was moved or deleted since (a bare FileNotFoundError named
    neither the video nor the fix).
    """
    try:
        entry = lookup(video_id)
    except MediaError:
        pass
    else:
        if Path(entry.path).is_file():
            return entry
        raise MediaError(
            f"The source file of video {video_id!r}, {entry.path}, is gone (moved or deleted since it "
            f"was registered): put it back, or point the id at the file's new place with "
            f"`halo add NEW_PATH --id {video_id} --replace`, then materialize again."
        )
    folder = videos_dir()
    # Any file the folder sensor would pick up: audio too, and the suffix in any case (phone.MOV).
    # The stem is the id itself: talk.v2.mp4 (the sensor's "talk-v2") is not video "talk".
    found = sorted(p for p in folder.glob(f"{video_id}.*")
                   if p.is_file() and p.stem == video_id and p.suffix.lower() in MEDIA_SUFFIXES)
    if len(found) == 1:
        return register(found[0], video_id)[0]
    if found:
        raise MediaError(
            f"Video {video_id!r}: several files match in {folder} ({', '.join(p.name for p in found)}): "
            f"keep one, or register the right one with `halo add PATH --id {video_id}`."
        )
    raise MediaError(
        f"Video {video_id!r} has no source file: copy it to {folder}/{video_id}.mp4 (or another "
        f"of {', '.join(MEDIA_SUFFIXES)}) or run `halo add PATH --id {video_id}`, "
        "then materialize again."
    )

"""Atomic file writes (a failed write never leaves a partial file or clobbers a good one), and file hashes.

Local paths are written to a temporary file in the same directory and renamed into place
(rename is atomic on POSIX). Remote UPaths (s3://...) are written whole by the object store,
which is atomic per object already.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # imported where used: a JSON write (a session, a ledger row) needs neither
    import pandas as pd
    from upath import UPath


def _is_local(path: Path | UPath) -> bool:
    """A plain Path, or a UPath of the local file system (only UPaths have a protocol)."""
    return getattr(path, "protocol", "") in ("", "file", "local")


def _umask() -> int:
    """The process's umask. Linux shows it in /proc/self/status; elsewhere it is only readable
    by setting it (and straight back), which other threads creating files meanwhile would see."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling path; on success rename it over ``path``, else delete it.

    The file gets the mode a plain ``open(path, "w")`` would (0666 less the umask): mkstemp's
    private 0600 made every output, the registry and `halo export` files unreadable to the
    other users of a shared data root."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes_atomic(path: Path | UPath, data: bytes) -> None:
    if _is_local(path):
        with atomic_path(Path(str(path).removeprefix("file://"))) as tmp:
            tmp.write_bytes(data)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_parquet_atomic(df: pd.DataFrame, path: Path | UPath, metadata: dict[str, str] | None = None) -> None:
    """Write ``df`` as Parquet to ``path`` atomically (temp file + rename); ``metadata`` is added
    to the file's footer (schema metadata), beside pandas' own."""
    buf = io.BytesIO()
    if metadata:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        extra = {key.encode(): value.encode() for key, value in metadata.items()}
        pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}), **extra}), buf)
    else:
        df.to_parquet(buf, index=False)
    write_bytes_atomic(path, buf.getvalue())


def read_parquet(path: Path | UPath) -> pd.DataFrame:
    import pandas as pd

    with path.open("rb") as f:
        return pd.read_parquet(f)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks (videos and model files are large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()

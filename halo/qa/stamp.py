"""Which stored files a video's Q&A answers were drawn from, told apart by a stat, not a read.

The memo of answers (halo.qa.cached) is only trusted while the outputs are the very files it was
written from; a stat is what a repeated `halo ask` can afford (no pandas, no Parquet read).
VideoQA.load takes the stamp before it reads, so files stored again meanwhile never match it.
"""

from __future__ import annotations

from halo.store import is_remote, output_path

#: The stored outputs a resolved citation depends on (times, speakers, chunk ids, duration).
STAMPED_ASSETS = ("video_file", "chunks", "utterances")

Stamp = dict[str, list[int] | None]


def outputs_stamp(video_id: str) -> Stamp | None:
    """(mtime ns, size) of each stored output a resolved citation depends on (None = absent);
    None as a whole when outputs live on object storage (no cheap stat: the full path answers)."""
    stamp: Stamp = {}
    for asset in STAMPED_ASSETS:
        path = output_path(asset, video_id)
        if is_remote(path):
            return None
        try:
            st = path.stat()
            stamp[asset] = [st.st_mtime_ns, st.st_size]
        except OSError:
            stamp[asset] = None
    return stamp

"""Which stored files a video's Q&A answers were drawn from, told apart by a stat, not a read.

The memo of answers (halo.qa.cached) is only trusted while the outputs are the very files it was
written from; a stat is what a repeated `halo ask` can afford (no pandas, no Parquet read).
VideoQA.load takes the stamp before it reads, so files stored again meanwhile never match it.
"""

from __future__ import annotations

from halo.store import is_remote, output_path, roster_file

#: The stored outputs a resolved citation depends on (times, speakers, chunk ids, duration).
STAMPED_ASSETS = ("video_file", "chunks", "utterances")
#: The speaker names answers quote (speakers/<id>.json): a roster edited by hand, not through
#: `halo speakers --name` (which drops the cached answers), must not leave the old names served.
ROSTER = "speakers"

Stamp = dict[str, list[int] | None]


def outputs_stamp(video_id: str) -> Stamp | None:
    """(mtime ns, size) of each stored output a resolved citation depends on, and of the roster
    (None = absent); None as a whole when outputs live on object storage (no cheap stat: the
    full path answers)."""
    stamp: Stamp = {}
    paths = {asset: output_path(asset, video_id) for asset in STAMPED_ASSETS} | {ROSTER: roster_file(video_id)}
    for asset, path in paths.items():
        if is_remote(path):
            return None
        try:
            st = path.stat()
            stamp[asset] = [st.st_mtime_ns, st.st_size]
        except OSError:
            stamp[asset] = None
    return stamp

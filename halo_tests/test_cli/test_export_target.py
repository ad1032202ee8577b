"""`halo export ID FILE` where FILE is not a regular file: a named pipe, `>(jq .)`, a device."""

from __future__ import annotations

import json
import os
import stat
import threading

import halo_cli.export
from halo_cli.export import write_export


def test_an_export_into_a_pipe_reaches_its_reader_and_the_pipe_stays(tmp_path, monkeypatch):
    """The export was written atomically (temp file + rename) whatever FILE was: a named pipe was
    replaced by a regular file (its reader waited forever), `halo export ID >(jq .)` failed with
    "/proc/N/fd/pipe:[...] could not be written", and as root `halo export ID /dev/full` replaced
    the device node with a regular file. What is not a regular file is written to as it is."""
    monkeypatch.setattr(halo_cli.export, "export_video", lambda pipeline, video_id: {"video_id": video_id})
    fifo = tmp_path / "export.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_export(None, "meeting", fifo)
    reader.join(10)
    assert json.loads(got[0]) == {"video_id": "meeting"}
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)

    read_end, write_end = os.pipe()  # what `>(jq .)` hands over: /dev/fd/N, a pipe
    try:
        write_export(None, "meeting", f"/dev/fd/{write_end}")
        os.close(write_end)
        assert json.loads(os.read(read_end, 1 << 16)) == {"video_id": "meeting"}
    finally:
        os.close(read_end)

    regular = tmp_path / "out.json"  # a plain file is still written atomically, as before
    write_export(None, "meeting", regular)
    assert json.loads(regular.read_text()) == {"video_id": "meeting"} and not list(tmp_path.glob(".out.json.*"))

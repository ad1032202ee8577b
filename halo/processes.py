"""Is a process still there? One answer for everything that watches a pid of its own.

Used by the embedded redis-server (is the server we started still running?) and by the run
launcher's health check (did the run's process die?). A zombie, an exited child nobody has
reaped yet, counts as gone: it holds a pid but does no work.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True

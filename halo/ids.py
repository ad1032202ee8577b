"""Video ids: the partition keys of the ``videos`` dynamic partition set.

A video id is a lowercase slug of the file name, ``[a-z0-9_-]{1,64}``. Keys that come from
users are validated with :func:`validate_video_id` so a hostile key ("../../etc", 300
characters) can never reach a file path.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from halo.errors import InvalidVideoId

VIDEO_ID_PATTERN = re.compile(r"^[a-z0-9_-]{1,64}$")
_HASH_LEN = 8


def validate_video_id(key: str) -> str:
    """Return ``key`` unchanged if it is a valid video id, else raise InvalidVideoId."""
    if not isinstance(key, str) or not VIDEO_ID_PATTERN.fullmatch(key):
        shown = key if isinstance(key, str) and len(key) <= 80 else f"{str(key)[:80]}..."
        raise InvalidVideoId(
            f"Invalid video id {shown!r}: a video id is 1-64 characters of lowercase letters, "
            "digits, '_' and '-'. Use `halo add PATH` to derive one from a file name."
        )
    return key


def slugify(name: str) -> str:
    """Lowercase ASCII slug of a file stem; empty if nothing usable is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_name.lower()).strip("-_")
    return re.sub(r"-{2,}", "-", slug)


def video_id_for(path: Path, taken: dict[str, str] | None = None) -> str:
    """Derive the video id for ``path``.

    ``taken`` maps existing ids to the resolved path they belong to; when the slug is taken by
    a different file (or the name has no usable characters) a short hash of the path makes it
    unique, so two "talk.mp4" in different folders get different ids.
    """
    resolved = str(Path(path).resolve())
    slug = slugify(Path(path).stem)[: 64 - _HASH_LEN - 1]
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:_HASH_LEN]
    if not slug:
        return f"video-{digest}"
    if taken and slug in taken and taken[slug] != resolved:
        return f"{slug}-{digest}"
    return slug

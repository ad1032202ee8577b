"""Counts as the CLI prints them: "1 chunk", "2 chunks" (a trial read "1 chunks" after
`halo process` of a short clip)."""

from __future__ import annotations


def counted(n: int, noun: str, many: str = "") -> str:
    """``n`` and ``noun``, plural (``many``, else ``noun`` + "s") unless ``n`` is exactly 1."""
    return f"{n} {noun if n == 1 else many or noun + 's'}"

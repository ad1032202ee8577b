"""The mark of on-screen text in a chunk's text: written by halo.vision.ocr, read by Q&A.

A module of its own so that Q&A, which only reads the marked lines, does not import OpenCV and
the OCR stack with halo.vision.ocr (0.1-0.2 s of CPU in every `halo ask` process).
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

ON_SCREEN_MARK = "[on screen]"
_MARKED = re.compile(r"^\[on screen\] \[(?:(\d+):)?(\d{1,2}):(\d{2})\] (.*)$", re.M)


def on_screen_lines(text: str) -> list[tuple[float, str]]:
    """(seconds, line) of each marked on-screen line in a chunk's text: for Q&A to quote and
    cite slides as timed lines beside the transcript's."""
    return [(float(int(h or 0) * 3600 + int(m) * 60 + int(s)), f"{ON_SCREEN_MARK} {line}")
            for h, m, s, line in _MARKED.findall(text)]


def marked_lines(text: str) -> list[str]:
    """The marked on-screen lines of a chunk's text as written there ("[on screen] [mm:ss] ...")."""
    return [m.group(0) for m in _MARKED.finditer(text)]


def without_on_screen_lines(text: str) -> str:
    """A chunk's text without its marked on-screen lines: what was said in it."""
    return _MARKED.sub("", text).strip()


def on_screen_mask(texts: Iterable[str]) -> np.ndarray:
    """Per text (a retrieval unit, a timed row): is it a marked screen state rather than speech?"""
    return np.fromiter((str(t).startswith(ON_SCREEN_MARK) for t in texts), dtype=bool)

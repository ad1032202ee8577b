"""A compact chunk timeline strip: a PNG small enough to show inline in the Dagster UI.

The UI shows markdown metadata inline only under 1,000 characters, so the full timeline
figure (hundreds of kB) sits behind a "[Show Markdown]" button. This strip -- one coloured bar
per chunk along the video's time axis, palette PNG -- fits in a data URI of a few hundred bytes.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

# Alternating fills so neighbouring chunks stay apart; dark ticks mark the cuts.
_PALETTE = [(37, 99, 235), (16, 185, 129), (245, 158, 11), (139, 92, 246), (30, 30, 30), (255, 255, 255)]
_CUT, _BACKGROUND = 4, 5
MAX_MARKDOWN_CHARS = 999


def strip_png(spans: list[tuple[float, float]], duration_s: float, width: int = 600, height: int = 18) -> bytes:
    """PNG bytes: each (start, end) span as a bar on a ``width``-pixel time axis."""
    row = np.full(width, _BACKGROUND, np.uint8)
    scale = width / duration_s if duration_s > 0 else 0.0
    for i, (start, end) in enumerate(spans):
        a, b = int(start * scale), max(int(start * scale) + 1, int(end * scale))
        row[a:b] = i % 4
        row[a] = _CUT
    image = Image.fromarray(np.tile(row, (height, 1)), mode="P")
    image.putpalette([c for rgb in _PALETTE for c in rgb])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True, bits=4)
    return buffer.getvalue()


def strip_markdown(spans: list[tuple[float, float]], duration_s: float) -> str | None:
    """Markdown with the strip as a data URI, or None if it would not fit inline."""
    for width in (600, 360, 200):
        encoded = base64.b64encode(strip_png(spans, duration_s, width)).decode("ascii")
        text = f"![{len(spans)} chunks](data:image/png;base64,{encoded})"
        if len(text) <= MAX_MARKDOWN_CHARS:
            return text
    return None

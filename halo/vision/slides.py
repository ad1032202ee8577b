"""Slide titles from on-screen text, and chapters titled by them.

A lecture's slide title is the speaker's own name for what is being discussed, spelled right;
a title made from the transcript (TF-IDF terms offline, Gemini's words online) only guesses
it. So where a slide was on screen for most of a chapter, the chapter takes that slide's title.

A title is the first run of lines that are not bullets (a line opening with a mark such as
"•", "·", "-") and are written nearly as large as the largest such line of the screen state
(``TITLE_HEIGHT_RATIO``), which skips a small header above it ("Topic 2 of 5", a course name).
A numbering header ("Topic 4 of 5", "Part 2", "Lecture 3/10") is never a title, whatever its
size: box heights are noisy, and on the bundled sample one such header boxed at 0.72 of the
title's tallest line, above the ratio, while title lines go down to 0.74 on the lectures.
Bullets are told by their mark, not their size: a detected box's height depends on the
letters in it (ascenders, descenders, the bullet glyph) as much as on the font, so on the
generated lectures bullet lines measured as tall as title lines. Tables stored before line
heights were recorded give their first line (after any numbering header) as the title.
"""

from __future__ import annotations

import re
from typing import Sequence

import pandas as pd

TITLE_HEIGHT_RATIO = 0.7  # a title line is at least this share of the largest line's height
MIN_TITLE_SHARE = 0.5  # a slide titles a chapter when it was on screen for this share of it
_WORD = re.compile(r"[A-Za-z]{3,}")
_NUMBERING = re.compile(
    r"^(?:topic|part|section|chapter|lecture|lesson|module|unit|week|slide|session)\s+\d+"
    r"(?:\s*(?:of|/)\s*\d+)?$", re.I)
_BULLET = re.compile(r"^[^\w\s\"'(\[]+\s*")  # a leading mark that is not a letter, digit, quote or bracket


def title_of(lines: Sequence[tuple[str, float]]) -> str:
    """The title of one screen state from its (text, height) lines in reading order ('' if none)."""
    lines = [(str(text).strip(), height) for text, height in lines if not _NUMBERING.match(str(text).strip())]
    plain = [(text, height) for text, height in lines if not _BULLET.match(text)]
    if not plain:
        return ""
    largest = max(h for _, h in plain)
    title: list[str] = []
    for text, height in lines:
        if not _BULLET.match(text) and height >= TITLE_HEIGHT_RATIO * largest:
            title.append(text)
        elif title:
            break
    joined = " ".join(title)
    return joined if _WORD.search(joined) else ""


def slide_titles(table: pd.DataFrame) -> pd.DataFrame:
    """(start, end, title) per screen state of an ``on_screen_text`` table that has a title."""
    rows = []
    if len(table):
        heights = table["height"] if "height" in table else pd.Series(1.0, index=table.index)
        df = table.assign(height=heights.fillna(0.0))
        if "height" not in table:  # an older table: the first line after any numbering stands for the title
            df = df[~df["text"].astype(str).str.strip().str.match(_NUMBERING)]
            df = df[~df.duplicated(["start", "end", "frame_s"])]
        for (start, end), state in df.groupby(["start", "end"], sort=True):
            title = title_of(list(zip(state["text"], state["height"])))
            if title:
                rows.append({"start": float(start), "end": float(end), "title": title})
    return pd.DataFrame(rows, columns=["start", "end", "title"])


def title_during(titles: pd.DataFrame, start: float, end: float, min_share: float = MIN_TITLE_SHARE) -> str:
    """The slide title on screen longest during [start, end), if that was ``min_share`` of it."""
    if titles.empty or end <= start:
        return ""
    overlap = (titles["end"].clip(upper=end) - titles["start"].clip(lower=start)).clip(lower=0.0)
    shown = overlap.groupby(titles["title"]).sum()
    if shown.empty or shown.max() < min_share * (end - start):
        return ""
    return str(shown.idxmax())


def titled_by_slides(chapters: list[dict], table: pd.DataFrame, end: float) -> list[dict]:
    """``chapters`` ({start, title}, in time order, the last ending at ``end``) with each title
    replaced by the slide title shown for most of that chapter, where there is one."""
    titles = slide_titles(table)
    if titles.empty:
        return chapters
    bounds = [float(c["start"]) for c in chapters[1:]] + [end]
    out = []
    for chapter, stop in zip(chapters, bounds):
        slide = title_during(titles, float(chapter["start"]), stop)
        out.append({**chapter, "title": slide} if slide else chapter)
    return out


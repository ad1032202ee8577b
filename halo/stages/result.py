"""What every stage returns: the output frame, the figures a user audits, and the problems found.

A stage is a plain function (input frames + config -> StageResult), callable without Dagster.
The Dagster layer turns a StageResult into asset metadata and check results in one helper
(halo_assets/metadata.py), so every asset reports its figures the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


class Markdown(str):
    """A metric shown as rendered markdown (a preview table, a summary), not as plain text."""


class FileLink(str):
    """A metric naming a stored file or folder (local path or s3:// URL)."""


@dataclass
class StageResult:
    """One stage's output.

    ``metrics``: name -> int | float | str | bool | Markdown | FileLink | pandas.DataFrame (a
    typed table). ``problems``: check name -> what is wrong (empty list = the check passes).
    ``tags``: what really ran (e.g. the LLM backend), for the run's record. ``rows`` overrides
    the row count shown when the frame holds more than data rows (a TOTAL row).
    """

    frame: pd.DataFrame
    metrics: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    rows: int | None = None

    @property
    def row_count(self) -> int:
        return len(self.frame) if self.rows is None else self.rows


def real_time_factor(processing_s: float, duration_s: float) -> float:
    """Processing seconds per second of video (0 for an empty video), to 5 decimals."""
    return round(processing_s / duration_s, 5) if duration_s > 0 else 0.0

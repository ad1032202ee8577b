"""One rule for keeping tuning data and evaluation data apart, shared by every benchmark.

QMSum val has 35 meetings, one per line of val.jsonl. Meetings on even lines (0, 2, ..., 34)
are the *tuning* half: thresholds, weights and rules may be fitted on them. Meetings on odd
lines are the *reporting* half: figures quoted as results come from them only, and nothing is
ever fitted on them. The bundled sample (meeting 26) is in the tuning half, so tests on the
sample never count as held-out results.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

Half = Literal["tune", "report"]
SAMPLE_MEETING = 26


def half_of(meeting_index: int) -> Half:
    """Which half a QMSum val meeting (its 0-based line number) belongs to."""
    return "tune" if meeting_index % 2 == 0 else "report"


def meetings_in(half: Half, n_meetings: int = 35) -> list[int]:
    """The line numbers of the meetings in ``half``."""
    return [i for i in range(n_meetings) if half_of(i) == half]


def qmsum_dir() -> Path:
    """QMSum lives beside the project (../shared/data/qmsum) unless HALO_QMSUM_DIR says where."""
    env = os.environ.get("HALO_QMSUM_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data" / "qmsum"


def qmsum_val() -> Path:
    """QMSum val's meetings, one per line: the file both halves are lines of."""
    return qmsum_dir() / "val.jsonl"

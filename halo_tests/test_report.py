"""`halo report`'s rendering: one time formatter (hours shown), unknown videos refused."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from halo.errors import UnknownVideo
from halo.store import parquet_root
from halo.report import build_report
from halo.storage import write_parquet_atomic


def test_chapter_times_past_an_hour_show_hours(data_root):
    chapters = [{"start": 0.0, "end": 4500.0, "title": "Opening"}, {"start": 4500.0, "end": 5000.0, "title": "Budget"}]
    write_parquet_atomic(pd.DataFrame([{"video_id": "long", "summary": "A long meeting.", "chapters": chapters,
                                        "cost_usd": 0.0}]), parquet_root() / "video_summary" / "long.parquet")
    console = Console(record=True, width=120)
    console.print(build_report("long"))
    text = console.export_text()
    assert "1:15:00  Budget" in text and "75:00" not in text


def test_unknown_video_is_an_error(data_root):
    with pytest.raises(UnknownVideo, match="halo process"):
        build_report("nosuchvideo")

"""The library's cost picture draws each video's dollars per question exactly as the table has them."""

from __future__ import annotations

import base64
import io

import pandas as pd
from PIL import Image

from halo.cost_chart import SERIES, cost_figure
from halo.llm.ledger import CallRecord, records_frame
from halo.stages.costs import library_costs


def _calls(video_id: str, backend: str, cost: float) -> list[CallRecord]:
    model = "gemini-3.5-flash-lite" if backend == "gemini" else "local-extractive"
    return [CallRecord(video_id=video_id, asset=asset, purpose="qa" if asset == "qa" else "chunk_summary",
                       backend=backend, model=model, cost_usd=cost, naive_tokens=1000, run_id=run, ts=ts)
            for asset, run, ts in (("chunk_summaries", "run-1", 1.0), ("qa", "qa-default", 2.0))]


def test_bars_are_the_tables_dollars_per_question_and_a_free_video_is_labelled():
    ledger = records_frame(_calls("paid", "gemini", 0.002) + _calls("free", "local", 0.0))
    result = library_costs(ledger, {"paid": 3600.0, "free": 1800.0})
    table = result.metrics["table"].set_index("video_id")

    fig = cost_figure(result.metrics["table"])
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 10) for p in ax.patches)
    expected = sorted(round(float(table.loc[v, c]), 10) for v in ("paid", "free") for c, _ in SERIES
                      if float(table.loc[v, c]) > 0)
    assert widths == expected and len(widths) == 2 * len(SERIES) - 1  # every bar but the free HALO one
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("$0") == 1  # the free video's HALO figure, labelled, not drawn
    ratio = float(table.loc["paid", "naive_smart_over_halo"])
    assert f"  smart naive / HALO = {ratio:.1f}x" in texts and len(texts) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == list(result.metrics["table"]["video_id"][:-1])
    assert ax.get_xscale() == "log"

    markdown = str(result.metrics["cost_chart"])
    png = base64.b64decode(markdown.split("base64,")[1].rstrip(")"))
    assert Image.open(io.BytesIO(png)).format == "PNG"


def test_no_picture_before_any_video_has_a_baseline():
    empty = pd.DataFrame([{"video_id": "TOTAL", "naive_default_usd_per_question": 0.0}])
    assert cost_figure(empty) is None


def test_a_large_library_draws_the_videos_halo_spent_most_on():
    """Every video was a row of bars: the PNG inlined in each library_costs materialization's
    metadata grew with the library (~2 MB for 600 videos, 67,000 pixels tall). It draws the
    MAX_VIDEOS videos HALO spent most on and says how many of how many."""
    from halo.cost_chart import MAX_VIDEOS, cost_chart_png

    n = MAX_VIDEOS + 20
    table = pd.DataFrame([{"video_id": f"v{i:03d}", "cost_usd_lifetime": 0.001 * i,
                           **{c: 0.01 * (k + 1) for k, (c, _) in enumerate(SERIES)}} for i in range(n)]
                         + [{"video_id": "TOTAL", "cost_usd_lifetime": 1.0}])
    ax = cost_figure(table).axes[0]
    drawn = [t.get_text() for t in ax.get_yticklabels()]
    assert drawn == [f"v{i:03d}" for i in range(n - MAX_VIDEOS, n)]  # the largest spend, in table order
    assert f"({MAX_VIDEOS} of {n} videos: those HALO spent most on)" in ax.get_title()
    height = Image.open(io.BytesIO(cost_chart_png(table))).size[1]
    assert height == Image.open(io.BytesIO(cost_chart_png(table.iloc[n - MAX_VIDEOS:]))).size[1]

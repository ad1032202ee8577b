"""The library's cost picture: per video, dollars per question for HALO and each naive baseline.

Why a picture: the `library_costs` table has a dozen money columns per video; what a user asks
of it -- how far below every way of sending the video itself is HALO, for each video -- is one
glance at bars on a log scale (the baselines and HALO differ by 10-1000x, so a linear axis
would show HALO as nothing). A video whose HALO spend is $0 (the local backend, or every
answer served from the cache) has no bar on a log axis; it is labelled "$0" instead.
"""

from __future__ import annotations

import io

import pandas as pd

#: (column of the library_costs table, legend label), drawn top to bottom within a video
SERIES = (
    ("halo_usd_per_question", "HALO"),
    ("naive_smart_usd_per_question", "smart naive: low-res video, implicit caching"),
    ("naive_low_res_usd_per_question", "naive: low-res video"),
    ("naive_default_usd_per_question", "naive: video at default resolution"),
)
TOTAL_ROW = "TOTAL"
#: videos drawn at most: the picture (and the PNG inlined in every materialization's metadata)
#: grew with the library, ~3 MB of base64 for 600 videos; the table keeps every video
MAX_VIDEOS = 30


def _with_baseline(table: pd.DataFrame) -> pd.DataFrame:
    """The per-video rows that can be drawn: no TOTAL row, only videos with a baseline."""
    if "video_id" not in table.columns or "naive_default_usd_per_question" not in table.columns:
        return table.iloc[:0]
    rows = table[table["video_id"].astype(str) != TOTAL_ROW]
    return rows[rows["naive_default_usd_per_question"].fillna(0) > 0]


def chart_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The per-video rows the picture draws (no TOTAL row; only videos with a baseline): the
    MAX_VIDEOS HALO spent most on (lifetime; ties: the costliest to send whole), in table order."""
    columns = [c for c, _ in SERIES if c in table.columns]
    rows = _with_baseline(table)
    if len(rows) > MAX_VIDEOS:
        spend = [c for c in ("cost_usd_lifetime", "naive_default_usd_per_question") if c in rows.columns]
        rows = rows.sort_values(spend, ascending=False, kind="stable").head(MAX_VIDEOS).sort_index()
    return rows.reindex(columns=["video_id", *columns]).reset_index(drop=True)


def cost_figure(table: pd.DataFrame, dpi: int = 80):
    """The matplotlib Figure of :func:`chart_rows` (None when no video has a baseline yet)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = chart_rows(table)
    if not len(rows):
        return None
    series = [(c, label) for c, label in SERIES if c in rows.columns]
    height = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(9, 2.0 + 0.35 * len(rows) * len(series)), dpi=dpi)
    at_left = ax.get_yaxis_transform()  # x in axes fraction, y in data
    for j, (column, label) in enumerate(series):
        for i, value in enumerate(rows[column].fillna(0).astype(float)):
            y = i + (j - (len(series) - 1) / 2) * height
            if value > 0:
                ax.barh(y, value, height=height * 0.9, color=f"C{j}", label=label if i == 0 else None)
            else:
                ax.text(0.01, y, "$0", transform=at_left, va="center", fontsize=8, color=f"C{j}")
    if "naive_smart_over_halo" in table.columns:  # the headline ratio beside each HALO bar
        ratios = table.set_index(table["video_id"].astype(str))["naive_smart_over_halo"]
        for i, (video, halo) in enumerate(zip(rows["video_id"].astype(str), rows[series[0][0]].fillna(0))):
            ratio = ratios.get(video)
            if halo > 0 and ratio is not None and pd.notna(ratio):
                ax.text(halo, i - (len(series) - 1) / 2 * height, f"  smart naive / HALO = {float(ratio):.1f}x",
                        va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), [str(v) for v in rows["video_id"]])
    ax.invert_yaxis()
    ax.set_xlabel("USD per question (log scale)")
    drawable = len(_with_baseline(table))
    shown = f"\n({len(rows)} of {drawable} videos: those HALO spent most on)" if drawable > len(rows) else ""
    ax.set_title(f"What a question costs: HALO against sending the video{shown}")
    handles, labels = ax.get_legend_handles_labels()
    if "HALO" not in labels:  # every HALO figure is $0: say which colour the "$0" labels are
        handles.insert(0, plt.Rectangle((0, 0), 1, 1, color="C0"))
        labels.insert(0, "HALO")
    ax.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / len(rows)),
              ncol=2, frameon=False)
    fig.tight_layout()
    return fig


def cost_chart_png(table: pd.DataFrame, dpi: int = 80) -> bytes:
    """PNG bytes of :func:`cost_figure` (b"" when there is nothing to draw)."""
    import matplotlib.pyplot as plt

    fig = cost_figure(table, dpi)
    if fig is None:
        return b""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()

"""Chunk timeline: speakers, scenes, topics and chunk boundaries on one time axis (PNG).

Rendered with matplotlib's Agg backend (no display) so it works in workers and tests; the
``chunks`` asset attaches it to its metadata so the Dagster UI shows why each cut was made.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pandas as pd


def render_timeline(
    utterances: pd.DataFrame,
    chunks: pd.DataFrame,
    *,
    scenes: pd.DataFrame | None = None,
    topics: Sequence[int] | None = None,
    truth_starts: Sequence[float] | None = None,
    title: str = "",
    dpi: int = 90,
) -> bytes:
    """PNG bytes of the timeline (one lane each: speakers..., scenes, topics, chunks)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    speakers = sorted({str(s) for s in utterances.get("speaker", pd.Series(dtype=str)).dropna()})
    lanes = [*speakers, "scenes", "topics", "chunks"]
    lane_y = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}
    end_time = max([float(utterances["end"].max()) if len(utterances) else 0.0,
                    float(chunks["end"].max()) if len(chunks) else 0.0,
                    float(scenes["end"].max()) if scenes is not None and len(scenes) else 0.0, 1.0])
    cmap = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(12, 1.0 + 0.45 * len(lanes)), dpi=dpi)

    for row in utterances.itertuples(index=False):
        if getattr(row, "speaker", None) is not None and str(row.speaker) in lane_y:
            ax.barh(lane_y[str(row.speaker)], row.end - row.start, left=row.start, height=0.6,
                    color=cmap(speakers.index(str(row.speaker)) % 10))
    if scenes is not None:
        for i, row in enumerate(scenes.itertuples(index=False)):
            ax.barh(lane_y["scenes"], row.end - row.start, left=row.start, height=0.6,
                    color="0.55" if i % 2 else "0.8", edgecolor="white")
    if topics is not None and len(topics) == len(utterances):
        for topic, row in zip(topics, utterances.itertuples(index=False)):
            ax.barh(lane_y["topics"], row.end - row.start, left=row.start, height=0.6,
                    color=cmap((int(topic) + 3) % 10))
    for i, row in enumerate(chunks.itertuples(index=False)):
        ax.barh(lane_y["chunks"], row.end - row.start, left=row.start, height=0.6,
                color="#4c72b0" if i % 2 else "#8fb0e0", edgecolor="white")
        if i > 0:
            ax.axvline(row.start, color="crimson", linewidth=1.0, alpha=0.8)
    for t in truth_starts or []:
        ax.axvline(float(t), color="black", linestyle=":", linewidth=1.2)
    ax.set_yticks([lane_y[n] for n in lanes], lanes)
    ax.set_xlim(0, end_time)
    ax.set_xlabel("time (s)   red: chunk boundaries" + ("   dotted: true topic starts"
                                                         if truth_starts else ""))
    ax.set_title(title or f"{len(chunks)} chunks")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()

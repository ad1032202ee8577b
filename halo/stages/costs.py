"""Cost stages over the append-only ledger store: `cost_ledger` (one video, every run) and
`library_costs` (every video), with the naive baseline counted once per video (halo.cost_audit)."""

from __future__ import annotations

import base64

import pandas as pd

from halo.cost_audit import baseline_model, library_costs as audit_library
from halo.cost_chart import cost_chart_png
from halo.llm.baseline import MediaStreams, cost_comparison, media_tokens
from halo.stages.result import Markdown, StageResult


def cost_ledger(ledger: pd.DataFrame, duration_s: float, run_id: str, catalogue: dict | None = None,
                streams: MediaStreams = MediaStreams()) -> StageResult:
    """Every LLM call of one video (all runs) with this run's cost, the lifetime cost and the
    naive baseline counted once, so per-partition plots do not grow with re-runs.
    ``streams``: what the file has (its probe's), which is all its baselines send."""
    audit = audit_library(ledger).iloc[0].to_dict() if len(ledger) else {}
    metrics = {k: v for k, v in audit.items() if k not in ("video_id", "last_run_id")}
    metrics["cost_usd"] = float(ledger.loc[ledger["run_id"] == run_id, "cost_usd"].sum()) if len(ledger) else 0.0
    metrics["naive_tokens_per_question"] = media_tokens(duration_s, streams=streams).total
    metrics.update(cost_comparison(ledger, duration_s, baseline_model(ledger), catalogue, streams))
    by_asset = ledger.groupby(["asset", "backend"], as_index=False)[["input_tokens", "output_tokens", "cost_usd"]].sum()
    metrics["by_asset"] = by_asset if len(by_asset) else "no calls"
    return StageResult(ledger, metrics)


def _per_question(ledger: pd.DataFrame, duration_s: float, streams: MediaStreams) -> dict:
    """HALO vs the baselines per question for one video."""
    c = cost_comparison(ledger, duration_s, baseline_model(ledger), streams=streams)
    return {k: v for k, v in c.items() if k.endswith("_per_question") or k == "naive_smart_over_halo"}


def library_costs(ledger: pd.DataFrame, durations: dict[str, float],
                  streams: dict[str, MediaStreams] | None = None) -> StageResult:
    """Per video: runs, cost of the latest run, lifetime cost, naive baseline (once per video)
    and savings, money columns first; plus a TOTAL row. ``durations``: video id -> seconds;
    ``streams``: video id -> what its file has (default: picture and sound), all its baselines send."""
    out = audit_library(ledger)
    streams = streams or {}
    per_question = pd.DataFrame([{"video_id": vid, **_per_question(calls, durations.get(str(vid), 0.0),
                                                                   streams.get(str(vid), MediaStreams()))}
                                 for vid, calls in ledger.groupby("video_id")])
    if len(per_question):
        out = out.merge(per_question, on="video_id", how="left")
    total = out.iloc[-1]
    png = cost_chart_png(out)
    chart = ({"cost_chart": Markdown(f"![USD per question, HALO vs the baselines](data:image/png;base64,"
                                     f"{base64.b64encode(png).decode('ascii')})")} if png else {})
    return StageResult(out, {
        "videos": len(out) - 1,
        "cost_usd_lifetime": float(total["cost_usd_lifetime"]),
        "naive_cost_usd": float(total["naive_cost_usd"]),
        "savings_ratio": float(total["savings_ratio"]),
        "runs": int(total["runs"]),
        "table": out,
        **chart,
    }, rows=len(out) - 1)

"""Per-video cost audit over the ledger: what each video cost, per run and over its life.

The ledger holds one row per LLM call, with the naive baseline of that call's purpose. Summing
naive over every run would count the video's baseline once per run (three runs of one file =
three times the naive cost). Here a video's naive baseline is that of its largest run -- one
pass over the whole video -- plus calls made outside any run (Q&A questions, each its own
naive request). Spend is never de-duplicated: every paid call counts in the lifetime figure.
"""

from __future__ import annotations

import pandas as pd

from halo.llm.pricing import DEFAULT_FLASH_MODEL
from halo.qa.sessions import QA_ASSET

# Money first after the id, so the UI table reads as a bill.
LIBRARY_COLUMNS = [
    "video_id", "cost_usd_lifetime", "cost_usd_last_run", "naive_cost_usd", "savings_ratio",
    "runs", "calls", "gemini_calls", "naive_tokens", "last_run_id",
]


def _runs(calls: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per processing run of one video: cost, naive tokens and USD, last call time; the calls
    made outside any run)."""
    # Q&A rows carry their session as run_id ("qa-default", for per-session budgets), but a session
    # is no pass over the video: counted as a run, its questions replaced the processing run's
    # baseline when they outweighed it, and only the largest session's questions counted.
    outside_runs = (calls["run_id"].fillna("") == "") | (calls["asset"] == QA_ASSET)
    in_runs, outside = calls[~outside_runs], calls[outside_runs]
    per_run = in_runs.groupby("run_id").agg(
        cost=("cost_usd", "sum"), naive=("naive_tokens", "sum"), naive_usd=("naive_cost_usd", "sum"),
        last_ts=("ts", "max"))
    return per_run, outside


def _naive(per_run: pd.DataFrame, outside: pd.DataFrame) -> tuple[int, float]:
    """One video's naive baseline (tokens, USD): its largest run plus the calls outside runs."""
    baseline = per_run.loc[per_run["naive"].idxmax()] if len(per_run) else None
    tokens = int(outside["naive_tokens"].sum()) + (int(baseline["naive"]) if baseline is not None else 0)
    usd = float(outside["naive_cost_usd"].sum()) + (float(baseline["naive_usd"]) if baseline is not None else 0.0)
    return tokens, usd


def audited_naive(ledger: pd.DataFrame) -> tuple[int, float]:
    """The naive baseline (tokens, USD) of ``ledger``'s calls, each video counted once (module
    doc): what every total of a video's or a library's calls compares its spend with, so
    `halo report`, `halo process`, exports and library_costs agree after a re-run."""
    tokens, usd = 0, 0.0
    for _, calls in ledger.groupby("video_id"):
        t, u = _naive(*_runs(calls))
        tokens, usd = tokens + t, usd + u
    return tokens, usd


def _video_row(video_id: str, calls: pd.DataFrame) -> dict:
    per_run, outside = _runs(calls)
    last = per_run["last_ts"].idxmax() if len(per_run) else ""
    naive_tokens, naive_usd = _naive(per_run, outside)
    lifetime = float(calls["cost_usd"].sum())
    return {
        "video_id": video_id,
        "cost_usd_lifetime": round(lifetime, 8),
        "cost_usd_last_run": round(float(per_run.loc[last, "cost"]) if last else 0.0, 8),
        "naive_cost_usd": round(naive_usd, 8),
        "savings_ratio": round((naive_usd - lifetime) / naive_usd, 6) if naive_usd > 0 else 0.0,
        "runs": int(len(per_run)),
        "calls": int(len(calls)),
        "gemini_calls": int((calls["backend"] == "gemini").sum()),
        "naive_tokens": naive_tokens,
        "last_run_id": str(last),
    }


def library_costs(ledger: pd.DataFrame) -> pd.DataFrame:
    """One row per video in ``ledger`` (columns LIBRARY_COLUMNS), plus a TOTAL row."""
    rows = [_video_row(str(vid), calls) for vid, calls in ledger.groupby("video_id", sort=True)]
    df = pd.DataFrame(rows, columns=LIBRARY_COLUMNS)
    lifetime, naive = float(df["cost_usd_lifetime"].sum()), float(df["naive_cost_usd"].sum())
    total = {
        "video_id": "TOTAL", "cost_usd_lifetime": round(lifetime, 8),
        "cost_usd_last_run": round(float(df["cost_usd_last_run"].sum()), 8),
        "naive_cost_usd": round(naive, 8),
        "savings_ratio": round((naive - lifetime) / naive, 6) if naive > 0 else 0.0,
        **{c: int(df[c].sum()) for c in ("runs", "calls", "gemini_calls", "naive_tokens")},
        "last_run_id": "",
    }
    return pd.concat([df, pd.DataFrame([total], columns=LIBRARY_COLUMNS)], ignore_index=True)


def baseline_model(ledger: pd.DataFrame) -> str:
    """The model the baselines are priced at: the one that served most of this video's Gemini
    calls, else the default Flash model (offline runs)."""
    served = ledger.loc[ledger["backend"] == "gemini", "model"] if len(ledger) else pd.Series(dtype=str)
    return str(served.mode().iloc[0]) if len(served) else DEFAULT_FLASH_MODEL

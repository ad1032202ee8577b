"""Cost assets: `cost_ledger` (every LLM call of a video) and `library_costs` (all videos).

Both read the append-only ledger store (data/ledger/), so calls made by any asset or run --
including calls paid for before a failure -- are counted. Savings compare against the naive
baseline: the whole video sent at 1 fps + audio at the same model's price (halo.llm.baseline).
"""


import pandas as pd
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from halo.ids import validate_video_id
from halo.llm.baseline import cost_comparison, media_tokens
from halo.llm.ledger import read_ledger, summarize_costs
from halo.report import baseline_model, load_output
from halo_assets.partitions import videos_partitions
from halo_resources.gemini import GeminiResource


@asset(partitions_def=videos_partitions, group_name="costs", deps=["chunk_summaries", "video_summary"])
def cost_ledger(context: AssetExecutionContext, video_file: pd.DataFrame, gemini: GeminiResource) -> MaterializeResult:
    """One row per LLM call (or cache hit standing in for one) for this video, all runs."""
    video_id = validate_video_id(context.partition_key)
    df = read_ledger(video_id)
    duration = float(video_file.iloc[0]["duration_s"]) if len(video_file) else 0.0
    meta = {"dagster/row_count": len(df), **summarize_costs(df)}
    meta["naive_tokens_per_question"] = media_tokens(duration).total
    meta.update(cost_comparison(df, duration, baseline_model(df), gemini.catalogue()))
    by_asset = df.groupby(["asset", "backend"], as_index=False)[["input_tokens", "output_tokens", "cost_usd"]].sum()
    meta["by_asset"] = MetadataValue.md(by_asset.to_markdown(index=False) if len(by_asset) else "no calls")
    return MaterializeResult(value=df, metadata=meta)


def _per_question(video_id: str, ledger: pd.DataFrame) -> dict:
    """HALO vs the baselines per question for one video (duration from its video_file output)."""
    probe = load_output("video_file", video_id)
    duration = float(probe.iloc[0]["duration_s"]) if probe is not None and len(probe) else 0.0
    c = cost_comparison(ledger, duration, baseline_model(ledger))
    return {k: v for k, v in c.items() if k.endswith("_per_question") or k == "naive_smart_over_halo"}


@asset(group_name="costs", deps=["cost_ledger"])
def library_costs(context: AssetExecutionContext) -> MaterializeResult:
    """Per-video spend, naive baseline and savings across the library, plus a TOTAL row."""
    df = read_ledger()
    rows = [{"video_id": vid, **summarize_costs(g), **_per_question(vid, g)} for vid, g in df.groupby("video_id")]
    rows.append({"video_id": "TOTAL", **summarize_costs(df)})
    out = pd.DataFrame(rows)
    meta = {"dagster/row_count": len(out) - 1, **summarize_costs(df), "videos": len(out) - 1}
    meta["table"] = MetadataValue.md(out.to_markdown(index=False))
    return MaterializeResult(value=out, metadata=meta)

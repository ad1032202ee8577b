"""Cost assets: `cost_ledger` (every LLM call of a video) and `library_costs` (all videos).

Both read the append-only ledger store (data/ledger/), so calls made by any asset or run --
including calls paid for before a failure -- are counted. Savings compare against the naive
baseline: the whole video sent at 1 fps + audio at the same model's price (halo.llm.baseline),
counted once per video however often it is re-run (halo.cost_audit).

`library_costs` keeps itself fresh: its automation condition requests it whenever any video's
cost_ledger is updated (without waiting for every registered video to have one), and hourly
for calls made outside runs (Q&A). The daemon's default automation sensor evaluates it.
"""


import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableRecord,
    TableSchema,
    asset,
)

from halo.cost_audit import library_costs as audit_library
from halo.ids import validate_video_id
from halo.llm.baseline import cost_comparison, media_tokens
from halo.llm.ledger import read_ledger
from halo.report import baseline_model, load_output
from halo_assets.partitions import videos_partitions
from halo_resources.gemini import GeminiResource

# eager(), minus "wait until every upstream partition exists / nothing upstream is running":
# with one partition per video, a library always has some video unprocessed or in flight.
REFRESH_ON_NEW_COSTS = (
    AutomationCondition.eager()
    .without(~AutomationCondition.any_deps_missing())
    .without(~AutomationCondition.any_deps_in_progress())
    .with_label("any video's cost_ledger updated")
) | (AutomationCondition.cron_tick_passed("0 * * * *") & ~AutomationCondition.in_progress()).with_label("hourly")


def _column_type(series: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(series):
        return "int"
    return "float" if pd.api.types.is_float_dtype(series) else "string"


def table_metadata(df: pd.DataFrame) -> MetadataValue:
    """``df`` as a typed table the UI sorts and renders (TableMetadataValue)."""
    schema = TableSchema(columns=[TableColumn(c, _column_type(df[c])) for c in df.columns])
    records = [TableRecord({k: None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                            for k, v in row.items()})
               for row in df.to_dict(orient="records")]
    return MetadataValue.table(records=records, schema=schema)


@asset(partitions_def=videos_partitions, group_name="costs", deps=["chunk_summaries", "video_summary"],
       kinds={"parquet"})
def cost_ledger(context: AssetExecutionContext, video_file: pd.DataFrame, gemini: GeminiResource) -> MaterializeResult:
    """One row per LLM call (or cache hit standing in for one) for this video, all runs.

    Metadata: this run's cost, lifetime cost and the naive baseline counted once, so the
    per-partition plots do not grow with re-runs.
    """
    video_id = validate_video_id(context.partition_key)
    df = read_ledger(video_id)
    duration = float(video_file.iloc[0]["duration_s"]) if len(video_file) else 0.0
    audit = audit_library(df).iloc[0].to_dict() if len(df) else {}
    meta = {"dagster/row_count": len(df)}
    meta.update({k: v for k, v in audit.items() if k not in ("video_id", "last_run_id")})
    meta["cost_usd"] = float(df.loc[df["run_id"] == context.run_id, "cost_usd"].sum()) if len(df) else 0.0
    meta["naive_tokens_per_question"] = media_tokens(duration).total
    meta.update(cost_comparison(df, duration, baseline_model(df), gemini.catalogue()))
    by_asset = df.groupby(["asset", "backend"], as_index=False)[["input_tokens", "output_tokens", "cost_usd"]].sum()
    meta["by_asset"] = table_metadata(by_asset) if len(by_asset) else MetadataValue.text("no calls")
    return MaterializeResult(value=df, metadata=meta)


def _per_question(video_id: str, ledger: pd.DataFrame) -> dict:
    """HALO vs the baselines per question for one video (duration from its video_file output)."""
    probe = load_output("video_file", video_id)
    duration = float(probe.iloc[0]["duration_s"]) if probe is not None and len(probe) else 0.0
    c = cost_comparison(ledger, duration, baseline_model(ledger))
    return {k: v for k, v in c.items() if k.endswith("_per_question") or k == "naive_smart_over_halo"}


@asset(group_name="costs", deps=["cost_ledger"], kinds={"parquet"}, automation_condition=REFRESH_ON_NEW_COSTS)
def library_costs(context: AssetExecutionContext) -> MaterializeResult:
    """Per video: runs, cost of the latest run, lifetime cost, naive baseline (once per video)
    and savings; plus a TOTAL row. Refreshed automatically after every video's run."""
    ledger = read_ledger()
    out = audit_library(ledger)
    per_question = pd.DataFrame([{"video_id": vid, **_per_question(str(vid), calls)}
                                 for vid, calls in ledger.groupby("video_id")])
    if len(per_question):
        out = out.merge(per_question, on="video_id", how="left")
    total = out.iloc[-1]
    return MaterializeResult(value=out, metadata={
        "dagster/row_count": len(out) - 1,
        "videos": len(out) - 1,
        "cost_usd_lifetime": float(total["cost_usd_lifetime"]),
        "naive_cost_usd": float(total["naive_cost_usd"]),
        "savings_ratio": float(total["savings_ratio"]),
        "runs": int(total["runs"]),
        "table": table_metadata(out),
    })


# Running by default, so `dg dev` / the daemon keeps library_costs fresh with no clicks.
costs_automation_sensor = AutomationConditionSensorDefinition(
    "library_costs_automation",
    target=AssetSelection.assets(library_costs),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Refreshes library_costs after any video's cost_ledger changes (and hourly).",
)

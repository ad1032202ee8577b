"""Cost assets: `cost_ledger` (every LLM call of a video) and `library_costs` (all videos).

Both read the append-only ledger store (halo.llm.ledger, under halo.store's root), so calls made by any asset or run --
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
    asset,
)

from halo.ids import validate_video_id
from halo.llm.baseline import MediaStreams, probed_streams
from halo.llm.ledger import read_ledger
from halo.stages import costs
from halo.store import load_output
from halo_assets.metadata import materialize
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


@asset(partitions_def=videos_partitions, group_name="costs", deps=["chunk_summaries", "video_summary"],
       kinds={"parquet"})
def cost_ledger(context: AssetExecutionContext, video_file: pd.DataFrame, gemini: GeminiResource) -> MaterializeResult:
    """One row per LLM call (or cache hit standing in for one) for this video, all runs.

    Metadata: this run's cost, lifetime cost and the naive baseline counted once, so the
    per-partition plots do not grow with re-runs.
    """
    video_id = validate_video_id(context.partition_key)
    duration = float(video_file.iloc[0]["duration_s"]) if len(video_file) else 0.0
    return materialize("cost_ledger", costs.cost_ledger(read_ledger(video_id), duration, context.run_id,
                                                         gemini.catalogue(), probed_streams(video_file)))


def _media(video_id: str) -> tuple[float, MediaStreams]:
    """Seconds and the file's streams (picture, sound), from the video's stored probe."""
    probe = load_output("video_file", video_id)
    return float(probe.iloc[0]["duration_s"]) if probe is not None and len(probe) else 0.0, probed_streams(probe)


@asset(group_name="costs", deps=["cost_ledger"], kinds={"parquet"}, automation_condition=REFRESH_ON_NEW_COSTS)
def library_costs(context: AssetExecutionContext) -> MaterializeResult:
    """Per video: runs, cost of the latest run, lifetime cost, naive baseline (once per video)
    and savings; plus a TOTAL row. Refreshed automatically after every video's run."""
    ledger = read_ledger()
    media = {str(vid): _media(str(vid)) for vid in ledger["video_id"].unique()}
    durations = {vid: seconds for vid, (seconds, _) in media.items()}
    streams = {vid: sent for vid, (_, sent) in media.items()}
    return materialize("library_costs", costs.library_costs(ledger, durations, streams))


# Running by default, so `dg dev` / the daemon keeps library_costs fresh with no clicks.
costs_automation_sensor = AutomationConditionSensorDefinition(
    "library_costs_automation",
    target=AssetSelection.assets(library_costs),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Refreshes library_costs after any video's cost_ledger changes (and hourly).",
)

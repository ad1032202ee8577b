"""library_costs adds up: one video run twice is two runs, one naive baseline, both runs' spend;
and the automation condition requests library_costs after a video's cost_ledger changes."""

from __future__ import annotations

import pandas as pd
from dagster import AssetKey, DagsterInstance, Definitions, evaluate_automation_conditions, materialize

from halo.llm.ledger import read_ledger
from halo.store import parquet_root
from halo_assets.costs import library_costs
from halo_resources.io_manager import ParquetIOManager
from halo_tests.test_llm.conftest import gemini_env, gemini_server, redis_url, fresh_redis  # noqa: F401
from halo_tests.test_llm.test_assets import LLM_ASSETS, resources, run
from halo_tests.test_llm.upstream import VIDEO_ID, stand_in_assets


def test_one_video_run_twice_counts_naive_once(data_root, gemini_env, fresh_redis) -> None:
    instance = DagsterInstance.ephemeral()
    first, _ = run(resources(fresh_redis), instance)
    fresh_redis_flush(fresh_redis)  # the second run pays again instead of hitting the cache
    second, _ = run(resources(fresh_redis), instance)
    assert first.success and second.success

    assert materialize([library_costs], instance=instance, resources={"io_manager": ParquetIOManager()}).success
    table = pd.read_parquet(parquet_root() / "library_costs.parquet").set_index("video_id")
    ledger = read_ledger(VIDEO_ID)
    per_run = ledger.groupby("run_id")
    assert set(per_run.groups) == {first.run_id, second.run_id}
    row = table.loc[VIDEO_ID]
    assert row["runs"] == 2
    assert row["cost_usd_lifetime"] == round(ledger["cost_usd"].sum(), 8) > 0
    assert row["cost_usd_last_run"] == round(per_run.get_group(second.run_id)["cost_usd"].sum(), 8)
    one_run_naive = per_run.get_group(first.run_id)["naive_tokens"].sum()
    assert one_run_naive == per_run.get_group(second.run_id)["naive_tokens"].sum() > 0
    assert row["naive_tokens"] == one_run_naive  # not 2x
    assert row["savings_ratio"] == round((row["naive_cost_usd"] - row["cost_usd_lifetime"]) / row["naive_cost_usd"], 6)

    meta = instance.get_latest_materialization_event(AssetKey("library_costs")).asset_materialization.metadata
    columns = [c.name for c in meta["table"].schema.columns]
    assert columns[:5] == ["video_id", "cost_usd_lifetime", "cost_usd_last_run", "naive_cost_usd", "savings_ratio"]
    assert meta["table"].records[0].data["runs"] == 2
    summary = instance.get_latest_materialization_event(AssetKey("chunk_summaries")).asset_materialization
    assert summary.tags["halo/backend"] == "gemini"


def fresh_redis_flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushall()
    client.close()


def test_library_costs_requested_after_a_video_run(data_root, gemini_env, fresh_redis) -> None:
    defs = Definitions(assets=stand_in_assets() + LLM_ASSETS + [library_costs], resources=resources(fresh_redis))
    instance = DagsterInstance.ephemeral()
    start = evaluate_automation_conditions(defs=defs, instance=instance)
    run(resources(fresh_redis), instance)  # one video processed (others may never be)
    after = evaluate_automation_conditions(defs=defs, instance=instance, cursor=start.cursor)
    assert after.get_num_requested(library_costs.key) == 1
    assert materialize([library_costs], instance=instance, resources={"io_manager": ParquetIOManager()}).success
    quiet = evaluate_automation_conditions(defs=defs, instance=instance, cursor=after.cursor)
    assert quiet.get_num_requested(library_costs.key) == 0  # nothing new since: not requested again

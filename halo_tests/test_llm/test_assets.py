"""chunk_summaries -> video_summary -> cost_ledger -> library_costs, materialized by Dagster:
offline (local backend) and against the local Gemini server, with the ledger checked against the
usage the server reported, to the token."""

from __future__ import annotations

import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from halo.chunking.chapters import MIN_CHAPTERS
from halo.llm.baseline import media_tokens
from halo.llm.ledger import read_ledger
from halo.llm.pricing import DEFAULT_FLASH_MODEL, call_cost_usd
from halo.store import parquet_root
from halo_assets.costs import cost_ledger, library_costs
from halo_assets.summaries import chunk_summaries, video_summary
from halo_resources.cache import CacheResource
from halo_resources.gemini import GeminiResource
from halo_resources.io_manager import ParquetIOManager
from halo_tests.test_llm.upstream import VIDEO_ID, sample_frames, stand_in_assets

LLM_ASSETS = [chunk_summaries, video_summary, cost_ledger]


def run(resources: dict, instance: DagsterInstance | None = None, raise_on_error: bool = True):
    instance = instance or DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [VIDEO_ID])
    result = materialize(stand_in_assets() + LLM_ASSETS, partition_key=VIDEO_ID, instance=instance,
                         resources=resources, raise_on_error=raise_on_error)
    return result, instance


def resources(redis_url: str, **gemini) -> dict:
    return {
        "io_manager": ParquetIOManager(),
        "cache": CacheResource(redis_url=redis_url),
        "gemini": GeminiResource(retry_initial_delay_s=0.01, timeout_s=2.0, **gemini),
    }


def out(asset: str) -> pd.DataFrame:
    return pd.read_parquet(parquet_root() / asset / f"{VIDEO_ID}.parquet")


def test_offline_pipeline_on_the_sample(data_root, no_key_env, fresh_redis):
    result, instance = run(resources(fresh_redis))
    assert result.success
    _, _, chunks = sample_frames()
    cs = out("chunk_summaries")
    assert len(cs) == len(chunks) and set(cs["backend"]) == {"local"}
    assert set(cs["model"]) == {"local-extractive-minilm"} and cs["cost_usd"].sum() == 0
    for summary, text in zip(cs.sort_values("chunk_id")["summary"], chunks.sort_values("chunk_id")["text"]):
        assert summary and summary in text or all(s in text for s in summary.split(". ")[:1])
        assert len(summary) < len(text)  # a summary, not the transcript
    vs = out("video_summary")
    chapters = list(vs.iloc[0]["chapters"])
    # topic chapters of whole chunks: a 3.5-min video's 5 topic chunks make MIN_CHAPTERS chapters at chunk starts
    starts = [c["start"] for c in chapters]
    assert len(chapters) == MIN_CHAPTERS and starts == sorted(starts) and set(starts) <= set(chunks["start"])
    assert starts[0] == chunks["start"].min()
    assert all(c["title"] for c in chapters) and vs.iloc[0]["summary"]
    ledger = out("cost_ledger")
    assert len(ledger) == len(chunks) + 1 and ledger["cost_usd"].sum() == 0
    assert ledger["naive_tokens"].sum() == sum(media_tokens(e - s).total for s, e in zip(chunks["start"], chunks["end"]))
    # UI metadata on the spending assets
    mat = instance.get_latest_materialization_event(chunk_summaries.key.with_prefix([]) if False else chunk_summaries.key)
    md = mat.asset_materialization.metadata
    for key in ("input_tokens", "output_tokens", "cost_usd", "naive_cost_usd", "savings_usd", "savings_ratio"):
        assert key in md
    assert md["naive_cost_usd"].value > 0 and md["savings_ratio"].value == 1.0
    lib = materialize([library_costs], instance=instance, resources={"io_manager": ParquetIOManager()})
    assert lib.success
    table = pd.read_parquet(parquet_root() / "library_costs.parquet")
    assert table.iloc[-1]["video_id"] == "TOTAL" and table.iloc[-1]["calls"] == len(chunks) + 1


def _assert_ledger_matches_server(server, ledger: pd.DataFrame) -> None:
    paid = ledger[ledger["backend"] == "gemini"]
    assert len(paid) == len(server.reported)
    assert paid["input_tokens"].sum() == sum(r["promptTokenCount"] for r in server.reported)
    assert paid["cached_tokens"].sum() == sum(r.get("cachedContentTokenCount", 0) for r in server.reported)
    assert paid["output_tokens"].sum() == sum(
        r.get("candidatesTokenCount", 0) + r.get("thoughtsTokenCount", 0) for r in server.reported)


def test_gemini_pipeline_ledger_equals_server_usage(data_root, gemini_env, fresh_redis):
    result, instance = run(resources(fresh_redis))
    assert result.success
    ledger = out("cost_ledger")
    _, _, chunks = sample_frames()
    assert len(gemini_env.reported) == len(chunks) + 1  # one call per chunk + the video summary
    _assert_ledger_matches_server(gemini_env, ledger)
    expected = sum(call_cost_usd(DEFAULT_FLASH_MODEL, r["promptTokenCount"], 0,
                                 r["candidatesTokenCount"] + r["thoughtsTokenCount"]) for r in gemini_env.reported)
    assert ledger["cost_usd"].sum() == pytest.approx(expected, rel=1e-12)
    assert set(ledger["model"]) == {DEFAULT_FLASH_MODEL} and ledger["model_reason"].str.startswith("flash").all()
    cs = out("chunk_summaries").set_index("chunk_id")
    assert cs.loc[1, "n_images"] >= 1 and "as you can see" in cs.loc[1, "image_reason"].lower()
    assert (cs.drop(index=1)["n_images"] == 0).all()  # text only where the picture does not matter
    gen_prompts = [r["promptTokenCount"] for r in gemini_env.reported]
    assert cs.loc[1, "input_tokens"] in gen_prompts and ledger["image_tokens"].sum() == 66 * cs["n_images"].sum()  # keyframes at low media resolution
    vs = out("video_summary")
    assert [c["start"] for c in vs.iloc[0]["chapters"]] == sorted(chunks["start"].tolist())
    assert vs.iloc[0]["cost_usd"] == pytest.approx(ledger[ledger["purpose"] == "video_summary"]["cost_usd"].sum())

    # Second run: every call is an L1 cache hit; nothing new is paid; the ledger shows both runs.
    before = len(gemini_env.reported)
    result, _ = run(resources(fresh_redis), instance)
    assert result.success and len(gemini_env.reported) == before
    second = out("chunk_summaries")
    assert set(second["cache_tier"]) == {"L1"} and second["cost_usd"].sum() == 0
    ledger = out("cost_ledger")
    assert len(ledger) == 2 * (len(chunks) + 1)
    _assert_ledger_matches_server(gemini_env, ledger)


def test_batch_mode_is_half_price_and_resumes(data_root, gemini_env, fresh_redis):
    gemini_env.batch_get_failures = 10  # the first run's polling fails after the job was submitted
    res = resources(fresh_redis, use_batch_mode=True, batch_poll_s=0.01, max_retries=1)
    result, instance = run(res, raise_on_error=False)
    assert not result.success and len(gemini_env.batches) == 1
    gemini_env.batch_get_failures = 0
    result, _ = run(res, instance)
    # the chunk job was resumed (not paid twice); the video summary went as a batch job of its own
    assert result.success and len(gemini_env.batches) == 2
    ledger = out("cost_ledger")
    _assert_ledger_matches_server(gemini_env, ledger)
    batch = ledger[ledger["batch"]]
    _, _, chunks = sample_frames()
    assert len(batch) == len(chunks) + 1 and set(ledger["purpose"]) == {"chunk_summary", "video_summary"}
    full = sum(call_cost_usd(m, i, 0, o) for m, i, o in zip(batch["model"], batch["input_tokens"], batch["output_tokens"]))
    assert batch["cost_usd"].sum() == pytest.approx(full / 2)


def test_budget_guard_stops_before_overspending_and_keeps_paid_calls(data_root, gemini_env, fresh_redis):
    budget = 0.0004  # about two calls at gemini-3.5-flash-lite's prices
    priced = "gemini-3.5-flash-lite"
    res = resources(fresh_redis, budget_usd_per_video=budget, max_output_tokens=40, batch_size=1, flash_model=priced)
    result, instance = run(res, raise_on_error=False)
    assert not result.success
    failure = [e for e in result.all_events if e.is_step_failure][0]
    message = str(failure.event_specific_data.error)
    assert "BudgetExceeded" in message and "budget_usd_per_video" in message and "'meeting'" in message
    stored = read_ledger(VIDEO_ID)
    assert 0 < len(stored) < len(sample_frames()[2])  # some calls made, the rest refused
    assert len(stored) == len(gemini_env.reported)  # every paid call is in the ledger store
    assert stored["cost_usd"].sum() <= budget

    # With fallback_to_cache, refused calls are answered from stored summaries (L3) instead.
    res_fb = resources(fresh_redis, budget_usd_per_video=budget, max_output_tokens=40, batch_size=1,
                       fallback_to_cache=True, flash_model=priced)
    CacheResource(redis_url=fresh_redis).get_cache().store_summaries(
        VIDEO_ID, [{"text": "Earlier summary of the remote control meeting.", "start": 0.0, "end": 208.0, "chunk_id": -1}])
    result, _ = run(res_fb, instance)
    assert result.success
    cs = out("chunk_summaries")
    assert "L3" in set(cs["cache_tier"]) and read_ledger(VIDEO_ID)["cost_usd"].sum() <= budget

"""halo.cost_audit: a video's naive baseline is one pass over it plus every question asked."""

from __future__ import annotations

import dataclasses

from halo.cost_audit import library_costs
from halo.llm.ledger import CallRecord, records_frame

PASS, QUESTION = 12_000, 60_609  # naive tokens of one chunk summary / of one question


def call(asset: str, run_id: str, naive: int, cost: float = 0.001, ts: float = 0.0) -> CallRecord:
    return CallRecord(video_id="v", asset=asset, purpose="qa" if asset == "qa" else "chunk_summary",
                      backend="gemini", model="gemini-3.5-flash-lite", cost_usd=cost, naive_tokens=naive,
                      naive_cost_usd=naive * 3e-7, run_id=run_id, ts=ts)


def test_questions_of_every_session_add_to_one_processing_run():
    """Q&A rows carry their session as run_id ('qa-default'): counted as runs, the 3-question
    session replaced the 5-call processing run's baseline and the 2-question one was dropped."""
    run = [call("chunk_summaries", "run-1", PASS, ts=1.0) for _ in range(5)]
    questions = [call("qa", "qa-default", QUESTION, ts=2.0) for _ in range(3)]
    questions += [call("qa", "qa-other", QUESTION, ts=3.0) for _ in range(2)]
    row = library_costs(records_frame(run + questions)).set_index("video_id").loc["v"]
    assert row["naive_tokens"] == 5 * PASS + 5 * QUESTION
    assert row["runs"] == 1 and row["last_run_id"] == "run-1"
    assert row["cost_usd_last_run"] == round(5 * 0.001, 8) and row["cost_usd_lifetime"] == round(10 * 0.001, 8)


def test_every_total_counts_a_reprocessed_videos_baseline_once():
    """`halo report`, `halo process` and exports total the ledger with summarize_costs: summed
    over a re-run (its summaries cached, so $0), the baseline doubled while the spend did not,
    and disagreed with library_costs."""
    from halo.llm.ledger import summarize_costs

    first = [call("chunk_summaries", "run-1", PASS, ts=1.0) for _ in range(5)]
    again = [call("chunk_summaries", "run-2", PASS, cost=0.0, ts=2.0) for _ in range(5)]
    questions = [call("qa", "qa-default", QUESTION, ts=3.0) for _ in range(2)]
    ledger = records_frame(first + again + questions)
    totals = summarize_costs(ledger)
    row = library_costs(ledger).set_index("video_id").loc["v"]
    assert totals["naive_tokens"] == row["naive_tokens"] == 5 * PASS + 2 * QUESTION
    assert totals["naive_cost_usd"] == row["naive_cost_usd"]
    assert totals["cost_usd"] == row["cost_usd_lifetime"] == round(7 * 0.001, 8)
    other_video = [dataclasses.replace(c, video_id="w") for c in first]
    library = summarize_costs(records_frame(first + again + questions + other_video))
    assert library["naive_tokens"] == 2 * 5 * PASS + 2 * QUESTION  # once per video, not per ledger

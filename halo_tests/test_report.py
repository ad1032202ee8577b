"""`halo report`'s rendering: one time formatter (hours shown), unknown videos refused."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from halo.errors import UnknownVideo
from halo.store import parquet_root
from halo.report import build_report, report_json
from halo.storage import write_parquet_atomic


def test_chapter_times_past_an_hour_show_hours(data_root):
    chapters = [{"start": 0.0, "end": 4500.0, "title": "Opening"}, {"start": 4500.0, "end": 5000.0, "title": "Budget"}]
    write_parquet_atomic(pd.DataFrame([{"video_id": "long", "summary": "A long meeting.", "chapters": chapters,
                                        "cost_usd": 0.0}]), parquet_root() / "video_summary" / "long.parquet")
    console = Console(record=True, width=120)
    console.print(build_report("long"))
    text = console.export_text()
    assert "1:15:00  Budget" in text and "75:00" not in text


@pytest.mark.parametrize("report", [build_report, report_json], ids=["text", "json"])
def test_unknown_video_is_an_error(data_root, report):
    """`halo report nosuchvideo --json` printed zero costs and exited 0, as if it were a video."""
    with pytest.raises(UnknownVideo, match="halo process"):
        report("nosuchvideo")


def test_cost_panel_gives_no_ratio_when_halo_spent_nothing():
    """A local-backend video costs HALO $0: 'smart naive / HALO = 0.0x' read as 'no saving'."""
    from halo.llm.ledger import CallRecord, records_frame
    from halo.report import _costs_panel

    calls = [CallRecord(video_id="v", asset="chunk_summaries", purpose="chunk_summary", backend="local",
                        model="local-extractive", naive_tokens=1000)]
    console = Console(record=True, width=200)
    console.print(_costs_panel(records_frame(calls), duration_s=600.0))
    text = console.export_text()
    assert "smart naive / HALO = n/a: HALO spent $0" in text and "= 0.0x" not in text


def test_no_ratio_is_null_in_metadata_and_json_not_zero():
    """The same $0 video in the cost_ledger's metadata, library_costs and `halo report --json`:
    the ratio is null (no ratio), never 0.0 (which a dashboard or export reads as 'no saving')."""
    from halo.cost_audit import baseline_model
    from halo.llm.baseline import cost_comparison
    from halo.llm.ledger import CallRecord, records_frame
    from halo.stages.costs import library_costs

    ledger = records_frame([CallRecord(video_id="v", asset="chunk_summaries", purpose="chunk_summary",
                                       backend="local", model="local-extractive", naive_tokens=1000)])
    assert cost_comparison(ledger, 600.0, baseline_model(ledger))["naive_smart_over_halo"] is None
    table = library_costs(ledger, {"v": 600.0}).metrics["table"]
    assert pd.isna(table.loc[table["video_id"] == "v", "naive_smart_over_halo"]).all()


def test_the_text_report_counts_the_questions_asked_since_the_last_run(data_root):
    """`halo report ID` read the cost_ledger asset, written at the end of the last run: questions
    asked since were missing ("LLM calls: 2 ... 0 asked") while `halo report ID --json` had them."""
    from halo.llm.ledger import CallRecord, append_records, read_ledger, records_frame

    write_parquet_atomic(pd.DataFrame([{"video_id": "v", "path": "/x/v.mp4", "sha256": "0" * 64, "duration_s": 600.0,
                                        "fps": 25.0, "width": 640, "height": 360, "has_audio": True,
                                        "size_bytes": 1, "has_video": True}]), parquet_root() / "video_file" / "v.parquet")
    run = [CallRecord(video_id="v", asset="chunk_summaries", purpose="chunk_summary", backend="local",
                      model="local-extractive", run_id="r1", naive_tokens=1000)]
    append_records(run)
    write_parquet_atomic(records_frame(run), parquet_root() / "cost_ledger" / "v.parquet")  # the run's snapshot
    append_records([CallRecord(video_id="v", asset="qa", purpose="qa", backend="local", model="local-extractive",
                               run_id=f"qa-{session}", naive_tokens=1000) for session in ("default", "s2")])
    console = Console(record=True, width=200)
    console.print(build_report("v"))
    text = console.export_text()
    assert len(read_ledger("v")) == report_json("v")["calls"] == 3
    assert "LLM calls: 3 " in text and "10-question session, 2 asked" in text


def test_process_hints_quote_a_path_with_spaces(data_root, tmp_path):
    """The 'process it with `halo add PATH ...`' hints printed the path bare, so a file name with a
    space or an apostrophe gave a command that fails when pasted into a shell."""
    import shlex

    from halo import registry
    from halo.qa.video import VideoNotReady, VideoQA

    video = tmp_path / "Ann's réunion 1.mp4"
    video.write_bytes(b"registered, not processed")
    video_id = registry.register(video)[0].video_id
    console = Console(record=True, width=400)
    console.print(build_report(video_id))
    commands = [console.export_text()]
    with pytest.raises(VideoNotReady) as raised:
        VideoQA.load(video_id)
    commands.append(str(raised.value))
    for text in commands:
        command = text.split("`")[1]
        assert shlex.split(command)[:3] == ["halo", "add", str(video)], text

"""The ledger store: JSON Lines appended per flush without pandas, read (and compacted to one
Parquet file) as one table, each call counted once."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from halo.llm.ledger import CallRecord, Ledger, ledger_dir, read_ledger
from halo.paths import PROJECT_ROOT


def record(i: int, video_id: str = "vid", cost: float = 0.001) -> CallRecord:
    return CallRecord(video_id=video_id, asset="qa", purpose="qa", backend="gemini", model="gemini-2.5-flash",
                      input_tokens=100 + i, output_tokens=10, cost_usd=cost, item_id=f"q{i}", ts=1_700_000_000 + i)


def test_flushes_append_json_files_that_read_as_one_table_then_compact(data_root):
    ledger = Ledger(run_id="r1")
    for i in range(3):
        ledger.add(record(i))
        ledger.flush()
    ledger.add(record(3, video_id="other"))
    ledger.flush()
    assert len(list(ledger_dir("vid").glob("*.jsonl"))) == 3

    df = read_ledger("vid")
    assert df["item_id"].tolist() == ["q0", "q1", "q2"] and df["run_id"].eq("r1").all()
    assert df["cost_usd"].sum() == pytest.approx(0.003) and str(df["ts"].dtype).startswith("datetime64")
    assert not list(ledger_dir("vid").glob("*.jsonl")) and len(list(ledger_dir("vid").glob("*.parquet"))) == 1
    assert read_ledger("vid").equals(df)  # the compacted file reads the same
    assert sorted(read_ledger()["video_id"]) == ["other", "vid", "vid", "vid"]


def test_a_row_stored_twice_is_counted_once(data_root):
    ledger = Ledger()
    ledger.add(record(0))
    ledger.flush()
    (path,) = ledger_dir("vid").glob("*.jsonl")
    shutil.copy(path, path.with_name("copy-" + path.name))  # e.g. a compaction that crashed before deleting
    assert len(read_ledger("vid", compact=False)) == 1
    assert len(read_ledger("vid")) == 1


def test_a_flush_imports_neither_pandas_nor_pyarrow(data_root):
    code = ("import sys; from halo.llm.ledger import Ledger, CallRecord; l = Ledger(); "
            "l.add(CallRecord(video_id='vid', asset='qa', purpose='qa', backend='cache', model='m')); l.flush(); "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PROJECT_ROOT, env={"HALO_DATA_DIR": str(data_root), "PYTHONPATH": str(PROJECT_ROOT)})
    assert out.stdout.strip() == "[]"
    assert read_ledger("vid")["backend"].tolist() == ["cache"]

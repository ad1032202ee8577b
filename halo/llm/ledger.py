"""Every LLM call as a CallRecord, kept in an append-only per-video ledger store.

Why a store and not only an asset output: spending happens in several assets (chunk
summaries, video summary, later Q&A sessions) and in several runs; a call that was paid for
must stay recorded even when the asset fails halfway (budget spent, API down). Each flush
writes one new JSON Lines file ``ledger/<video_id>/<utc-ts>-<uuid>.jsonl`` under the storage root
(halo.store: the data root, or ``HALO_STORAGE_ROOT`` such as s3://...) atomically (temp + rename
locally; one whole object on S3), so writers never overwrite each other and a crash loses nothing already
flushed. JSON and not Parquet on the write path: `halo ask` answering from the cache must
ledger its $0 row without importing pandas and pyarrow (about a second of its start-up).

``read_ledger`` (what ``cost_ledger``, ``library_costs``, budgets and ``halo report`` read)
returns the union of the JSON and Parquet files and compacts a video's files into one Parquet
file as it goes. Every row carries a unique ``call_id``, so a row seen twice (a compaction that
crashed before deleting its sources, two compactions at once) is counted once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from halo.errors import HaloError
from halo.storage import read_parquet, write_bytes_atomic, write_parquet_atomic
from halo.store import ledger_root

if TYPE_CHECKING:
    import pandas as pd
    from upath import UPath

log = logging.getLogger(__name__)


@dataclass
class CallRecord:
    """One LLM call (or cache hit standing in for one). Token fields come from usage metadata.

    input_tokens = promptTokenCount (cached tokens included), cached_tokens =
    cachedContentTokenCount, output_tokens = candidatesTokenCount + thoughtsTokenCount;
    image_tokens / audio_tokens = their promptTokensDetails entries. ``model`` is the model that
    served the call (response modelVersion) and is what cost_usd is priced at;
    ``requested_model`` is the one HALO asked for. ``non_answer`` says why a billed response
    was not used (safety block, empty candidate): such rows cost money but store nothing.
    naive_tokens = what the naive approach would have sent for the same purpose (see
    halo.llm.baseline); naive_cost_usd prices those at the same model's rates.
    """

    video_id: str
    asset: str
    purpose: str
    backend: str  # "gemini" | "local" | "cache"
    model: str
    model_reason: str = ""
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cache_tier: str = ""  # "" = not served by the cache; "L1" / "L2" / "L3"
    naive_tokens: int = 0
    naive_cost_usd: float = 0.0
    batch: bool = False
    image_tokens: int = 0
    run_id: str = ""
    item_id: str = ""  # chunk id / question id the call served
    requested_model: str = ""
    audio_tokens: int = 0
    non_answer: str = ""
    ts: float = field(default_factory=time.time)
    call_id: str = field(default_factory=lambda: uuid.uuid4().hex)


LEDGER_COLUMNS = [f.name for f in dataclasses.fields(CallRecord)]
# cost_ledger column order: the contract columns first, then the audit extras.
CONTRACT_COLUMNS = [
    "ts", "video_id", "asset", "purpose", "backend", "model", "input_tokens", "cached_tokens",
    "output_tokens", "cost_usd", "cache_tier", "naive_tokens",
]
EXTRA_COLUMNS = [c for c in LEDGER_COLUMNS if c not in CONTRACT_COLUMNS]


def records_frame(records: Iterable[CallRecord]) -> pd.DataFrame:
    return _frame([dataclasses.asdict(r) for r in records])


def _frame(rows: list[dict]) -> pd.DataFrame:
    import pandas as pd

    df = pd.DataFrame(rows, columns=CONTRACT_COLUMNS + EXTRA_COLUMNS)
    df["ts"] = pd.to_datetime(df["ts"], unit="s", utc=True)
    return df


def ledger_dir(video_id: str | None = None) -> Path | UPath:
    root = ledger_root()
    return root / video_id if video_id else root


def append_records(records: list[CallRecord]) -> Path | UPath | None:
    """Persist ``records`` (grouped per video) as new ledger files; returns the last path."""
    last = None
    by_video: dict[str, list[CallRecord]] = {}
    for r in records:
        by_video.setdefault(r.video_id, []).append(r)
    for video_id, recs in by_video.items():
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        last = ledger_dir(video_id) / f"{stamp}-{uuid.uuid4().hex[:12]}.jsonl"
        lines = "".join(json.dumps(dataclasses.asdict(r)) + "\n" for r in recs)
        write_bytes_atomic(last, lines.encode("utf-8"))
    return last


def _read_file(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return read_parquet(path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return _frame(rows)


def _video_files(root: Path) -> list[Path]:
    return sorted([*root.glob("*.parquet"), *root.glob("*.jsonl")])


def _compact(root: Path, files: list[Path], df: pd.DataFrame) -> None:
    """Replace a video's JSON files (and small Parquet files) by one Parquet file holding ``df``.

    The new file is written before the old ones go, so a crash in between leaves duplicates
    (dropped on read by call_id), never a loss. Best effort: a read-only store stays readable.
    """
    if not any(f.suffix == ".jsonl" for f in files):
        return
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    try:
        write_parquet_atomic(df, root / f"{stamp}-{uuid.uuid4().hex[:12]}.parquet")
        for f in files:
            f.unlink(missing_ok=True)
    except OSError as e:
        log.debug("ledger: could not compact %s (%s); read as it is", root, e)


def _read_video(root: Path, compact: bool) -> pd.DataFrame | None:
    import pandas as pd

    files = _video_files(root)
    frames = [f for f in (_read_file(p) for p in files) if len(f)]
    if not frames:
        return None
    df = pd.concat(frames, ignore_index=True).reindex(columns=CONTRACT_COLUMNS + EXTRA_COLUMNS)
    known = df["call_id"].notna()
    df = pd.concat([df[known].drop_duplicates("call_id"), df[~known]], ignore_index=True)
    # rows written before a column existed: the served model is the one asked for, no extras
    df["requested_model"] = df["requested_model"].fillna(df["model"])
    df[["audio_tokens", "image_tokens"]] = df[["audio_tokens", "image_tokens"]].fillna(0).astype(int)
    df["non_answer"] = df["non_answer"].fillna("")
    if compact:
        _compact(root, files, df)
    return df


def read_ledger(video_id: str | None = None, *, compact: bool = True) -> pd.DataFrame:
    """All recorded calls for ``video_id`` (or every video), oldest first.

    ``compact``: fold each video's JSON files into one Parquet file while reading.
    """
    import pandas as pd

    root = ledger_dir(video_id)
    roots = [root] if video_id else sorted(p for p in root.glob("*") if p.is_dir())
    frames = [f for f in (_read_video(r, compact) for r in roots) if f is not None]
    if not frames:
        return records_frame([])
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values("ts", kind="stable").reset_index(drop=True)


class LedgerWriteError(HaloError):
    """A billed call whose ledger row could not be written: the run stops, nothing is cached."""


class Ledger:
    """Collects call records for one asset run and flushes them to the store.

    ``add`` keeps the record in memory; ``flush`` persists what is pending. Callers flush after
    each batch of calls and in a ``finally`` so a failure never loses paid calls.
    """

    def __init__(self, run_id: str = "", persist: bool = True):
        self.run_id = run_id
        self.persist = persist
        self.records: list[CallRecord] = []
        self._pending: list[CallRecord] = []

    def add(self, record: CallRecord) -> CallRecord:
        if not record.run_id:
            record.run_id = self.run_id
        self.records.append(record)
        self._pending.append(record)
        return record

    def flush(self) -> None:
        """Persist pending rows. Raises LedgerWriteError (rows kept pending) if the store refuses."""
        if self.persist and self._pending:
            try:
                append_records(self._pending)
            except OSError as e:
                videos = sorted({r.video_id for r in self._pending})
                spent = sum(r.cost_usd for r in self._pending)
                raise LedgerWriteError(
                    f"Could not write {len(self._pending)} ledger row(s) (${spent:.6f} billed) for video(s) "
                    f"{', '.join(videos)} to {ledger_dir()}: {type(e).__name__}: {e}. Money is ledgered "
                    "before anything is cached, so the run stops and nothing was cached; make the "
                    "ledger directory writable (HALO_DATA_DIR/ledger) and re-run."
                ) from None
        self._pending = []

    def totals(self) -> dict[str, float]:
        return summarize_costs(records_frame(self.records))


def summarize_costs(df: pd.DataFrame) -> dict[str, float]:
    """Totals a user audits: tokens, USD, the naive baseline and the savings against it. The
    baseline counts each video once however often it was processed (halo.cost_audit): summed
    over re-runs it grew with every run while the spend did not, and the saving looked larger."""
    from halo.cost_audit import audited_naive

    cost = float(df["cost_usd"].sum()) if len(df) else 0.0
    naive_tokens, naive = audited_naive(df) if len(df) else (0, 0.0)
    return {
        "calls": int(len(df)),
        "gemini_calls": int((df["backend"] == "gemini").sum()) if len(df) else 0,
        "cache_hits": int((df["cache_tier"] != "").sum()) if len(df) else 0,
        "input_tokens": int(df["input_tokens"].sum()) if len(df) else 0,
        "cached_tokens": int(df["cached_tokens"].sum()) if len(df) else 0,
        "output_tokens": int(df["output_tokens"].sum()) if len(df) else 0,
        "cost_usd": round(cost, 8),
        "naive_tokens": naive_tokens,
        "naive_cost_usd": round(naive, 8),
        "savings_usd": round(naive - cost, 8),
        "savings_ratio": round((naive - cost) / naive, 6) if naive > 0 else 0.0,
    }

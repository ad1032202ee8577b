"""The Parquet IO manager: one file per asset and video, readable by pandas and duckdb.

Built on Dagster's UPathIOManager, so ``base_path`` may be a local folder or ``s3://...``.
Partitioned assets land at ``<base>/<asset>/<video_id>.parquet``; unpartitioned ones at
``<base>/<asset>.parquet``. Writes are atomic (temp file + rename) so a failed run never
leaves a partial file or damages the previous good output.
"""

from __future__ import annotations

import pandas as pd
from dagster import ConfigurableIOManagerFactory, InputContext, OutputContext, UPathIOManager
from upath import UPath

from halo.staleness import PROBE_ASSET, probed_sha256, source_stamp
from halo.storage import read_parquet, write_parquet_atomic
from halo.store import parquet_root


class _ParquetUPathIOManager(UPathIOManager):
    extension: str = ".parquet"

    def dump_to_path(self, context: OutputContext, obj: pd.DataFrame, path: UPath) -> None:
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(
                f"{context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "HALO assets must return a pandas DataFrame to be stored as Parquet."
            )
        write_parquet_atomic(obj, path, metadata=source_stamp(self._source_sha256(context, obj, path)))

    @staticmethod
    def _source_sha256(context: OutputContext, obj: pd.DataFrame, path: UPath) -> str | None:
        """The source file hash this output derives from (halo.staleness): the probe's own for
        ``video_file``, else the one in the stored ``video_file`` of the same video."""
        if not context.has_asset_partitions:
            return None
        if context.asset_key.path[-1] == PROBE_ASSET:
            return str(obj["sha256"].iloc[0]) if "sha256" in obj and len(obj) else None
        return probed_sha256(path.parent.parent / PROBE_ASSET / path.name)

    def load_from_path(self, context: InputContext, path: UPath) -> pd.DataFrame:
        if not path.exists():
            key = context.asset_partition_key if context.has_asset_partitions else ""
            raise FileNotFoundError(
                f"No stored output for {context.asset_key.to_user_string()} {key} at {path}: "
                "materialize that asset for this video first."
            )
        return read_parquet(path)


class ParquetIOManager(ConfigurableIOManagerFactory):
    """Stores every HALO asset as Parquet under ``base_path`` (default: the store's parquet/,
    i.e. ``$HALO_STORAGE_ROOT/parquet`` or data/parquet; halo.store reads the same files)."""

    base_path: str = ""

    def create_io_manager(self, context) -> _ParquetUPathIOManager:
        return _ParquetUPathIOManager(base_path=UPath(self.base_path or parquet_root()))

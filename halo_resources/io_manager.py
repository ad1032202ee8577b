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

from halo.paths import parquet_dir
from halo.storage import read_parquet, write_parquet_atomic


class _ParquetUPathIOManager(UPathIOManager):
    extension: str = ".parquet"

    def dump_to_path(self, context: OutputContext, obj: pd.DataFrame, path: UPath) -> None:
        if not isinstance(obj, pd.DataFrame):
            raise TypeError(
                f"{context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "HALO assets must return a pandas DataFrame to be stored as Parquet."
            )
        write_parquet_atomic(obj, path)

    def load_from_path(self, context: InputContext, path: UPath) -> pd.DataFrame:
        if not path.exists():
            key = context.asset_partition_key if context.has_asset_partitions else ""
            raise FileNotFoundError(
                f"No stored output for {context.asset_key.to_user_string()} {key} at {path}: "
                "materialize that asset for this video first."
            )
        return read_parquet(path)


class ParquetIOManager(ConfigurableIOManagerFactory):
    """Stores every HALO asset as Parquet under ``base_path`` (default: data/parquet)."""

    base_path: str = ""

    def create_io_manager(self, context) -> _ParquetUPathIOManager:
        return _ParquetUPathIOManager(base_path=UPath(self.base_path or parquet_dir()))

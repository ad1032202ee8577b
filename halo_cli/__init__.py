"""HALO's top package: the `halo` command and HALOPipeline, the seed's Python API.

It sits above everything (halo_cli -> halo_assets -> halo_resources -> halo): it registers
videos, materializes them through Dagster in-process on the project's instance and answers
questions. Nothing below imports it; `from halo import HALOPipeline` is a lazy re-export.
HALOPipeline is loaded on first use here too, so `halo --help` does not import pandas or Dagster.
"""

from typing import Any

__all__ = ["HALOPipeline"]


def __getattr__(name: str) -> Any:
    if name == "HALOPipeline":
        from halo_cli.pipeline import HALOPipeline

        return HALOPipeline
    raise AttributeError(f"module 'halo_cli' has no attribute {name!r}")

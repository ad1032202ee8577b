"""HALO's top package: the `halo` command and HALOPipeline, the seed's Python API.

It sits above everything (halo_cli -> halo_assets -> halo_resources -> halo): it registers
videos, materializes them through Dagster in-process on the project's instance and answers
questions. Nothing below imports it; `from halo import HALOPipeline` is a lazy re-export.
"""

from halo_cli.pipeline import HALOPipeline

__all__ = ["HALOPipeline"]

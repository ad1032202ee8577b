"""HALO domain library: plain, typed Python with no Dagster imports.

Every stage of the pipeline (media, speech, vision, text, chunking, cache, llm) lives here so it
can be used, tested and benchmarked without Dagster; halo_assets/ only wires it into assets.

``from halo import HALOPipeline`` is the seed's documented entry point. HALOPipeline lives in
halo_cli (it drives Dagster), so it is re-exported lazily: importing ``halo`` never loads Dagster.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["HALOPipeline", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "HALOPipeline":
        from halo_cli.pipeline import HALOPipeline  # the one upward reference (see ARCHITECTURE.md)

        return HALOPipeline
    raise AttributeError(f"module 'halo' has no attribute {name!r}")

"""HALO domain library: plain, typed Python with no Dagster imports.

Every stage of the pipeline lives here so it can be used, tested and benchmarked without
Dagster: the domain packages (media, speech, vision, text, chunking, cache, llm, qa) and, on top
of them, halo.stages, one plain function per stage (input frames + config -> frame, metrics,
problems) that the assets in halo_assets/ call. halo.store is the one reader and writer of what
runs store (local or s3://).

``from halo import HALOPipeline`` is the seed's documented entry point. HALOPipeline lives in
halo_cli (it drives Dagster), so it is re-exported lazily: importing ``halo`` never loads Dagster.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["HALOPipeline", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "HALOPipeline":
        from halo_cli.pipeline import HALOPipeline  # one of halo's two upward references (halo_tests/test_imports.py)

        return HALOPipeline
    raise AttributeError(f"module 'halo' has no attribute {name!r}")

"""HALO domain library: plain, typed Python with no Dagster imports.

Every stage of the pipeline (media, speech, vision, text, chunking, cache, llm) lives here so it
can be used, tested and benchmarked without Dagster; halo_assets/ only wires it into assets.
"""

__version__ = "0.1.0"

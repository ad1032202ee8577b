"""ModelsResource: which ASR, diarization, embedding and coherence models HALO loads.

Its fields are halo.models' ModelsConfig (declared once there). Defaults work offline with models
that ship inside PyPI packages (see halo/model_files.py, the one model locator).
"""

from __future__ import annotations

from dagster import ConfigurableResource

from halo.models import ModelsConfig


class ModelsResource(ConfigurableResource, ModelsConfig):
    """Model choices for every ML stage. Empty names mean "the offline default"."""

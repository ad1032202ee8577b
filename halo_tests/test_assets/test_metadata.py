"""The one metadata helper: stage figures become the metadata types the UI renders best, and
stage problems become the pass/fail (ERROR or WARN) of the asset's checks."""

from __future__ import annotations

import pandas as pd
from dagster import AssetCheckSeverity, MetadataValue

from halo.stages import FileLink, Markdown, StageResult
from halo_assets.metadata import materialize


def test_materialize_maps_metrics_and_problems() -> None:
    frame = pd.DataFrame({"video_id": ["a", "TOTAL"], "cost_usd": [0.5, 0.5]})
    result = StageResult(frame, metrics={
        "n": 3, "note": "plain", "preview": Markdown("**x**"), "path": FileLink("s3://b/x.wav"), "table": frame,
    }, problems={"hard": ["broken"], "soft": ["a bit long"], "fine": []}, tags={"halo/backend": "local"}, rows=1)
    out = materialize("thing", result, warn_only={"soft"})
    meta = out.metadata
    assert meta["dagster/row_count"] == 1 and meta["n"] == 3 and meta["note"] == "plain"
    assert meta["preview"] == MetadataValue.md("**x**") and meta["path"] == MetadataValue.path("s3://b/x.wav")
    assert [c.name for c in meta["table"].schema.columns] == ["video_id", "cost_usd"]
    assert meta["table"].schema.columns[1].type == "float" and len(meta["table"].records) == 2
    checks = {c.check_name: c for c in out.check_results}
    assert not checks["hard"].passed and checks["hard"].severity == AssetCheckSeverity.ERROR
    assert checks["hard"].description == "broken"
    assert not checks["soft"].passed and checks["soft"].severity == AssetCheckSeverity.WARN
    assert checks["fine"].passed and out.tags == {"halo/backend": "local"} and out.value is frame

"""The one helper that turns a stage's result (halo.stages) into what Dagster records.

Every asset reports through here, so figures look and compare the same across stages:
markdown renders as markdown, file links as paths, frames as typed tables the UI sorts, and
each stage problem list becomes the pass/fail of the asset check of that name.
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd
from dagster import MaterializeResult, MetadataValue, TableColumn, TableRecord, TableSchema

from halo.stages import FileLink, Markdown, StageResult
from halo_assets import checks


def _column_type(series: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(series):
        return "int"
    return "float" if pd.api.types.is_float_dtype(series) else "string"


def table_metadata(df: pd.DataFrame) -> MetadataValue:
    """``df`` as a typed table the UI sorts and renders (TableMetadataValue)."""
    schema = TableSchema(columns=[TableColumn(c, _column_type(df[c])) for c in df.columns])
    records = [TableRecord({k: None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)
                            for k, v in row.items()})
               for row in df.to_dict(orient="records")]
    return MetadataValue.table(records=records, schema=schema)


def metadata_value(value: Any) -> Any:
    """A stage metric as the metadata value the UI shows best."""
    if isinstance(value, Markdown):
        return MetadataValue.md(str(value))
    if isinstance(value, FileLink):
        return MetadataValue.path(str(value))
    if isinstance(value, pd.DataFrame):
        return table_metadata(value)
    return value


def materialize(asset: str, result: StageResult, warn_only: Iterable[str] = ()) -> MaterializeResult:
    """``result`` as the asset's MaterializeResult: value, metadata (row count first), run tags,
    and one check result per stage problem list (ERROR, or WARN for the checks in ``warn_only``)."""
    soft = set(warn_only)
    return MaterializeResult(
        value=result.frame,
        metadata={"dagster/row_count": result.row_count,
                  **{name: metadata_value(value) for name, value in result.metrics.items()}},
        tags=result.tags or None,
        check_results=[checks.result(name, asset, problems, warn_only=name in soft)
                       for name, problems in result.problems.items()],
    )

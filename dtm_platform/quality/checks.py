"""What a gate does besides validating: reads the asset's table, keeps each result and its
Data Docs page, and says in the check's metadata which expectation failed, on how many rows,
with a few example values from non-personal columns. The gate itself, the Dagster check, is
``defs/quality/checks.py``."""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import duckdb
import pandas as pd

from dtm_platform.quality.runner import SuiteOutcome
from dtm_platform.warehouse import reading

CHECK_NAME = "gx_suite"


def read_warehouse_frame(
    warehouse: Path | duckdb.DuckDBPyConnection, asset_path: tuple[str, ...], columns: set[str]
) -> pd.DataFrame:
    """The asset's table (``<layer>.<asset>``), with data only for the columns the suite reads.

    Other columns come back as typed NULLs: schema expectations still see every column, but
    large ones (raw JSON payloads) are never read.
    """
    schema, table = asset_path
    with reading(warehouse) as con:
        described = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        if not described:
            raise ValueError(f"{schema}.{table} does not exist in the warehouse")
        select = ", ".join(
            f'"{name}"' if name in columns else f'null::{data_type} as "{name}"' for name, data_type in described
        )
        return con.execute(f'select {select} from "{schema}"."{table}"').df()


DATA_DOCS = "data_docs"  # under the quality folder: one page per validation, by suite


def page_url(docs_path: Path, quality_dir: Path, docs_url: str | None) -> str:
    """A Data Docs page's link: on the docs server when there is one (browsers refuse to
    open file:// links from the UI's http page), else the file itself."""
    if docs_url is None:
        return docs_path.as_uri()
    return f"{docs_url}/{quote(docs_path.relative_to(quality_dir / DATA_DOCS).as_posix())}"


def save_result(outcome: SuiteOutcome, quality_dir: Path, run_id: str) -> tuple[Path, Path]:
    """The GX result as JSON and its Data Docs page as HTML, side by side."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = quality_dir / "results" / outcome.suite / f"{stamp}_{run_id[:8]}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(outcome.result, indent=2, default=str), encoding="utf-8")
    docs = quality_dir / DATA_DOCS / outcome.suite / f"{stamp}_{run_id[:8]}.html"
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(outcome.data_docs_html, encoding="utf-8")
    return path, docs


def check_metadata(outcome: SuiteOutcome, result_path: Path, docs_link: str | None = None) -> dict:
    metadata: dict = {
        "rows_validated": outcome.rows,
        "expectations": len(outcome.expectations),
        "failed_blocking": len(outcome.blocking_failures),
        "failed_warn_only": len(outcome.warnings),
        "validation_result": dg.MetadataValue.path(str(result_path)),
    }
    if docs_link is not None:
        metadata["data_docs"] = dg.MetadataValue.url(docs_link)
    for e in outcome.expectations:
        if e.success:
            metadata[e.expectation] = "passed"
            continue
        summary = {
            "passed": False,
            "severity": "warn" if e.warn_only else "error",
            "unexpected_count": e.unexpected_count,
            "unexpected_percent": round(e.unexpected_percent, 3) if e.unexpected_percent is not None else None,
            "examples": [str(v) for v in e.sample],
        }
        if e.error:
            summary["error"] = e.error.splitlines()[0][:300]
        metadata[e.expectation] = dg.MetadataValue.json(summary)
    return metadata

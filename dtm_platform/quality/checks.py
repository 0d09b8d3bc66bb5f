"""Turns each Great Expectations suite into a blocking Dagster asset check.

A failed expectation fails the check with ERROR severity, which stops everything downstream
of the asset in the same run; an expectation marked ``"meta": {"severity": "warn"}`` only
warns. The check's metadata says which expectation failed, on how many rows, with a few
example values from non-personal columns.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import dagster as dg
import pandas as pd

from dtm_platform.data_versions import SUITE_METADATA, digest
from dtm_platform.quality.form_suites import resolve_form_suite
from dtm_platform.quality.parameters import ParameterContext, remember_passed, suite_parameters
from dtm_platform.quality.runner import SuiteOutcome, validate
from dtm_platform.quality.suites import Suite
from dtm_platform.settings import load_settings
from dtm_platform.warehouse import connect_duckdb

CHECK_NAME = "gx_suite"


def read_warehouse_frame(warehouse: Path, asset_path: tuple[str, ...], columns: set[str]) -> pd.DataFrame:
    """The asset's table (``<layer>.<asset>``), with data only for the columns the suite reads.

    Other columns come back as typed NULLs: schema expectations still see every column, but
    large ones (raw JSON payloads) are never read.
    """
    schema, table = asset_path
    with connect_duckdb(warehouse, read_only=True) as con:
        described = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        if not described:
            raise ValueError(f"{schema}.{table} does not exist in {warehouse}")
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


def build_gx_check(suite: Suite) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(list(suite.asset_path))

    @dg.asset_check(
        asset=asset_key,
        name=CHECK_NAME,
        blocking=True,
        # what the gate checks, so that an asset checked by an older suite is checked again (data_versions.py)
        metadata={SUITE_METADATA: digest(suite.document)},
        description=f"Great Expectations suite {suite.file.parent.name}/{suite.file.name}: "
        f"{len(suite.document['expectations'])} expectations"
        + (
            " and those derived from the form's content"
            if (suite.document.get("meta") or {}).get("derive_from_form_content")
            else ""
        )
        + "; a failure stops what depends on it.",
    )
    def _gx_check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = load_settings()
        # A typed form's suite gets its expectations from the form's content as it is now.
        current = resolve_form_suite(suite, settings.warehouse_path)
        frame = read_warehouse_frame(settings.warehouse_path, current.asset_path, current.needed_columns())
        parameters = suite_parameters(
            ParameterContext(current, settings.warehouse_path, settings.quality_dir, len(frame))
        )
        outcome = validate(frame, current, parameters)
        result_path, docs_path = save_result(outcome, settings.quality_dir, context.run.run_id)
        if not outcome.blocking_failures:
            remember_passed(settings.quality_dir, suite.name, outcome.rows, context.run.run_id)
        for failure in outcome.blocking_failures + outcome.warnings:
            context.log.warning(
                f"{suite.name}: {failure.expectation} failed on {failure.unexpected_count} rows"
                + (f", e.g. {failure.sample}" if failure.sample else "")
            )
        return dg.AssetCheckResult(
            passed=not outcome.blocking_failures and not outcome.warnings,
            severity=dg.AssetCheckSeverity.ERROR if outcome.blocking_failures else dg.AssetCheckSeverity.WARN,
            metadata=check_metadata(outcome, result_path, page_url(docs_path, settings.quality_dir, settings.docs_url)),
        )

    return _gx_check

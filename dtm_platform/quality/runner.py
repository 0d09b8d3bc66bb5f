"""Runs one suite against one frame with Great Expectations and summarises the outcome.

One ephemeral GX context per validation: file contexts collide when checks run in
parallel (DESIGN.md §8), and nothing needs to persist in GX's own stores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
import pandas as pd  # noqa: E402

from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from dtm_platform.quality.suites import Suite  # noqa: E402

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str         # e.g. "expect_column_values_to_not_be_null(idp_households)"
    success: bool
    warn_only: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: list             # a few unexpected values; empty for personal columns
    error: str | None


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rows: int
    expectations: list[ExpectationOutcome]
    result: dict             # GX's full result (JSON-ready), values of personal columns removed

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success and not e.warn_only]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success and e.warn_only]


def validate(frame: pd.DataFrame, suite: Suite) -> SuiteOutcome:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # they flood the run logs
    datasource = context.data_sources.add_pandas("dtm_frames")
    batch_definition = datasource.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("all")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    document = suite.document
    gx_suite = gx.ExpectationSuite(name=suite.name, expectations=document["expectations"],
                                   meta=document.get("meta"))
    result = batch.validate(
        gx_suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
    ).to_json_dict()

    outcomes = []
    for item in result["results"]:
        config = item["expectation_config"]
        kwargs = {k: v for k, v in config["kwargs"].items() if k != "batch_id"}
        column = kwargs.get("column")
        personal = column in suite.personal_columns
        details = item.get("result") or {}
        if personal:  # keep GX's stored result free of personal values too
            for key in ("partial_unexpected_list", "partial_unexpected_counts", "partial_unexpected_index_list"):
                details.pop(key, None)
        exception = item.get("exception_info") or {}
        outcomes.append(ExpectationOutcome(
            expectation=f"{config['type']}({column or ', '.join(kwargs.get('column_list', [])) or ''})",
            success=bool(item["success"]),
            warn_only=(config.get("meta") or {}).get("severity") == "warn",
            unexpected_count=details.get("unexpected_count"),
            unexpected_percent=details.get("unexpected_percent"),
            sample=[] if personal else list(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
            error=exception.get("exception_message") if exception.get("raised_exception") else None,
        ))
    return SuiteOutcome(suite=suite.name, rows=len(frame), expectations=outcomes, result=result)

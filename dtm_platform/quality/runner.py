"""Runs one suite against one frame with Great Expectations and summarises the outcome.

One ephemeral GX context per validation: file contexts collide when checks run in
parallel (ARCHITECTURE.md, Gates and the Dagster wiring), and nothing needs to persist in GX's own stores.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.render.renderer import ValidationResultsPageRenderer
from great_expectations.render.view import DefaultJinjaPageView

from dtm_platform.quality.suites import Suite

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # e.g. "expect_column_values_to_not_be_null(idp_households)"
    success: bool
    warn_only: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: list  # a few unexpected values; empty for personal columns
    error: str | None


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    rows: int
    expectations: list[ExpectationOutcome]
    result: dict  # GX's full result (JSON-ready), values of personal columns removed
    data_docs_html: str = ""  # GX Data Docs page for this validation

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success and not e.warn_only]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success and e.warn_only]


PERSONAL_RESULT_KEYS = ("partial_unexpected_list", "partial_unexpected_counts", "partial_unexpected_index_list")


def validate(frame: pd.DataFrame, suite: Suite, parameters: dict | None = None) -> SuiteOutcome:
    """Validate ``frame`` against ``suite``; ``parameters`` fill its ``$PARAMETER`` values."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # they flood the run logs
    datasource = context.data_sources.add_pandas("dtm_frames")
    batch_definition = datasource.add_dataframe_asset(suite.name).add_batch_definition_whole_dataframe("all")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    document = suite.document
    gx_suite = gx.ExpectationSuite(name=suite.name, expectations=document["expectations"], meta=document.get("meta"))
    validation = batch.validate(
        gx_suite,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
        expectation_parameters=parameters or {},
    )
    for item in validation.results:
        # Values of personal columns leave neither the stored result nor the Data Docs page.
        if item.expectation_config.kwargs.get("column") in suite.personal_columns and item.result:
            for key in PERSONAL_RESULT_KEYS:
                item.result.pop(key, None)
        # pandas hands GX NumPy scalars (a column's mean, a share): its Data Docs renderer
        # formats observed values through repr() and fails on them, logging a traceback
        if item.result and isinstance(item.result.get("observed_value"), np.generic):
            item.result["observed_value"] = item.result["observed_value"].item()
    result = validation.to_json_dict()

    outcomes = []
    seen: dict[str, int] = {}
    for item in result["results"]:
        config = item["expectation_config"]
        kwargs = {k: v for k, v in config["kwargs"].items() if k != "batch_id"}
        column = kwargs.get("column")
        details = item.get("result") or {}
        exception = item.get("exception_info") or {}
        name = f"{config['type']}({column or ', '.join(kwargs.get('column_list', [])) or ''})"
        seen[name] = seen.get(name, 0) + 1
        outcomes.append(
            ExpectationOutcome(
                expectation=name if seen[name] == 1 else f"{name} #{seen[name]}",
                success=bool(item["success"]),
                warn_only=(config.get("meta") or {}).get("severity") == "warn",
                unexpected_count=details.get("unexpected_count"),
                unexpected_percent=details.get("unexpected_percent"),
                sample=list(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
                error=exception.get("exception_message") if exception.get("raised_exception") else None,
            )
        )
    return SuiteOutcome(
        suite=suite.name,
        rows=len(frame),
        expectations=outcomes,
        result=result,
        data_docs_html=_data_docs_page(validation),
    )


def _data_docs_page(validation) -> str:
    """GX's own Data Docs rendering of one validation result (styles load from GX's CDN
    when a browser has network; the content reads without them)."""
    document = ValidationResultsPageRenderer().render(validation)
    return _page_view().render(document)


@functools.cache
def _page_view() -> DefaultJinjaPageView:
    """One view for every page a process renders: each view has its own Jinja environment,
    which compiles GX's seventeen page templates the first time it renders (about 0.1 s of
    every gate when each validation made its own). Jinja renders from one environment in
    several threads safely."""
    return DefaultJinjaPageView()

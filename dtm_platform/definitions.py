"""The one Definitions object, assembled from the domains under ``defs/``."""

from __future__ import annotations

import dagster as dg

from dtm_platform.defs.ingestion import build_ingestion_defs
from dtm_platform.defs.jobs import build_job_defs
from dtm_platform.defs.quality import build_quality_defs
from dtm_platform.defs.reports import build_report_defs
from dtm_platform.defs.transform import build_transform_defs


def build_definitions() -> dg.Definitions:
    assets = dg.Definitions.merge(build_ingestion_defs(), build_transform_defs(), build_report_defs())
    asset_keys = [key for asset in assets.assets or [] for key in asset.keys]
    return dg.Definitions.merge(
        assets,
        build_quality_defs(asset_keys),
        build_job_defs(),
        # One step at a time: DuckDB allows a single writer to warehouse.duckdb (DESIGN.md §4).
        dg.Definitions(executor=dg.in_process_executor),
    )


defs = build_definitions()

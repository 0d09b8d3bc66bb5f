"""The one Definitions object, assembled from the domains under ``defs/``."""

from __future__ import annotations

import dagster as dg

from dtm_platform.defs.automation import build_automation_defs, with_automation
from dtm_platform.defs.cleaning import build_cleaning_defs
from dtm_platform.defs.finance import build_finance_defs
from dtm_platform.defs.forms import build_form_defs
from dtm_platform.defs.ingestion import build_ingestion_defs
from dtm_platform.defs.jobs import build_job_defs
from dtm_platform.defs.quality import build_quality_defs
from dtm_platform.defs.reports import build_report_defs
from dtm_platform.defs.serving import build_serving_defs
from dtm_platform.defs.transform import build_transform_defs
from dtm_platform.kobo.registry import load_registry
from dtm_platform.secrets import install_log_filter
from dtm_platform.settings import load_settings
from dtm_platform.transform.row_counts import RowCountingDbtCliResource


def build_definitions() -> dg.Definitions:
    # Every process that loads the code location (webserver, daemon, run workers) masks the
    # secrets in every log record, Dagster's and the libraries' (secrets.py).
    install_log_filter()
    settings = load_settings()
    forms = load_registry(settings.forms_file)
    ingestion = build_ingestion_defs(forms)
    transform = _with_row_counts(build_transform_defs(forms))
    built = dg.Definitions.merge(
        ingestion, transform, build_form_defs(forms), build_report_defs(), build_cleaning_defs(), build_finance_defs()
    )
    # Serving depends on every mart asset there is, whatever dbt models exist.
    mart_keys = [key for asset in built.assets or [] for key in asset.keys if key.path[0] == "marts"]
    assets = with_automation(dg.Definitions.merge(built, build_serving_defs(mart_keys)), settings)
    asset_keys = [key for asset in assets.assets or [] for key in asset.keys]
    return dg.Definitions.merge(
        assets,
        build_quality_defs(asset_keys, forms),
        build_job_defs(),
        build_automation_defs(forms, ingestion.assets or [], settings),
        # One step at a time inside a run, and (dagster.yaml, instance.py) one run at a time:
        # DuckDB allows a single writer to warehouse.duckdb (ARCHITECTURE.md, Raw and the warehouse).
        dg.Definitions(executor=dg.in_process_executor),
    )


def _with_row_counts(transform: dg.Definitions) -> dg.Definitions:
    """The same dbt resource, adding row counts to every model and seed (transform/row_counts.py)."""
    dbt = transform.resources["dbt"]
    counting = RowCountingDbtCliResource(**{name: getattr(dbt, name) for name in type(dbt).model_fields})
    return dg.Definitions(
        assets=transform.assets,
        asset_checks=transform.asset_checks,
        jobs=transform.jobs,
        schedules=transform.schedules,
        sensors=transform.sensors,
        executor=transform.executor,
        loggers=transform.loggers,
        resources={**transform.resources, "dbt": counting},
    )


defs = build_definitions()

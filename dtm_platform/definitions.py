"""The one Definitions object: each domain's own (``defs/<domain>/``), merged, and the rules
that hold for every asset applied once here.

Domains: ``kobo`` (ingestion), ``transform`` (dbt and the typed forms), ``cleaning`` and
``finance`` (the officers' imports and workbooks), ``reports``, ``serving``, ``quality`` (the
gates) and ``automation`` (full_build, the daily build, the sensors that follow new data and
alert). The rules for every asset: declarative automation below raw and freshness windows
(``defs/automation/conditions.py``), a gate on each one (``defs/quality/``), the resources
(``defs/resources.py``) and the executor (``defs/automation/executor.py``: one step at a time
in the run's process, or steps side by side on Celery workers with the DuckLake warehouse).
"""

from __future__ import annotations

import dagster as dg

from dtm_platform.defs import automation, cleaning, finance, kobo, quality, reports, serving, transform
from dtm_platform.defs.automation.conditions import with_automation
from dtm_platform.defs.automation.executor import platform_executor
from dtm_platform.defs.resources import platform_resources
from dtm_platform.kobo.registry import load_registry
from dtm_platform.secrets import install_log_filter
from dtm_platform.settings import load_settings


def build_definitions() -> dg.Definitions:
    # Every process that loads the code location (webserver, daemon, run workers) masks the
    # secrets in every log record, Dagster's and the libraries' (secrets.py).
    install_log_filter()
    settings = load_settings()
    executor = platform_executor(settings)  # first: a refused DTM_EXECUTOR fails the load at once
    forms = load_registry(settings.forms_file)
    domains = dg.Definitions.merge(
        kobo.build_defs(forms, settings),
        transform.build_defs(forms),
        cleaning.build_defs(settings),
        finance.build_defs(),
        reports.build_defs(settings),
    )
    # Serving publishes every mart there is, whatever dbt models the project holds.
    marts = [key for key in _asset_keys(domains) if key.path[0] == "marts"]
    assets = with_automation(dg.Definitions.merge(domains, serving.build_defs(marts)), settings)
    return dg.Definitions.merge(
        assets,
        quality.build_defs(_asset_keys(assets), forms),
        automation.build_defs(settings),
        # By default one step at a time inside a run, and (dagster.yaml, instance.py) one run at
        # a time: DuckDB allows a single writer to warehouse.duckdb (ARCHITECTURE.md, Raw and the
        # warehouse). DTM_EXECUTOR=celery, with DuckLake only, spreads the steps over workers.
        dg.Definitions(resources=platform_resources(), executor=executor),
    )


def _asset_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    return [key for asset in defs.assets or [] for key in asset.keys]


defs = build_definitions()

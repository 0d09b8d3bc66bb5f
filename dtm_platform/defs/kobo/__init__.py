"""Kobo ingestion: each form's raw asset and the forms' content (``assets.py``), the raw assets'
checks, the ingestion jobs, their schedules and the new-submissions sensor."""

from __future__ import annotations

import dagster as dg

from dtm_platform.defs.automation.tags import default_statuses
from dtm_platform.defs.kobo.assets import form_content_asset, ingestion_asset
from dtm_platform.defs.kobo.checks import quarantine_check
from dtm_platform.defs.kobo.jobs import ingest_jobs, reconcile_job
from dtm_platform.defs.kobo.schedules import ingestion_schedules
from dtm_platform.defs.kobo.sensors import probe_sensor
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import Settings


def build_defs(forms: list[FormEntry], settings: Settings) -> dg.Definitions:
    ingestion = {form.dataset: ingestion_asset(form) for form in forms}
    jobs = ingest_jobs(forms, ingestion)
    reconcile = reconcile_job(ingestion)
    schedule_status, sensor_status = default_statuses(settings.automation_on)
    return dg.Definitions(
        assets=[form_content_asset(forms), *ingestion.values()],
        asset_checks=[quarantine_check(form) for form in forms],
        jobs=[*jobs.values(), reconcile],
        schedules=ingestion_schedules(settings, forms, jobs, reconcile, ingestion, schedule_status),
        sensors=[probe_sensor(settings, forms, ingestion, jobs, sensor_status)],
    )

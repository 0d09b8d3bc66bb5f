"""Ingestion schedules: each form on its own cron (the registry's; hourly by default) and the
nightly reconciliation (DTM_RECONCILE_CRON), in DTM_TIMEZONE."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from dtm_platform.defs.automation.tags import TRIGGER_TAG
from dtm_platform.defs.kobo.jobs import ingest_job_name, reconcile_run_config
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import Settings


def ingestion_schedules(
    settings: Settings,
    forms: list[FormEntry],
    jobs: Mapping,
    reconcile,
    ingestion: Mapping[str, dg.AssetsDefinition],
    status: dg.DefaultScheduleStatus,
) -> list[dg.ScheduleDefinition]:
    common = {"execution_timezone": settings.timezone, "default_status": status, "tags": {TRIGGER_TAG: "schedule"}}
    return [
        *(
            dg.ScheduleDefinition(
                name=f"{ingest_job_name(form)}_schedule",
                job=jobs[form.dataset],
                cron_schedule=form.schedule,
                **common,
                description=f"Incremental ingestion of {form.title} (cron from the form registry).",
            )
            for form in forms
        ),
        dg.ScheduleDefinition(
            name="nightly_reconciliation",
            job=reconcile,
            cron_schedule=settings.reconcile_cron,
            run_config=reconcile_run_config(ingestion.values()),
            **common,
            description="Nightly (DTM_RECONCILE_CRON): compare every form with raw.",
        ),
    ]

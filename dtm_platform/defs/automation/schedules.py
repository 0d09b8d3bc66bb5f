"""The ``daily_full_build`` schedule (DTM_FULL_BUILD_CRON, in DTM_TIMEZONE): the sources of
full_build; the ``build_what_changed`` sensor then builds what is not current."""

from __future__ import annotations

import dagster as dg

from dtm_platform.data_versions import PART_TAG, SOURCES
from dtm_platform.defs.automation.jobs import FULL_BUILD, sources_of
from dtm_platform.defs.automation.tags import TRIGGER_TAG
from dtm_platform.settings import Settings


def daily_full_build_schedule(settings: Settings, status: dg.DefaultScheduleStatus) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="daily_full_build",
        job_name=FULL_BUILD,
        cron_schedule=settings.full_build_cron,
        execution_timezone=settings.timezone,
        default_status=status,
        description=(
            "Daily (DTM_FULL_BUILD_CRON): the sources of full_build (every form's ingestion, the "
            "imports, with their gates); build_what_changed then builds what is not current."
        ),
    )
    def _daily(context: dg.ScheduleEvaluationContext):
        job = context.repository_def.get_job(FULL_BUILD)
        return dg.RunRequest(asset_selection=sources_of(job), tags={TRIGGER_TAG: "schedule", PART_TAG: SOURCES})

    return _daily

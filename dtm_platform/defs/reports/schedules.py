"""``weekly_reports_schedule`` (DTM_REPORTS_CRON, in DTM_TIMEZONE): the reports, unless a
gate on the marts they read is failing."""

import dagster as dg

from dtm_platform.defs.automation.run_history import failing_gates_upstream_of
from dtm_platform.defs.automation.tags import REPORTS_GROUP, TRIGGER_TAG
from dtm_platform.defs.reports.jobs import WEEKLY_REPORTS_SCHEDULE
from dtm_platform.settings import Settings


def weekly_reports_schedule(job, settings: Settings, status: dg.DefaultScheduleStatus) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=WEEKLY_REPORTS_SCHEDULE,
        job=job,
        cron_schedule=settings.reports_cron,
        execution_timezone=settings.timezone,
        default_status=status,
        description=(
            "Weekly (DTM_REPORTS_CRON): rebuild the reports, unless a gate on the marts they read is failing."
        ),
    )
    def _weekly(context: dg.ScheduleEvaluationContext):
        # A reports-only run does not rerun the marts' gates: look at their latest results.
        failing = failing_gates_upstream_of(
            context.repository_def.asset_graph, context.instance, dg.AssetSelection.groups(REPORTS_GROUP)
        )
        if failing:
            return dg.SkipReason(f"not building the reports: failing gate(s) {', '.join(failing)}")
        return dg.RunRequest(tags={TRIGGER_TAG: "schedule"})

    return _weekly

"""``weekly_reports``: the reports, with their gates, from the current marts."""

import dagster as dg

from dtm_platform.defs.automation.tags import REPORTS_GROUP

WEEKLY_REPORTS_JOB = "weekly_reports"
WEEKLY_REPORTS_SCHEDULE = "weekly_reports_schedule"  # what runs it (schedules.py)


def weekly_reports_job():
    return dg.define_asset_job(
        WEEKLY_REPORTS_JOB,
        selection=dg.AssetSelection.groups(REPORTS_GROUP),
        description="Rebuild the reports, with their gates, from the current marts.",
    )

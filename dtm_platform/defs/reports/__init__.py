"""Information products (``assets.py``), built only from marts whose gates passed, and the
weekly job and schedule that rebuild them."""

import dagster as dg

from dtm_platform.defs.automation.tags import default_statuses
from dtm_platform.defs.reports.assets import REPORTS
from dtm_platform.defs.reports.jobs import weekly_reports_job
from dtm_platform.defs.reports.schedules import weekly_reports_schedule
from dtm_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    job = weekly_reports_job()
    schedule_status, _ = default_statuses(settings.automation_on)
    return dg.Definitions(
        assets=REPORTS, jobs=[job], schedules=[weekly_reports_schedule(job, settings, schedule_status)]
    )

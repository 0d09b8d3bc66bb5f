"""The cleaning loop: returned workbooks imported before dbt reads the cleaning log, each
team's verification workbook and the supervisors' page written after the marts, and the
sensor that imports what field teams drop in the inbox."""

import dagster as dg

from dtm_platform.defs.automation.tags import default_statuses
from dtm_platform.defs.cleaning.assets import ASSETS
from dtm_platform.defs.cleaning.jobs import import_answers_job
from dtm_platform.defs.cleaning.sensors import inbox_sensor
from dtm_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    job = import_answers_job()
    _, sensor_status = default_statuses(settings.automation_on)
    return dg.Definitions(assets=ASSETS, jobs=[job], sensors=[inbox_sensor(job, sensor_status)])

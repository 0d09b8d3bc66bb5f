"""The platform runs itself: the rules every asset follows (``conditions.py``: declarative
automation below raw, freshness on raw and the marts), ``full_build`` and how it runs in two
parts (``jobs.py``), the daily schedule, and the sensors that follow new data, build what
changed after the daily sources run and alert on failed runs.

Each domain keeps its own jobs, schedules and sensors (an ingestion schedule is in ``kobo/``,
the weekly reports in ``reports/``). Schedules run in DTM_TIMEZONE. These settings are read
when the code location loads (reload it after changing them); DTM_AUTOMATION=off loads every
schedule and sensor stopped, to be started by hand in the UI.
"""

from __future__ import annotations

import dagster as dg

from dtm_platform.defs.automation.jobs import full_build_job
from dtm_platform.defs.automation.schedules import daily_full_build_schedule
from dtm_platform.defs.automation.sensors import build_what_changed_sensor, failure_sensor, follow_new_data_sensor
from dtm_platform.defs.automation.tags import default_statuses
from dtm_platform.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    schedule_status, sensor_status = default_statuses(settings.automation_on)
    return dg.Definitions(
        jobs=[full_build_job()],
        schedules=[daily_full_build_schedule(settings, schedule_status)],
        sensors=[
            follow_new_data_sensor(sensor_status),
            build_what_changed_sensor(sensor_status),
            failure_sensor(sensor_status),
        ],
    )

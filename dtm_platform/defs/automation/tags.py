"""The names every domain's jobs, schedules and sensors share: groups and run tags."""

import dagster as dg

RAW_GROUP, MARTS_GROUP, REPORTS_GROUP = "raw", "marts", "reports"

TRIGGER_TAG = "dtm/trigger"  # what started a run: schedule, new_submissions, automation, demo, cleaning_inbox
DEMO_TRIGGER = "demo"  # `dtm demo` submits both parts of its full build itself
FORM_TAG = "dtm/form"  # the form an ingestion run is for
FULL_BUILD_TAG = "dtm/full_build"  # on every run of full_build (either part, or whole)


def default_statuses(automation_on: bool) -> tuple[dg.DefaultScheduleStatus, dg.DefaultSensorStatus]:
    """How schedules and sensors load: running, or stopped to be started by hand (DTM_AUTOMATION=off)."""
    if automation_on:
        return dg.DefaultScheduleStatus.RUNNING, dg.DefaultSensorStatus.RUNNING
    return dg.DefaultScheduleStatus.STOPPED, dg.DefaultSensorStatus.STOPPED

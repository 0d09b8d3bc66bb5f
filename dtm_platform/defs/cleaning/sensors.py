"""The ``cleaning_inbox`` sensor: imports the returned verification workbooks soon after they
are dropped in DTM_HOME/cleaning/inbox."""

import dagster as dg

from dtm_platform.defs.automation.tags import TRIGGER_TAG
from dtm_platform.defs.cleaning.assets import INBOX, inbox_files
from dtm_platform.defs.resources import PlatformSettings

INBOX_SENSOR = "cleaning_inbox"


def inbox_request(settings, cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """What the inbox sensor does on one tick, and its new cursor: a run for the workbooks
    waiting, unless exactly those were already requested (a file dropped again, a newer copy
    under the same name, is a new request)."""
    files = inbox_files(settings)
    if not files:
        return dg.SkipReason(f"no returned workbook in {settings.cleaning_dir / INBOX}"), cursor
    waiting = ";".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in files)
    if cursor == waiting:
        return dg.SkipReason(f"{len(files)} workbook(s) already requested"), cursor
    return dg.RunRequest(run_key=waiting, tags={TRIGGER_TAG: INBOX_SENSOR}), waiting


def inbox_sensor(job, status: dg.DefaultSensorStatus) -> dg.SensorDefinition:
    @dg.sensor(
        name=INBOX_SENSOR,
        job=job,
        default_status=status,
        minimum_interval_seconds=60,
        description=(
            "Imports returned verification workbooks soon after they are dropped in "
            "DTM_HOME/cleaning/inbox; the automation then rebuilds the cleaned layer and the marts."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext, platform: PlatformSettings):
        result, cursor = inbox_request(platform.get(), context.cursor)
        if cursor != context.cursor:
            context.update_cursor(cursor)
        return result

    return _sensor

"""The platform's own sensors: ``follow_new_data`` (the assets' automation conditions),
``build_what_changed`` (the second part of the daily build) and ``alert_on_run_failure``."""

from __future__ import annotations

import dagster as dg

from dtm_platform import data_versions
from dtm_platform.data_versions import AFTER_TAG, CHANGED, PART_TAG, SOURCES
from dtm_platform.defs.automation.alerts import alert_payload, send_alert
from dtm_platform.defs.automation.jobs import FULL_BUILD
from dtm_platform.defs.automation.run_history import describe_failed_run
from dtm_platform.defs.automation.tags import DEMO_TRIGGER, TRIGGER_TAG
from dtm_platform.defs.resources import PlatformSettings

FAILURE_SENSOR = "alert_on_run_failure"
AUTOMATION_SENSOR = "follow_new_data"
CHANGED_SENSOR = "build_what_changed"


def follow_new_data_sensor(status: dg.DefaultSensorStatus) -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR,
        target=dg.AssetSelection.all(),
        default_status=status,
        minimum_interval_seconds=30,
        run_tags={TRIGGER_TAG: "automation"},
        description="Builds what follows new raw data (the assets' automation conditions).",
    )


IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def build_what_changed_sensor(status: dg.DefaultSensorStatus) -> dg.SensorDefinition:
    @dg.sensor(
        name=CHANGED_SENSOR,
        job_name=FULL_BUILD,
        default_status=status,
        minimum_interval_seconds=30,
        description=(
            "After a full build's sources run (daily_full_build): builds, with every gate, the "
            "assets that are not current (an input's data version, the dbt project, a seed, the "
            "settings or the day changed, or a gate did not pass), holding what a failed source "
            "stops; nothing when nothing changed."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext):
        # The cursor is the storage id of the last sources run followed.
        after = int(context.cursor) if context.cursor else 0
        finished = [
            record
            for record in context.instance.get_run_records(
                filters=dg.RunsFilter(
                    job_name=FULL_BUILD,
                    tags={PART_TAG: SOURCES},
                    statuses=[dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE],
                ),
                limit=1,
            )
            if record.storage_id > after
        ]
        if not finished:
            return dg.SkipReason("no full build's sources run finished since the last look")
        sources_run = finished[0].dagster_run
        context.update_cursor(str(finished[0].storage_id))
        if sources_run.tags.get(TRIGGER_TAG) == DEMO_TRIGGER:
            return dg.SkipReason(f"run {sources_run.run_id} is a demo's: the demo builds what follows it")
        changed = data_versions.what_changed(
            context.repository_def.get_job(FULL_BUILD), context.instance, after_run_id=sources_run.run_id
        )
        # what a queued or running run will build already (an ingestion's automation) is not asked twice
        busy = {
            key
            for run in context.instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS))
            for key in (run.asset_selection or ())
        }
        build = [key for key in changed.build if key not in busy]
        context.log.info(f"after run {sources_run.run_id}: {changed.summary()}")
        if not build:
            return dg.SkipReason(f"after run {sources_run.run_id}: {changed.summary()}")
        return dg.RunRequest(
            run_key=f"after:{sources_run.run_id}",
            asset_selection=build,
            tags={
                TRIGGER_TAG: sources_run.tags.get(TRIGGER_TAG, "schedule"),
                PART_TAG: CHANGED,
                AFTER_TAG: sources_run.run_id,
            },
        )

    return _sensor


def failure_sensor(status: dg.DefaultSensorStatus) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name=FAILURE_SENSOR,
        default_status=status,
        minimum_interval_seconds=30,
        description=(
            "Posts each failed run (the failed check or asset, what was not built, "
            "the run's link) to DTM_ALERT_WEBHOOK, or logs it."
        ),
    )
    def _sensor(context: dg.RunFailureSensorContext, platform: PlatformSettings) -> None:
        current = platform.get()  # read now: a webhook set after the code location loaded is used
        run = context.dagster_run
        failure = describe_failed_run(context.instance, run.run_id, run.job_name)
        send_alert(alert_payload(failure, current.ui_url), current.alert_webhook, logger=context.log)

    return _sensor

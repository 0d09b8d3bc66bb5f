"""The platform runs itself: schedules, sensors, declarative automation and freshness.

- Ingestion: one job per form (``ingest_<dataset>``: its raw asset, the forms' content and
  their gates) on the form's cron from the registry (hourly by default), and started early
  by the ``kobo_new_submissions`` sensor when a one-request probe shows new submissions.
- ``nightly_reconciliation`` compares every form with raw (edits, deletions, validation
  statuses); ``daily_full_build`` ingests every form and imports what officers dropped (the
  sources of ``full_build``), then ``build_what_changed`` builds, with every gate, what is not
  current (``data_versions.py``: nothing when nothing changed); ``weekly_reports`` rebuilds
  the reports unless a gate on their marts is failing.
- Everything below raw carries an AutomationCondition: it follows changed data (a new data
  version upstream, ``data_versions.py``) once the blocking checks upstream have passed, never
  while it or an asset it reads is in a run. An ingestion that found nothing new builds nothing.
- Freshness policies (warn and fail windows) on raw and marts; ``alert_on_run_failure``
  posts each failed run to DTM_ALERT_WEBHOOK.

Schedules run in DTM_TIMEZONE. These settings are read when the code location loads
(reload it after changing them); DTM_AUTOMATION=off loads every schedule and sensor
stopped, to be started by hand in the UI.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import dagster as dg

from dtm_platform import data_versions
from dtm_platform.alerts import alert_payload, send_alert
from dtm_platform.automation.run_history import describe_failed_run, failing_gates_upstream_of
from dtm_platform.data_versions import AFTER_TAG, CHANGED, PART_TAG, SOURCES
from dtm_platform.defs.jobs import FULL_BUILD, sources_of
from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.probe import FormCount, probe_form, what_changed
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import Settings, load_settings

RAW_GROUP, MARTS_GROUP, REPORTS_GROUP = "raw", "marts", "reports"
RECONCILE_JOB = "reconcile_kobo"
WEEKLY_REPORTS_JOB = "weekly_reports"
PROBE_SENSOR = "kobo_new_submissions"
FAILURE_SENSOR = "alert_on_run_failure"
AUTOMATION_SENSOR = "follow_new_data"
CHANGED_SENSOR = "build_what_changed"
TRIGGER_TAG = "dtm/trigger"  # what started a run: schedule, new_submissions, automation, demo
DEMO_TRIGGER = "demo"  # `dtm demo` submits both parts of its full build itself
FORM_TAG = "dtm/form"

# An asset it reads has new data: its data version changed since the previous tick (an
# ingestion that found nothing new materializes raw again with the same version, which is no
# news), or it will be built on this tick. As in eager()'s any_deps_updated, an update made by
# a run that also built this asset is not news either; nor is one made by a full build's
# sources run, whose second run (build_what_changed) builds what follows.
ANY_DEPS_DATA_CHANGED = dg.AutomationCondition.any_deps_match(
    (
        dg.AutomationCondition.data_version_changed()
        & ~dg.AutomationCondition.executed_with_root_target()
        & ~dg.AutomationCondition.executed_with_tags(tag_values={PART_TAG: SOURCES})
    ).with_label("data_version_changed_outside_a_full_build")
    | dg.AutomationCondition.will_be_requested()
).with_label("any_deps_data_changed")

# Below raw, an asset follows its upstream: rebuilt when the data of an asset it reads changed
# (or it went missing), once every blocking check on the assets it reads has passed, and never
# while it or one of those is in a run (eager() waits on both), so nothing builds twice at once.
# A failed gate therefore holds everything below it until the data is fixed.
FOLLOW_UPSTREAM = (
    dg.AutomationCondition.eager().replace("any_deps_updated", ANY_DEPS_DATA_CHANGED)
    & dg.AutomationCondition.all_deps_blocking_checks_passed()
).with_label("eager on changed data, after upstream gates passed")


def ingest_job_name(form: FormEntry) -> str:
    return f"ingest_{form.dataset}"


def reconcile_run_config(ingestion_assets: Iterable[dg.AssetsDefinition]) -> dict:
    """Run config switching ingestion assets to their reconciliation mode (IngestionConfig)."""
    return {"ops": {asset.op.name: {"config": {"reconcile": True}} for asset in ingestion_assets}}


# --- declarative automation and freshness, applied to the asset specs ----------------------


def freshness_policies(settings: Settings) -> dict[str, dg.FreshnessPolicy]:
    """Warn and fail windows by group: raw is fed hourly, marts at least nightly."""
    windows = {
        RAW_GROUP: ("DTM_FRESHNESS_RAW", settings.freshness_raw_warn_hours, settings.freshness_raw_fail_hours),
        MARTS_GROUP: ("DTM_FRESHNESS_MARTS", settings.freshness_marts_warn_hours, settings.freshness_marts_fail_hours),
    }
    policies = {}
    for group, (prefix, warn, fail) in windows.items():
        if not 1 / 60 <= warn < fail:
            raise ValueError(
                f"{prefix}_WARN_HOURS ({warn}) must be at least one minute and below {prefix}_FAIL_HOURS ({fail})"
            )
        policies[group] = dg.FreshnessPolicy.time_window(
            fail_window=timedelta(hours=fail), warn_window=timedelta(hours=warn)
        )
    return policies


def with_automation(assets: dg.Definitions, settings: Settings) -> dg.Definitions:
    """``assets`` with automation conditions below raw and freshness policies on raw and marts.

    Applied to the specs from outside (the dbt and ingestion assets are defined elsewhere),
    so an asset added later, a serving target for instance, follows without further wiring.
    """
    policies = freshness_policies(settings)

    def automate(spec: dg.AssetSpec) -> dg.AssetSpec:
        attributes = {}
        if spec.group_name != RAW_GROUP:
            attributes["automation_condition"] = FOLLOW_UPSTREAM
        if spec.group_name in policies:
            attributes["freshness_policy"] = policies[spec.group_name]
        return spec.replace_attributes(**attributes) if attributes else spec

    with warnings.catch_warnings():
        # Marked "preview" in 1.13; it applies the public dg.map_asset_specs to every asset.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return assets.map_asset_specs(func=automate)


# --- jobs and schedules ----------------------------------------------------------------------


def _ingest_jobs(forms: list[FormEntry], ingestion: Mapping[str, dg.AssetsDefinition]) -> dict:
    return {
        form.dataset: dg.define_asset_job(
            ingest_job_name(form),
            # The raw asset, what it needs first (the forms' content), and their gates.
            selection=dg.AssetSelection.assets(ingestion[form.dataset]).upstream(),
            description=f"Land new submissions of {form.title} in raw.{form.raw_table}, with its gate.",
            tags={FORM_TAG: form.dataset},
        )
        for form in forms
    }


def _weekly_reports_schedule(job, cron: str, common: dict) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="weekly_reports_schedule",
        job=job,
        cron_schedule=cron,
        **common,
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


def _schedules(
    settings: Settings,
    forms: list[FormEntry],
    ingest_jobs: Mapping,
    reconcile_job,
    reports_job,
    ingestion: Mapping[str, dg.AssetsDefinition],
) -> list[dg.ScheduleDefinition]:
    common = {
        "execution_timezone": settings.timezone,
        "default_status": dg.DefaultScheduleStatus.RUNNING
        if settings.automation_on
        else dg.DefaultScheduleStatus.STOPPED,
    }
    tags = {TRIGGER_TAG: "schedule"}
    return [
        *(
            dg.ScheduleDefinition(
                name=f"{ingest_job_name(form)}_schedule",
                job=ingest_jobs[form.dataset],
                cron_schedule=form.schedule,
                tags=tags,
                **common,
                description=f"Incremental ingestion of {form.title} (cron from the form registry).",
            )
            for form in forms
        ),
        dg.ScheduleDefinition(
            name="nightly_reconciliation",
            job=reconcile_job,
            cron_schedule=settings.reconcile_cron,
            run_config=reconcile_run_config(ingestion.values()),
            tags=tags,
            **common,
            description="Nightly (DTM_RECONCILE_CRON): compare every form with raw.",
        ),
        _daily_full_build_schedule(settings.full_build_cron, common),
        _weekly_reports_schedule(reports_job, settings.reports_cron, common),
    ]


def _daily_full_build_schedule(cron: str, common: dict) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="daily_full_build",
        job_name=FULL_BUILD,
        cron_schedule=cron,
        **common,
        description=(
            "Daily (DTM_FULL_BUILD_CRON): the sources of full_build (every form's ingestion, the "
            "imports, with their gates); build_what_changed then builds what is not current."
        ),
    )
    def _daily(context: dg.ScheduleEvaluationContext):
        job = context.repository_def.get_job(FULL_BUILD)
        return dg.RunRequest(asset_selection=sources_of(job), tags={TRIGGER_TAG: "schedule", PART_TAG: SOURCES})

    return _daily


# --- sensors -----------------------------------------------------------------------------------

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _build_what_changed_sensor(status: dg.DefaultSensorStatus) -> dg.SensorDefinition:
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


def _probe_client(settings: Settings) -> KoboClient:
    # A sensor tick must end within a minute: few, short retries; the next tick tries again.
    return KoboClient(
        settings.kobo_url,
        settings.kobo_token,
        timeout=min(settings.kobo_timeout_seconds, 20.0),
        max_retries=min(settings.kobo_max_retries, 2),
        max_in_flight=settings.kobo_max_in_flight,
        max_page_bytes=settings.kobo_max_page_mb * 2**20,
    )


def _look(client: KoboClient, form: FormEntry) -> FormCount | KoboError:
    try:
        return probe_form(client, form.uid)
    except KoboError as error:  # its message names the form and the URL, never the token
        return error


def _probe_sensor(
    settings: Settings,
    forms: list[FormEntry],
    ingestion: Mapping[str, dg.AssetsDefinition],
    ingest_jobs: Mapping,
    status: dg.DefaultSensorStatus,
) -> dg.SensorDefinition:
    @dg.sensor(
        name=PROBE_SENSOR,
        jobs=list(ingest_jobs.values()),
        default_status=status,
        minimum_interval_seconds=settings.probe_interval_seconds,
        description=(
            "One small request per form (its count and newest _id): starts the ingestion of "
            "forms with new submissions, in reconcile mode when only the count moved."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        # The cursor is the last look at each form, {dataset: {count, max_id}}. It moves on even
        # if the run it starts fails: the form's schedule catches up within the hour.
        seen = json.loads(context.cursor) if context.cursor else {}
        current = load_settings()  # the token and URL as they are now
        with (
            _probe_client(current) as client,
            ThreadPoolExecutor(max_workers=max(1, min(len(forms), current.kobo_max_in_flight))) as pool,
        ):
            looks = list(pool.map(lambda form: _look(client, form), forms))
        requests, unreachable = [], []
        for form, look in zip(forms, looks):
            if isinstance(look, KoboError):
                unreachable.append(form.dataset)
                context.log.warning(f"{form.dataset}: probe failed, will try again: {look}")
                continue
            previous = FormCount.from_json(seen[form.dataset]) if form.dataset in seen else None
            seen[form.dataset] = look.to_json()
            change = what_changed(previous, look)
            if change is None:
                continue
            reconcile = change == "count_changed"
            context.log.info(
                f"{form.dataset}: {look.count} submissions, newest _id {look.max_id}: "
                + ("the count moved without a new _id, reconciling" if reconcile else "new submissions")
            )
            requests.append(
                dg.RunRequest(
                    job_name=ingest_job_name(form),
                    run_key=f"{form.dataset}:{look.count}:{look.max_id}:{change}",
                    run_config=reconcile_run_config([ingestion[form.dataset]]) if reconcile else {},
                    tags={TRIGGER_TAG: "new_submissions", FORM_TAG: form.dataset},
                )
            )
        cursor = json.dumps(seen, sort_keys=True)
        if requests:
            return dg.SensorResult(run_requests=requests, cursor=cursor)
        skip = f"no new submissions on {len(forms) - len(unreachable)} form(s)"
        if unreachable:
            skip += f"; could not reach {', '.join(unreachable)}"
        return dg.SensorResult(skip_reason=skip, cursor=cursor)

    return _sensor


def _failure_sensor(status: dg.DefaultSensorStatus) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name=FAILURE_SENSOR,
        default_status=status,
        minimum_interval_seconds=30,
        description=(
            "Posts each failed run (the failed check or asset, what was not built, "
            "the run's link) to DTM_ALERT_WEBHOOK, or logs it."
        ),
    )
    def _sensor(context: dg.RunFailureSensorContext) -> None:
        current = load_settings()  # read now: a webhook set after the code location loaded is used
        run = context.dagster_run
        failure = describe_failed_run(context.instance, run.run_id, run.job_name)
        send_alert(alert_payload(failure, current.ui_url), current.alert_webhook, logger=context.log)

    return _sensor


# --- everything together -----------------------------------------------------------------------


def build_automation_defs(
    forms: list[FormEntry], ingestion_assets: Iterable[dg.AssetsDefinition], settings: Settings | None = None
) -> dg.Definitions:
    """Jobs, schedules and sensors; ``ingestion_assets`` hold the ``raw/kobo_<dataset>`` assets."""
    settings = settings or load_settings()
    by_key = {key: asset for asset in ingestion_assets for key in asset.keys}
    ingestion = {form.dataset: by_key[dg.AssetKey([RAW_GROUP, form.raw_table])] for form in forms}
    ingest_jobs = _ingest_jobs(forms, ingestion)
    reconcile_job = dg.define_asset_job(
        RECONCILE_JOB,
        selection=dg.AssetSelection.assets(*ingestion.values()).upstream(),
        description="Reconcile every form with raw: edits, deletions and validation-status changes.",
    )
    reports_job = dg.define_asset_job(
        WEEKLY_REPORTS_JOB,
        selection=dg.AssetSelection.groups(REPORTS_GROUP),
        description="Rebuild the reports, with their gates, from the current marts.",
    )
    sensor_status = dg.DefaultSensorStatus.RUNNING if settings.automation_on else dg.DefaultSensorStatus.STOPPED
    follow = dg.AutomationConditionSensorDefinition(
        AUTOMATION_SENSOR,
        target=dg.AssetSelection.all(),
        default_status=sensor_status,
        minimum_interval_seconds=30,
        run_tags={TRIGGER_TAG: "automation"},
        description="Builds what follows new raw data (the assets' automation conditions).",
    )
    return dg.Definitions(
        jobs=[*ingest_jobs.values(), reconcile_job, reports_job],
        schedules=_schedules(settings, forms, ingest_jobs, reconcile_job, reports_job, ingestion),
        sensors=[
            _probe_sensor(settings, forms, ingestion, ingest_jobs, sensor_status),
            _failure_sensor(sensor_status),
            follow,
            _build_what_changed_sensor(sensor_status),
        ],
    )

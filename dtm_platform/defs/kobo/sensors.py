"""The ``kobo_new_submissions`` sensor: one small request per form (its count and newest _id)
starts the ingestion of forms with new submissions, in reconcile mode when only the count moved."""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import dagster as dg

from dtm_platform.defs.automation.tags import FORM_TAG, TRIGGER_TAG
from dtm_platform.defs.kobo.jobs import ingest_job_name, reconcile_run_config
from dtm_platform.defs.resources import KoboApi
from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.probe import FormCount, probe_form, what_changed
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import Settings

PROBE_SENSOR = "kobo_new_submissions"


def _look(client: KoboClient, form: FormEntry) -> FormCount | KoboError:
    try:
        return probe_form(client, form.uid)
    except KoboError as error:  # its message names the form and the URL, never the token
        return error


def probe_sensor(
    settings: Settings,
    forms: list[FormEntry],
    ingestion: Mapping[str, dg.AssetsDefinition],
    jobs: Mapping,
    status: dg.DefaultSensorStatus,
) -> dg.SensorDefinition:
    @dg.sensor(
        name=PROBE_SENSOR,
        jobs=list(jobs.values()),
        default_status=status,
        minimum_interval_seconds=settings.probe_interval_seconds,
        description=(
            "One small request per form (its count and newest _id): starts the ingestion of "
            "forms with new submissions, in reconcile mode when only the count moved."
        ),
    )
    def _sensor(context: dg.SensorEvaluationContext, kobo: KoboApi) -> dg.SensorResult:
        # The cursor is the last look at each form, {dataset: {count, max_id}}. It moves on even
        # if the run it starts fails: the form's schedule catches up within the hour.
        seen = json.loads(context.cursor) if context.cursor else {}
        with (
            kobo.probe_client() as client,  # the token and URL as they are now
            ThreadPoolExecutor(max_workers=max(1, min(len(forms), client.max_in_flight))) as pool,
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

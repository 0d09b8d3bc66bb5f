"""It runs itself: schedules, the new-submissions sensor, declarative automation, freshness and
failure alerts, evaluated the way Dagster's daemon evaluates them, against the embedded
Kobo server and real runs."""

from __future__ import annotations

import json
from datetime import timedelta

import dagster as dg
import pytest

from dtm_platform.data_versions import ON_SCHEDULE_TAG, PART_TAG, SOURCES
from dtm_platform.defs import automation, reports
from dtm_platform.defs import kobo as ingestion
from dtm_platform.defs.automation.conditions import freshness_policies
from dtm_platform.defs.automation.sensors import FAILURE_SENSOR
from dtm_platform.defs.kobo.jobs import RECONCILE_JOB, ingest_job_name
from dtm_platform.defs.kobo.sensors import PROBE_SENSOR
from dtm_platform.instance import prepare_dagster_home
from dtm_platform.kobo.registry import FormEntry, load_registry
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.settings import load_settings
from tests.webhook_receiver import WebhookReceiver

LOCALITY = dg.AssetKey(["raw", "kobo_dtm_locality"])


@pytest.fixture(scope="module")
def defs():
    from dtm_platform.definitions import defs

    return defs


@pytest.fixture(scope="module")
def repo(defs):
    return defs.get_repository_def()


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


@pytest.fixture
def kobo(monkeypatch):
    """The embedded server (every synthetic form, a small locality assessment), in DTM_KOBO_URL."""
    settings = load_settings()
    with MockKoboServer(token=settings.kobo_token, seed=settings.mock_seed, localities_per_admin2=2) as server:
        monkeypatch.setenv("DTM_KOBO_URL", server.url)
        yield server


@pytest.fixture
def home(isolated_home, monkeypatch):
    path = isolated_home("automation")
    monkeypatch.setenv("DAGSTER_HOME", str(path / "dagster"))
    (path / "dagster").mkdir()
    return path


# --- 1. schedules ----------------------------------------------------------------------------


def test_every_form_is_ingested_on_its_registry_cron_and_the_rest_on_their_settings(repo):
    settings = load_settings()
    forms = load_registry(settings.forms_file)
    schedules = {s.name: s for s in repo.schedule_defs}
    for form in forms:
        schedule = schedules[f"{ingest_job_name(form)}_schedule"]
        assert (schedule.cron_schedule, schedule.job_name) == (form.schedule, ingest_job_name(form))
    expected = {
        "nightly_reconciliation": ("0 1 * * *", RECONCILE_JOB),
        "daily_full_build": ("0 3 * * *", "full_build"),
        "weekly_reports_schedule": ("0 6 * * 1", "weekly_reports"),
    }
    for name, (cron, job) in expected.items():
        assert (schedules[name].cron_schedule, schedules[name].job_name) == (cron, job)
    assert len(schedules) == len(forms) + len(expected)
    assert {s.execution_timezone for s in schedules.values()} == {"Africa/Bangui"}
    assert {s.default_status for s in schedules.values()} == {dg.DefaultScheduleStatus.RUNNING}


def test_crons_timezone_and_default_status_follow_the_settings(monkeypatch):
    monkeypatch.setenv("DTM_TIMEZONE", "Africa/Douala")
    monkeypatch.setenv("DTM_FULL_BUILD_CRON", "30 22 * * *")
    monkeypatch.setenv("DTM_RECONCILE_CRON", "15 20 * * *")
    monkeypatch.setenv("DTM_REPORTS_CRON", "0 7 * * 5")
    monkeypatch.setenv("DTM_AUTOMATION", "off")
    forms = [
        FormEntry(uid="aDaily1", dataset="daily_form", title="Daily", schedule="45 5 * * *"),
        FormEntry(uid="aHourly2", dataset="hourly_form", title="Hourly"),
    ]
    settings = load_settings()
    domains = [ingestion.build_defs(forms, settings), reports.build_defs(settings), automation.build_defs(settings)]
    schedules = {s.name: s for d in domains for s in d.schedules or []}
    assert schedules["ingest_daily_form_schedule"].cron_schedule == "45 5 * * *"
    assert schedules["ingest_hourly_form_schedule"].cron_schedule == "0 * * * *"  # the registry's default
    assert schedules["daily_full_build"].cron_schedule == "30 22 * * *"
    assert schedules["nightly_reconciliation"].cron_schedule == "15 20 * * *"
    assert schedules["weekly_reports_schedule"].cron_schedule == "0 7 * * 5"
    assert {s.execution_timezone for s in schedules.values()} == {"Africa/Douala"}
    assert {s.default_status for s in schedules.values()} == {dg.DefaultScheduleStatus.STOPPED}
    assert {s.default_status for d in domains for s in d.sensors or []} == {dg.DefaultSensorStatus.STOPPED}


def test_a_bad_cron_or_timezone_setting_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("DTM_FULL_BUILD_CRON", "every night")
    with pytest.raises(ValueError, match="DTM_FULL_BUILD_CRON"):
        load_settings()
    monkeypatch.delenv("DTM_FULL_BUILD_CRON")
    monkeypatch.setenv("DTM_TIMEZONE", "Bangui")
    with pytest.raises(ValueError, match="DTM_TIMEZONE"):
        load_settings()


def test_nightly_reconciliation_runs_every_form_in_reconcile_mode(defs, repo):
    with dg.instance_for_test() as instance:
        tick = repo.get_schedule_def("nightly_reconciliation").evaluate_tick(
            dg.build_schedule_context(instance=instance, repository_def=repo)
        )
    [request] = tick.run_requests
    job = defs.resolve_job_def(RECONCILE_JOB)
    dg.validate_run_config(job, request.run_config)  # the ingestion ops accept it (IngestionConfig)
    forms = load_registry(load_settings().forms_file)
    assert set(request.run_config["ops"]) == {f"raw__kobo_{form.dataset}" for form in forms}
    assert all(op["config"] == {"reconcile": True} for op in request.run_config["ops"].values())


def test_weekly_reports_wait_while_a_gate_on_their_marts_fails(repo, graph):
    report = dg.AssetKey(["reports", "dtm_situation_report"])
    mart = next(iter(graph.get(report).parent_keys - {report}))
    schedule = repo.get_schedule_def("weekly_reports_schedule")
    with dg.instance_for_test() as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization(mart))
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=mart, check_name="gx_suite", passed=False, severity=dg.AssetCheckSeverity.ERROR
            )
        )
        context = dg.build_schedule_context(instance=instance, repository_def=repo)
        skipped = schedule.evaluate_tick(context)
        assert not skipped.run_requests
        assert f"{mart.to_user_string()}:gx_suite" in skipped.skip_message

        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=mart, check_name="gx_suite", passed=True, severity=dg.AssetCheckSeverity.ERROR
            )
        )
        assert len(schedule.evaluate_tick(context).run_requests) == 1


# --- 3. the new-submissions sensor -----------------------------------------------------------


def test_the_sensor_starts_ingestion_only_for_forms_with_new_data(home, kobo, defs, repo):
    sensor = repo.get_sensor_def(PROBE_SENSOR)
    forms = load_registry(load_settings().forms_file)
    data_requests = lambda: [r for r in kobo.requests if "/data/" in r]  # noqa: E731

    with dg.DagsterInstance.get() as instance:

        def tick(cursor):
            before = len(data_requests())
            # the resources as the daemon gives them
            resources = repo.get_top_level_resources()
            with dg.build_sensor_context(
                instance=instance, repository_def=repo, cursor=cursor, resources=resources
            ) as context:
                result = sensor.evaluate_tick(context)
            assert len(data_requests()) - before == len(forms)  # one small request per form
            return result

        first = tick(None)  # no cursor yet: every form with submissions gets a sync
        assert sorted(r.job_name for r in first.run_requests) == sorted(ingest_job_name(f) for f in forms)
        assert all("limit=1" in r for r in data_requests())

        second = tick(first.cursor)
        assert second.run_requests == [] and "no new submissions" in second.skip_message

        site = next(f for f in forms if f.dataset == "dtm_site")
        store = kobo.forms[site.uid].store
        newest = store.get(store.max_id())
        store.receive([{**newest, "_id": newest["_id"] + 1, "_uuid": "a-new-site-visit"}])
        third = tick(second.cursor)
        [request] = third.run_requests
        assert (request.job_name, request.run_config) == ("ingest_dtm_site", {})
        assert request.tags["dtm/form"] == "dtm_site"

        # A deletion changes the count without a new _id: only reconciliation sees it.
        first_run = defs.resolve_job_def("ingest_dtm_locality").execute_in_process(instance=instance)
        assert first_run.success
        locality = next(f for f in forms if f.dataset == "dtm_locality")
        store = kobo.forms[locality.uid].store
        store.delete(next(store.iter_after(None))["_id"])
        fourth = tick(third.cursor)
        [request] = fourth.run_requests
        assert request.job_name == "ingest_dtm_locality"
        reconciled = defs.resolve_job_def(request.job_name).execute_in_process(
            instance=instance, run_config=request.run_config, tags=request.tags
        )
        assert reconciled.success
        [landed] = [
            e.materialization.metadata for e in reconciled.get_asset_materialization_events() if e.asset_key == LOCALITY
        ]
        assert landed["mode"].value == "reconcile"
        assert landed["deleted_submissions"].value == 1
        assert landed["reconcile_seconds"].value > 0  # the comparison with the whole form is timed too


def test_the_kobo_clients_retries_reach_the_runs_event_log(home, kobo, defs):
    """A data engineer reading a slow run in the UI sees why: each retry the Kobo client makes
    is a warning in the run's own event log (the platform's dagster.yaml hands the
    dtm_platform.kobo loggers to Dagster), naming the form's uid, without the token."""
    prepare_dagster_home(load_settings())
    kobo.inject(Fault("status", status=503, retry_after=0))
    with dg.DagsterInstance.get() as instance:
        run = defs.resolve_job_def("ingest_dtm_site").execute_in_process(instance=instance)
        assert run.success
        messages = [entry.user_message for entry in instance.all_logs(run.run_id)]
    retries = [message for message in messages if "retry 1/" in message]
    site = next(form for form in load_registry(load_settings().forms_file) if form.dataset == "dtm_site")
    assert len(retries) == 1 and site.uid in retries[0] and "503" in retries[0], retries
    assert not any(load_settings().kobo_token in message for message in messages)


def test_an_unreachable_server_skips_the_tick_and_keeps_the_cursor(home, kobo, repo, monkeypatch):
    sensor = repo.get_sensor_def(PROBE_SENSOR)
    monkeypatch.setenv("DTM_KOBO_TOKEN", "a-revoked-token-4411")
    with (
        dg.instance_for_test() as instance,
        dg.build_sensor_context(
            instance=instance,
            repository_def=repo,
            cursor='{"dtm_site": {"count": 3, "max_id": 9}}',
            resources=repo.get_top_level_resources(),  # as the daemon gives them
        ) as context,
    ):
        result = sensor.evaluate_tick(context)
    assert result.run_requests == []
    assert "could not reach" in result.skip_message and "a-revoked-token-4411" not in result.skip_message
    assert json.loads(result.cursor) == {"dtm_site": {"count": 3, "max_id": 9}}


# --- 2. declarative automation ---------------------------------------------------------------


def _materialize(instance, graph, key, gate_passes=True, version="1"):
    """A materialization of ``key`` with data version ``version``, and its checks' results."""
    instance.report_runless_asset_event(dg.AssetMaterialization(key, tags={"dagster/data_version": version}))
    for check in graph.get_check_keys_for_assets({key}):
        passed = gate_passes or check.name != "gx_suite"
        instance.report_runless_asset_event(
            dg.AssetCheckEvaluation(
                asset_key=key, check_name=check.name, passed=passed, severity=dg.AssetCheckSeverity.ERROR
            )
        )


def _requested(result, graph):
    return {key for key in graph.get_all_asset_keys() if result.get_num_requested(key)}


def _followers_of(source, graph):
    """What the automation rebuilds after new data in ``source``: everything below it but the
    assets their own schedule builds (the profiles' PDFs, with the weekly reports)."""
    return {
        key
        for key in graph.get_all_asset_keys()
        if source in graph.get_ancestor_asset_keys(key) and ON_SCHEDULE_TAG not in graph.get(key).tags
    }


@pytest.fixture
def built(defs, graph):
    """An instance where everything was built once and every gate passed, and the cursor
    (in memory: hundreds of events are reported)."""
    with dg.DagsterInstance.ephemeral() as instance:
        for key in graph.get_all_asset_keys():
            if graph.get(key).is_materializable:
                _materialize(instance, graph, key)
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert _requested(first, graph) == set()  # nothing new: nothing to do
        yield instance, first.cursor


def test_new_raw_data_rebuilds_everything_below_it_once(defs, graph, built):
    instance, cursor = built
    _materialize(instance, graph, LOCALITY, version="2")  # a new data version: new submissions
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)

    below = _followers_of(LOCALITY, graph)
    assert _requested(result, graph) == below
    assert {key.path[0] for key in below} >= {"staging", "cleaned", "marts", "reports"}
    assert dg.AssetKey(["reports", "dtm_site_profile_pdfs"]) not in below  # left to the weekly reports
    again = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    assert _requested(again, graph) == set()  # requested once, not on every tick


def test_an_hour_of_ingestion_with_nothing_new_launches_nothing_below_raw(defs, graph, built):
    """Every form's hourly ingestion found nothing new: raw is materialized again, with the data
    version it had. The automation sees no news and requests nothing, tick after tick."""
    instance, cursor = built
    raw = [key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "raw"]
    for _ in range(3):  # three hourly rounds of ingestion, each followed by a tick
        for key in raw:
            _materialize(instance, graph, key, version="1")
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        assert _requested(result, graph) == set()
        cursor = result.cursor
    _materialize(instance, graph, LOCALITY, version="2")  # then one form has something new
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert _requested(result, graph) == _followers_of(LOCALITY, graph)


def test_raw_updated_by_a_full_builds_sources_run_is_left_to_its_second_run(home, kobo, defs, graph, built):
    """The daily build's sources run lands new data; build_what_changed builds what follows it,
    so the automation does not ask for it too. The same data landed by an ingestion of its
    own (the hourly schedule, the new-submissions sensor) is the automation's."""
    instance, cursor = built
    store = kobo.forms[
        next(f.uid for f in load_registry(load_settings().forms_file) if f.dataset == "dtm_locality")
    ].store
    ingest = defs.resolve_job_def("ingest_dtm_locality")
    assert ingest.execute_in_process(instance=instance, tags={PART_TAG: SOURCES}).success
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert _requested(result, graph) == set()

    newest = store.get(store.max_id())
    store.receive([{**newest, "_id": newest["_id"] + 1, "_uuid": "one-more-locality"}])
    assert ingest.execute_in_process(instance=instance).success
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
    assert dg.AssetKey(["staging", "stg_kobo__dtm_locality"]) in _requested(result, graph)


def test_a_failed_gate_holds_everything_below_it_until_it_passes(defs, graph, built):
    instance, cursor = built
    _materialize(instance, graph, LOCALITY, gate_passes=False, version="2")
    held = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert _requested(held, graph) == set()

    instance.report_runless_asset_event(
        dg.AssetCheckEvaluation(
            asset_key=LOCALITY, check_name="gx_suite", passed=True, severity=dg.AssetCheckSeverity.ERROR
        )
    )
    released = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=held.cursor)
    assert dg.AssetKey(["staging", "stg_kobo__dtm_locality"]) in _requested(released, graph)


def test_nothing_is_requested_while_it_or_its_upstream_is_in_a_run(defs, graph, built):
    instance, cursor = built
    staging = dg.AssetKey(["staging", "stg_kobo__dtm_locality"])
    run = instance.create_run_for_job(
        job_def=defs.resolve_implicit_global_asset_job_def(),
        asset_selection=frozenset({staging}),
        status=dg.DagsterRunStatus.STARTED,
    )
    _materialize(instance, graph, LOCALITY, version="2")
    busy = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    assert staging not in _requested(busy, graph)  # not twice at once
    assert _requested(busy, graph).isdisjoint(graph.get(staging).child_keys)  # not from a half-built input
    assert _requested(busy, graph)  # while the rest of what follows the new data goes ahead

    instance.report_run_failed(run)
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=busy.cursor)
    assert staging in _requested(after, graph)


def test_raw_assets_are_started_by_schedules_and_the_sensor_not_by_conditions(graph):
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name == "raw" or ON_SCHEDULE_TAG in node.tags:
            assert node.automation_condition is None, key
        elif node.is_materializable:
            assert node.automation_condition is not None, key


# --- 4. freshness ----------------------------------------------------------------------------


def test_raw_and_marts_carry_warn_and_fail_windows(graph):
    seen = set()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        policy = node.freshness_policy
        if node.group_name == "raw":
            assert policy == dg.FreshnessPolicy.time_window(
                fail_window=timedelta(hours=25), warn_window=timedelta(hours=3)
            ), key
        elif node.group_name == "marts":
            assert policy == dg.FreshnessPolicy.time_window(
                fail_window=timedelta(hours=50), warn_window=timedelta(hours=26)
            ), key
        else:
            assert policy is None, key
        seen.add(node.group_name)
    assert {"raw", "marts"} <= seen


def test_freshness_windows_are_settings_and_must_make_sense(monkeypatch):
    monkeypatch.setenv("DTM_FRESHNESS_RAW_WARN_HOURS", "8")
    monkeypatch.setenv("DTM_FRESHNESS_RAW_FAIL_HOURS", "48")
    raw = freshness_policies(load_settings())["raw"]
    assert (raw.warn_window.to_timedelta(), raw.fail_window.to_timedelta()) == (timedelta(hours=8), timedelta(hours=48))
    monkeypatch.setenv("DTM_FRESHNESS_RAW_WARN_HOURS", "60")
    with pytest.raises(ValueError, match="DTM_FRESHNESS_RAW_WARN_HOURS"):
        freshness_policies(load_settings())


# --- 3. failure alerts -----------------------------------------------------------------------


def _alert_for(result, repo, instance):
    with dg.build_run_status_sensor_context(
        sensor_name=FAILURE_SENSOR,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources=repo.get_top_level_resources(),  # as the daemon gives them
    ) as context:
        repo.get_sensor_def(FAILURE_SENSOR)(context.for_run_failure())


def test_a_failed_gate_is_posted_to_the_webhook_with_the_run_link(home, defs, repo, monkeypatch, capfd):
    settings = load_settings()
    with (
        MockKoboServer(
            token=settings.kobo_token, seed=settings.mock_seed, localities_per_admin2=2, bad_batch=25
        ) as server,
        WebhookReceiver() as hook,
        dg.instance_for_test() as instance,
    ):
        monkeypatch.setenv("DTM_KOBO_URL", server.url)
        monkeypatch.setenv("DTM_UI_URL", "http://dagster.dtm-car.example")
        result = defs.resolve_job_def("ingest_dtm_locality").execute_in_process(instance=instance, raise_on_error=False)
        assert not result.success

        monkeypatch.delenv("DTM_ALERT_WEBHOOK", raising=False)
        capfd.readouterr()
        _alert_for(result, repo, instance)  # no webhook: the alert goes to the sensor's log
        logged = capfd.readouterr().err
        assert "DTM_ALERT_WEBHOOK is not set" in logged
        assert "raw/kobo_dtm_locality:gx_suite" in logged and f"/runs/{result.run_id}" in logged

        monkeypatch.setenv("DTM_ALERT_WEBHOOK", hook.url)
        _alert_for(result, repo, instance)
        assert WebhookReceiver.SECRET_PATH not in capfd.readouterr().err  # the webhook URL is a secret

    [alert] = hook.received
    assert alert["job"] == "ingest_dtm_locality"
    assert alert["run_url"] == f"http://dagster.dtm-car.example/runs/{result.run_id}"
    [check] = alert["failed_checks"]
    assert check.startswith("raw/kobo_dtm_locality:gx_suite")
    assert "on 25 rows" in check  # which expectation failed, on how many rows
    assert "raw/kobo_dtm_locality:gx_suite" in alert["text"] and alert["run_url"] in alert["text"]
    for secret in (settings.kobo_token, settings.hash_salt, WebhookReceiver.SECRET_PATH):
        assert secret not in json.dumps(alert)


def test_a_failed_asset_is_named_with_its_error_and_what_it_stopped(home, kobo, defs, repo, monkeypatch):
    monkeypatch.setenv("DTM_KOBO_TOKEN", "revoked-token-7d1c")
    with WebhookReceiver() as hook, dg.instance_for_test() as instance:
        monkeypatch.setenv("DTM_ALERT_WEBHOOK", hook.url)
        result = defs.resolve_job_def("ingest_dtm_locality").execute_in_process(instance=instance, raise_on_error=False)
        _alert_for(result, repo, instance)

    [alert] = hook.received
    assert alert["failed_assets"] == ["raw/kobo_form_content"]
    assert "raw/kobo_dtm_locality" in alert["not_built"]
    assert any("HTTP 401" in error for error in alert["errors"])
    assert "revoked-token-7d1c" not in json.dumps(alert)

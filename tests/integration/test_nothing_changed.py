"""Nothing changed, nothing rebuilt (issue 17; dtm_platform/data_versions.py), on one small home
built once and then built again as the days go:

- the first build runs as ``dtm demo`` runs it, through the run queue and a daemon, behind a
  run already in progress, and prints a line per step;
- a second full build with nothing new at the server materializes nothing below its sources
  (read from the instance's materialization events), and build_what_changed asks for nothing;
- an hour of the automation with nothing new (every form's ingestion) launches no run below raw;
- one new submission at the server rebuilds what depends on its form, and nothing else; after
  it, the automation still follows new data (the gates it waits on are not left unjudged);
- a changed seed file and an import of officers' files count as changes: what reads them is
  rebuilt.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from dataclasses import dataclass, field

import dagster as dg
import pytest

from dtm_platform import data_versions
from dtm_platform.data_versions import CHANGED, PART_TAG, SOURCES, source_keys
from dtm_platform.defs.automation.jobs import FULL_BUILD
from dtm_platform.defs.automation.sensors import CHANGED_SENSOR
from dtm_platform.defs.automation.tags import DEMO_TRIGGER, TRIGGER_TAG
from dtm_platform.defs.kobo.jobs import ingest_job_name
from dtm_platform.demo import run_full_build
from dtm_platform.drop_folder import SETTLE_SECONDS
from dtm_platform.instance import prepare_dagster_home
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.catalogue import default_forms
from dtm_platform.kobo_mock.forms import site
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.settings import load_settings

LOCALITIES = 2
SITE_RAW = dg.AssetKey(["raw", "kobo_dtm_site"])
PROFILE_PDFS = dg.AssetKey(["reports", "dtm_site_profile_pdfs"])  # built by its schedule, not by what changed


@pytest.fixture(scope="module")
def home(isolated_home):
    path = isolated_home("nothing_changed")
    patch = pytest.MonkeyPatch()
    patch.setenv("DTM_MOCK_LOCALITIES_PER_ADMIN2", str(LOCALITIES))
    yield path
    patch.undo()


@pytest.fixture(scope="module")
def defs(home):
    from dtm_platform.definitions import build_definitions

    return build_definitions()


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def below(graph):
    """Every asset below the sources (every form's ingestion and the imports)."""
    sources = source_keys(graph)
    return {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable and key not in sources}


@pytest.fixture(scope="module")
def forms(home):
    """The embedded server's forms, kept across builds: a test adds a submission to one."""
    return default_forms(load_settings().mock_seed, LOCALITIES)


@dataclass
class Blocker:
    """A run in progress when the cold build is submitted, and what the queue did meanwhile."""

    run_id: str
    queued_behind_it: list[str] = field(default_factory=list)  # the demo's runs seen queued while it ran


def hold_the_queue_then_finish(blocker: Blocker, seconds: float = 10.0) -> None:
    """While ``blocker`` is in progress, watch the demo's first run wait in the queue for
    ``seconds``; then end the blocker, as a finished run would."""
    with dg.DagsterInstance.get() as instance:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            queued = instance.get_runs(
                filters=dg.RunsFilter(tags={TRIGGER_TAG: DEMO_TRIGGER}, statuses=[dg.DagsterRunStatus.QUEUED])
            )
            if queued:
                time.sleep(seconds)
                still = instance.get_run_by_id(queued[0].run_id)
                if still.status == dg.DagsterRunStatus.QUEUED:
                    blocker.queued_behind_it.append(still.run_id)
                break
            time.sleep(0.5)
        instance.report_run_canceled(instance.get_run_by_id(blocker.run_id), message="the test's stand-in ended")


@pytest.fixture(scope="module")
def blocker(home, defs):
    """A run of full_build in progress (a stand-in: nothing executes it)."""
    prepare_dagster_home(load_settings())
    with dg.DagsterInstance.get() as instance:
        run = instance.create_run_for_job(
            job_def=defs.resolve_job_def(FULL_BUILD), status=dg.DagsterRunStatus.STARTED, tags={"dtm/test": "stand-in"}
        )
    return Blocker(run.run_id)


@pytest.fixture(scope="module")
def cold_build(forms, blocker):
    """The cold build as ``dtm demo`` runs it: through the instance's run queue and a daemon,
    behind a run already in progress; and what it printed."""
    watcher = threading.Thread(target=hold_the_queue_then_finish, args=(blocker,))
    watcher.start()
    try:
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            outcome = run_full_build(forms=forms, through_queue=True)
    finally:
        watcher.join()
    assert outcome.success, outcome.checks_failed
    assert len(outcome.run_ids) == 2 and outcome.unchanged == []
    return outcome, printed.getvalue()


@pytest.fixture(scope="module")
def cold(cold_build):
    return cold_build[0]


def test_the_demos_build_is_the_code_locations_own_and_waits_its_turn(cold_build, blocker):
    """Its runs are submitted like the UI's: the daemon launched them from the code location
    (they are listed under the job with their location), one after the other, after the run
    that was in progress; the terminal shows a line per step, not every dbt line."""
    cold, printed = cold_build
    assert blocker.queued_behind_it == [cold.run_ids[0]]
    assert f"queued, behind run(s) {blocker.run_id[:8]}" in printed
    assert "done    raw__kobo_dtm_site (" in printed and "done    dbt_marts (" in printed
    assert "Running with dbt" not in printed and "Finished running" not in printed  # dbt's log stays in the run
    with dg.DagsterInstance.get() as instance:
        runs = [instance.get_run_by_id(run_id) for run_id in cold.run_ids]
        ended = instance.get_run_record_by_id(blocker.run_id).end_time
        records = [instance.get_run_record_by_id(run_id) for run_id in cold.run_ids]
    assert all(run.job_name == FULL_BUILD and run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
    assert {run.remote_job_origin.location_name for run in runs} == {"dtm_platform.definitions"}
    assert [run.tags[PART_TAG] for run in runs] == [SOURCES, CHANGED]
    assert ended <= records[0].start_time and records[0].end_time <= records[1].start_time  # never two at once


@pytest.fixture
def instance(home):
    with dg.DagsterInstance.get() as instance:
        yield instance


@pytest.fixture
def served(forms, monkeypatch):
    with MockKoboServer(token=load_settings().kobo_token, forms=forms) as server:
        monkeypatch.setenv("DTM_KOBO_URL", server.url)
        yield server


def materialized_in(instance, run_id: str) -> set[dg.AssetKey]:
    return {
        entry.dagster_event.asset_key
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    }


def requested(result, graph) -> set[dg.AssetKey]:
    return {key for key in graph.get_all_asset_keys() if result.get_num_requested(key)}


def below_of(source: dg.AssetKey, graph, below) -> set[dg.AssetKey]:
    return {key for key in below if source in graph.get_ancestor_asset_keys(key)}


def assert_built_exactly(outcome, expected: set[dg.AssetKey], instance) -> None:
    """The second run built ``expected``, and besides it only models as of a day that turned
    (a test run across midnight)."""
    built = materialized_in(instance, outcome.run_ids[1])
    assert expected <= built, sorted(k.to_user_string() for k in expected - built)
    assert all("day" in outcome.stale[key.to_user_string()] for key in built - expected), {
        k.to_user_string(): outcome.stale[k.to_user_string()] for k in built - expected
    }
    assert {key.to_user_string() for key in built} == set(outcome.stale) - set(outcome.waiting)


def test_a_second_build_with_nothing_new_materializes_nothing_below_its_sources(cold, forms, graph, below, defs):
    second = run_full_build(forms=forms)

    assert second.success and second.checks_failed == []
    assert len(second.run_ids) == 1  # the sources' run; no second run: nothing to build
    assert set(second.unchanged) == {key.to_user_string() for key in below} and second.stale == {}
    with dg.DagsterInstance.get() as instance:
        assert materialized_in(instance, second.run_ids[0]) == source_keys(graph)
        for key in below:  # every asset below keeps the materialization of the first build
            assert instance.get_latest_materialization_event(key).run_id == cold.run_ids[1], key
        # In a deployment, the sensor following the daily build's sources run asks for nothing.
        repo = defs.get_repository_def()
        tick = repo.get_sensor_def(CHANGED_SENSOR).evaluate_tick(
            dg.build_sensor_context(instance=instance, repository_def=repo)
        )
    assert tick.run_requests == [] and "nothing changed" in tick.skip_message


def test_an_hour_of_automation_with_nothing_new_launches_no_run_below_raw(cold, served, defs, graph, instance):
    before = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert requested(before, graph) == set()
    for form in load_registry(load_settings().forms_file):  # every form's hourly ingestion
        assert defs.resolve_job_def(ingest_job_name(form)).execute_in_process(instance=instance).success
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=before.cursor)
    assert requested(after, graph) == set()


def test_one_new_submission_rebuilds_what_depends_on_its_form(cold, forms, graph, below, defs):
    store = next(form for form in forms if form.uid == site.FORM_UID).store
    newest = store.get(store.max_id())
    store.receive([{**newest, "_id": newest["_id"] + 1, "_uuid": "a-new-site-visit"}])

    outcome = run_full_build(forms=forms)

    assert outcome.success and len(outcome.run_ids) == 2
    with dg.DagsterInstance.get() as instance:
        assert_built_exactly(outcome, below_of(SITE_RAW, graph, below) - {PROFILE_PDFS}, instance)
        assert dg.AssetKey(["forms", "dtm_locality"]) not in materialized_in(instance, outcome.run_ids[1])
    # the profiles' PDFs, printed by the cold build, wait for the weekly reports: minutes of printing saved
    assert list(outcome.waiting) == [PROFILE_PDFS.to_user_string()]
    assert "built by weekly_reports_schedule" in outcome.waiting[PROFILE_PDFS.to_user_string()]


def test_a_changed_seed_and_an_import_count_as_changes(cold, forms, graph, below, monkeypatch):
    seed = dg.AssetKey(["reference", "ref_feedback_deadlines"])
    finance = dg.AssetKey(["finance", "imported_expenditures"])
    edited = data_versions.file_digest
    # the officer edits the seed (its file's content, as the build reads it, is another)
    monkeypatch.setattr(
        data_versions,
        "file_digest",
        lambda path: edited(path) + ("-edited" if path is not None and path.name == f"{seed.path[-1]}.csv" else ""),
    )
    # and the finance unit drops its export again (every payment already in the ledger: each row recorded)
    from dtm_platform.finance import synthetic
    from dtm_platform.transform.project import DBT_PROJECT_DIR

    settings = load_settings()
    inbox = settings.finance_dir / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    export = inbox / "export_finance_again.xlsx"
    export.write_bytes(synthetic.build(DBT_PROJECT_DIR / "seeds", settings.mock_seed).xlsx_bytes())
    settled = time.time() - 6 * SETTLE_SECONDS
    os.utime(export, (settled, settled))

    outcome = run_full_build(forms=forms)

    assert outcome.success and len(outcome.run_ids) == 2
    expected = {seed} | below_of(seed, graph, below) | below_of(finance, graph, below)
    with dg.DagsterInstance.get() as instance:
        assert_built_exactly(outcome, expected, instance)
    assert "changed: seed_file" in outcome.stale[seed.to_user_string()]
    assert "finance/imported_expenditures" in outcome.stale["staging/stg_finance__expenditures"]


def test_after_a_build_of_what_changed_the_automation_follows_new_data(
    cold, forms, served, defs, graph, below, instance
):
    """A build of what changed plans no gate it does not run: every asset it left alone keeps its
    gates' verdicts on its latest materialization, so a new submission landed by the form's own
    ingestion is followed below it."""
    for key in below:
        checks = [c for c in graph.get_check_keys_for_assets({key}) if graph.get(c).blocking]
        records = instance.event_log_storage.get_latest_asset_check_execution_by_key(checks)
        assert all(record.evaluation is not None for record in records.values()), key  # none planned and skipped
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    store = next(form for form in forms if form.uid == site.FORM_UID).store
    newest = store.get(store.max_id())
    store.receive([{**newest, "_id": newest["_id"] + 1, "_uuid": "another-site-visit"}])
    assert defs.resolve_job_def("ingest_dtm_site").execute_in_process(instance=instance).success
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    followed = requested(result, graph)
    assert {dg.AssetKey(["forms", "dtm_site"]), dg.AssetKey(["staging", "stg_kobo__dtm_site"])} <= followed
    assert followed <= below_of(SITE_RAW, graph, below) - {PROFILE_PDFS}

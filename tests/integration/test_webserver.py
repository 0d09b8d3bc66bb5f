"""The Dagster UI a data engineer monitors: dagster-webserver and dagster-daemon started the way
the README's Deploy section starts them, asserted through the webserver's GraphQL API.

Also where DuckDB's single-writer rule is tested for real: two runs submitted at the same
moment through the run queue must take turns on warehouse.duckdb.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.settings import MOCK_DEFAULT_TOKEN, PROJECT_ROOT, load_settings
from dtm_platform.transform.project import ensure_manifest
from tests.conftest import TEST_SALT

LOCATION = "dtm_platform.definitions"  # workspace.yaml's python_module
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 240
RUN_SECONDS = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ui:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}/graphql"

    def query(self, query: str, **variables) -> dict:
        response = httpx.post(self.url, json={"query": query, "variables": variables}, timeout=60)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    # A session of its own, so the process and the code servers it spawns stop together.
    return subprocess.Popen(
        args, cwd=PROJECT_ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


WORKSPACE_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message }
    ... on RepositoryLocation { repositories { name
      assetNodes { assetKey { path } description groupName kinds opVersion isMaterializable
        owners { __typename ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
        automationCondition { label }
        internalFreshnessPolicy { __typename ... on TimeWindowFreshnessPolicy { failWindowSeconds warnWindowSeconds } }
        assetChecksOrError { __typename ... on AssetChecks { checks { name blocking } } } }
      schedules { name cronSchedule executionTimezone }
      sensors { name sensorType }
      jobs { name } } } } } } } }"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """Embedded Kobo server, DAGSTER_HOME prepared, then dagster-webserver and dagster-daemon."""
    ensure_manifest(
        load_registry(load_settings().forms_file)
    )  # parse dbt once here, not in each process that loads the code location
    home = tmp_path_factory.mktemp("ui")
    with MockKoboServer(token=MOCK_DEFAULT_TOKEN, localities_per_admin2=2) as kobo:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DTM_", "DAGSTER_"))}
        env.update(
            DTM_HOME=str(home),
            DAGSTER_HOME=str(home / "dagster"),
            DTM_KOBO_URL=kobo.url,
            DTM_HASH_SALT=TEST_SALT,
            DTM_AUTOMATION="off",
            GX_ANALYTICS_ENABLED="false",
            FRESHNESS_DAEMON_INTERVAL_SECONDS="2",
        )
        # The Deploy section's first step: prepare DAGSTER_HOME and its storage, once.
        subprocess.run(
            [sys.executable, "-m", "dtm_platform.instance"], env=env, cwd=PROJECT_ROOT, check=True, capture_output=True
        )
        port = free_port()
        web = _start(
            [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            env,
            home / "webserver.log",
        )
        daemon = _start([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], env, home / "daemon.log")
        try:
            ui = Ui(port)
            yield ui, kobo, _wait_for_location(ui, home)
        finally:
            _stop(daemon)
            _stop(web)


def _wait_for_location(ui: Ui, home: Path) -> dict:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            entries = ui.query(WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
        except (httpx.HTTPError, AssertionError):
            entries = []
        if entries and entries[0]["loadStatus"] == "LOADED":
            location = entries[0]["locationOrLoadError"]
            assert location["__typename"] == "RepositoryLocation", location
            return location["repositories"][0]
        time.sleep(1)
    pytest.fail(f"the code location did not load; see {home / 'webserver.log'}")


@pytest.fixture(scope="module")
def expected():
    from dtm_platform.definitions import defs

    repo = defs.get_repository_def()
    graph = defs.resolve_asset_graph()
    return {
        "assets": {key.to_user_string() for key in graph.get_all_asset_keys()},
        "checks": {f"{key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys},
        "schedules": {s.name for s in repo.schedule_defs},
        "sensors": {s.name for s in repo.sensor_defs},
        "jobs": set(repo.job_names),
    }


def nodes_by_key(repo: dict) -> dict[str, dict]:
    return {"/".join(n["assetKey"]["path"]): n for n in repo["assetNodes"]}


def test_the_code_location_loads_every_asset_check_schedule_and_sensor(platform, expected):
    _, _, repo = platform
    nodes = nodes_by_key(repo)
    assert set(nodes) == expected["assets"]
    checks = {f"{key}:{c['name']}" for key, n in nodes.items() for c in n["assetChecksOrError"].get("checks", [])}
    assert checks == expected["checks"]
    assert {s["name"] for s in repo["schedules"]} == expected["schedules"]
    assert {s["name"] for s in repo["sensors"]} == expected["sensors"]
    assert {j["name"] for j in repo["jobs"]} == expected["jobs"]
    assert {"daily_full_build", "nightly_reconciliation", "weekly_reports_schedule"} <= expected["schedules"]
    assert {"kobo_new_submissions", "alert_on_run_failure", "follow_new_data"} <= expected["sensors"]
    assert {s["executionTimezone"] for s in repo["schedules"]} == {"Africa/Bangui"}


def test_every_asset_is_described_owned_grouped_kinded_and_versioned(platform):
    _, _, repo = platform
    for key, node in nodes_by_key(repo).items():
        assert node["description"] and len(node["description"]) > 20, key
        assert node["owners"], key
        assert node["groupName"] == key.split("/")[0], key
        assert node["kinds"], key
        assert node["opVersion"], key  # code version
        assert node["assetChecksOrError"]["checks"], key  # every asset is gated


def test_freshness_windows_and_automation_conditions_show_in_the_ui(platform):
    _, _, repo = platform
    for key, node in nodes_by_key(repo).items():
        layer = key.split("/")[0]
        policy = node["internalFreshnessPolicy"]
        if layer in ("raw", "marts"):
            assert policy["__typename"] == "TimeWindowFreshnessPolicy", key
            assert 0 < policy["warnWindowSeconds"] < policy["failWindowSeconds"], key
        else:
            assert policy is None, key
        condition = node["automationCondition"]
        # raw is started by schedules and the sensor; the profiles' PDFs by the weekly reports
        assert (condition is None) == (layer == "raw" or key == "reports/dtm_site_profile_pdfs"), key
        if condition:
            assert condition["label"] == "eager on changed data, after upstream gates passed"


LAUNCH = """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
  ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on InvalidSubsetError { message } ... on RunConfigValidationInvalid { errors { message } } } }"""
RUN = """query($id: ID!) { runOrError(runId: $id) { ... on Run { runId status creationTime startTime endTime
  stepStats { stepKey status startTime endTime } } } }"""
SEEDS = [["reference", "ref_admin_pcodes"], ["reference", "ref_dq_rules"]]


def _launch(ui: Ui, job: str, assets: list[list[str]] | None = None) -> str:
    selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", "jobName": job}
    if assets:
        selector["assetSelection"] = [{"path": path} for path in assets]
    result = ui.query(LAUNCH, p={"selector": selector, "runConfigData": {}})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


@pytest.fixture(scope="module")
def overlapping_runs(platform):
    """An ingestion run (slowed down by the Kobo server) and a dbt run (the seeds, as the UI's
    Materialize button starts it), submitted together."""
    ui, kobo, _ = platform
    kobo.inject(Fault("delay", seconds=4))  # the ingestion's first data page takes 4 s
    run_ids = [_launch(ui, "ingest_dtm_locality"), _launch(ui, "__ASSET_JOB", SEEDS)]
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        runs = [ui.query(RUN, id=run_id)["runOrError"] for run_id in run_ids]
        if all(run["status"] in ("SUCCESS", "FAILURE", "CANCELED") for run in runs):
            return ui, runs
        time.sleep(1)
    pytest.fail(f"runs still going after {RUN_SECONDS}s: {[r['status'] for r in runs]}")


FAILURES = """query($id: ID!) { logsForRun(runId: $id) { ... on EventConnection { events { __typename
  ... on ExecutionStepFailureEvent { stepKey error { message } } } } } }"""


def _step_failures(ui: Ui, run_id: str) -> list[str]:
    events = ui.query(FAILURES, id=run_id)["logsForRun"]["events"]
    return [f"{e['stepKey']}: {e['error']['message'][:500]}" for e in events if e.get("stepKey")]


def test_two_runs_submitted_together_never_write_the_warehouse_at_once(overlapping_runs):
    ui, runs = overlapping_runs
    assert [run["status"] for run in runs] == ["SUCCESS", "SUCCESS"], [_step_failures(ui, run["runId"]) for run in runs]
    assert abs(runs[0]["creationTime"] - runs[1]["creationTime"]) < 5  # they did compete
    steps = sorted((s["startTime"], s["endTime"], s["stepKey"]) for run in runs for s in run["stepStats"])
    assert len(steps) >= 4
    for (_, end, first), (start, _, second) in itertools.pairwise(steps):
        assert start >= end, f"{second} started before {first} ended"
    first_run, second_run = sorted(runs, key=lambda run: run["startTime"])
    assert second_run["startTime"] >= first_run["endTime"]  # the second waited in the queue


MATERIALIZATIONS = """query($keys: [AssetKeyInput!]) { assetNodes(assetKeys: $keys) { assetKey { path }
  freshnessStatusInfo { freshnessStatus }
  assetMaterializations(limit: 1) { runId metadataEntries { label __typename
    ... on IntMetadataEntry { intValue } ... on TextMetadataEntry { text } } }
  assetChecksOrError { ... on AssetChecks { checks { name executionForLatestMaterialization { status
    evaluation { success metadataEntries { label } } } } } } } }"""


def _node(ui: Ui, path: list[str]) -> dict:
    [node] = ui.query(MATERIALIZATIONS, keys=[{"path": path}])["assetNodes"]
    return node


def _metadata(node: dict) -> dict:
    [materialization] = node["assetMaterializations"]
    return {e["label"]: e.get("intValue", e.get("text")) for e in materialization["metadataEntries"]}


def test_materializations_and_checks_carry_their_results(overlapping_runs):
    ui, _ = overlapping_runs
    raw = _metadata(_node(ui, ["raw", "kobo_dtm_locality"]))
    assert raw["new_submissions"] > 0 and raw["total_rows"] == raw["new_submissions"]
    assert raw["last_submission_time"].startswith("20")
    assert raw["deleted_in_raw"] == 0

    seeds = _node(ui, ["reference", "ref_admin_pcodes"])
    pcodes = (PROJECT_ROOT / "dbt_project" / "seeds" / "ref_admin_pcodes.csv").read_text().strip().splitlines()
    assert _metadata(seeds)["dagster/row_count"] == len(pcodes) - 1  # dbt models and seeds are counted

    gates = {c["name"]: c["executionForLatestMaterialization"] for c in seeds["assetChecksOrError"]["checks"]}
    assert gates["gx_suite"]["status"] == "SUCCEEDED"
    assert "rows_validated" in {e["label"] for e in gates["gx_suite"]["evaluation"]["metadataEntries"]}
    assert all(run and run["status"] == "SUCCEEDED" for run in gates.values())  # dbt tests too


def test_the_daemon_evaluates_freshness(overlapping_runs):
    ui, _ = overlapping_runs
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        raw = _node(ui, ["raw", "kobo_dtm_locality"])["freshnessStatusInfo"]["freshnessStatus"]
        if raw == "HEALTHY":
            break
        time.sleep(1)
    assert raw == "HEALTHY"  # materialized within its warn window
    mart = _node(ui, ["marts", "dtm_idp_returnees_by_admin2"])["freshnessStatusInfo"]["freshnessStatus"]
    assert mart != "HEALTHY"  # never built: not fresh

"""The process killed (SIGKILL, no cleanup) in the middle of the work: the next run loses and
duplicates nothing, and the warehouse still opens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import land_form_content, land_new_submissions
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.settings import PROJECT_ROOT
from dtm_platform.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_subprocess_environment, dbt_vars

TOKEN = "crash-token"
FORMS = load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml")
FORM = next(f for f in FORMS if f.dataset == "dtm_locality")

LANDING_SCRIPT = """
import sys, duckdb
from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.registry import load_registry
url, token, warehouse, registry = sys.argv[1:5]
form = next(f for f in load_registry(registry) if f.dataset == "dtm_locality")
with KoboClient(url, token, page_size=50) as client, duckdb.connect(warehouse) as con:
    # a batch per page (the default is 5,000 rows), so this small form lands page by page
    land_new_submissions(con, client, form, progress=lambda n: print(n, flush=True), batch_rows=50)
"""


def test_killed_during_ingestion_the_rerun_lands_exactly_the_servers_submissions(tmp_path):
    dataset = generate(5, localities_per_admin2=2)
    warehouse = tmp_path / "warehouse.duckdb"
    with MockKoboServer(token=TOKEN, datasets={FORM.uid: dataset}) as server:
        server.inject(Fault("delay", seconds=0.2, times=1000))  # a slow server: the kill lands mid-run
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                LANDING_SCRIPT,
                server.url,
                TOKEN,
                str(warehouse),
                str(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml"),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        landed_before_kill = 0
        while landed_before_kill < 150:  # wait for three pages to have landed
            line = process.stdout.readline()
            assert line, "the landing process ended before it could be killed"
            landed_before_kill = int(line)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        server.faults.clear()

        with duckdb.connect(str(warehouse)) as con:  # the warehouse opens after the kill
            partial = con.execute(f"select count(*) from raw.{FORM.raw_table}").fetchone()[0]
            assert 150 <= partial < len(dataset.submissions)
            with KoboClient(server.url, TOKEN, page_size=50) as client:
                land_new_submissions(con, client, FORM)
            ids = [r[0] for r in con.execute(f"select _id from raw.{FORM.raw_table} order by _id").fetchall()]
            payloads = dict(con.execute(f"select _id, payload from raw.{FORM.raw_table}").fetchall())
    assert ids == [s["_id"] for s in dataset.submissions]
    assert all(json.loads(payloads[s["_id"]]) == s for s in dataset.submissions)


def _dbt_build(warehouse: Path, target: Path) -> subprocess.Popen:
    env = dbt_subprocess_environment(FORMS, warehouse)
    return subprocess.Popen(
        [
            DBT_EXECUTABLE,
            "build",
            "--vars",
            dbt_vars(FORMS),
            "--exclude",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_killed_during_the_dbt_build_the_next_build_completes(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with (
        MockKoboServer(token=TOKEN) as server,
        KoboClient(server.url, TOKEN) as client,
        duckdb.connect(str(warehouse)) as con,
    ):
        for form in FORMS:
            land_form_content(con, client, form)
            land_new_submissions(con, client, form)

    process = _dbt_build(warehouse, tmp_path / "target_killed")
    started_models = 0
    deadline = time.monotonic() + 120
    while started_models < 8 and time.monotonic() < deadline:  # well inside the build
        line = process.stdout.readline()
        if not line:
            break
        started_models += " OK created " in line
    assert process.poll() is None, "dbt finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()

    rerun = _dbt_build(warehouse, tmp_path / "target_rerun")
    output, _ = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, output[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.dtm_idp_returnees_by_admin2").fetchone()[0] > 0
        raw = con.execute(f"select count(*) from raw.{FORM.raw_table}").fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_kobo__dtm_locality").fetchone()[0]
    assert raw == staged == len(generate().submissions)


@pytest.fixture(autouse=True)
def _no_leftover_processes():
    yield
    # a failed assertion above must not leave a landing or dbt process behind
    subprocess.run(["pkill", "-9", "-f", "crash-token"], check=False)

"""The DuckLake warehouse (DTM_WAREHOUSE=ducklake) with several writers: its catalog in a
Postgres database of each test's own, its Parquet files under the test's folder.

Two forms' ingestion at once lands every submission once; a commit that conflicts with
another writer's is tried again on the new snapshot; a connection and its cursors see the
lake as the default catalog, as the platform's SQL expects.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.settings import PROJECT_ROOT, load_settings
from dtm_platform.warehouse import (
    DuckLake,
    connect_duckdb,
    create_warehouse,
    cursor,
    retry_on_conflict,
    transaction_retrying,
)
from tests.postgres_server import temporary_lake

TOKEN = "lake-token"
FORMS = {f.dataset: f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml")}


@pytest.fixture
def lake(tmp_path):
    with temporary_lake(tmp_path / "lake") as env:
        lake = DuckLake(env["DTM_DUCKLAKE_CATALOG"], env["DTM_DUCKLAKE_DATA_PATH"])
        create_warehouse(lake)  # its catalog's tables, as `python -m dtm_platform.instance` makes them before any run
        yield lake


def test_the_settings_select_the_lake_and_require_its_catalog(monkeypatch, tmp_path):
    monkeypatch.setenv("DTM_HOME", str(tmp_path))
    monkeypatch.setenv("DTM_WAREHOUSE", "ducklake")
    monkeypatch.delenv("DTM_DUCKLAKE_CATALOG", raising=False)
    with pytest.raises(ValueError, match="DTM_WAREHOUSE=ducklake needs DTM_DUCKLAKE_CATALOG"):
        load_settings()
    monkeypatch.setenv("DTM_DUCKLAKE_CATALOG", "dbname=lake host=db user=dtm password=pw-not-shown")
    settings = load_settings()
    assert settings.warehouse == DuckLake(settings.ducklake_catalog, str(tmp_path / "lake"))
    assert "pw-not-shown" not in repr(settings) and "pw-not-shown" not in repr(settings.warehouse)
    monkeypatch.delenv("DTM_WAREHOUSE")
    assert load_settings().warehouse == tmp_path / "warehouse.duckdb"


def test_a_connection_and_its_cursors_use_the_lake_as_default_catalog(lake):
    with connect_duckdb(lake) as con:
        con.execute("create table raw.t as select 1 as x")  # raw: made with the lake (create_warehouse)
        other_thread = cursor(con)
        assert other_thread.execute("select x from raw.t").fetchall() == [(1,)]
        assert other_thread.execute("select current_database()").fetchone() == ("lake",)
    with connect_duckdb(lake, read_only=True) as reader:
        assert reader.execute("select x from raw.t").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            reader.execute("insert into raw.t values (2)")


def test_a_conflicting_commit_is_tried_again_on_the_new_snapshot(lake, caplog):
    first, second = connect_duckdb(lake), connect_duckdb(lake)
    attempts = []

    def create_shared_table():
        attempts.append(1)
        second.execute("create schema if not exists raw")
        second.execute("create table if not exists raw.shared (x integer)")
        if len(attempts) == 1:  # another writer creates it meanwhile, and commits first
            first.execute("create schema if not exists raw; create table if not exists raw.shared (x integer)")

    with caplog.at_level(logging.WARNING, logger="dtm_platform.warehouse"):
        transaction_retrying(second, create_shared_table, "creating raw.shared")
    assert len(attempts) == 2
    assert "creating raw.shared: commit conflicted with another writer's" in caplog.text
    assert second.execute("select count(*) from raw.shared").fetchone() == (0,)

    def always_conflicting():
        raise duckdb.TransactionException("Failed to commit DuckLake transaction")

    with pytest.raises(duckdb.TransactionException):
        retry_on_conflict(always_conflicting, "hopeless", attempts=2)


def test_two_forms_land_at_once_into_one_lake_with_nothing_lost_or_doubled(lake):
    forms = [FORMS["dtm_locality"], FORMS["me_feedback"]]
    start = threading.Barrier(len(forms), timeout=60)  # a failing side breaks it, not hangs it

    def land(form):
        with connect_duckdb(lake) as con, KoboClient(server.url, TOKEN, page_size=100, backoff_base=0.01) as client:
            start.wait()  # both create raw's shared tables at the same moment on the empty lake
            return land_new_submissions(con, client, form, batch_rows=200).new_submissions

    with MockKoboServer(token=TOKEN, localities_per_admin2=2) as server, ThreadPoolExecutor(len(forms)) as pool:
        served = {f.dataset: sorted(s["_id"] for s in server.forms[f.uid].submissions) for f in forms}
        first = dict(zip([f.dataset for f in forms], pool.map(land, forms), strict=True))
        again = list(pool.map(land, forms))
    assert first == {dataset: len(ids) for dataset, ids in served.items()}
    assert again == [0, 0]
    with connect_duckdb(lake, read_only=True) as con:
        for form in forms:
            landed = [r[0] for r in con.execute(f"select _id from raw.{form.raw_table} order by _id").fetchall()]
            assert landed == served[form.dataset], form.dataset
        runs = con.execute("select dataset, count(*) from raw.kobo_sync_log group by 1 order by 1").fetchall()
    assert runs == [("dtm_locality", 2), ("me_feedback", 2)]

"""DTM_DAGSTER_POSTGRES_URL moves the Dagster instance's storage to Postgres (dagster-postgres),
against the server on 127.0.0.1:5432, without its password ever reaching a file."""

from __future__ import annotations

import uuid

import dagster as dg
import psycopg
import pytest

from dtm_platform.instance import init_storage
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.settings import load_settings
from tests.postgres_server import SERVER, require_postgres

PASSWORD = "pw-never-on-disk-31c9"  # the server trusts local connections; the password must still not leak


@pytest.fixture(autouse=True)
def _postgres_server():
    require_postgres()


@pytest.fixture
def database():
    name = f"dtm_dagster_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(f'create database "{name}"')
    yield name
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def postgres_home(isolated_home, database, monkeypatch):
    home = isolated_home("dagster_postgres")
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))  # restored after the test
    monkeypatch.setenv(
        "DTM_DAGSTER_POSTGRES_URL", f"postgresql+psycopg2://postgres:{PASSWORD}@127.0.0.1:5432/{database}"
    )
    init_storage(load_settings())
    return home, database


def test_the_instance_stores_runs_events_and_schedules_in_postgres(postgres_home):
    _home, database = postgres_home
    with dg.DagsterInstance.get() as instance:
        storages = {
            type(instance.run_storage).__name__,
            type(instance.event_log_storage).__name__,
            type(instance.schedule_storage).__name__,
        }
        assert storages == {"PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"}
        # The single-writer rule holds with Postgres storage too.
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    with psycopg.connect(f"{SERVER}/{database}") as con:
        tables = {r[0] for r in con.execute("select tablename from pg_tables where schemaname = 'public'")}
    assert {"runs", "event_logs", "jobs", "job_ticks", "concurrency_limits"} <= tables


def test_a_platform_run_lands_in_postgres_and_the_password_never_reaches_disk(postgres_home, monkeypatch):
    home, database = postgres_home
    from dtm_platform.definitions import defs

    settings = load_settings()
    with MockKoboServer(token=settings.kobo_token, seed=settings.mock_seed, localities_per_admin2=2) as kobo:
        monkeypatch.setenv("DTM_KOBO_URL", kobo.url)
        with dg.DagsterInstance.get() as instance:
            result = defs.resolve_job_def("ingest_dtm_locality").execute_in_process(instance=instance)
    assert result.success

    with psycopg.connect(f"{SERVER}/{database}") as con:
        status = con.execute("select status from runs where run_id = %s", [result.run_id]).fetchone()
        materialized = con.execute(
            "select count(*) from event_logs where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION' "
            "and asset_key = %s",
            [result.run_id, dg.AssetKey(["raw", "kobo_dtm_locality"]).to_string()],
        ).fetchone()
    assert status == ("SUCCESS",)
    assert materialized == (1,)

    config = (home / "dagster" / "dagster.yaml").read_text()
    assert "env: DTM_DAGSTER_POSTGRES_URL" in config
    for path in home.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_without_the_url_the_instance_uses_sqlite_under_dtm_home(isolated_home, monkeypatch):
    home = isolated_home("dagster_sqlite")
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("DTM_DAGSTER_POSTGRES_URL", raising=False)
    assert init_storage(load_settings()) == home / "dagster"
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
    assert (home / "dagster" / "history" / "runs.db").exists()


def test_a_url_without_the_psycopg2_driver_is_refused_without_echoing_it(isolated_home, monkeypatch):
    home = isolated_home("dagster_bad_url")
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("DTM_DAGSTER_POSTGRES_URL", f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/x")
    with pytest.raises(ValueError, match=r"postgresql\+psycopg2://") as refused:
        init_storage(load_settings())
    assert PASSWORD not in str(refused.value)

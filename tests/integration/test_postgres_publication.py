"""Publication to the PostgreSQL server on 127.0.0.1:5432: a throwaway database and reader
role per test, the marts swapped in within one transaction, and a reader role that reads
the marts and nothing else."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import duckdb
import psycopg
import pytest
from psycopg import errors, sql

from dtm_platform.serving.inventory import PublicationRefused
from dtm_platform.serving.personal import load_personal_fields
from dtm_platform.serving.postgres import PostgresPublicationError, publish_to_postgres
from tests.postgres_server import SERVER, require_postgres
from tests.serving_warehouse import ADMIN2, COLUMN_DESCRIPTIONS, FORMS, MART_DESCRIPTION, make_warehouse
from tests.serving_warehouse import MARTS as SERVING_MARTS

MARTS = set(SERVING_MARTS)
BASE_IDPS = sum(row[6] for row in ADMIN2)


@pytest.fixture(autouse=True)
def _postgres_server():
    require_postgres()


@pytest.fixture
def database():
    """A throwaway database holding, besides what we publish, the kind of schemas that must
    never reach the reader: raw, staging and cleaned copies, and a table in public."""
    name = f"dtm_serving_test_{uuid.uuid4().hex[:10]}"
    role = f"dtm_reader_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    with psycopg.connect(f"{SERVER}/{name}", autocommit=True) as con:
        for schema in ("raw", "staging", "cleaned"):
            con.execute(f"create schema {schema}")
            con.execute(f"create table {schema}.informants as select 'Awa Ngaikoisset'::text as informant_name")
        con.execute("create table public.internal_notes as select 1 as id")
    yield f"{SERVER}/{name}", role
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


@pytest.fixture
def warehouse(tmp_path):
    return make_warehouse(tmp_path / "warehouse.duckdb")


def publish(warehouse, url, role, bump=None, **options):
    if bump is not None:
        make_warehouse(warehouse, bump=bump)
    return publish_to_postgres(
        warehouse,
        url,
        reader_role=role,
        min_count=5,
        personal=load_personal_fields(warehouse, FORMS),
        run_id=f"run-{bump}",
        refreshed_at=datetime.now(UTC),
        **options,
    )


def schemas(url) -> set[str]:
    with psycopg.connect(url) as con:
        return {
            r[0]
            for r in con.execute(
                "select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'"
            )
        }


def idps(con) -> int:
    return int(con.execute("select sum(idp_individuals) from marts.dtm_idp_returnees_by_admin2").fetchone()[0])


def test_publishing_twice_swaps_in_the_new_marts_and_leaves_nothing_behind(database, warehouse):
    url, role = database
    first = publish(warehouse, url, role)
    assert first.retired is None and "dtm_serving_test_" in first.target and "@" not in first.target
    second = publish(warehouse, url, role, bump=1000)
    assert second.retired and second.retired_left == []
    assert schemas(url) == {"marts", "public", "raw", "staging", "cleaned"}  # no new or previous schema left
    with psycopg.connect(url) as con:
        tables = {
            r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        }
        assert tables == MARTS
        assert idps(con) == BASE_IDPS + 1000 * len(ADMIN2)
        assert con.execute(
            "select count(*) filter (where is_suppressed), count(*) filter (where is_suppressed "
            "and satisfied_count is not null) from marts.me_pdm_satisfaction"
        ).fetchone() == (2, 0)
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'dtm_idp_returnees_by_admin2'"
            )
        )
        assert types["idp_individuals"] == "bigint" and types["admin1_name"] == "text"
        assert "run-1000" in con.execute("select obj_description('marts.me_pdm_satisfaction'::regclass)").fetchone()[0]
        # the dbt docs travel to Power BI and SQL users as table and column comments
        assert (
            con.execute("select obj_description('marts.dtm_idp_returnees_by_admin2'::regclass)")
            .fetchone()[0]
            .startswith(MART_DESCRIPTION)
        )
        comments = dict(
            con.execute(
                "select a.attname, col_description(a.attrelid, a.attnum) from pg_attribute a "
                "where a.attrelid = 'marts.dtm_idp_returnees_by_admin2'::regclass and a.attnum > 0 "
                "and col_description(a.attrelid, a.attnum) is not null"
            ).fetchall()
        )
        assert comments == COLUMN_DESCRIPTIONS
    for item in second.published:
        assert item.problems() == [] and item.source_schema == "marts"
        extra = dict(item.extra)
        # the test server lets PUBLIC connect to postgres and template1: an administrator's step
        assert extra.pop("reader_other_databases") >= 2
        assert extra == {
            "reader_can_select": True,
            "reader_can_write": False,
            "reader_can_create": False,
            "reader_other_tables": 0,
            "reader_can_temp": False,
            "reader_statement_timeout_seconds": 300,
        }
    assert {item.table_name: item.suppressed_rows for item in second.published}["me_pdm_satisfaction"] == 2


def test_the_reader_role_reads_the_marts_and_nothing_else(database, warehouse):
    url, role = database
    publish(warehouse, url, role)
    with psycopg.connect(url, autocommit=True) as con:
        assert con.execute("select rolcanlogin from pg_roles where rolname = %s", [role]).fetchone() == (False,)
        con.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
        for table in MARTS:
            assert con.execute(f"select count(*) from marts.{table}").fetchone()[0] > 0
        refused = [
            "insert into marts.dtm_idp_returnees_by_admin2 (round) values (99)",
            "update marts.dtm_idp_returnees_by_admin2 set idp_individuals = 0",
            "delete from marts.me_pdm_satisfaction",
            "truncate marts.dtm_displacement_reasons",
            "drop table marts.dtm_displacement_reasons",
            "alter table marts.dtm_displacement_reasons add column x int",
            "create table marts.mine (x int)",
            "create table public.mine (x int)",
            "create schema mine",
            "create view public.v as select 1",
            "select * from raw.informants",
            "select * from staging.informants",
            "select * from cleaned.informants",
            "select * from public.internal_notes",
            "create temporary table mine (x int)",
            "create function pg_temp.mine() returns int language sql as 'select 1'",
        ]
        for statement in refused:
            with pytest.raises((errors.InsufficientPrivilege, errors.UndefinedTable)):
                con.execute(statement)
        # what the catalog shows the role: the marts and nothing else
        visible = {
            r[0]
            for r in con.execute(
                "select table_schema from information_schema.tables "
                "where table_schema not in ('pg_catalog', 'information_schema')"
            )
        }
        assert visible == {"marts"}
        con.execute("reset role")


def test_a_reader_login_starts_with_the_statement_timeout_and_the_publisher_does_not(database, warehouse, monkeypatch):
    url, role = database
    publish(warehouse, url, role, reader_timeout_seconds=1)
    login = f"dtm_powerbi_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql.SQL("create role {} login in role {}").format(sql.Identifier(login), sql.Identifier(role)))
    try:
        # Power BI's login is a member of the reader role: the database's setting reaches it
        with psycopg.connect(url.replace("://postgres@", f"://{login}@"), autocommit=True) as con:
            assert con.execute("show statement_timeout").fetchone() == ("1s",)
            with pytest.raises(errors.QueryCanceled):
                con.execute("select pg_sleep(2)")
            assert con.execute("select count(*) from marts.dtm_idp_returnees_by_admin2").fetchone()[0] > 0
        # a publication holding one statement (COPY) longer than the readers' timeout finishes
        original_write_row, held = psycopg.Copy.write_row, []

        def slow_write_row(self, row):
            if not held:
                held.append(True)
                time.sleep(1.5)
            return original_write_row(self, row)

        monkeypatch.setattr(psycopg.Copy, "write_row", slow_write_row)
        result = publish(warehouse, url, role, bump=1000, reader_timeout_seconds=1)
        assert (
            held
            and result.published
            and all(i.extra["reader_statement_timeout_seconds"] == 1 for i in result.published)
        )
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(sql.SQL("drop role {}").format(sql.Identifier(login)))


def test_what_the_owner_may_not_change_is_warned_about_and_measured(database, warehouse):
    """A publishing login that owns the database but may not alter roles: the reader's own
    setting is skipped with a warning, the database's timeout and the TEMP revoke still hold."""
    url, role = database
    publisher = f"dtm_publisher_test_{uuid.uuid4().hex[:8]}"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql.SQL("create role {} login").format(sql.Identifier(publisher)))
        con.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
        con.execute(sql.SQL("alter database {} owner to {}").format(sql.Identifier(name), sql.Identifier(publisher)))
        con.execute(sql.SQL("alter schema public owner to {}").format(sql.Identifier(publisher)))
    warnings: list[str] = []
    try:
        result = publish(warehouse, f"postgresql://{publisher}@127.0.0.1:5432/{name}", role, warn=warnings.append)
        assert any("reader role's statement_timeout" in w for w in warnings), warnings
        assert any("may connect to other databases" in w and "postgres" in w for w in warnings), warnings
        for item in result.published:
            assert item.extra["reader_can_temp"] is False and item.extra["reader_statement_timeout_seconds"] == 300
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
            con.execute(sql.SQL("alter database {} owner to postgres").format(sql.Identifier(name)))
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(sql.SQL("reassign owned by {} to postgres").format(sql.Identifier(publisher)))
            con.execute(sql.SQL("drop owned by {}").format(sql.Identifier(publisher)))
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
            con.execute(sql.SQL("drop role {}").format(sql.Identifier(publisher)))


def test_a_reader_transaction_open_during_a_publication_keeps_working_and_then_sees_the_new_data(database, warehouse):
    url, role = database
    publish(warehouse, url, role)
    with psycopg.connect(url) as reader:  # not autocommit: one open transaction, as a BI refresh
        reader.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
        assert idps(reader) == BASE_IDPS  # the transaction now holds the published tables
        outcome: dict = {}

        def publication():
            started = time.monotonic()
            try:
                outcome["result"] = publish(warehouse, url, role, bump=1000)
            except BaseException as error:  # noqa: BLE001 (reported below)
                outcome["error"] = error
            outcome["seconds"] = time.monotonic() - started

        worker = threading.Thread(target=publication)
        worker.start()
        # The reader keeps querying while the publication runs; no query fails or waits long.
        while worker.is_alive():
            assert idps(reader) in (BASE_IDPS, BASE_IDPS + 1000 * len(ADMIN2))
            time.sleep(0.05)
        worker.join()
        assert "error" not in outcome, outcome.get("error")
        assert outcome["seconds"] < 20  # the swap did not wait for the reader's transaction
        # Still inside the same transaction the reader keeps working, on whole tables: the
        # previous ones it holds, or the new ones (Postgres decides when it sees the rename).
        assert idps(reader) in (BASE_IDPS, BASE_IDPS + 1000 * len(ADMIN2))
        assert reader.execute("select count(*) from marts.me_pdm_satisfaction where is_suppressed").fetchone() == (2,)
        reader.commit()
        # Its next transaction reads the new marts.
        assert idps(reader) == BASE_IDPS + 1000 * len(ADMIN2)
        retired = outcome["result"].retired
        assert outcome["result"].retired_left == [retired]  # the reader held it: left, not waited for
        with psycopg.connect(url) as admin:
            assert admin.execute("select has_schema_privilege(%s, %s, 'USAGE')", [role, retired]).fetchone() == (False,)
        reader.rollback()
    publish(warehouse, url, role, bump=2000)  # the next publication drops what was left
    assert not {s for s in schemas(url) if s.startswith("marts_")}


def test_a_refused_publication_leaves_the_published_marts_as_they_were(database, warehouse):
    url, role = database
    publish(warehouse, url, role)
    make_warehouse(warehouse, bump=500)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table marts.dtm_contacts as select 'CF11' as admin1_pcode, 'x' as informant_phone_hash")
    with pytest.raises(PublicationRefused, match=r"informant_phone_hash|personal"):
        publish(warehouse, url, role)
    with psycopg.connect(url) as con:
        assert idps(con) == BASE_IDPS
        assert "dtm_contacts" not in {
            r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'")
        }
    assert schemas(url) == {"marts", "public", "raw", "staging", "cleaned"}


def test_the_url_and_its_password_never_reach_an_error(warehouse):
    url = "postgresql://dtm:pw-never-shown-8c1@127.0.0.1:1/dtm"
    with pytest.raises(PostgresPublicationError) as raised:
        publish(warehouse, url, "dtm_reader")
    assert "pw-never-shown-8c1" not in str(raised.value) and "127.0.0.1:1" in str(raised.value)


def test_a_missing_reader_role_the_publisher_cannot_create_is_named(database, warehouse):
    url, role = database
    publisher = f"dtm_publisher_test_{uuid.uuid4().hex[:8]}"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql.SQL("create role {} login").format(sql.Identifier(publisher)))
        con.execute(sql.SQL("alter database {} owner to {}").format(sql.Identifier(name), sql.Identifier(publisher)))
        con.execute(sql.SQL("alter schema public owner to {}").format(sql.Identifier(publisher)))
    try:
        with pytest.raises(PostgresPublicationError, match=f"CREATE ROLE {role} NOLOGIN"):
            publish(warehouse, f"postgresql://{publisher}@127.0.0.1:5432/{name}", role)
        assert "marts" not in schemas(url)
        with psycopg.connect(url, autocommit=True) as con:  # created by an administrator, it works
            con.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
        published = publish(warehouse, f"postgresql://{publisher}@127.0.0.1:5432/{name}", role)
        assert all(
            item.extra["reader_can_select"] and not item.extra["reader_can_write"] for item in published.published
        )
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
            con.execute(sql.SQL("alter database {} owner to postgres").format(sql.Identifier(name)))
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(sql.SQL("reassign owned by {} to postgres").format(sql.Identifier(publisher)))
            con.execute(sql.SQL("drop owned by {}").format(sql.Identifier(publisher)))
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
            con.execute(sql.SQL("drop role {}").format(sql.Identifier(publisher)))

"""The serving assets in Dagster with their Great Expectations gates, on a synthetic
warehouse, and an independent scan of everything they publish (snapshot tables, export
files, HDX files, Postgres tables) for declared personal fields and unsuppressed small cells.
"""

from __future__ import annotations

import csv
import re
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest
from psycopg import sql

from dtm_platform.defs.quality.checks import build_gx_check
from dtm_platform.defs.resources import platform_resources
from dtm_platform.defs.serving.assets import serving_assets
from dtm_platform.quality.suites import load_suites
from tests.postgres_server import SERVER, require_postgres
from tests.serving_warehouse import MARTS, NAMES, PERSONAL_VALUES, make_warehouse

SERVING = ["marts_snapshot", "exports", "postgres", "hdx"]
# Written out here rather than taken from the code under test: the registry's personal
# fields and the names staging gives them.
PERSONAL_COLUMNS = {
    "ki_name",
    "ki_phone",
    "key_informants/ki_name",
    "key_informants/ki_phone",
    "informant_name",
    "informant_phone",
    "informant_phone_hash",
    "resp_name",
    "resp_phone",
    "resp_phone_hash",
    "respondent_name",
    "respondent_phone_hash",
    "ben_name",
    "ben_phone",
    "ben_national_id",
    "problems_other",
    "hh_gps",
}
SENSITIVE = re.compile(r"^(me_pdm|me_perception|dtm_flow_survey)")
DIMENSION = re.compile(r"^(round|year|month)$|_(pcode|code|id)$")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("DTM_HOME", str(tmp_path))
    # Loading definitions reads the instance of DAGSTER_HOME: one of this test's own.
    (tmp_path / "dagster").mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("DTM_POSTGRES_URL", raising=False)
    monkeypatch.delenv("DTM_FORMS_FILE", raising=False)
    make_warehouse(tmp_path / "warehouse.duckdb")
    return tmp_path


@pytest.fixture
def postgres(monkeypatch):
    require_postgres()
    name, role = f"dtm_serving_assets_{uuid.uuid4().hex[:10]}", f"dtm_reader_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    monkeypatch.setenv("DTM_POSTGRES_URL", f"{SERVER}/{name}")
    monkeypatch.setenv("DTM_POSTGRES_READER_ROLE", role)
    yield f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


def materialize_serving() -> dg.ExecuteInProcessResult:
    assets = serving_assets([dg.AssetKey(["marts", name]) for name in MARTS])
    suites = load_suites()
    checks = [build_gx_check(suites[("serving", name)]) for name in SERVING]
    # Entering the instance makes it the one definitions are loaded against (whatever
    # instance another test may have left current).
    with dg.DagsterInstance.ephemeral() as instance:
        return dg.materialize(
            [*assets, *checks], resources=platform_resources(), instance=instance, raise_on_error=False
        )


def checks_of(result) -> dict[str, bool]:
    return {e.asset_key.path[-1]: e.passed for e in result.get_asset_check_evaluations()}


def no_error_failed(result) -> dict[str, bool]:
    """Per gate, that no error-severity expectation failed: a publication to the test server
    warns by design (its reader role may connect to the postgres database, an administrator's
    step, README, Deploy)."""
    return {
        e.asset_key.path[-1]: e.passed or e.severity == dg.AssetCheckSeverity.WARN
        for e in result.get_asset_check_evaluations()
    }


def inventory(home: Path, asset: str) -> list[dict]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute(f'select * from serving."{asset}"')
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_serving_assets_are_wired_as_the_design_says():
    assets = serving_assets([dg.AssetKey(["marts", name]) for name in MARTS] + [dg.AssetKey(["staging", "x"])])
    specs = {spec.key.to_user_string(): spec for asset in assets for spec in asset.specs}
    assert set(specs) == {f"serving/{name}" for name in SERVING}
    for key, spec in specs.items():
        assert spec.group_name == "serving" and spec.owners == ["team:dtm-car-im"] and spec.code_version
        assert spec.description
        deps = {dep.asset_key.to_user_string() for dep in spec.deps}
        assert {f"marts/{name}" for name in MARTS} <= deps and "staging/x" not in deps, key
    assert {"duckdb"} <= set(specs["serving/marts_snapshot"].kinds)
    assert {"parquet"} <= set(specs["serving/exports"].kinds)
    assert {"postgres"} <= set(specs["serving/postgres"].kinds)
    assert {"hxl"} <= set(specs["serving/hdx"].kinds)
    assert "reference/ref_dtm_rounds" in {d.asset_key.to_user_string() for d in specs["serving/hdx"].deps}


def test_without_postgres_every_serving_asset_materializes_and_passes_its_gate(home):
    result = materialize_serving()
    assert result.success
    assert checks_of(result) == dict.fromkeys(SERVING, True)
    postgres = next(e for e in result.get_asset_materialization_events() if e.asset_key.path[-1] == "postgres")
    assert "DTM_POSTGRES_URL is not set" in postgres.materialization.metadata["skipped"].value
    assert inventory(home, "postgres") == []
    assert {row["table_name"] for row in inventory(home, "marts_snapshot")} == set(MARTS)
    assert len(inventory(home, "exports")) == 2 * len(MARTS)
    assert (home / "serving" / "marts.duckdb").exists() and (home / "exports" / "manifest.json").exists()


def test_a_leaking_mart_fails_its_serving_step_and_the_previous_snapshot_stays(home):
    assert materialize_serving().success
    snapshot = home / "serving" / "marts.duckdb"
    before = snapshot.read_bytes()
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute(
            f"create table marts.dtm_idp_returnees_by_admin2_v2 as select 'CF11' as admin1_pcode, "
            f"'{NAMES[1]}' as contact_person"
        )
    assets = serving_assets([dg.AssetKey(["marts", name]) for name in [*MARTS, "dtm_idp_returnees_by_admin2_v2"]])
    suites = load_suites()
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [*assets, *(build_gx_check(suites[("serving", n)]) for n in SERVING)],
            resources=platform_resources(),
            instance=instance,
            raise_on_error=False,
            selection=["serving/marts_snapshot"],
        )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "personal value" in str(failure.step_failure_data.error.message)
    assert snapshot.read_bytes() == before
    leak = [row for row in inventory(home, "marts_snapshot") if row["table_name"].endswith("_v2")]
    assert leak and leak[0]["personal_values_found"] == 1  # recorded for whoever investigates


def test_nothing_published_carries_personal_data_or_small_cells(home, postgres):
    result = materialize_serving()
    assert result.success
    assert no_error_failed(result) == dict.fromkeys(SERVING, True)
    assert checks_of(result)["postgres"] is False  # the warning: the other databases it may connect to
    assert {
        row["reader_other_databases"] > 0 and not row["reader_can_temp"] for row in inventory(home, "postgres")
    } == {True}
    assert len(inventory(home, "postgres")) == len(MARTS)

    tables: dict[str, list[dict]] = {}  # where -> rows
    with duckdb.connect(str(home / "serving" / "marts.duckdb"), read_only=True) as con:
        for (table,) in con.execute("select table_name from information_schema.tables").fetchall():
            tables[f"snapshot:{table}"] = _rows(con.execute(f'select * from "{table}"'))
    for path in sorted((home / "exports").rglob("*")):
        if path.suffix == ".parquet":
            with duckdb.connect() as con:
                tables[f"parquet:{path.stem}"] = _rows(con.execute(f"select * from read_parquet('{path}')"))
        elif path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as handle:
                lines = list(csv.reader(handle))
            header, body = lines[0], lines[2:] if path.parent.name == "hdx" else lines[1:]
            tables[f"{path.parent.name}:{path.stem}"] = [dict(zip(header, line)) for line in body]
    with psycopg.connect(postgres) as con:
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('pg_catalog', 'information_schema')"
        ).fetchall():
            assert schema == "marts", f"{schema}.{table} published"
            tables[f"postgres:{table}"] = _rows(con.execute(f'select * from "{schema}"."{table}"'))

    assert {where.split(":")[0] for where in tables} == {"snapshot", "parquet", "csv", "hdx", "postgres"}
    assert len(tables) == 4 * len(MARTS) + 2
    for where, rows in tables.items():
        assert rows, where
        columns = set(rows[0])
        assert not columns & PERSONAL_COLUMNS, where
        values = {str(v).lstrip("'") for row in rows for v in row.values() if v not in (None, "")}
        assert not values & PERSONAL_VALUES, where
        table = where.split(":", 1)[1]
        if SENSITIVE.match(table):
            assert "is_suppressed" in columns, where
            # every column of whole numbers that is not a dimension is a count
            counts = [
                c
                for c in columns
                if c != "is_suppressed"
                and not DIMENSION.search(c)
                and all(_is_whole(row[c]) for row in rows)
                and any(row[c] not in (None, "") for row in rows)
            ]
            assert {"respondents", "satisfied_count"} <= set(counts), where
            small = [row for row in rows for c in counts if row[c] not in (None, "") and 0 < int(row[c]) < 5]
            assert small == [], where
            assert sum(str(row["is_suppressed"]).lower() == "true" for row in rows) == 2, where


def _rows(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _is_whole(value) -> bool:
    if value in (None, ""):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.lstrip("-").isdigit()

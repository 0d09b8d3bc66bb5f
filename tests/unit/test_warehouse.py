"""Every DuckDB connection of the platform, and dbt's, keeps to DTM_DUCKDB_MEMORY_LIMIT."""

from __future__ import annotations

import duckdb
import yaml

from dtm_platform.settings import PROJECT_ROOT
from dtm_platform.warehouse import DEFAULT_MEMORY_LIMIT, connect_duckdb


def limit_of(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_setting('memory_limit')").fetchone()[0]


def as_duckdb_prints(limit: str) -> str:
    with duckdb.connect() as reference:
        reference.execute(f"set memory_limit = '{limit}'")
        return limit_of(reference)


def test_the_platforms_connections_take_the_configured_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("DTM_DUCKDB_MEMORY_LIMIT", "1GB")
    path = tmp_path / "w.duckdb"
    with connect_duckdb(path) as con:
        con.execute("create table t as select 1 as x")
        assert limit_of(con) == as_duckdb_prints("1GB")
    monkeypatch.delenv("DTM_DUCKDB_MEMORY_LIMIT")
    with connect_duckdb(path, read_only=True) as con:
        assert limit_of(con) == as_duckdb_prints(DEFAULT_MEMORY_LIMIT) != as_duckdb_prints("1GB")
        assert con.execute("select x from t").fetchone() == (1,)


def test_dbt_takes_the_same_setting():
    profile = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "profiles.yml").read_text())
    settings = profile["dtm_car"]["outputs"]["warehouse"]["settings"]
    assert settings["memory_limit"] == f"{{{{ env_var('DTM_DUCKDB_MEMORY_LIMIT', '{DEFAULT_MEMORY_LIMIT}') }}}}"

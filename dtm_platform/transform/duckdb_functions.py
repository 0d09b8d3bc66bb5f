"""A dbt-duckdb plugin that registers the platform's SQL functions on every connection.

``dtm_pseudonymize(varchar) -> varchar`` reads the salt from the environment when the
connection opens, so the salt is never written into compiled SQL, logs or run results.
"""

from __future__ import annotations

import contextlib

import duckdb
import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import VARCHAR

from dtm_platform.settings import load_settings
from dtm_platform.transform.pseudonymize import pseudonymize
from dtm_platform.warehouse import LAKE_ALIAS, load_lake_extensions


def register_functions(conn: DuckDBPyConnection, salt: str | None = None) -> None:
    """Register the functions on ``conn``; ``salt`` defaults to DTM_HASH_SALT. Registering
    again (a connection building several forms) replaces the function."""
    salt = load_settings().hash_salt if salt is None else salt

    def dtm_pseudonymize(values: pa.Array) -> pa.Array:
        return pa.array([pseudonymize(v, salt) for v in values.to_pylist()], pa.string())

    with contextlib.suppress(duckdb.InvalidInputException, duckdb.CatalogException):  # not registered yet
        conn.remove_function("dtm_pseudonymize")
    conn.create_function("dtm_pseudonymize", dtm_pseudonymize, [VARCHAR], VARCHAR, type="arrow", side_effects=False)


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register_functions(conn)
        if self._on_the_lake():
            # before dbt-duckdb attaches the lake: offline, the extensions come from their packages
            load_lake_extensions(conn)

    def configure_cursor(self, cursor: DuckDBPyConnection) -> None:
        if self._on_the_lake():
            # SQL that names raw.x or marts.y without a catalog (macros, hooks) means the lake's
            cursor.execute(f"use {LAKE_ALIAS}")

    @staticmethod
    def _on_the_lake() -> bool:
        return load_settings().warehouse_kind == "ducklake"

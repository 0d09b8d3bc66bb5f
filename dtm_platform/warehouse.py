"""Opening the platform's DuckDB files, with a memory limit.

DuckDB lets a database use 80% of the machine's memory by default, and a build keeps two
processes busy (Dagster's, and dbt's as its child), next to whatever else the server runs.
Every connection the platform opens, and dbt's (``profiles.yml``), therefore sets
``DTM_DUCKDB_MEMORY_LIMIT``; past it DuckDB spills to disk beside the database instead of
growing.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

DEFAULT_MEMORY_LIMIT = "3GB"


def memory_limit() -> str:
    return os.environ.get("DTM_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def connect_duckdb(path: str | Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path), read_only=read_only)
    # SET rather than connect(config=...): a second connection to the same file in this
    # process would otherwise have to repeat the exact configuration.
    con.execute("set memory_limit = ?", [memory_limit()])
    return con

"""Opening the platform's warehouse: one DuckDB file (the default) or a DuckLake.

DuckDB lets a database use 80% of the machine's memory by default, and a build keeps two
processes busy (Dagster's, and dbt's as its child), next to whatever else the server runs.
Every connection the platform opens, and dbt's (``profiles.yml``), therefore sets
``DTM_DUCKDB_MEMORY_LIMIT``; past it DuckDB spills to disk instead of growing.

``DTM_WAREHOUSE=ducklake`` keeps the same SQL on a DuckLake: the catalog in Postgres
(``DTM_DUCKLAKE_CATALOG``) and the tables as Parquet files under ``DTM_DUCKLAKE_DATA_PATH``.
Several processes may then write at once, each commit is a snapshot, and readers see whole
snapshots. A connection to the lake is an in-memory DuckDB with the lake attached as
``lake`` and made the default catalog, so ``raw.x`` and ``marts.y`` mean the same tables on
either engine. The two extensions it needs are loaded from their Python packages' files,
never downloaded: the platform runs offline.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

log = logging.getLogger(__name__)

# 2 GB: a million-submission build then stays under 4 GiB over its two processes; at 3 GB
# dbt took a few percent less time but DuckDB's buffer pool filled to its limit.
DEFAULT_MEMORY_LIMIT = "2GB"
LAKE_ALIAS = "lake"
# The packages that carry DuckDB's extensions as files (pyproject.toml pins them to DuckDB's version).
LAKE_EXTENSIONS = ("duckdb_extension_postgres_scanner", "duckdb_extension_ducklake")


def memory_limit() -> str:
    return os.environ.get("DTM_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


@dataclass(frozen=True)
class DuckLake:
    """A DuckLake warehouse: ``catalog`` is a libpq connection string or ``postgresql://`` URL
    of the Postgres database that holds the catalog (kept out of repr: it may carry a
    password); ``data_path`` the folder (or object-store prefix) for the Parquet files."""

    catalog: str = field(repr=False)
    data_path: str

    def attach_sql(self, alias: str = LAKE_ALIAS, *, read_only: bool = False) -> str:
        options = [f"DATA_PATH {_literal(self.data_path)}"]
        if read_only:
            options.append("READ_ONLY")
        return f"attach if not exists {_literal('ducklake:postgres:' + self.catalog)} as {alias} ({', '.join(options)})"

    def __str__(self) -> str:
        return f"DuckLake at {self.data_path}"


# A commit that conflicts with another writer's (both created the same table, one deleted
# rows the other appended to) is tried again this many times, after a short random pause.
CONFLICT_ATTEMPTS = 6
T = TypeVar("T")


def retry_on_conflict(work: Callable[[], T], what: str, attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Run ``work`` (one transaction, or statements that may run twice) until it commits.

    Only a lake has other writers: its commits are checked against what committed meanwhile,
    and a conflicting one fails whole (DuckDB's TransactionException), so running it again
    on the new snapshot is safe. ``work`` must roll back its own failed transaction."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except duckdb.TransactionException as conflict:
            if attempt == attempts:
                raise
            pause = 0.05 * 2**attempt * (0.5 + random.random())
            log.warning(
                "%s: commit conflicted with another writer's, trying again (%d of %d): %s",
                what,
                attempt + 1,
                attempts,
                str(conflict).splitlines()[0],
            )
            time.sleep(pause)
    raise AssertionError("unreachable")


def transaction_retrying(con: duckdb.DuckDBPyConnection, work: Callable[[], T], what: str) -> T:
    """``work``'s statements in one transaction on ``con``, committed whole or rolled back,
    and made again if its commit conflicts (``retry_on_conflict``)."""

    def once() -> T:
        con.execute("begin transaction")
        try:
            done = work()
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        return done

    return retry_on_conflict(once, what)


# Where the warehouse is: the DuckDB file's path, or the lake.
WarehouseLocation = Path | DuckLake


_LAKE_SCHEMAS = f"select schema_name from duckdb_schemas() where database_name = '{LAKE_ALIAS}'"


def warehouse_exists(warehouse: WarehouseLocation) -> bool:
    """Whether anything was ever written: a DuckDB file exists once created; a lake's
    catalog is created by its first connection, so it is taken as there."""
    return True if isinstance(warehouse, DuckLake) else Path(warehouse).exists()


# Every schema the platform and dbt write. A lake gets them with its catalog: two writers
# creating one schema at once conflict, and a schema one of dbt's threads creates is not yet
# committed when another thread's seed commits into it (DuckLake then fails that commit with
# "schema not found in metadata catalog").
SCHEMAS = ("raw", "forms", "finance", "cleaning", "reference", "staging", "cleaned", "marts", "reports", "serving")


def create_warehouse(warehouse: WarehouseLocation) -> None:
    """Create a lake's catalog tables (the first connection to an empty one does) and its
    schemas, so that writers starting at once never race to create them, and readers, which
    may not create one, find it. A DuckDB file is created by its first writer, as ever."""
    if isinstance(warehouse, DuckLake):
        with connect_duckdb(warehouse) as con:
            existing = {name for (name,) in con.execute(_LAKE_SCHEMAS).fetchall()}
            missing = [name for name in SCHEMAS if name not in existing]
            if missing:
                retry_on_conflict(
                    lambda: con.execute("".join(f"create schema if not exists {s};" for s in missing)),
                    "creating the lake's schemas",
                )


def extension_files() -> list[Path]:
    files = []
    for module_name in LAKE_EXTENSIONS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise RuntimeError(
                f"DTM_WAREHOUSE=ducklake needs the package {module_name.replace('_', '-')} "
                "(pip install the project again: it is a dependency)"
            ) from None
        found = sorted(Path(module.__file__).parent.glob("extensions/*/*.duckdb_extension"))
        if not found:
            raise RuntimeError(f"the package {module_name} holds no extension file")
        files.append(found[-1])
    return files


def load_lake_extensions(con: duckdb.DuckDBPyConnection) -> None:
    for path in extension_files():
        con.execute(f"load {_literal(str(path))}")


def attach(con: duckdb.DuckDBPyConnection, warehouse: WarehouseLocation, alias: str, *, read_only: bool) -> None:
    """Attach ``warehouse`` to ``con`` as ``alias``: a snapshot reads the marts this way."""
    if isinstance(warehouse, DuckLake):
        if "://" not in warehouse.data_path:  # a local folder; object storage needs none
            Path(warehouse.data_path).mkdir(parents=True, exist_ok=True)
        load_lake_extensions(con)
        con.execute(warehouse.attach_sql(alias, read_only=read_only))
    else:
        con.execute(f"attach {_literal(str(warehouse))} as {alias}{' (read_only)' if read_only else ''}")


def connect_duckdb(target: str | WarehouseLocation, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to a DuckDB file, or to the lake with it as the default catalog."""
    if isinstance(target, DuckLake):
        con = duckdb.connect()
        attach(con, target, LAKE_ALIAS, read_only=read_only)
        con.execute(f"use {LAKE_ALIAS}")
    else:
        con = duckdb.connect(str(target), read_only=read_only)
    # SET rather than connect(config=...): a second connection to the same file in this
    # process would otherwise have to repeat the exact configuration.
    con.execute("set memory_limit = ?", [memory_limit()])
    return con


@contextlib.contextmanager
def reading(source: str | Path | WarehouseLocation | duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to ``source``, or ``source`` itself when it is one already: a
    caller making several reads (a gate: its suite, its table, its parameters) opens the
    warehouse once, where each read opening it cost about 0.1 s on a file and more on a lake."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        yield source
        return
    with connect_duckdb(source, read_only=True) as con:
        yield con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of ``con`` (for another thread) on the same default catalog: DuckDB starts
    a cursor on the in-memory one, where a lake connection's tables are not."""
    catalog = con.execute("select current_database()").fetchone()[0]
    new = con.cursor()
    new.execute(f'use "{catalog}"')
    return new


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

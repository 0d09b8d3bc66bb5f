"""The PostgreSQL server the Postgres tests use (127.0.0.1:5432, trust auth, as on these
machines and in CI). Its absence fails those tests rather than skipping them: a skipped
publication test would read as a passing one."""

from __future__ import annotations

import contextlib
import socket
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SERVER = "postgresql://postgres@127.0.0.1:5432"


def require_postgres() -> None:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        pytest.fail(
            "no PostgreSQL server on 127.0.0.1:5432: start it (see the machine notes) to run the Postgres tests",
            pytrace=False,
        )


@contextlib.contextmanager
def temporary_database(prefix: str):
    """A Postgres database of the caller's own, dropped afterwards (connections and all).
    Yields its libpq connection string."""
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield f"dbname={name} host=127.0.0.1 port=5432 user=postgres"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@contextlib.contextmanager
def temporary_lake(data_path: Path):
    """The environment of a DuckLake warehouse of the caller's own: its catalog in a
    temporary database, its Parquet files under ``data_path``."""
    with temporary_database("dtm_test_lake") as catalog:
        yield {
            "DTM_WAREHOUSE": "ducklake",
            "DTM_DUCKLAKE_CATALOG": catalog,
            "DTM_DUCKLAKE_DATA_PATH": str(data_path),
        }

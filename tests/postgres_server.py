"""The PostgreSQL server the Postgres tests use (127.0.0.1:5432, trust auth, as on these
machines and in CI). Its absence fails those tests rather than skipping them: a skipped
publication test would read as a passing one."""

from __future__ import annotations

import socket

import pytest

SERVER = "postgresql://postgres@127.0.0.1:5432"


def require_postgres() -> None:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        pytest.fail(
            "no PostgreSQL server on 127.0.0.1:5432: start it (see the machine notes) to run the Postgres tests",
            pytrace=False,
        )

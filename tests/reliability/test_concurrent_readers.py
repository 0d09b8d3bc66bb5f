"""Readers of the serving snapshot and of Postgres query in tight loops, each in a process of
its own, while builds replace the snapshot and republish Postgres again and again: no read
fails, none meets a lock, and every read sees one whole publication.

Every build writes a marker mart (``dtm_zz_build``: the build's number) beside the IDP
mart whose total depends on that number, and each read asks for both, plus the suppressed
rows of the sensitive mart, in one statement: a read that mixed two publications, or saw a
table half copied or empty, would not add up.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import duckdb
import psycopg
import pytest
from psycopg import sql

from dtm_platform.serving.personal import load_personal_fields
from dtm_platform.serving.postgres import publish_to_postgres
from dtm_platform.serving.snapshot import build_snapshot
from dtm_platform.settings import PROJECT_ROOT
from tests.postgres_server import SERVER, require_postgres
from tests.serving_warehouse import ADMIN2, FORMS, make_warehouse

BASE_IDPS = sum(row[6] for row in ADMIN2)
PUBLICATIONS = 10  # of each: snapshot replacements and Postgres publications
MARKER = "concurrent-serving-reader"

# One read: the IDP total, the build marker and the suppressed rows, in one statement.
# mode: snapshot-reopen (connect, read, close, as Power BI's refresh or a script),
# snapshot-hold (one connection all along), postgres-autocommit (one statement a
# transaction), postgres-transaction (read committed, 20 statements a transaction, as a
# BI tool's session).
READER = r"""
import json, os, sys, time

mode, where, role, ready, stop, base, admin2, marker = sys.argv[1:9]
base, admin2 = int(base), int(admin2)
prefix = "marts." if mode.startswith("postgres") else ""
query = (f"select (select sum(idp_individuals) from {prefix}dtm_idp_returnees_by_admin2), "
         f"(select max(build) from {prefix}dtm_zz_build), "
         f"(select count(*) from {prefix}me_pdm_satisfaction where is_suppressed)")
reads = failures = lock_errors = inconsistent = 0
errors, builds = [], set()

if mode.startswith("snapshot"):
    import duckdb
    held = duckdb.connect(where, read_only=True) if mode == "snapshot-hold" else None
    def read():
        con = held or duckdb.connect(where, read_only=True)
        try:
            return con.execute(query).fetchone()
        finally:
            if not held:
                con.close()
else:
    import psycopg
    from psycopg import sql
    con = psycopg.connect(where, autocommit=mode == "postgres-autocommit", application_name=marker)
    con.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
    if mode == "postgres-transaction":
        con.commit()
    statements = 0
    def read():
        global statements
        row = con.execute(query).fetchone()
        statements += 1
        if mode == "postgres-transaction" and statements % 20 == 0:
            con.commit()
        return row

while not os.path.exists(stop):
    try:
        total, build, suppressed = read()
        reads += 1
        if total is None or build is None or int(total) != base + int(build) * admin2 or suppressed != 2:
            inconsistent += 1
            errors.append(f"inconsistent read: {total}, {build}, {suppressed}")
        else:
            builds.add(int(build))
        if reads == 1:
            open(ready, "w").close()
    except Exception as error:
        failures += 1
        lock_errors += "lock" in str(error).lower()
        errors.append(repr(error)[:300])
        if mode.startswith("postgres") and not con.closed:
            con.rollback()
        time.sleep(0.01)
print(json.dumps({"reads": reads, "failures": failures, "lock_errors": lock_errors, "inconsistent": inconsistent,
                  "errors": errors[:5], "builds": sorted(builds)}))
"""

MODES = ["snapshot-reopen", "snapshot-hold", "postgres-autocommit", "postgres-transaction"]


@pytest.fixture
def database():
    require_postgres()
    name = f"dtm_concurrency_test_{uuid.uuid4().hex[:10]}"
    role = f"dtm_reader_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield f"{SERVER}/{name}", role
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


def test_readers_never_fail_and_see_whole_publications_while_both_targets_are_replaced(tmp_path, database):
    url, role = database
    warehouse = tmp_path / "warehouse.duckdb"
    target = tmp_path / "serving" / "marts.duckdb"
    retired_left: list[str] = []
    timings: list[float] = []

    def build(number: int) -> None:
        make_warehouse(warehouse, bump=number)
        with duckdb.connect(str(warehouse)) as con:
            con.execute(f"create or replace table marts.dtm_zz_build as select {number} as build")
        personal = load_personal_fields(warehouse, FORMS)
        options = dict(min_count=5, personal=personal, run_id=f"run-{number}", refreshed_at=datetime.now(UTC))
        started = time.monotonic()
        build_snapshot(warehouse, target, **options)
        retired_left.extend(publish_to_postgres(warehouse, url, reader_role=role, **options).retired_left)
        timings.append(time.monotonic() - started)

    build(0)
    stop = tmp_path / "stop"
    readers = {}
    for mode in MODES:
        ready = tmp_path / f"{mode}.ready"
        where = url if mode.startswith("postgres") else str(target)
        readers[mode] = (
            ready,
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    READER,
                    mode,
                    where,
                    role,
                    str(ready),
                    str(stop),
                    str(BASE_IDPS),
                    str(len(ADMIN2)),
                    MARKER,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=PROJECT_ROOT,
            ),
        )
    reports = {}
    try:
        deadline = time.monotonic() + 60
        for mode, (ready, process) in readers.items():
            while not ready.exists():
                assert process.poll() is None, (mode, process.communicate())
                assert time.monotonic() < deadline, f"{mode} never read"
                time.sleep(0.05)
        for number in range(1, PUBLICATIONS + 1):
            build(number * 1000)
            time.sleep(0.1)  # let every reader read the new publication a few times
    finally:
        stop.touch()
        for mode, (_, process) in readers.items():
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, (mode, err[-2000:])
            reports[mode] = json.loads(out)
    print(
        json.dumps(
            {
                "publications": PUBLICATIONS,
                "seconds_per_build": round(max(timings), 2),
                "readers": {
                    m: {k: r[k] for k in ("reads", "failures", "lock_errors", "inconsistent")}
                    for m, r in reports.items()
                },
            }
        )
    )
    built = {0, *(n * 1000 for n in range(1, PUBLICATIONS + 1))}
    for mode, report in reports.items():
        outcome = (report["failures"], report["lock_errors"], report["inconsistent"])
        assert outcome == (0, 0, 0), (mode, report["errors"])
        assert report["reads"] >= 50, mode
        assert set(report["builds"]) <= built, mode
    for mode in ("snapshot-reopen", "postgres-autocommit", "postgres-transaction"):
        assert len(reports[mode]["builds"]) >= PUBLICATIONS // 2, mode  # it saw the publications come in
    assert reports["snapshot-hold"]["builds"] == [0]  # a connection kept open keeps its snapshot
    # Nothing left behind once the readers are gone: the next publication drops what they held.
    build(99_000)
    assert sorted(p.name for p in target.parent.iterdir()) == ["marts.duckdb"]
    with psycopg.connect(url) as con:
        assert {r[0] for r in con.execute("select nspname from pg_namespace where nspname like 'marts%'")} == {"marts"}
    assert max(timings) < 30  # no publication waited on a reader


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known limitation: catalog lookups are not MVCC, so a REPEATABLE READ "
        "transaction that began before a publication resolves marts.* to the new "
        "tables, whose rows its snapshot cannot see (README, Reliability)"
    ),
)
def test_a_repeatable_read_transaction_spanning_a_publication_keeps_seeing_whole_marts(tmp_path, database):
    url, role = database
    warehouse = tmp_path / "warehouse.duckdb"

    def publish(number: int) -> None:
        make_warehouse(warehouse, bump=number)
        publish_to_postgres(
            warehouse,
            url,
            reader_role=role,
            min_count=5,
            personal=load_personal_fields(warehouse, FORMS),
            run_id=f"run-{number}",
            refreshed_at=datetime.now(UTC),
        )

    publish(0)
    with psycopg.connect(url) as reader:
        reader.execute("set transaction isolation level repeatable read")
        reader.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
        total = "select sum(idp_individuals) from marts.dtm_idp_returnees_by_admin2"
        assert reader.execute(total).fetchone()[0] == BASE_IDPS
        publish(1000)
        seen = reader.execute(total).fetchone()[0]
        reader.rollback()
    assert seen == BASE_IDPS  # today: None, the new table looks empty to this snapshot

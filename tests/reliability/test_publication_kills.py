"""The publishing process killed (SIGKILL, no cleanup) at several points of the snapshot and
of the Postgres publication: readers still get the last good publication, nothing half
written is visible to them, and the next publication succeeds and removes what the killed
one left behind.

The publication runs in a child process that stops at a chosen point (a patched function
prints ``AT <point>`` and sleeps; inside DuckDB's CREATE TABLE, a Python function in the
big table's query does so half way through its rows); the parent then kills it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

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
from tests.serving_warehouse import MARTS as SERVING_MARTS

BASE_IDPS = sum(row[6] for row in ADMIN2)
MARTS = set(SERVING_MARTS)
BIG_MART = "dtm_zz_large"  # sorted last: the other marts are copied before it
BIG_ROWS = 5_000_000
MARKER = "killed-publication"  # in every child's command line

CHILD = r"""
import sys, time
from datetime import datetime, timezone
from pathlib import Path
from tests.serving_warehouse import FORMS
from dtm_platform.serving.personal import load_personal_fields

kind, point, warehouse, target, role, bump, marker = sys.argv[1:8]

def hold(name):
    print("AT", name, flush=True)
    time.sleep(600)

def announce(name):
    print("AT", name, flush=True)

def before(module, attribute, name, stop=True):
    original = getattr(module, attribute)
    def patched(*args, **kwargs):
        (hold if stop else announce)(name)
        return original(*args, **kwargs)
    setattr(module, attribute, patched)

def after(module, attribute, name):
    original = getattr(module, attribute)
    def patched(*args, **kwargs):
        result = original(*args, **kwargs)
        hold(name)
        return result
    setattr(module, attribute, patched)

personal = load_personal_fields(Path(warehouse), FORMS)
options = dict(min_count=5, personal=personal, run_id=f"run-{bump}", refreshed_at=datetime.now(timezone.utc))
if kind == "snapshot":
    from dtm_platform.serving import marts, snapshot
    if point == "create":      # hold the big table's CREATE TABLE half way through its rows
        original_connect = snapshot.connect_duckdb
        def connect_duckdb(*args, **kwargs):
            con = original_connect(*args, **kwargs)
            def hold_half_way(row_id):
                if row_id == int(sys.argv[8]) // 2:
                    hold("create")
                return True
            con.create_function("hold_half_way", hold_half_way, ["BIGINT"], "BOOLEAN", side_effects=True)
            return con
        snapshot.connect_duckdb = connect_duckdb
        original = marts.MartTable.select_sql
        def select_sql(self, *args, **kwargs):
            query = original(self, *args, **kwargs)
            return f"select * from ({query}) where hold_half_way(row_id)" if self.name == "dtm_zz_large" else query
        marts.MartTable.select_sql = select_sql
        before(snapshot, "scan", "scan", stop=False)
    elif point == "scan":      # every table written, none scanned, nothing checkpointed
        before(snapshot, "scan", "scan")
    elif point == "rename":    # scanned, checkpointed and closed, not yet moved onto the target
        before(snapshot.os, "replace", "rename")
    snapshot.build_snapshot(Path(warehouse), Path(target), **options)
elif kind == "exports":
    from dtm_platform.serving import exports
    if point == "write":       # the first mart's files written in the new set, the rest not
        before(exports, "scan", "write")
    elif point == "swap":      # the new set whole, manifest included, the link not yet replaced
        original_replace = exports.os.replace
        def replace(source, destination):
            if str(destination) == target:
                hold("swap")
            return original_replace(source, destination)
        exports.os.replace = replace
    elif point == "cleanup":   # the link replaced, the previous set not yet removed
        before(exports, "_remove_old_sets", "cleanup")
    exports.write_exports(Path(warehouse), Path(target), **options)
else:
    import psycopg
    from dtm_platform.serving import postgres
    if point == "copy":        # inside COPY ... FROM STDIN of the last mart, rows half sent
        current = {}
        original_copy_mart = postgres._copy_mart
        def copy_mart(con, pg, catalog, mart, schema, note):
            current["mart"], current["rows"] = mart.name, 0
            return original_copy_mart(con, pg, catalog, mart, schema, note)
        postgres._copy_mart = copy_mart
        original_write_row = psycopg.Copy.write_row
        def write_row(self, row):
            if current.get("mart") == "me_pdm_satisfaction":
                current["rows"] += 1
                if current["rows"] == 3:
                    hold("copy")
            return original_write_row(self, row)
        psycopg.Copy.write_row = write_row
    elif point == "scan":      # every table copied and scanned, not swapped
        before(postgres, "refuse_if_unsafe", "scan")
    elif point == "swap":      # marts renamed away and the new schema renamed in, not committed
        after(postgres, "_swap", "swap")
    elif point == "cleanup":   # committed; the previous schema not yet dropped
        before(postgres, "_reader_privileges", "cleanup")
    postgres.publish_to_postgres(Path(warehouse), target, reader_role=role, **options)
print("DONE", flush=True)
"""


def start_child(kind: str, point: str, warehouse: Path, target: str, role: str, bump: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, kind, point, str(warehouse), target, role, str(bump), MARKER, str(BIG_ROWS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )


def wait_for(process: subprocess.Popen, point: str, timeout: float = 300) -> None:
    # generous: on two loaded cores the child took more than 120 s to reach "create"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            _, err = process.communicate()
            pytest.fail(f"the publication ended before reaching {point}: {err[-2000:]}")
        if line.strip() == f"AT {point}":
            return
    pytest.fail(f"the publication did not reach {point} in {timeout}s")


def kill(process: subprocess.Popen) -> str:
    os.kill(process.pid, signal.SIGKILL)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return out


def expected_idps(bump: int) -> int:
    return BASE_IDPS + bump * len(ADMIN2)


@pytest.fixture(autouse=True)
def children():
    """The child processes a test starts, killed after it if they outlive it."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


# --- the snapshot ------------------------------------------------------------------------

SNAPSHOT_POINTS = ["create", "scan", "rename"]


def test_snapshot_killed_at_each_point_keeps_the_last_good_one_and_the_next_build_cleans_up(tmp_path, children):
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:  # big enough that its CREATE TABLE takes a while
        con.execute(
            f"create table marts.{BIG_MART} as select i as row_id, (i % 20)::integer as round, "
            f"hash(i) % 100000 as idp_individuals from range({BIG_ROWS}) t(i)"
        )
    target = tmp_path / "serving" / "marts.duckdb"

    def build(bump: int) -> None:
        make_warehouse(warehouse, bump=bump)
        build_snapshot(
            warehouse,
            target,
            min_count=5,
            personal=load_personal_fields(warehouse, FORMS),
            run_id=f"run-{bump}",
            refreshed_at=datetime.now(UTC),
        )

    def published_idps() -> int:
        with duckdb.connect(str(target), read_only=True) as con:  # still opens, as a reader opens it
            tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
            assert tables == MARTS | {BIG_MART}
            assert con.execute(f"select count(*) from {BIG_MART}").fetchone()[0] == BIG_ROWS
            return int(con.execute("select sum(idp_individuals) from dtm_idp_returnees_by_admin2").fetchone()[0])

    good = 0
    build(good)
    kills = 0
    for number, point in enumerate(SNAPSHOT_POINTS, 1):
        bump = number * 1000
        make_warehouse(warehouse, bump=bump)
        process = start_child("snapshot", point, warehouse, str(target), "-", bump)
        children.append(process)
        wait_for(process, point)
        out = kill(process)
        kills += 1
        if point == "create":
            assert "AT scan" not in out, "the kill landed after the tables were written"
        leftovers = [p.name for p in target.parent.iterdir() if p.name != target.name]
        assert leftovers, f"{point}: the killed build left no candidate file (was it killed in time?)"
        assert published_idps() == expected_idps(good), point  # the last good snapshot
        build(bump + 1)  # the next build succeeds ...
        good = bump + 1
        assert published_idps() == expected_idps(good), point
        assert sorted(p.name for p in target.parent.iterdir()) == [target.name], point  # ... and cleans up
    assert kills == len(SNAPSHOT_POINTS)


# --- the Parquet and CSV exports ---------------------------------------------------------

EXPORT_POINTS = ["write", "swap", "cleanup"]


def test_exports_killed_at_each_point_leave_a_whole_set_and_the_next_publication_cleans_up(tmp_path, children):
    import hashlib
    import json

    from dtm_platform.serving.exports import sets_root, write_exports

    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    target = tmp_path / "exports"

    def publish(bump: int) -> None:
        make_warehouse(warehouse, bump=bump)
        write_exports(
            warehouse,
            target,
            min_count=5,
            personal=load_personal_fields(warehouse, FORMS),
            run_id=f"run-{bump}",
            refreshed_at=datetime.now(UTC),
        )

    def published_run() -> str:
        """What a reader finds: a manifest, and every file it lists as it says (size and sha256)."""
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        assert {entry["table"] for entry in manifest["files"]} == MARTS
        for entry in manifest["files"]:
            data = (target / entry["file"]).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"], entry["sha256"]), entry["file"]
        return manifest["run_id"]

    good = 0
    publish(good)
    for number, point in enumerate(EXPORT_POINTS, 1):
        bump = number * 1000
        make_warehouse(warehouse, bump=bump)
        process = start_child("exports", point, warehouse, str(target), "-", bump)
        children.append(process)
        wait_for(process, point)
        kill(process)
        sets = list(sets_root(target).iterdir())
        assert len(sets) == 2, f"{point}: the killed publication left no second set (was it killed in time?)"
        # before the swap the reader sees the last good set; after it, the new one, whole
        assert published_run() == (f"run-{bump}" if point == "cleanup" else f"run-{good}"), point
        publish(bump + 1)  # the next publication succeeds ...
        good = bump + 1
        assert published_run() == f"run-{good}", point
        assert [p.name for p in sets_root(target).iterdir()] == [target.resolve().name], point  # ... and cleans up
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".exports")) == [".exports-sets"]


# --- Postgres ----------------------------------------------------------------------------

POSTGRES_POINTS = ["copy", "scan", "swap", "cleanup"]


@pytest.fixture
def database():
    require_postgres()
    name = f"dtm_kill_test_{uuid.uuid4().hex[:10]}"
    role = f"dtm_reader_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    yield f"{SERVER}/{name}", role
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


def publishing_backends(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url, autocommit=True) as con:
        return con.execute(
            "select state, query from pg_stat_activity where datname = current_database() "
            "and application_name = 'dtm_platform serving'"
        ).fetchall()


def reader_view(url: str, role: str) -> tuple[int, set[str], set[str]]:
    """What the reader role sees: the IDP total, the tables it can list, the marts* schemas it may use."""
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
        total = int(con.execute("select sum(idp_individuals) from marts.dtm_idp_returnees_by_admin2").fetchone()[0])
        for table in MARTS:
            assert con.execute(sql.SQL("select count(*) from marts.{}").format(sql.Identifier(table))).fetchone()[0] > 0
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema not in ('pg_catalog', 'information_schema')"
            )
        }
        usable = {
            r[0]
            for r in con.execute(
                "select nspname from pg_namespace where nspname like 'marts%' and has_schema_privilege(oid, 'USAGE')"
            )
        }
    return total, tables, usable


def marts_schemas(url: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as con:
        return {r[0] for r in con.execute("select nspname from pg_namespace where nspname like 'marts%'")}


def test_postgres_publication_killed_at_each_point_keeps_the_last_good_one_and_the_next_cleans_up(
    tmp_path, database, children
):
    url, role = database
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")

    def publish(bump: int):
        make_warehouse(warehouse, bump=bump)
        return publish_to_postgres(
            warehouse,
            url,
            reader_role=role,
            min_count=5,
            personal=load_personal_fields(warehouse, FORMS),
            run_id=f"run-{bump}",
            refreshed_at=datetime.now(UTC),
        )

    good = 0
    publish(good)
    published_tables = {f"marts.{t}" for t in MARTS}
    kills = 0
    for number, point in enumerate(POSTGRES_POINTS, 1):
        bump = number * 1000
        make_warehouse(warehouse, bump=bump)
        process = start_child("postgres", point, warehouse, url, role, bump)
        children.append(process)
        wait_for(process, point)
        if point == "copy":  # the server is inside the COPY when the client dies
            assert any(
                state == "active" and query.lower().startswith("copy") for state, query in publishing_backends(url)
            ), publishing_backends(url)
        kill(process)
        kills += 1
        if point == "cleanup":
            good = bump  # the kill came after the commit: this publication is the good one
        # Right after the kill (the server may not have noticed yet) and once it has
        # ended the killed session, the reader sees one whole publication: the last good one.
        for moment in ("right after the kill", "after the server ended the session"):
            total, tables, usable = reader_view(url, role)
            assert total == expected_idps(good), (point, moment)
            assert tables == published_tables, (point, moment)
            assert usable == {"marts"}, (point, moment)  # no half or previous schema for the reader
            deadline = time.monotonic() + 30
            while publishing_backends(url) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert publishing_backends(url) == [], point
        # Before the commit the server rolled everything back; after it, only the previous
        # schema is left (the reader role cannot use it), for the next publication to drop.
        left = marts_schemas(url) - {"marts"}
        if point == "cleanup":
            assert len(left) == 1 and next(iter(left)).startswith("marts_previous_"), left
        else:
            assert left == set(), (point, left)
        result = publish(bump + 1)  # the next publication succeeds ...
        good = bump + 1
        assert result.retired_left == [], point
        assert marts_schemas(url) == {"marts"}, point  # ... and drops whatever was left
        assert reader_view(url, role)[0] == expected_idps(good)
    assert kills == len(POSTGRES_POINTS)


HOLDER = r"""
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table t as select 1 as x")
print("open", flush=True)
time.sleep(600)
"""


def test_the_next_build_leaves_alone_a_candidate_another_process_is_still_writing(tmp_path, children):
    target = tmp_path / "serving" / "marts.duckdb"
    target.parent.mkdir(parents=True)
    busy = target.with_name(f".{target.name}.busy0000000.tmp")
    stale = target.with_name(f".{target.name}.stale000000.tmp")
    stale.write_bytes(b"left by a killed build")
    Path(f"{stale}.wal").write_bytes(b"")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(busy), MARKER], stdout=subprocess.PIPE, text=True)
    children.append(holder)
    assert holder.stdout.readline().strip() == "open"
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    build_snapshot(
        warehouse,
        target,
        min_count=5,
        personal=load_personal_fields(warehouse, FORMS),
        run_id="run-0",
        refreshed_at=datetime.now(UTC),
    )
    left = sorted(p.name for p in target.parent.iterdir())
    assert busy.name in left and target.name in left and stale.name not in left and f"{stale.name}.wal" not in left
    kill(holder)

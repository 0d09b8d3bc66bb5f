"""The whole platform on DuckLake and Celery: the full build of the synthetic forms, its
steps on two ``dtm worker`` processes, into a lake of the test's own (catalog in a temporary
Postgres database, Parquet files under the test's home), while a reader queries the lake.

What it shows: every model the DuckDB-file build makes (the session's ``full_build``, same
forms and seed) comes out of the lake row for row; the steps ran on the workers, not in the
run's process; and the reader, in a loop during the build, never failed a read and only
ever saw whole snapshots (what it read equals what the lake holds at that snapshot).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.warehouse import DuckLake, attach, connect_duckdb
from tests.celery_workers import Platform
from tests.conftest import TEST_SALT
from tests.postgres_server import temporary_lake

pytestmark = pytest.mark.timeout(1800)

LAYERS = ("forms", "staging", "cleaned", "marts", "reference")
# Columns that hold the clock of the build that wrote them (when a row landed, was detected,
# imported, changed or built): two builds minutes apart differ there and nowhere else.
CLOCK_COLUMNS = {"landed_at", "detected_at", "imported_at", "changed_at", "changes_through", "built_at"}
# What the reader reads at each snapshot: a raw table (landed early) and a mart (built last).
WATCHED = (("raw", "kobo_dtm_flow_counts"), ("marts", "dtm_flow_daily"))
FILE, LAKE = "warehouse", "lake"  # the two builds' catalogs, as their views name them


class SnapshotReader(threading.Thread):
    """Reads the lake in a loop, each time in one transaction: its snapshot and the row
    counts of ``WATCHED`` (None for a table not created yet)."""

    def __init__(self, lake: DuckLake):
        super().__init__(name="lake-reader", daemon=True)
        self.lake, self.reads, self.failures = lake, [], []
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            self._read()
        except duckdb.Error as failure:
            self.failures.append(f"{type(failure).__name__}: {failure}")

    def _read(self) -> None:
        with connect_duckdb(self.lake, read_only=True) as con:
            while not self.stopping.is_set():
                try:
                    con.execute("begin")
                    snapshot = con.execute("from lake.current_snapshot()").fetchone()[0]
                    counts = tuple(_count(con, schema, table) for schema, table in WATCHED)
                    con.execute("commit")
                    self.reads.append((snapshot, counts))
                except duckdb.Error as failure:
                    self.failures.append(f"{type(failure).__name__}: {failure}")
                    con.execute("rollback")
                time.sleep(0.2)


def _count(con: duckdb.DuckDBPyConnection, schema: str, table: str, at: int | None = None) -> int | None:
    if at is None:
        exists = con.execute(
            "select count(*) from duckdb_tables() where database_name = 'lake' and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        return con.execute(f"select count(*) from {schema}.{table}").fetchone()[0] if exists else None
    try:
        return con.execute(f"select count(*) from {schema}.{table} at (version => {at})").fetchone()[0]
    except duckdb.CatalogException:  # not created yet at that snapshot
        return None


@pytest.fixture(scope="module")
def lake_build(full_build, broker, tmp_path_factory):
    """The full build on a lake through two Celery workers, after the session's file build."""
    url, password, _ = broker
    home = tmp_path_factory.mktemp("lake_build")
    with temporary_lake(home / "lake") as lake_env:
        patch = pytest.MonkeyPatch()
        env = {
            **lake_env,
            "DTM_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "DTM_HASH_SALT": TEST_SALT,
            "DTM_AS_OF_DATE": full_build.env["DTM_AS_OF_DATE"],  # compared with it on the same day's terms
            "DTM_PROFILE_PDFS": "off",
            "DTM_EXECUTOR": "celery",
            "DTM_CELERY_BROKER": url,
            "DTM_CELERY_BACKEND": "rpc://",
        }
        for name, value in env.items():
            patch.setenv(name, value)
        from dtm_platform.demo import run_full_build
        from dtm_platform.instance import init_storage
        from dtm_platform.settings import load_settings

        settings = load_settings()
        init_storage(settings)  # the Dagster storage, and the lake's catalog
        # The workers reach Kobo at DTM_KOBO_URL, set before they start: a server of their own,
        # serving what run_full_build's embedded one serves (same seed and size).
        server = MockKoboServer(
            token=settings.kobo_token,
            seed=settings.mock_seed,
            localities_per_admin2=settings.mock_localities_per_admin2,
        )
        server.start()
        workers = Platform(
            home=home, marks=home, env={**os.environ, "DTM_KOBO_URL": server.url}, password=password, queue="dagster"
        )
        reader = SnapshotReader(settings.warehouse)
        try:
            workers.start_worker("w1")
            workers.start_worker("w2")
            workers.wait_ready("w1", "w2")
            reader.start()
            outcome = run_full_build(through_queue=True)
        finally:
            reader.stopping.set()
            reader.join(timeout=60)
            workers.stop_all()
            server.stop()
        try:
            yield LakeBuild(outcome, settings.warehouse, full_build.home / "warehouse.duckdb", reader, workers, home)
        finally:
            patch.undo()


class LakeBuild:
    def __init__(self, outcome, lake: DuckLake, file: Path, reader: SnapshotReader, workers: Platform, home: Path):
        self.outcome, self.lake, self.file, self.reader, self.workers, self.home = (
            outcome,
            lake,
            file,
            reader,
            workers,
            home,
        )

    def both(self) -> duckdb.DuckDBPyConnection:
        """Both builds attached under the names their dbt views use for their own catalog."""
        con = duckdb.connect()
        attach(con, self.file, FILE, read_only=True)
        attach(con, self.lake, LAKE, read_only=True)
        return con


def test_the_build_on_the_lake_succeeds_with_its_steps_on_the_workers(lake_build):
    assert lake_build.outcome.success, lake_build.outcome.checks_failed
    assert not lake_build.outcome.checks_failed
    with dg.DagsterInstance.from_config(str(lake_build.home / "dagster")) as instance:
        runs = instance.get_runs()
        assert runs and all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
        workers_used = set()
        for run in runs:
            for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
                data = record.dagster_event.engine_event_data
                node = data.metadata.get("Celery worker") if data else None
                if node is not None:
                    workers_used.add(node.value.split("@")[0])
    assert workers_used == {"w1", "w2"}, workers_used


def test_every_model_on_the_lake_equals_the_duckdb_file_build_row_for_row(lake_build):
    con = lake_build.both()
    compared, differing = 0, []
    for schema in LAYERS:
        tables = _tables(con, FILE, schema)
        assert tables, f"the file build has no {schema} tables"
        assert _tables(con, LAKE, schema) == tables, schema
        for table in tables:
            columns = _columns(con, FILE, schema, table)
            assert _columns(con, LAKE, schema, table) == columns, f"{schema}.{table}: columns or types differ"
            kept = ", ".join(f'"{name}"' for name, _ in columns if name not in CLOCK_COLUMNS)
            file_rows = f'select {kept} from {FILE}.{schema}."{table}"'
            lake_rows = f'select {kept} from {LAKE}.{schema}."{table}"'
            only_file = con.execute(f"select count(*) from ({file_rows} except all {lake_rows})").fetchone()[0]
            only_lake = con.execute(f"select count(*) from ({lake_rows} except all {file_rows})").fetchone()[0]
            if only_file or only_lake:
                differing.append(f"{schema}.{table}: {only_file} rows only in the file, {only_lake} only in the lake")
            compared += 1
    assert not differing, differing
    assert compared > 150, compared


def test_raw_on_the_lake_holds_every_submission_once(lake_build):
    from dtm_platform.kobo.registry import load_registry
    from dtm_platform.settings import load_settings

    con = lake_build.both()
    for form in load_registry(load_settings().forms_file):
        for a, b in ((FILE, LAKE), (LAKE, FILE)):
            rows = "select _id, payload_hash from {}.raw." + form.raw_table
            missing = con.execute(f"select count(*) from ({rows.format(a)} except all {rows.format(b)})").fetchone()[0]
            assert missing == 0, f"raw.{form.raw_table}: {missing} rows of {a} not in {b}"


def test_a_reader_during_the_build_saw_only_whole_snapshots_and_never_failed(lake_build):
    reader = lake_build.reader
    assert reader.failures == []
    assert len(reader.reads) > 20, len(reader.reads)
    # it saw the lake grow: an empty one, raw landed, and the marts built
    assert reader.reads[0][1][1] is None and reader.reads[-1][1][1] is not None
    with connect_duckdb(lake_build.lake, read_only=True) as con:
        for snapshot, counts in dict(reader.reads).items():
            at_snapshot = tuple(_count(con, schema, table, at=snapshot) for schema, table in WATCHED)
            assert (snapshot, at_snapshot) == (snapshot, counts)


def _tables(con: duckdb.DuckDBPyConnection, database: str, schema: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? order by 1",
            [database, schema],
        ).fetchall()
    ]


def _columns(con: duckdb.DuckDBPyConnection, database: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [database, schema, table],
    ).fetchall()

"""The serving snapshot: DTM_HOME/serving/marts.duckdb, the marts and nothing else.

Analysts (duckdb CLI, Python) and Power BI (DuckDB ODBC driver) read this file, never the
warehouse, which the platform writes (ARCHITECTURE.md, Raw and the warehouse). A build writes a new file next to the
target, with the warehouse attached read-only, scans it, and moves it onto the target with
``os.replace``: a reader that opened the old file keeps reading the old file (POSIX keeps
an open file alive after a rename over it), and a reader that opens the path after the
move gets the new one. Nobody sees half a snapshot, and no reader blocks a build.

A build killed before the move (SIGKILL, power cut) leaves its candidate file beside the
target, never on it: the next build removes such leftovers, except a candidate another
process still has open (DuckDB locks the file it writes), so a build running elsewhere
at the same moment is left alone.

The tables sit in the file's default schema, so with the file opened as usual (its
database is then called ``marts``) ``select * from marts.dtm_idp_returnees_by_admin2``
works as it does in Postgres. Open it read-only (``duckdb -readonly``, ``read_only=True``):
the platform replaces it, nobody writes to it.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dtm_platform.serving.disclosure import literal, quote
from dtm_platform.serving.inventory import Published, duckdb_query, refuse_if_unsafe, scan
from dtm_platform.serving.marts import described, discover_marts, relation
from dtm_platform.serving.personal import PersonalFields
from dtm_platform.warehouse import WarehouseLocation, attach, connect_duckdb

SNAPSHOT_FILE = "marts.duckdb"
WAREHOUSE_ALIAS = "dtm_warehouse"


@dataclass
class SnapshotResult:
    path: Path
    published: list[Published]
    skipped: list[str] = field(default_factory=list)  # warehouse tables that are not mart assets
    bytes: int = 0


def snapshot_path(home: Path) -> Path:
    return home / "serving" / SNAPSHOT_FILE


def build_snapshot(
    warehouse: WarehouseLocation,
    target: Path,
    *,
    min_count: int,
    personal: PersonalFields,
    run_id: str,
    refreshed_at: datetime,
    only: list[str] | None = None,
) -> SnapshotResult:
    """Write the marts (disclosure control applied) to a new file, scan it, move it onto ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_candidates(target)
    candidate = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with connect_duckdb(candidate) as con:
            attach(con, warehouse, WAREHOUSE_ALIAS, read_only=True)
            marts, skipped = discover_marts(con, WAREHOUSE_ALIAS, min_count, only)
            note = f"DTM CAR serving snapshot, refreshed {refreshed_at.isoformat(timespec='seconds')}, run {run_id}"
            for mart in marts:
                con.execute(
                    f"create table {quote(mart.name)} as {mart.select_sql(relation(WAREHOUSE_ALIAS, mart.name))}"
                )
                con.execute(f"comment on table {quote(mart.name)} is {literal(mart.table_comment(note))}")
                for column in described(con, f"select * from {quote(mart.name)}"):
                    if column.name in mart.column_descriptions:
                        con.execute(
                            f"comment on column {quote(mart.name)}.{quote(column.name)} is "
                            f"{literal(mart.column_descriptions[column.name])}"
                        )
            con.execute(f"detach {WAREHOUSE_ALIAS}")
            published = [
                scan(
                    duckdb_query(con),
                    quote(mart.name),
                    described(con, f"select * from {quote(mart.name)}"),
                    target="snapshot",
                    table_name=mart.name,
                    location=f"{target.name}:{mart.name}",
                    personal=personal,
                    min_count=min_count,
                )
                for mart in marts
            ]
            refuse_if_unsafe(published)
            con.execute("checkpoint")
        # A write-ahead log left by somebody who opened the snapshot read-write would be
        # replayed against the new file: it belongs to the old one.
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(candidate, target)
    finally:
        candidate.unlink(missing_ok=True)
        Path(f"{candidate}.wal").unlink(missing_ok=True)
    return SnapshotResult(target, published, skipped, target.stat().st_size)


def remove_stale_candidates(target: Path) -> list[str]:
    """Remove candidate files (and their write-ahead logs) that a killed build left beside
    ``target``; a candidate another process holds open is kept. Returns the names removed."""
    removed = []
    for candidate in sorted(target.parent.glob(f".{target.name}.*.tmp")):
        if _in_use(candidate):
            continue
        for path in (Path(f"{candidate}.wal"), candidate):
            if _unlink(path):
                removed.append(path.name)
    for wal in sorted(target.parent.glob(f".{target.name}.*.tmp.wal")):
        if not wal.with_suffix("").exists() and _unlink(wal):  # a log whose database is gone
            removed.append(wal.name)
    return removed


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError:  # held open where open files cannot be deleted: the next build retries
        return False


def _in_use(path: Path) -> bool:
    """Whether another process holds DuckDB's lock on ``path`` (a POSIX record lock)."""
    try:
        import fcntl
    except ImportError:  # Windows: DuckDB's lock there keeps the file from being deleted anyway
        return False
    try:
        with path.open("r+b") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.lockf(handle, fcntl.LOCK_UN)
    except FileNotFoundError:
        return False
    return False

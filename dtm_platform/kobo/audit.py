"""Kobo's audit logs, read into raw: the ``audit.csv`` attachment Collect writes when a form
has the ``audit`` question (``event,node,start,end``, milliseconds since the epoch, one row
per event: each question's time on screen, pauses, saves). The files are downloaded with
the form's attachments (its registry entry says ``download_attachments: true``); this reads
each one once into the form's ``raw.kobo_<dataset>__audit_events``, so dbt can compute
how long an interview really took and how fast its questions went.

Nothing is lost or stalls: a file that is not an audit log (no ``event``/``node``/``start``/
``end`` header, too large, not UTF-8) is recorded in ``raw.kobo_audit_files`` with the
reason and no events, and the other files are read; a row whose times are not numbers is
counted there as invalid and left out. An edited submission that sends a new audit log
(another attachment uid) is read again; the events of the replaced one stay keyed by their
attachment, and staging keeps those of each submission's current attachment.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from dtm_platform.kobo.attachments import Attachment, attachments_dir, landed_attachments
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.warehouse import transaction_retrying

log = logging.getLogger(__name__)

AUDIT_FILE = "audit.csv"
MAX_AUDIT_BYTES = 5 * 1024 * 1024  # a day-long interview logs well under 1 MB
COLUMNS = ("event", "node", "start", "end")

AUDIT_FILES_DDL = """
create table if not exists raw.kobo_audit_files (
    dataset varchar not null,
    submission_id bigint not null,
    attachment_id varchar not null,
    loaded_at timestamptz not null,
    events bigint not null,
    invalid_rows bigint not null,
    problem varchar
)"""

AUDIT_EVENTS_DDL = """
create table if not exists raw.{table} (
    submission_id bigint not null,
    attachment_id varchar not null,
    position integer not null,
    event varchar not null,
    node varchar,
    started_ms bigint,
    ended_ms bigint
)"""


@dataclass
class AuditLoad:
    files_read: int = 0
    events: int = 0
    unreadable: int = 0
    invalid_rows: int = 0


@dataclass(frozen=True)
class ParsedAudit:
    events: list[tuple[int, str, str | None, int | None, int | None]]  # position, event, node, start, end
    invalid_rows: int
    problem: str | None


def audit_events_table(form: FormEntry) -> str:
    return f"{form.raw_table}__audit_events"


def ensure_audit_tables(con: duckdb.DuckDBPyConnection, form: FormEntry) -> None:
    """Every form has its (maybe empty) table of audit events, which dbt's staging reads."""
    con.execute("create schema if not exists raw")
    con.execute(AUDIT_FILES_DDL)
    con.execute(AUDIT_EVENTS_DDL.format(table=audit_events_table(form)))


def parse_audit(body: bytes) -> ParsedAudit:
    """The events of one audit log, or the reason it is not one."""
    if len(body) > MAX_AUDIT_BYTES:
        return ParsedAudit([], 0, f"larger than {MAX_AUDIT_BYTES // (1024 * 1024)} MB")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ParsedAudit([], 0, "not UTF-8 text")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not set(COLUMNS) <= {(f or "").strip() for f in reader.fieldnames}:
        return ParsedAudit([], 0, "no event,node,start,end header: not a Kobo audit log")
    events, invalid = [], 0
    for position, row in enumerate(reader, 1):
        row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
        start, end = _milliseconds(row.get("start")), _milliseconds(row.get("end"))
        if not row.get("event") or start is False or end is False:
            invalid += 1
            continue
        events.append((position, row["event"][:100], row.get("node")[:500] or None, start, end))
    return ParsedAudit(events, invalid, None)


def _milliseconds(value: str | None) -> int | bool | None:
    """A time in milliseconds, None when empty, False when it is not one."""
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) <= 15 else False


# Files read into raw per transaction: one transaction a file took 8 minutes for a
# million-submission form's 58,000 audit logs (and a lake commits a Parquet file each time).
FILES_PER_BATCH = 2000


def load_audit_logs(
    con: duckdb.DuckDBPyConnection, form: FormEntry, home: Path, files_per_batch: int = FILES_PER_BATCH
) -> AuditLoad:
    """Reads the form's downloaded audit logs not read yet into raw (see the module's docstring),
    ``files_per_batch`` files a transaction: each file's events land with its record or neither
    does, so a run stopped midway reads the rest again next time and nothing twice."""
    ensure_audit_tables(con, form)
    done = {
        (r[0], r[1])
        for r in con.execute(
            "select submission_id, attachment_id from raw.kobo_audit_files where dataset = ?", [form.dataset]
        ).fetchall()
    }
    result = AuditLoad()
    root = attachments_dir(home, form.dataset)
    batch: list[tuple[Attachment, ParsedAudit]] = []
    for attachment in landed_attachments(con, form):
        if attachment.file_name != AUDIT_FILE or (attachment.submission_id, attachment.attachment_id) in done:
            continue
        path = root / str(attachment.submission_id) / attachment.file_name
        if not path.is_file():  # not downloaded yet (a failed download is tried again next run)
            continue
        parsed = parse_audit(path.read_bytes())
        batch.append((attachment, parsed))
        result.files_read += 1
        result.events += len(parsed.events)
        result.invalid_rows += parsed.invalid_rows
        if parsed.problem:
            result.unreadable += 1
            log.warning(
                "form %s: submission %s: audit log %s not read: %s",
                form.dataset,
                attachment.submission_id,
                attachment.attachment_id,
                parsed.problem,
            )
        if len(batch) >= files_per_batch:
            _store(con, form, batch)
            batch = []
    if batch:
        _store(con, form, batch)
    return result


def _store(con: duckdb.DuckDBPyConnection, form: FormEntry, batch: list[tuple[Attachment, ParsedAudit]]) -> None:
    """A batch of files' events and their records, in one transaction (retried on a lake's
    commit conflict)."""
    events = pa.table(
        {
            "submission_id": pa.array([a.submission_id for a, p in batch for _ in p.events], pa.int64()),
            "attachment_id": pa.array([a.attachment_id for a, p in batch for _ in p.events], pa.string()),
            "position": pa.array([e[0] for _, p in batch for e in p.events], pa.int32()),
            "event": pa.array([e[1] for _, p in batch for e in p.events], pa.string()),
            "node": pa.array([e[2] for _, p in batch for e in p.events], pa.string()),
            "started_ms": pa.array([e[3] for _, p in batch for e in p.events], pa.int64()),
            "ended_ms": pa.array([e[4] for _, p in batch for e in p.events], pa.int64()),
        }
    )
    files = pa.table(
        {
            "submission_id": pa.array([a.submission_id for a, _ in batch], pa.int64()),
            "attachment_id": pa.array([a.attachment_id for a, _ in batch], pa.string()),
            "events": pa.array([len(p.events) for _, p in batch], pa.int64()),
            "invalid_rows": pa.array([p.invalid_rows for _, p in batch], pa.int64()),
            "problem": pa.array([p.problem for _, p in batch], pa.string()),
        }
    )

    def insert() -> None:
        con.register("audit_events_batch", events)
        con.register("audit_files_batch", files)
        try:
            con.execute(f"insert into raw.{audit_events_table(form)} by name select * from audit_events_batch")
            con.execute(
                "insert into raw.kobo_audit_files select ?, submission_id, attachment_id, current_timestamp, "
                "events, invalid_rows, problem from audit_files_batch",
                [form.dataset],
            )
        finally:
            con.unregister("audit_events_batch")
            con.unregister("audit_files_batch")

    transaction_retrying(con, insert, f"form {form.dataset}: reading audit logs")

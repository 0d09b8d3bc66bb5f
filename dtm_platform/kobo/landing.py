"""Lands Kobo submissions in ``raw``: one row per submission keyed on ``_id``, payload kept.

Raw is the system of record (ARCHITECTURE.md, Raw and the warehouse): rows are inserted, never overwritten without a
trace. The high-water mark is read from the table itself, so a crash between two pages
neither loses nor duplicates a submission: the next run resumes after the last ``_id`` that
actually landed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from dtm_platform.kobo.audit import ensure_audit_tables
from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.parallel import iter_pages
from dtm_platform.kobo.quarantine import QUARANTINE_DDL, keep_aside, problem_of, quarantined_high_water_mark
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.warehouse import cursor, retry_on_conflict, transaction_retrying

SYNC_LOG_DDL = """
create table if not exists raw.kobo_sync_log (
    run_id varchar,
    dataset varchar not null,
    form_uid varchar not null,
    mode varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    new_submissions bigint not null,
    edited_submissions bigint not null,
    deleted_submissions bigint not null,
    unchanged_submissions bigint not null,
    pages bigint not null,
    retries bigint not null,
    max_id bigint
)"""

FORM_CONTENT_DDL = """
create table if not exists raw.kobo_form_content (
    form_uid varchar not null,
    dataset varchar not null,
    version_id varchar not null,
    form_name varchar,
    date_deployed varchar,
    content json not null,
    fetched_at timestamptz not null
)"""

# The payload an edit replaced, so an edit never loses what was there before.
HISTORY_DDL = """
create table if not exists raw.kobo_submission_history (
    dataset varchar not null,
    _id bigint not null,
    _uuid varchar not null,
    payload json not null,
    payload_hash varchar not null,
    landed_at timestamptz not null,
    superseded_at timestamptz not null
)"""

VALIDATION_LOG_DDL = """
create table if not exists raw.kobo_validation_status_log (
    dataset varchar not null,
    _id bigint not null,
    previous_status varchar,
    new_status varchar,
    seen_at timestamptz not null
)"""


def submissions_ddl(table: str) -> str:
    return f"""
create table if not exists raw.{table} (
    _id bigint not null,
    _uuid varchar not null,
    root_uuid varchar,
    submission_time timestamp,
    form_version varchar,
    validation_status varchar,
    payload json not null,
    payload_hash varchar not null,
    landed_at timestamptz not null,
    previous_payload_hash varchar,
    previous_landed_at timestamptz,
    deleted_at timestamptz
)"""


# Pages are inserted a few at a time: each insert into a table keyed on _id has a fixed
# cost (index, write-ahead log), which a 1000-row page does not amortise. A batch is also
# cut at half the client's cap on an answer's bytes, so a form of huge submissions holds a
# bounded number of them in memory, not 5000.
INSERT_BATCH_ROWS = 5000


@dataclass(frozen=True)
class LandingResult:
    new_submissions: int
    pages: int
    retries: int
    max_id: int | None
    total_rows: int
    last_submission_time: str | None
    seconds: float
    quarantined: int = 0  # submissions kept aside in raw.kobo_quarantine (quarantine.py), with why
    quarantine_reasons: tuple[str, ...] = ()


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, form: FormEntry) -> None:
    # two forms' first runs at once on a lake both create the shared tables: one commits
    retry_on_conflict(lambda: _create_raw_tables(con, form), f"form {form.dataset}: creating raw's tables")


def _create_raw_tables(con: duckdb.DuckDBPyConnection, form: FormEntry) -> None:
    con.execute("create schema if not exists raw")
    con.execute(submissions_ddl(form.raw_table))
    ensure_audit_tables(con, form)
    con.execute(SYNC_LOG_DDL)
    con.execute(FORM_CONTENT_DDL)
    con.execute(HISTORY_DDL)
    con.execute(VALIDATION_LOG_DDL)
    con.execute(QUARANTINE_DDL)


def high_water_mark(con: duckdb.DuckDBPyConnection, form: FormEntry) -> int | None:
    """The highest ``_id`` landed, or quarantined: the next run fetches above it."""
    landed = con.execute(f"select max(_id) from raw.{form.raw_table}").fetchone()[0]
    kept_aside = quarantined_high_water_mark(con, form.dataset)
    return max((i for i in (landed, kept_aside) if i is not None), default=None)


def land_form_content(con: duckdb.DuckDBPyConnection, client: KoboClient, form: FormEntry) -> str:
    """Keep every deployed version's content once, so dbt can label questions and choices
    and map each submission to the version it was collected with. Returns the deployed one."""
    con.execute("create schema if not exists raw")
    con.execute(FORM_CONTENT_DDL)
    asset = client.get_form(form.uid)
    deployed = asset.get("deployed_version_id") or asset.get("version_id")
    known = {
        r[0]
        for r in con.execute("select version_id from raw.kobo_form_content where form_uid = ?", [form.uid]).fetchall()
    }
    versions = (asset.get("deployed_versions") or {}).get("results") or [{"uid": deployed}]
    for version in versions:
        if version["uid"] in known:
            continue
        content = (
            asset.get("content")
            if version["uid"] == deployed
            else client.get_form_version(form.uid, version["uid"]).get("content")
        )
        _keep_form_version(con, form, version["uid"], asset.get("name"), version.get("date_deployed"), content)
    return deployed


def _keep_form_version(
    con: duckdb.DuckDBPyConnection,
    form: FormEntry,
    version_id: str,
    form_name: str | None,
    date_deployed: str | None,
    content: dict | None,
) -> None:
    con.execute(
        """insert into raw.kobo_form_content
        select ?, ?, ?, ?, ?, ?::json, ?
        where not exists (select 1 from raw.kobo_form_content where form_uid = ? and version_id = ?)""",
        [
            form.uid,
            form.dataset,
            version_id,
            form_name,
            date_deployed,
            json.dumps(content or {}, ensure_ascii=False),
            datetime.now(UTC),
            form.uid,
            version_id,
        ],
    )


def land_unlisted_versions(con: duckdb.DuckDBPyConnection, client: KoboClient, form: FormEntry) -> list[str]:
    """Fetch the content of form versions that landed submissions name but the server's list
    of deployed versions left out (older deployments). A version the server cannot give is
    left out of raw.kobo_form_content: dq_undefined_fields flags its submissions, which still
    land. Returns the versions still without content."""
    missing = [
        r[0]
        for r in con.execute(
            f"""select distinct form_version from raw.{form.raw_table}
            where form_version is not null and form_version not in
                (select version_id from raw.kobo_form_content where form_uid = ?)
            order by 1""",
            [form.uid],
        ).fetchall()
    ]
    still_missing = []
    for version_id in missing:
        try:
            version = client.get_form_version(form.uid, version_id)
        except KoboError as error:
            if error.status in (403, 404):
                still_missing.append(version_id)
                continue
            raise
        _keep_form_version(con, form, version_id, None, version.get("date_deployed"), version.get("content"))
    return still_missing


def land_new_submissions(
    con: duckdb.DuckDBPyConnection,
    client: KoboClient,
    form: FormEntry,
    run_id: str | None = None,
    progress=None,
    batch_rows: int = INSERT_BATCH_ROWS,
) -> LandingResult:
    """Fetch every submission above the high-water mark and insert it, one page at a time, in
    ``_id`` order (several pages in flight: ``parallel.py``)."""
    started_at, clock = datetime.now(UTC), time.perf_counter()
    ensure_raw_tables(con, form)
    pages_before, retries_before = client.stats.pages, client.stats.retries
    after_id = high_water_mark(con, form)
    batch: list[dict] = []
    batch_bytes, most_bytes = 0, max(1, client.max_page_bytes // 2)
    with _BackgroundInserter(con, form, progress, run_id) as inserter:
        for page in iter_pages(client, form.uid, after_id):
            batch.extend(page.results)
            batch_bytes += page.body_bytes
            if len(batch) >= batch_rows or (batch and batch_bytes >= most_bytes):
                inserter.insert(batch)
                batch, batch_bytes = [], 0
        if batch:
            inserter.insert(batch)
    new = inserter.inserted
    max_id = con.execute(f"select max(_id) from raw.{form.raw_table}").fetchone()[0]
    total, last_time = con.execute(
        f"select count(*), max(submission_time)::varchar from raw.{form.raw_table}"
    ).fetchone()
    result = LandingResult(
        new_submissions=new,
        pages=client.stats.pages - pages_before,
        retries=client.stats.retries - retries_before,
        max_id=max_id,
        total_rows=total,
        last_submission_time=last_time,
        seconds=time.perf_counter() - clock,
        quarantined=inserter.quarantined,
        quarantine_reasons=tuple(inserter.reasons),
    )
    log_sync(
        con, form, run_id, "incremental", started_at, new=new, pages=result.pages, retries=result.retries, max_id=max_id
    )
    return result


def log_sync(
    con: duckdb.DuckDBPyConnection,
    form: FormEntry,
    run_id: str | None,
    mode: str,
    started_at: datetime,
    *,
    new: int = 0,
    edited: int = 0,
    deleted: int = 0,
    unchanged: int = 0,
    pages: int = 0,
    retries: int = 0,
    max_id: int | None = None,
) -> None:
    con.execute(
        "insert into raw.kobo_sync_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run_id,
            form.dataset,
            form.uid,
            mode,
            started_at,
            datetime.now(UTC),
            new,
            edited,
            deleted,
            unchanged,
            pages,
            retries,
            max_id,
        ],
    )


def payload_json(submission: dict) -> str:
    """A submission as compact JSON. orjson writes the same text as the standard library's
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` (so payloads landed by
    earlier versions hash the same), several times faster; only floats in exponent form
    differ (``1e-7`` against ``1e-07``), which Kobo's string answers do not carry. What
    orjson refuses (integers beyond 64 bits, lone surrogates) goes through the standard
    library."""
    try:
        return orjson.dumps(submission).decode("utf-8")
    except TypeError:
        return json.dumps(submission, ensure_ascii=False, separators=(",", ":"))


def split_landable(batch: list) -> tuple[list[dict], list[tuple[object, str]]]:
    """The submissions that land as they are (a record repeated with the same payload once),
    and the others with why (quarantine.py)."""
    landable: dict[int, dict] = {}
    aside: list[tuple[object, str]] = []
    for submission in batch:
        problem = problem_of(submission)
        if problem is not None:
            aside.append((submission, problem))
            continue
        first = landable.setdefault(submission["_id"], submission)
        if first is not submission and first != submission:
            aside.append(
                (
                    submission,
                    (
                        f"a second submission with _id {submission['_id']} and another payload in "
                        "the same fetch (the first one landed)"
                    ),
                )
            )
    return list(landable.values()), aside


def _id_of(submission: object) -> str:
    value = submission.get("_id", "(none)") if isinstance(submission, dict) else "(none)"
    return str(value)[:40]


def page_table(page: list[dict]) -> pa.Table:
    """A page of submissions as the columns of a raw table."""
    try:  # the whole page at once through orjson, which nearly every page allows
        encoded = [orjson.dumps(s) for s in page]
    except TypeError:
        encoded = [payload_json(s).encode("utf-8") for s in page]
    payloads = [e.decode("utf-8") for e in encoded]
    return pa.table(
        {
            "_id": pa.array([s["_id"] for s in page], pa.int64()),
            "_uuid": [str(s.get("_uuid") or "") for s in page],
            "root_uuid": [s.get("meta/rootUuid") for s in page],
            "submission_time": [s.get("_submission_time") for s in page],
            "form_version": [s.get("__version__") for s in page],
            "validation_status": [validation_label(s.get("_validation_status")) for s in page],
            "payload": payloads,
            "payload_hash": [hashlib.sha256(e).hexdigest() for e in encoded],
        }
    )


class _BackgroundInserter:
    """Inserts batches in the order given, on a thread of its own: DuckDB works without the
    interpreter lock, so the next pages are fetched, parsed and tabled meanwhile. At most
    one batch waits, and the first insert that fails stops the landing."""

    def __init__(self, con: duckdb.DuckDBPyConnection, form: FormEntry, progress=None, run_id: str | None = None):
        self._cursor, self._form, self._progress, self._run_id = cursor(con), form, progress, run_id
        self.quarantined, self.reasons = 0, []
        self._queue: queue.Queue[tuple[pa.Table | None, list] | None] = queue.Queue(maxsize=1)
        self._failure: BaseException | None = None
        self.inserted = 0
        self._thread = threading.Thread(target=self._work, name=f"land-{form.dataset}", daemon=True)

    def __enter__(self) -> _BackgroundInserter:
        self._thread.start()
        return self

    def insert(self, batch: list[dict]) -> None:
        """Tables ``batch`` and queues it; empties ``batch``, so that its submissions are freed
        before waiting for the previous insert (the table holds them compactly)."""
        landable, aside = split_landable(batch)
        self.reasons.extend(f"form {self._form.dataset}, submission {_id_of(s)}: {reason}" for s, reason in aside)
        table = page_table(landable) if landable else None
        del landable
        batch.clear()
        self._raise_if_failed()
        self._queue.put((table, aside))
        if self._progress is not None:  # from the landing thread, where Dagster's log lives
            self._progress(self.inserted)

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._queue.put(None)
        self._thread.join()
        self._cursor.close()
        if exc is None:
            self._raise_if_failed()

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # drain: nothing after a failed batch may land
            table, aside = item
            try:
                inserted, quarantined = transaction_retrying(
                    self._cursor,
                    functools.partial(self._land, table, aside),
                    f"form {self._form.dataset}: landing a batch",
                )
                self.inserted += inserted
                self.quarantined += quarantined
            except BaseException as failure:  # noqa: BLE001 (handed to the landing thread)
                self._failure = failure

    def _land(self, table: pa.Table | None, aside: list) -> tuple[int, int]:
        """A batch's landed and quarantined submissions, in the caller's one transaction: the
        next high-water mark (the highest of either) never passes one that is in neither. Both
        inserts skip what is already there, so a batch whose commit conflicted lands again."""
        inserted = _insert_table(self._cursor, self._form, table) if table is not None else 0
        quarantined = keep_aside(self._cursor, self._form.dataset, self._form.uid, aside, self._run_id)
        return inserted, quarantined


def _insert_table(con: duckdb.DuckDBPyConnection, form: FormEntry, table: pa.Table) -> int:
    """Insert a page table in one statement, so its rows land whole or not at all; returns
    how many rows were new."""
    con.register("landing_page", table)
    lowest, highest = pc.min_max(table["_id"]).values()
    try:
        # A page served again, or a record already landed, lands once. Raw has no key
        # constraint (a DuckLake has none): the batch is compared with what raw holds in its
        # _id range, which DuckDB reads from the few row groups whose bounds overlap it.
        inserted = con.execute(
            f"""
            insert into raw.{form.raw_table}
                (_id, _uuid, root_uuid, submission_time, form_version, validation_status,
                 payload, payload_hash, landed_at)
            select _id, _uuid, root_uuid, try_cast(submission_time as timestamp), form_version,
                   validation_status, payload::json, payload_hash, now()
            from landing_page
            where _id not in (select _id from raw.{form.raw_table} where _id between ? and ?)
        """,
            [lowest.as_py(), highest.as_py()],
        ).fetchone()[0]
    finally:
        con.unregister("landing_page")
    return inserted


def validation_label(status: object) -> str | None:
    """KPI's ``_validation_status`` is ``{}`` or ``{uid, label, ...}``: keep the uid."""
    if isinstance(status, dict) and status.get("uid"):
        return str(status["uid"])
    return None

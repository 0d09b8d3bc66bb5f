"""Reconciliation: what incremental sync on ``_id`` cannot see (ARCHITECTURE.md, Kobo).

An edit keeps ``_id`` and changes ``_uuid``; a validation-status change keeps both; a
deletion removes the record. So the whole form is listed cheaply (``_id``, ``_uuid``,
``_validation_status`` only), compared with what has landed, and then:
  - edited submissions are refetched in small ``$in`` batches; the payload they replace
    goes to ``raw.kobo_submission_history``, and the row keeps its hash and landing time;
  - vanished submissions get ``deleted_at`` (rows are never deleted from raw);
  - validation-status changes update the row and are logged;
  - submissions below the high-water mark that never landed (a server that dropped them
    from a page) are fetched and landed.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.landing import ensure_raw_tables, log_sync, page_table, split_landable, validation_label
from dtm_platform.kobo.parallel import iter_pages_in_order
from dtm_platform.kobo.quarantine import keep_aside, usable_id
from dtm_platform.kobo.registry import FormEntry

REFETCH_BATCH = 100  # ids per $in request: the query travels in the URL
MAX_DELETED_SHARE = 0.5  # more vanishing at once looks like a server fault, not deletions


@dataclass(frozen=True)
class ReconcileResult:
    new: int
    edited: int
    deleted: int
    validation_changed: int
    unchanged: int
    pages: int
    retries: int
    seconds: float


def reconcile(
    con: duckdb.DuckDBPyConnection,
    client: KoboClient,
    form: FormEntry,
    run_id: str | None = None,
    allow_mass_deletion: bool = False,
) -> ReconcileResult:
    started_at, clock = datetime.now(UTC), time.perf_counter()
    pages_before, retries_before = client.stats.pages, client.stats.retries
    ensure_raw_tables(con, form)
    table = f"raw.{form.raw_table}"

    listing = _list_server(client, form)
    con.register("server_listing", listing)
    try:
        con.execute(f"""
            create or replace temp table reconcile_diff as
            select coalesce(s._id, r._id) as _id,
                   case
                       when r._id is null then 'missing'
                       when s._id is null then 'deleted'
                       when s._uuid <> r._uuid then 'edited'
                       when s.validation_status is distinct from r.validation_status then 'validation'
                       else 'unchanged'
                   end as change,
                   r.validation_status as previous_status,
                   s.validation_status as new_status
            from server_listing s
            full outer join (select _id, _uuid, validation_status from {table} where deleted_at is null) r
                on r._id = s._id
            -- a row deleted earlier and still absent is no news
            where not (s._id is null and r._id is null)
        """)
    finally:
        con.unregister("server_listing")
    counts = dict(con.execute("select change, count(*) from reconcile_diff group by change").fetchall())
    alive = con.execute(f"select count(*) from {table} where deleted_at is null").fetchone()[0]
    deleted = counts.get("deleted", 0)
    if alive and deleted / alive > MAX_DELETED_SHARE and not allow_mass_deletion:
        raise KoboError(
            f"form {form.uid}: {deleted} of {alive} landed submissions are missing from the server; "
            "refusing to mark them deleted (a server fault looks like this). Rerun with "
            "allow_mass_deletion if they really were deleted."
        )

    now = datetime.now(UTC)
    refetch = [
        r[0]
        for r in con.execute(
            "select _id from reconcile_diff where change in ('edited', 'missing') order by _id"
        ).fetchall()
    ]
    # a submission quarantined by landing comes back here while the server keeps it: one that
    # was corrected lands now, one still poisoned stays in quarantine (once)
    fetched, aside = split_landable(_refetch(client, form, refetch))
    con.execute("begin transaction")
    try:
        keep_aside(con, form.dataset, form.uid, aside, run_id)
        if fetched:
            con.register("refetched", page_table(fetched))
            con.execute(
                f"""
                insert into raw.kobo_submission_history
                select ?, r._id, r._uuid, r.payload, r.payload_hash, r.landed_at, ?
                from {table} r join refetched f on f._id = r._id
                where f.payload_hash <> r.payload_hash
            """,
                [form.dataset, now],
            )
            con.execute(
                f"""
                update {table} r set
                    _uuid = f._uuid, root_uuid = f.root_uuid,
                    submission_time = try_cast(f.submission_time as timestamp),
                    form_version = f.form_version, validation_status = f.validation_status,
                    previous_payload_hash = r.payload_hash, previous_landed_at = r.landed_at,
                    payload = f.payload::json, payload_hash = f.payload_hash, landed_at = ?
                from refetched f
                where f._id = r._id and f.payload_hash <> r.payload_hash
            """,
                [now],
            )
            con.execute(
                f"""
                insert into {table} (_id, _uuid, root_uuid, submission_time, form_version,
                                     validation_status, payload, payload_hash, landed_at)
                select _id, _uuid, root_uuid, try_cast(submission_time as timestamp), form_version,
                       validation_status, payload::json, payload_hash, ?
                from refetched
                where _id not in (select _id from {table})
            """,
                [now],
            )
            con.unregister("refetched")
        con.execute(
            f"""
            update {table} set deleted_at = ?
            where _id in (select _id from reconcile_diff where change = 'deleted')
        """,
            [now],
        )
        con.execute(
            """
            insert into raw.kobo_validation_status_log
            select ?, _id, previous_status, new_status, ? from reconcile_diff where change = 'validation'
        """,
            [form.dataset, now],
        )
        con.execute(f"""
            update {table} r set validation_status = d.new_status
            from reconcile_diff d where d._id = r._id and d.change = 'validation'
        """)
        result = ReconcileResult(
            new=counts.get("missing", 0),
            edited=counts.get("edited", 0),
            deleted=deleted,
            validation_changed=counts.get("validation", 0),
            unchanged=counts.get("unchanged", 0),
            pages=client.stats.pages - pages_before,
            retries=client.stats.retries - retries_before,
            seconds=time.perf_counter() - clock,
        )
        log_sync(
            con,
            form,
            run_id,
            "reconcile",
            started_at,
            new=result.new,
            edited=result.edited,
            deleted=result.deleted,
            unchanged=result.unchanged + result.validation_changed,
            pages=result.pages,
            retries=result.retries,
            max_id=con.execute(f"select max(_id) from {table}").fetchone()[0],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return result


def _list_server(client: KoboClient, form: FormEntry) -> pa.Table:
    ids: list[int] = []
    uuids: list[str] = []
    statuses: list[str | None] = []
    for page in iter_pages_in_order(client, form.uid, None, fields=["_id", "_uuid", "_validation_status"]):
        for record in page:
            if not isinstance(record, dict) or usable_id(record.get("_id")) is None:
                continue  # no _id to reconcile by: landing quarantined it
            ids.append(record["_id"])
            uuids.append(str(record.get("_uuid") or ""))
            statuses.append(validation_label(record.get("_validation_status")))
    if len(set(ids)) != len(ids):
        raise KoboError(f"form {form.uid}: the server listed some _id twice; not reconciling")
    return pa.table(
        {"_id": pa.array(ids, pa.int64()), "_uuid": uuids, "validation_status": pa.array(statuses, pa.string())}
    )


def _refetch(client: KoboClient, form: FormEntry, ids: list[int]) -> list[dict]:
    batches = [ids[i : i + REFETCH_BATCH] for i in range(0, len(ids), REFETCH_BATCH)]
    with ThreadPoolExecutor(max_workers=4) as pool:  # the client bounds requests in flight
        pages = list(pool.map(lambda batch: client.fetch_by_ids(form.uid, batch), batches))
    fetched = [s for page in pages for s in page]
    returned = {usable_id(s.get("_id")) for s in fetched if isinstance(s, dict)}
    missing = set(ids) - returned
    if missing:  # deleted between the listing and the refetch: the next pass sees it
        fetched = [s for s in fetched if not (isinstance(s, dict) and usable_id(s.get("_id")) in missing)]
    return fetched

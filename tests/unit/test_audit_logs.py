"""Kobo's audit logs read into raw: every file once, a file that is not an audit log recorded
with its reason and nothing of it kept, a bad row counted and left out, the others read."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from dtm_platform.kobo import audit
from dtm_platform.kobo.audit import MAX_AUDIT_BYTES, audit_events_table, load_audit_logs, parse_audit
from dtm_platform.kobo.landing import ensure_raw_tables
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.kobo_mock.audit_logs import audit_csv

FORM = FormEntry(
    uid="aPdm", dataset="me_pdm", title="PDM", schedule="0 * * * *", kind="me_pdm", download_attachments=True
)


def test_an_audit_log_gives_its_events_and_counts_the_rows_it_cannot_read():
    parsed = parse_audit(
        b"event,node,start,end,old-value\n"
        b"form start,,1000,,\n"
        b"question,/aPdm/grp/q1,2000,9500,\n"
        b"question,/aPdm/grp/q2,soon,12000,\n"
        b",/aPdm/grp/q3,13000,14000,\n"
        b"form exit,,20000,,\n"
    )
    assert parsed.problem is None and parsed.invalid_rows == 2
    assert parsed.events == [
        (1, "form start", None, 1000, None),
        (2, "question", "/aPdm/grp/q1", 2000, 9500),
        (5, "form exit", None, 20000, None),
    ]


def test_a_file_that_is_no_audit_log_says_why():
    assert parse_audit(b"\xff\xd8\xff\xe0 a photo").problem == "not UTF-8 text"
    assert parse_audit(b"name,phone\nA,1\n").problem == "no event,node,start,end header: not a Kobo audit log"
    assert parse_audit(b"event,node,start,end\n" + b"x" * MAX_AUDIT_BYTES).problem == "larger than 5 MB"


def an_audit_log() -> bytes:
    started = datetime(2026, 10, 1, 9, tzinfo=UTC)
    return audit_csv(
        "aPdm",
        ["grp/q1", "grp/q2", "grp/q3"],
        started,
        started.replace(minute=30),
        seconds_per_question=(10, 20),
        rng=random.Random(1),
    )


def land_with_audit_logs(con, home: Path, files: dict[int, bytes | None]) -> None:
    """Submissions each with an audit log attached, downloaded under ``home`` unless None."""
    ensure_raw_tables(con, FORM)
    for submission_id, body in files.items():
        attachment = {
            "uid": f"att{submission_id}",
            "media_file_basename": "audit.csv",
            "download_url": f"https://kf.example.org/api/v2/assets/aPdm/data/{submission_id}/attachments/x/",
        }
        con.execute(
            f"insert into raw.{FORM.raw_table} (_id, _uuid, payload, payload_hash, landed_at) "
            "values (?, ?, ?, 'h', now())",
            [submission_id, f"u{submission_id}", json.dumps({"_attachments": [attachment]})],
        )
        if body is not None:
            target = home / "attachments" / FORM.dataset / str(submission_id) / "audit.csv"
            target.parent.mkdir(parents=True)
            target.write_bytes(body)


def test_downloaded_audit_logs_are_read_once_and_a_bad_one_does_not_stop_the_others(tmp_path: Path):
    con = duckdb.connect()
    good = an_audit_log()
    # the third is not downloaded yet
    land_with_audit_logs(con, tmp_path, {1: good, 2: b"not, an, audit\n1,2,3\n", 3: None})
    first = load_audit_logs(con, FORM, tmp_path)
    events = len(parse_audit(good).events)  # form start, the three questions, end screen, save, exit
    assert events == 7
    assert (first.files_read, first.unreadable, first.events) == (2, 1, events)
    problems = dict(con.execute("select submission_id, problem from raw.kobo_audit_files").fetchall())
    assert problems == {1: None, 2: "no event,node,start,end header: not a Kobo audit log"}
    # read once: nothing again, and the third once it is downloaded
    assert load_audit_logs(con, FORM, tmp_path).files_read == 0
    target = tmp_path / "attachments" / FORM.dataset / "3" / "audit.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(good)
    assert load_audit_logs(con, FORM, tmp_path).files_read == 1
    table = audit_events_table(FORM)
    assert con.execute(f"select count(distinct submission_id), count(*) from raw.{table}").fetchone() == (2, 2 * events)


def test_a_run_stopped_between_batches_keeps_whole_files_and_the_rerun_reads_the_rest_once(tmp_path: Path, monkeypatch):
    """Files are read a batch a transaction: a failure in the second batch keeps the first
    batch's files, each with all its events and its record, and nothing of the second; the
    next run reads the files left, and no event lands twice."""
    con = duckdb.connect()
    good = an_audit_log()
    land_with_audit_logs(con, tmp_path, dict.fromkeys(range(1, 6), good))
    stores = []
    real_store = audit._store

    def store_then_fail(*args):
        stores.append(len(args[2]))
        if len(stores) == 2:
            raise OSError("disk full")
        real_store(*args)

    monkeypatch.setattr(audit, "_store", store_then_fail)
    with pytest.raises(OSError, match="disk full"):
        load_audit_logs(con, FORM, tmp_path, files_per_batch=2)
    table = audit_events_table(FORM)
    events = len(parse_audit(good).events)
    read = "select submission_id, events from raw.kobo_audit_files order by 1"
    assert con.execute(read).fetchall() == [(1, events), (2, events)]
    assert con.execute(f"select count(*) from raw.{table}").fetchone() == (2 * events,)

    monkeypatch.setattr(audit, "_store", real_store)
    again = load_audit_logs(con, FORM, tmp_path, files_per_batch=2)
    assert again.files_read == 3
    assert con.execute(read).fetchall() == [(i, events) for i in range(1, 6)]
    per_file = f"select submission_id, count(*), count(distinct position) from raw.{table} group by 1 order by 1"
    assert con.execute(per_file).fetchall() == [(i, events, events) for i in range(1, 6)]

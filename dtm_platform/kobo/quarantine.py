"""Submissions that cannot land as they are: kept aside in raw.kobo_quarantine with the form,
their ``_id`` when they have a usable one, the reason and their text (escaped so that any
character survives), so one poisoned submission never stops the ones after it.

What cannot land: a result that is not a JSON object; an ``_id`` that is missing or not a
whole number that fits raw's 64-bit key (a string, null, a boolean, 12.5, 2**64); a metadata
field of the wrong type (``_uuid``, ``_submission_time``, ``__version__``, ``meta/rootUuid``
not texts); text that is not valid Unicode (a lone surrogate such as ``\\ud800``, which no
UTF-8 column can hold); a second submission with the same ``_id`` and a different payload in
one fetch (the first is landed, the other kept here); a submission the server cannot give
within the bounds of a page (larger alone than ``DTM_KOBO_MAX_PAGE_MB``, or nested deeper
than a JSON parser goes), kept here by its ``_id`` alone (``Withheld``, made by pages.py).
The officer reads the reasons in
marts.dq_quarantined_submissions; a submission corrected at the source lands when the
reconciliation next finds it changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import duckdb

QUARANTINE_DDL = """
create table if not exists raw.kobo_quarantine (
    dataset varchar not null,
    form_uid varchar not null,
    submission_id bigint,
    reason varchar not null,
    payload_text varchar not null,
    payload_hash varchar not null,
    run_id varchar,
    quarantined_at timestamptz not null
)"""
MAX_ID = 2**63 - 1
TEXT_METADATA = ("_uuid", "_submission_time", "__version__", "meta/rootUuid")


class Withheld(dict):
    """Stands for a submission that could not be fetched within the bounds: only its ``_id``
    (as a dict, so it travels in a page like any result) and why. Its payload is not kept:
    it never reached memory whole, which is the point."""

    def __init__(self, submission_id: int, reason: str):
        super().__init__(_id=submission_id)
        self.reason = reason


def usable_id(value: object) -> int | None:
    """The ``_id`` as raw keys it, or None: a whole number (not a boolean) of 1 to 2**63 - 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def problem_of(submission: object) -> str | None:
    """Why ``submission`` cannot land as it is, or None."""
    if isinstance(submission, Withheld):
        return submission.reason
    if not isinstance(submission, dict):
        return f"a result that is not a JSON object but {_kind(submission)}"
    if "_id" not in submission:
        return "no _id"
    if usable_id(submission["_id"]) is None:
        return f"_id {_shown(submission['_id'])} is not a whole number between 1 and 2**63 - 1"
    for name in TEXT_METADATA:
        value = submission.get(name)
        if value is not None and not isinstance(value, str):
            return f"{name} is {_kind(value)}, not a text"
    where = _invalid_text(submission)
    if where is not None:
        return f"text that is not valid Unicode (a lone surrogate) in {where}"
    return None


def escaped_text(submission: object) -> str:
    """Any result as JSON text with every non-ASCII character escaped: a lone surrogate
    becomes the six characters \\ud800, which any column holds."""
    return json.dumps(submission, ensure_ascii=True, default=repr)


def keep_aside(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    form_uid: str,
    items: list[tuple[object, str]],
    run_id: str | None = None,
) -> int:
    """Quarantines ``items`` ((result, reason)) in raw.kobo_quarantine (QUARANTINE_DDL, made
    by landing's ensure_raw_tables); a result already there is not added again. Returns how
    many were new."""
    if not items:
        return 0
    before = con.execute("select count(*) from raw.kobo_quarantine where dataset = ?", [dataset]).fetchone()[0]
    now = datetime.now(UTC)
    rows = []
    for submission, reason in items:
        text = escaped_text(submission)
        identifier = usable_id(submission.get("_id")) if isinstance(submission, dict) else None
        rows.append(
            [dataset, form_uid, identifier, reason, text, hashlib.sha256(text.encode()).hexdigest(), run_id, now]
        )
    # one row per (dataset, payload_hash): each statement sees the rows of the ones before
    con.executemany(
        """insert into raw.kobo_quarantine select ?, ?, ?, ?, ?, ?, ?, ?
        where not exists (select 1 from raw.kobo_quarantine where dataset = ? and payload_hash = ?)""",
        [[*row, row[0], row[5]] for row in rows],
    )
    return con.execute("select count(*) from raw.kobo_quarantine where dataset = ?", [dataset]).fetchone()[0] - before


def quarantined_high_water_mark(con: duckdb.DuckDBPyConnection, dataset: str) -> int | None:
    """The highest ``_id`` quarantined for the form: landing resumes above it too, so a
    poisoned last submission is not fetched again on every run."""
    return con.execute("select max(submission_id) from raw.kobo_quarantine where dataset = ?", [dataset]).fetchone()[0]


def _invalid_text(value: object, path: str = "") -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "the value"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}/{_safe(key)}".lstrip("/")
            where = _invalid_text(key, f"the name of {here}") or _invalid_text(item, here)
            if where:
                return where
    if isinstance(value, list):
        for position, item in enumerate(value):
            where = _invalid_text(item, f"{path}[{position}]")
            if where:
                return where
    return None


def _safe(key: object) -> str:
    """A field's name as a reason may quote it: any lone surrogate escaped."""
    return str(key).encode("utf-8", "backslashreplace").decode("utf-8")


def _kind(value: object) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a text",
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."

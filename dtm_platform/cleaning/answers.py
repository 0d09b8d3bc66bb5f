"""Returned verification workbooks, read back row by row.

Each answered row is checked against what the warehouse holds now (the open issues of
marts.dq_verification_queue, the correctable cells of cleaned.cln_cleaning_targets) and
against the other rows of the file. A valid row becomes a cleaning-log entry in the ledger
(with who, when, file, row and reason); every other row is in the rejection report with the
reason, and in the warehouse's record of the import (cleaning.imported_answers). Nothing is dropped: a row
without an answer is reported as unanswered (its issue stays open and comes back in the
next workbook).
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.utils.escape import unescape

from dtm_platform.cleaning.columns import (
    BY_HEADER,
    COLUMNS,
    DECISIONS,
    DECISIONS_WITHOUT_CORRECTION,
    PROTECTED,
    SHEET,
    checksum,
    question_codes,
    text,
)
from dtm_platform.cleaning.ledger import append_to_ledger, ensure_ledger, ledger_path, read_ledger
from dtm_platform.cleaning.workbooks import QUEUE, workbook_row
from dtm_platform.reports.files import write_atomically
from dtm_platform.reports.xlsx import WORKBOOK_OPTIONS, Formats, write_text
from dtm_platform.row_imports import ImportOutcome, RowOutcome
from dtm_platform.warehouse import connect_duckdb

RECORD_TABLE = "cleaning.imported_answers"
ACCEPTED, REJECTED, UNANSWERED, DUPLICATE = "accepted", "rejected", "unanswered", "duplicate"
HEADERS = {c.key: c.header for c in COLUMNS}
TYPE_NAMES = {
    "integer": "a whole number",
    "double": "a number",
    "date": "a date (YYYY-MM-DD or DD/MM/YYYY)",
    "boolean": "true or false",
    "varchar": "a text",
}


class NoQueueError(RuntimeError):
    """The warehouse has no verification queue yet: there is nothing to check answers against."""


def has_queue(con) -> bool:
    schema, table = QUEUE.split(".")
    return (
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()[0]
        > 0
    )


class WorkbookError(ValueError):
    """The file is not a verification workbook the platform can read (every row is reported)."""


KINDS = (ACCEPTED, REJECTED, UNANSWERED, DUPLICATE)


def issue_key(form: str, submission_id, rule: str, field_name: str | None) -> str:
    """The queue's issue_key (md5 over form, submission, rule and field, as the mart computes it)."""
    return hashlib.md5(f"{form}|{submission_id}|{rule}|{field_name or ''}".encode()).hexdigest()


# --- reading ---------------------------------------------------------------------------------


def read_workbook(path: Path) -> list[tuple[int, dict]]:
    """(row number, {column key: value}) for every non-empty row of the Verification sheet."""
    try:
        workbook = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception as error:  # a zip that is not a workbook, a CSV renamed, a locked file
        raise WorkbookError(f"{path.name} is not an XLSX workbook ({type(error).__name__})") from error
    try:
        if SHEET not in workbook.sheetnames:
            raise WorkbookError(f"{path.name} has no sheet {SHEET!r} (sheets: {', '.join(workbook.sheetnames)})")
        rows = workbook[SHEET].iter_rows(values_only=True)
        header = [text(v) for v in next(rows, ())]
        missing = [h for h in HEADERS.values() if h not in header]
        if missing:
            raise WorkbookError(f"{path.name}: the columns were changed (missing: {', '.join(missing)})")
        keys = [BY_HEADER[h].key if h in BY_HEADER else None for h in header]
        out = []
        for number, values in enumerate(rows, 2):
            # openpyxl hands back the XML escapes of control characters (_x000D_) as they are
            cells = {
                key: unescape(value) if isinstance(value, str) else value for key, value in zip(keys, values) if key
            }
            if any(text(v).strip() for v in cells.values()):
                out.append((number, cells))
        return out
    finally:
        workbook.close()


# --- checking --------------------------------------------------------------------------------


@dataclass
class Context:
    """What the warehouse and the ledger hold now, for the cells a file names."""

    queue: dict[str, dict]  # issue_key -> queue row
    targets: dict[tuple[str, int, str], dict]  # (form, submission, field) -> correctable cell
    submissions: set[tuple[str, int]]  # (form, submission) of every correctable form
    answered: dict[str, str]  # issue_key -> "file, row" of an earlier answer


def load_context(con, submission_ids: set[int], ledger: Path) -> Context:
    cursor = con.execute(f"select * from {QUEUE}")
    names = [d[0] for d in cursor.description]
    queue = {r["issue_key"]: r for r in (dict(zip(names, row)) for row in cursor.fetchall())}
    ids = sorted(submission_ids) or [-1]
    targets = {
        (form, sid, name): {"value_type": value_type, "question_name": question, "current_value": current}
        for form, sid, name, value_type, question, current in con.execute(
            "select form, submission_id, field, value_type, question_name, current_value "
            "from cleaned.cln_cleaning_targets "
            "where submission_id in (select unnest(?::bigint[]))",
            [ids],
        ).fetchall()
    }
    answered = {}
    for entry in read_ledger(ledger):
        if entry.get("rule"):
            answered[
                entry.get("issue_key")
                or issue_key(entry["form"], entry["submission_id"], entry["rule"], entry["field"])
            ] = f"{entry['source_file']}, row {entry['source_row']}"
    return Context(queue, targets, {(f, s) for f, s, _ in targets}, answered)


def _typed(value, value_type: str) -> str | None:
    """The new value as the cleaning log writes it, or None when it does not fit the type."""
    if isinstance(value, datetime):
        value = value.date()
    if value_type == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)) and float(value).is_integer():
            return str(int(value))
        return value.strip() if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()) else None
    if value_type == "double":
        try:
            return repr(float(str(value).replace(",", ".") if isinstance(value, str) else value))
        except ValueError:
            return None
    if value_type == "date":
        if isinstance(value, date):
            return value.isoformat()
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(str(value).strip(), pattern).date().isoformat()
            except ValueError:
                pass
        return None
    if value_type == "boolean":
        return {"true": "true", "false": "false", "vrai": "true", "faux": "false"}.get(text(value).strip().lower())
    return text(value).strip() or None


def check_row(number: int, cells: dict, context: Context) -> tuple[str, str, dict | None]:
    """(outcome, reason, cleaning-log entry or None) for one answered row."""
    decision = text(cells.get("decision")).strip()
    new_value = cells.get("new_value")
    has_new_value = text(new_value).strip() != ""
    if not decision and not has_new_value and not text(cells.get("comment")).strip():
        return UNANSWERED, "no decision: the issue stays open", None
    key = text(cells.get("issue_key")).strip()
    if key:
        if key in context.answered:
            return REJECTED, f"already answered ({context.answered[key]})", None
        issue = context.queue.get(key)
        if issue is None:
            return (
                REJECTED,
                (
                    "the issue no longer exists: the submission changed or the issue was resolved "
                    "since the workbook was made"
                ),
                None,
            )
        # the row's protected cells against the fingerprint written beside them
        if text(cells.get("checksum")) != checksum({k: text(cells.get(k)) for k in PROTECTED}):
            shown = _as_sent(issue)
            edited = [HEADERS[k] for k in PROTECTED if text(cells.get(k)) != shown[k]] or ["?"]
            return REJECTED, f"a protected column was edited: {', '.join(edited)}", None
        identity = ("form", "submission_id", "field", "rule")
        if any(text(cells.get(k)) != text(issue.get(k)) for k in identity):
            return REJECTED, "the row does not match its issue (its key was copied from another row)", None
        if not issue.get("is_answerable"):
            return (
                REJECTED,
                (f"the cleaning log does not cover form {issue['form']!r}: correct the submission in Kobo"),
                None,
            )
        target_now = context.targets.get((issue["form"], issue["submission_id"], issue["field"]))
        if target_now and text(cells.get("current_value")) != text(target_now["current_value"]):
            return (
                REJECTED,
                (
                    f"the value changed since the workbook was made (it showed "
                    f"{text(cells.get('current_value'))!r}, it is {text(target_now['current_value'])!r} "
                    "now): verify it again in the next workbook"
                ),
                None,
            )
        form, submission_id, name, rule = issue["form"], issue["submission_id"], issue["field"], issue["rule"]
        question, correctable = issue["question_name"], bool(issue["is_correctable"])
    else:  # a row the team added: it names its cell itself
        form, name, rule = text(cells.get("form")).strip(), text(cells.get("field")).strip() or None, None
        try:
            submission_id = int(text(cells.get("submission_id")).strip())
        except ValueError:
            return REJECTED, f"unknown submission {text(cells.get('submission_id'))!r}", None
        if (form, submission_id) not in context.submissions:
            return REJECTED, f"unknown submission {submission_id} of form {form!r}", None
        if decision != "remove_survey" and (form, submission_id, name) not in context.targets:
            return REJECTED, f"unknown question {name!r}: not a field of form {form!r} the cleaning log corrects", None
        question, correctable = name, name is not None
    target = context.targets.get((form, submission_id, name))
    if not key and target:  # a repeat's answer (travel_group[2]/member_age) is its question's (member_age)
        question = target["question_name"]
    if decision not in DECISIONS:
        return REJECTED, f"unknown decision {decision!r} (one of {', '.join(DECISIONS)})", None
    if not correctable and decision not in DECISIONS_WITHOUT_CORRECTION:
        return (
            REJECTED,
            (
                f"{decision} is not possible on {name!r}: the cleaning log cannot correct it (correct "
                "it in Kobo, or choose no_action or remove_survey)"
            ),
            None,
        )
    value = None
    if decision == "change_response":
        if not has_new_value:
            return REJECTED, "change_response without a new value", None
        value = _typed(new_value, target["value_type"] if target else "varchar")
        if value is None:
            expected = TYPE_NAMES.get(target["value_type"] if target else "varchar", "a text")
            return REJECTED, f"{text(new_value)!r} is not {expected}, as {name!r} needs", None
        codes = question_codes(form, question)
        if codes and value not in codes:
            listed = ", ".join(codes[:12]) + (", …" if len(codes) > 12 else "")
            return REJECTED, f"{value!r} is not a code of {name!r} ({listed})", None
    elif has_new_value:
        return REJECTED, f"a new value with {decision}: choose change_response to change the answer", None
    comment = text(cells.get("comment")).strip()
    entry = {
        "issue_key": key or None,
        "form": form,
        "submission_id": submission_id,
        "field": None if decision == "remove_survey" else name,
        "decision": decision,
        "old_value": None
        if decision == "remove_survey"
        else (target["current_value"] if target else text(cells.get("current_value")) or None),
        "new_value": value,
        "rule": rule,
        "reason": comment or f"{decision} ({rule or 'added by the team'})",
    }
    return ACCEPTED, "", entry


def _as_sent(issue: dict) -> dict:
    return workbook_row(
        {**issue, "submitted_on": issue["submitted_at"].strftime("%Y-%m-%d") if issue.get("submitted_at") else None}
    )


def _answered(entry: dict) -> tuple:
    """What an entry answers: a value (a change or blank, which compete with each other), a
    rule (a confirmation) or the whole survey (a removal)."""
    if entry["decision"] in ("change_response", "blank_response"):
        return entry["form"], entry["submission_id"], "value", entry["field"]
    if entry["decision"] == "no_action":
        return entry["form"], entry["submission_id"], "rule", entry["field"], entry["rule"]
    return entry["form"], entry["submission_id"], "survey"


# --- importing -------------------------------------------------------------------------------


def import_answers(
    source: Path, *, warehouse: Path, cleaning_dir: Path, imported_by: str, now: datetime, move: bool = False
) -> ImportOutcome:
    """Checks and imports one returned workbook: accepted rows to the ledger, the outcome of
    every row to cleaned's record and, when a row is not accepted, to a rejection report.
    The file is kept under cleaning_dir/imported (moved there from the drop folder)."""
    outcome = ImportOutcome(source, KINDS)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    ledger = ensure_ledger(ledger_path(cleaning_dir))
    try:
        rows = read_workbook(source)
        error = None
    except WorkbookError as failure:
        rows, error = [], str(failure)
    with connect_duckdb(warehouse) as con:
        if not has_queue(con):
            raise NoQueueError(
                f"{source.name}: no build has made the verification queue ({QUEUE}) yet: run one "
                "first (dtm demo, or the full_build job); nothing was imported"
            )
        if error:
            outcome.rows.append(RowOutcome(0, REJECTED, error, {}))
        else:
            ids = {
                int(text(c.get("submission_id")))
                for _, c in rows
                if re.fullmatch(r"\d{1,18}", text(c.get("submission_id")).strip())
            }
            context = load_context(con, ids, ledger)
            _check_all(rows, context, outcome)
        entries = [
            {
                **r.cells["entry"],
                "changed_by": text(r.cells.get("verified_by")).strip() or _team(source),
                "changed_at": now.isoformat(timespec="seconds"),
                "source_file": source.name,
                "source_row": r.row,
                "team": _team(source),
                "imported_by": imported_by,
            }
            for r in outcome.rows
            if r.outcome == ACCEPTED
        ]
        append_to_ledger(ledger, entries)
        _record(con, outcome, source, now)
    if any(r.outcome != ACCEPTED for r in outcome.rows):
        outcome.report = cleaning_dir / "reports" / f"{stamp}-{source.stem}-report.xlsx"
        write_atomically(outcome.report, report_bytes(outcome, now))
    kept = cleaning_dir / "imported" / f"{stamp}-{source.name}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    (shutil.move if move else shutil.copy2)(source, kept)
    outcome.kept_as = kept
    return outcome


def _team(source: Path) -> str:
    return source.stem


def _check_all(rows: list[tuple[int, dict]], context: Context, outcome: ImportOutcome) -> None:
    checked = []
    for number, cells in rows:
        try:
            result, reason, entry = check_row(number, cells, context)
        except Exception as error:  # noqa: BLE001 (a cell of a kind no check expected: the row, not the file, fails)
            result, reason, entry = REJECTED, f"the row could not be read ({type(error).__name__})", None
        checked.append(RowOutcome(number, result, reason, {**cells, "entry": entry}))
    # two rows answering one thing: the same answer counts once, different answers none
    by_cell: dict[tuple, list[RowOutcome]] = {}
    for r in checked:
        if r.outcome == ACCEPTED:
            by_cell.setdefault(_answered(r.cells["entry"]), []).append(r)
    for _cell, same in by_cell.items():
        if len(same) < 2:
            continue
        numbers = ", ".join(str(r.row) for r in same)
        if len({(r.cells["entry"]["decision"], r.cells["entry"]["new_value"]) for r in same}) > 1:
            for r in same:
                r.outcome, r.reason = REJECTED, f"different answers for the same answer in rows {numbers}"
        else:
            for r in same[1:]:
                r.outcome, r.reason = DUPLICATE, f"the same answer as row {same[0].row} (imported once)"
    outcome.rows.extend(checked)


def ensure_record(con) -> None:
    con.execute("create schema if not exists cleaning")
    con.execute(f"""create table if not exists {RECORD_TABLE} (
        imported_at timestamp, source_file varchar, source_row integer, team varchar, form varchar,
        submission_id varchar, field varchar, rule varchar, decision varchar, outcome varchar, reason varchar)""")


def _record(con, outcome: ImportOutcome, source: Path, now: datetime) -> None:
    """The outcome of every row, kept in the warehouse (what the asset's gate reads)."""
    ensure_record(con)
    con.executemany(
        f"insert into {RECORD_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            [
                now.replace(tzinfo=None),
                source.name,
                r.row,
                _team(source),
                text(r.cells.get("form")) or None,
                text(r.cells.get("submission_id")) or None,
                text(r.cells.get("field")) or None,
                text(r.cells.get("rule")) or None,
                text(r.cells.get("decision")) or None,
                r.outcome,
                r.reason or None,
            ]
            for r in outcome.rows
        ],
    )


def report_bytes(outcome: ImportOutcome, now: datetime) -> bytes:
    """Every row that was not imported, with why, for the team to correct and send again."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    formats = Formats(workbook)
    sheet = workbook.add_worksheet("Refus (Rejections)")
    header = formats.get(bold=True, font_color="#FFFFFF", bg_color="#0033a0", text_wrap=True, valign="top")
    columns = [
        ("Ligne / Row", 8),
        ("Résultat / Outcome", 12),
        ("Raison / Reason", 60),
        ("Formulaire / Form", 14),
        ("Soumission / Submission", 12),
        ("Champ / Field", 16),
        ("Règle / Rule", 18),
        ("Décision / Decision", 16),
        ("Nouvelle valeur / New value", 16),
        ("Commentaire / Comment", 30),
    ]
    write_text(
        sheet,
        0,
        0,
        f"{outcome.source.name}: {outcome.summary()} ({now.strftime('%d/%m/%Y %H:%M UTC')})",
        formats,
        bold=True,
    )
    for col, (title, width) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(1, col, title, header)
    line = 2
    for r in outcome.rows:
        if r.outcome == ACCEPTED:
            continue
        values = [
            str(r.row) if r.row else "",
            r.outcome,
            r.reason,
            *(
                text(r.cells.get(k))
                for k in ("form", "submission_id", "field", "rule", "decision", "new_value", "comment")
            ),
        ]
        for col, value in enumerate(values):
            write_text(sheet, line, col, value, formats, text_wrap=col in (2, 9), valign="top")
        line += 1
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(line - 1, 2), len(columns) - 1)
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)
    workbook.close()
    return buffer.getvalue()

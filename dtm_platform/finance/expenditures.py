"""Expenditures imported from the finance system's export (CSV or XLSX), row by row.

Finance systems export their ledger of payments with their own column names, in English or
French; the import reads the columns it needs by name (HEADERS lists the names it knows),
checks every row against the budget (the ref_budget seed) and the reporting periods, and
appends the valid ones to the expenditure ledger, a CSV under DTM_HOME/finance that dbt
reads where it lies (source finance.expenditures). Every other row goes to a rejection
report with its row number and reason; nothing in a file is dropped without one.

A row is refused when a value it needs is missing or unreadable, when its budget line is not
in the budget, when its date falls in no reporting period, when its currency is not its
line's (the platform converts no currency), or when its reference (the voucher number) was
imported before with other values or appears twice in the file with other values. The same
row sent again (same reference, same values) is a duplicate: counted, imported once.
Descriptions (which name payees) are not kept.

Amounts: a number cell as it is; a text with both ',' and '.' takes the last of them as the
decimal separator (1,234.50 and 1.234,50); with only ',' it is the decimal comma the office
writes (1234,50); spaces and no-break spaces group thousands.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import xlsxwriter

from dtm_platform.reports.files import write_atomically
from dtm_platform.reports.xlsx import WORKBOOK_OPTIONS, Formats, write_text
from dtm_platform.row_imports import CsvLedger, ImportOutcome, RowOutcome
from dtm_platform.warehouse import connect_duckdb

ACCEPTED, REJECTED, DUPLICATE = "accepted", "rejected", "duplicate"
KINDS = (ACCEPTED, REJECTED, DUPLICATE)
RECORD_TABLE = "finance.imported_expenditures"  # every row's outcome, what the import's gate reads
LEDGER_FILE = "expenditures.csv"
IMPORTED_DIR = "imported"  # under the finance folder: every export imported, as it came
LEDGER_COLUMNS = (
    "reference",
    "spent_on",
    "budget_line",
    "amount",
    "currency",
    "source_file",
    "source_row",
    "imported_at",
    "imported_by",
)
# the export's column names, as finance systems and officers write them (compared without
# accents, case or punctuation)
HEADERS = {
    "reference": (
        "reference",
        "voucher",
        "voucher_number",
        "piece",
        "numero_de_piece",
        "n_de_piece",
        "no_piece",
        "ref",
    ),
    "spent_on": ("date", "transaction_date", "payment_date", "date_operation", "date_de_paiement"),
    "budget_line": ("budget_line", "budget_code", "ligne_budgetaire", "code_budgetaire", "ligne"),
    "amount": ("amount", "montant"),
    "currency": ("currency", "devise", "monnaie"),
}
REQUIRED = tuple(HEADERS)


class ExportError(ValueError):
    """The file is not an export the import can read (no sheet, a needed column missing)."""


@dataclass(frozen=True)
class BudgetLine:
    code: str
    currency: str


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date


# --- reading ----------------------------------------------------------------------------------


def _key(header) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_export(path: Path) -> list[tuple[int, dict]]:
    """(row number, {column: cell}) for every non-empty row of the export's first sheet (XLSX)
    or of the CSV (comma or semicolon separated, UTF-8 or Windows-1252)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as error:  # not a workbook at all: the file, not a row, is refused
            raise ExportError(
                f"{path.name} is not an XLSX workbook the import can open ({type(error).__name__})"
            ) from error
        lines = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    elif path.suffix.lower() in (".csv", ".txt"):
        raw = path.read_bytes()
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = raw.decode("cp1252", errors="replace")
        dialect = ";" if content.split("\n", 1)[0].count(";") > content.split("\n", 1)[0].count(",") else ","
        lines = list(csv.reader(io.StringIO(content), delimiter=dialect))
    else:
        raise ExportError(f"{path.name}: an export is a .csv or .xlsx file")
    if not lines:
        raise ExportError(f"{path.name} is empty")
    columns = {}
    for position, header in enumerate(lines[0]):
        for name, aliases in HEADERS.items():
            if _key(header) in aliases and name not in columns:
                columns[name] = position
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        known = "; ".join(f"{name}: {', '.join(HEADERS[name])}" for name in missing)
        raise ExportError(
            f"{path.name}: no column for {', '.join(missing)} (the first row must name the columns; "
            f"known names: {known})"
        )
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if all(cell is None or str(cell).strip() == "" for cell in line):
            continue
        rows.append(
            (number, {name: line[position] if position < len(line) else None for name, position in columns.items()})
        )
    return rows


def parse_amount(value) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value or ""))
    if not text:
        raise ValueError("empty")
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError("not a number")
    return float(text)


def parse_day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError("not a date (yyyy-mm-dd or dd/mm/yyyy)")


# --- checking ---------------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def check_row(cells: dict, budget: dict[str, BudgetLine], periods: list[Period]) -> tuple[dict | None, str]:
    """The ledger entry of one row, or None and why it is refused."""
    empty = [name for name in REQUIRED if _text(cells.get(name)) == ""]
    if empty:
        return None, f"no {', '.join(empty)}"
    reference, line, currency = _text(cells["reference"]), _text(cells["budget_line"]), _text(cells["currency"]).upper()
    try:
        amount = parse_amount(cells["amount"])
    except ValueError:
        return None, f"amount {_text(cells['amount'])!r} is not a number"
    if amount == 0:
        return None, "amount is zero"
    try:
        spent_on = parse_day(cells["spent_on"])
    except ValueError as error:
        return None, f"date {_text(cells['spent_on'])!r} is {error}"
    if line not in budget:
        return None, f"budget line {line!r} is not in the budget (ref_budget)"
    if currency != budget[line].currency:
        return None, f"currency {currency} is not budget line {line}'s ({budget[line].currency}); convert it first"
    if not any(p.start <= spent_on <= p.end for p in periods):
        return None, f"date {spent_on.isoformat()} is in no reporting period (ref_reporting_periods)"
    return {
        "reference": reference,
        "spent_on": spent_on.isoformat(),
        "budget_line": line,
        "amount": f"{amount:.2f}",
        "currency": currency,
    }, ""


def _same(entry: dict, other: dict) -> bool:
    return all(str(entry[k]) == str(other[k]) for k in ("spent_on", "budget_line", "amount", "currency"))


def check_all(
    rows: list[tuple[int, dict]], budget: dict[str, BudgetLine], periods: list[Period], imported: dict[str, dict]
) -> list[RowOutcome]:
    """Every row's outcome: checked alone, then against the ledger's earlier imports and the
    file's other rows with the same reference."""
    outcomes = []
    for number, cells in rows:
        try:
            entry, reason = check_row(cells, budget, periods)
        except Exception as error:  # noqa: BLE001 (a cell no check expected: this row, not the file, is refused)
            entry, reason = None, f"the row could not be read ({type(error).__name__})"
        outcomes.append(
            RowOutcome(
                number,
                ACCEPTED if entry else REJECTED,
                reason,
                {**{k: _text(v) for k, v in cells.items()}, "entry": entry},
            )
        )
    by_reference: dict[str, list[RowOutcome]] = {}
    for r in outcomes:
        if r.outcome == ACCEPTED:
            by_reference.setdefault(r.cells["entry"]["reference"], []).append(r)
    for reference, same in by_reference.items():
        before = imported.get(reference)
        if before is not None:
            for r in same:
                if _same(r.cells["entry"], before):
                    r.outcome, r.reason = (
                        DUPLICATE,
                        f"reference {reference} was imported before ({before['source_file']})",
                    )
                else:
                    r.outcome, r.reason = (
                        REJECTED,
                        (
                            f"reference {reference} was imported before with other values "
                            f"({before['source_file']}, row {before['source_row']})"
                        ),
                    )
            continue
        if len(same) > 1:
            numbers = ", ".join(str(r.row) for r in same)
            if all(_same(r.cells["entry"], same[0].cells["entry"]) for r in same):
                for r in same[1:]:
                    r.outcome, r.reason = DUPLICATE, f"the same payment as row {same[0].row} (imported once)"
            else:
                for r in same:
                    r.outcome, r.reason = REJECTED, f"reference {reference} with different values in rows {numbers}"
    return outcomes


# --- the ledger ---------------------------------------------------------------------------------


def ledger(finance_dir: Path) -> CsvLedger:
    """The expenditure ledger of a home's finance folder (what stg_finance__expenditures reads)."""
    return CsvLedger(finance_dir / LEDGER_FILE, LEDGER_COLUMNS)


# --- the import -----------------------------------------------------------------------------------


def load_budget(seeds_dir: Path) -> tuple[dict[str, BudgetLine], list[Period]]:
    """The budget lines and reporting periods, from the seeds the office keeps."""
    with (seeds_dir / "ref_budget.csv").open(encoding="utf-8") as handle:
        budget = {r["budget_line"]: BudgetLine(r["budget_line"], r["currency"].upper()) for r in csv.DictReader(handle)}
    with (seeds_dir / "ref_reporting_periods.csv").open(encoding="utf-8") as handle:
        periods = [
            Period(r["period"], date.fromisoformat(r["period_start"]), date.fromisoformat(r["period_end"]))
            for r in csv.DictReader(handle)
        ]
    return budget, periods


def import_expenditures(
    source: Path,
    *,
    warehouse: Path,
    finance_dir: Path,
    seeds_dir: Path,
    imported_by: str,
    now: datetime,
    move: bool = False,
) -> ImportOutcome:
    """Checks one export and appends its valid rows to the ledger; a rejection report for the
    rest; the outcome of every row to the warehouse's record; the file kept under
    finance_dir/imported."""
    outcome = ImportOutcome(source, KINDS)
    book = ledger(finance_dir)
    book.ensure()
    budget, periods = load_budget(seeds_dir)
    try:
        rows = read_export(source)
    except ExportError as error:
        outcome.rows.append(RowOutcome(0, REJECTED, str(error), {}))
    else:
        imported = {r["reference"]: r for r in book.read()}
        outcome.rows.extend(check_all(rows, budget, periods, imported))
    stamp = now.strftime("%Y%m%dT%H%M%S")
    # the warehouse first: while a build holds it, nothing is appended (the caller drops the
    # file in the inbox for that build's successor instead)
    with connect_duckdb(warehouse) as con:
        book.append(
            [
                {
                    **r.cells["entry"],
                    "source_file": source.name,
                    "source_row": r.row,
                    "imported_at": now.isoformat(timespec="seconds"),
                    "imported_by": imported_by,
                }
                for r in outcome.rows
                if r.outcome == ACCEPTED
            ]
        )
        _record(con, outcome, now)
    if any(r.outcome != ACCEPTED for r in outcome.rows):
        outcome.report = finance_dir / "reports" / f"{stamp}-{source.stem}-report.xlsx"
        write_atomically(outcome.report, report_bytes(outcome, now))
    kept = finance_dir / IMPORTED_DIR / f"{stamp}-{source.name}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    (shutil.move if move else shutil.copy2)(source, kept)
    outcome.kept_as = kept
    return outcome


def ensure_record(con) -> None:
    con.execute("create schema if not exists finance")
    con.execute(f"""create table if not exists {RECORD_TABLE} (
        imported_at timestamp, source_file varchar, source_row integer, reference varchar, budget_line varchar,
        outcome varchar, reason varchar)""")


def _record(con, outcome: ImportOutcome, now: datetime) -> None:
    ensure_record(con)
    con.executemany(
        f"insert into {RECORD_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
        [
            [
                now.replace(tzinfo=None),
                outcome.source.name,
                r.row,
                r.cells.get("reference") or None,
                r.cells.get("budget_line") or None,
                r.outcome,
                r.reason or None,
            ]
            for r in outcome.rows
        ],
    )


def report_bytes(outcome: ImportOutcome, now: datetime) -> bytes:
    """Every row that was not imported, with why, in both languages' headers."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    formats = Formats(workbook)
    sheet = workbook.add_worksheet("Refus (Rejections)")
    header = formats.get(bold=True, font_color="#FFFFFF", bg_color="#0033a0", text_wrap=True, valign="top")
    columns = [
        ("Ligne / Row", 8),
        ("Résultat / Outcome", 12),
        ("Raison / Reason", 60),
        ("Référence / Reference", 16),
        ("Date", 12),
        ("Ligne budgétaire / Budget line", 14),
        ("Montant / Amount", 14),
        ("Devise / Currency", 10),
    ]
    write_text(sheet, 0, 0, f"{outcome.summary()} ({now.strftime('%d/%m/%Y %H:%M UTC')})", formats, bold=True)
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
            *(r.cells.get(k, "") for k in ("reference", "spent_on", "budget_line", "amount", "currency")),
        ]
        for col, value in enumerate(values):
            write_text(sheet, line, col, value, formats, text_wrap=col == 2, valign="top")
        line += 1
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(line - 1, 1), len(columns) - 1)
    workbook.close()
    return buffer.getvalue()

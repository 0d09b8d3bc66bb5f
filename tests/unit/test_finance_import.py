"""The finance system's expenditure exports imported row by row (dtm_platform/finance/):
what is accepted lands in the ledger normalized, every other row is refused with its row
number and reason, the same payment sent twice counts once, and nothing is lost."""

from __future__ import annotations

import csv
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from dtm_platform.drop_folder import waiting_files
from dtm_platform.finance.expenditures import (
    ACCEPTED,
    DUPLICATE,
    LEDGER_FILE,
    REJECTED,
    import_expenditures,
    ledger,
    parse_amount,
)
from dtm_platform.row_imports import LedgerError
from dtm_platform.transform.project import DBT_PROJECT_DIR

SEEDS = DBT_PROJECT_DIR / "seeds"
NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def write_csv(path: Path, rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def run(tmp_path: Path, source: Path):
    return import_expenditures(
        source,
        warehouse=tmp_path / "warehouse.duckdb",
        finance_dir=tmp_path / "finance",
        seeds_dir=SEEDS,
        imported_by="test",
        now=NOW,
    )


def test_a_french_semicolon_export_lands_in_the_ledger_normalized(tmp_path):
    source = write_csv(
        tmp_path / "export.csv",
        [
            ["Date", "N° de pièce", "Ligne budgétaire", "Libellé", "Montant", "Devise"],
            ["15/07/2026", "PV-1", "BL-1.1", "Paiement à Jean Dupont", "12 345,50", "usd"],
            ["2026-08-01", "PV-2", "BL-2.1", "Fournitures", "1.234,25", "USD"],
            ["", "", "", "", "", ""],  # an empty line is no row
            ["2026-09-30", "PV-3", "BL-3.1", "Reversal", "-200", "USD"],
        ],
        delimiter=";",
        encoding="cp1252",
    )
    outcome = run(tmp_path, source)
    assert (outcome.count(ACCEPTED), outcome.count(REJECTED), outcome.report) == (3, 0, None)
    entries = ledger(tmp_path / "finance").read()
    assert [
        (r["reference"], r["spent_on"], r["budget_line"], r["amount"], r["currency"], r["source_row"]) for r in entries
    ] == [
        ("PV-1", "2026-07-15", "BL-1.1", "12345.50", "USD", "2"),
        ("PV-2", "2026-08-01", "BL-2.1", "1234.25", "USD", "3"),
        ("PV-3", "2026-09-30", "BL-3.1", "-200.00", "USD", "5"),
    ]
    assert "Dupont" not in (tmp_path / "finance" / LEDGER_FILE).read_text(encoding="utf-8")  # payees are not kept
    assert outcome.kept_as.is_file() and source.is_file()  # copied, not moved, by hand


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (["2026-07-15", "PV-9", "BL-7.7", "10", "USD"], "budget line 'BL-7.7' is not in the budget"),
        (["2026-07-15", "PV-9", "BL-1.1", "12O0", "USD"], "amount '12O0' is not a number"),
        (["2026-07-15", "PV-9", "BL-1.1", "0", "USD"], "amount is zero"),
        (["31/02/2026", "PV-9", "BL-1.1", "10", "USD"], "date '31/02/2026' is not a date"),
        (["2025-12-15", "PV-9", "BL-1.1", "10", "USD"], "date 2025-12-15 is in no reporting period"),
        (["2026-07-15", "PV-9", "BL-1.1", "10", "EUR"], "currency EUR is not budget line BL-1.1's (USD)"),
        (["2026-07-15", "", "BL-1.1", "10", "USD"], "no reference"),
        (["", "PV-9", "", "10", "USD"], "no spent_on, budget_line"),
    ],
)
def test_each_refused_row_is_named_with_its_reason_and_nothing_else_is_lost(tmp_path, row, reason):
    source = write_csv(
        tmp_path / "export.csv",
        [
            ["date", "reference", "budget_line", "amount", "currency"],
            ["2026-07-01", "PV-1", "BL-1.1", "100", "USD"],
            row,
        ],
    )
    outcome = run(tmp_path, source)
    [refused] = [r for r in outcome.rows if r.outcome == REJECTED]
    assert refused.row == 3 and reason in refused.reason
    assert [r["reference"] for r in ledger(tmp_path / "finance").read()] == ["PV-1"]
    report = openpyxl.load_workbook(outcome.report).active
    assert [c.value for c in report[3]][:3] == ["3", REJECTED, refused.reason]


def test_a_payment_sent_again_counts_once_and_a_changed_one_is_refused(tmp_path):
    header = ["date", "reference", "budget_line", "amount", "currency"]
    first = write_csv(
        tmp_path / "july.csv",
        [header, ["2026-07-01", "PV-1", "BL-1.1", "100", "USD"], ["2026-07-02", "PV-2", "BL-1.1", "50", "USD"]],
    )
    run(tmp_path, first)
    second = write_csv(
        tmp_path / "august.csv",
        [
            header,
            ["2026-07-01", "PV-1", "BL-1.1", "100.00", "USD"],  # the same payment again
            ["2026-07-02", "PV-2", "BL-1.1", "55", "USD"],  # changed since it was imported
            ["2026-08-01", "PV-3", "BL-1.1", "70", "USD"],
            ["2026-08-01", "PV-3", "BL-1.1", "70", "USD"],  # twice in the file
            ["2026-08-02", "PV-4", "BL-1.1", "10", "USD"],
            ["2026-08-02", "PV-4", "BL-1.1", "11", "USD"],  # twice, with different amounts
        ],
    )
    outcome = run(tmp_path, second)
    by_row = {r.row: (r.outcome, r.reason) for r in outcome.rows}
    assert by_row[2] == (DUPLICATE, "reference PV-1 was imported before (july.csv)")
    assert by_row[3] == (REJECTED, "reference PV-2 was imported before with other values (july.csv, row 3)")
    assert by_row[4][0] == ACCEPTED and by_row[5] == (DUPLICATE, "the same payment as row 4 (imported once)")
    assert by_row[6] == by_row[7] == (REJECTED, "reference PV-4 with different values in rows 6, 7")
    entries = ledger(tmp_path / "finance").read()
    assert [(r["reference"], r["amount"]) for r in entries] == [
        ("PV-1", "100.00"),
        ("PV-2", "50.00"),
        ("PV-3", "70.00"),
    ]


def test_an_export_without_a_needed_column_is_refused_whole(tmp_path):
    source = write_csv(tmp_path / "export.csv", [["date", "amount", "currency"], ["2026-07-01", "100", "USD"]])
    outcome = run(tmp_path, source)
    [refused] = outcome.rows
    assert refused.outcome == REJECTED and refused.row == 0
    assert "no column for reference, budget_line" in refused.reason and "ligne_budgetaire" in refused.reason
    assert ledger(tmp_path / "finance").read() == []


def test_a_file_that_is_no_workbook_is_refused_with_its_reason(tmp_path):
    source = tmp_path / "export.xlsx"
    source.write_bytes(b"<html>login</html>")
    [refused] = run(tmp_path, source).rows
    assert refused.outcome == REJECTED and "is not an XLSX workbook" in refused.reason


def test_an_xlsx_export_with_date_and_number_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Payment date", "Voucher", "Budget code", "Amount", "Currency"])
    sheet.append([datetime(2026, 7, 3), "PV-1", "BL-1.1", 1500.5, "USD"])
    sheet.append([datetime(2026, 7, 4), "PV-2", "BL-1.1", True, "USD"])
    book.save(tmp_path / "export.xlsx")
    outcome = run(tmp_path, tmp_path / "export.xlsx")
    assert [(r.row, r.outcome) for r in outcome.rows] == [(2, ACCEPTED), (3, REJECTED)]
    assert ledger(tmp_path / "finance").read()[0]["spent_on"] == "2026-07-03"


def test_a_ledger_edited_out_of_shape_stops_the_import_before_anything_is_appended(tmp_path):
    (tmp_path / "finance").mkdir()
    (tmp_path / "finance" / LEDGER_FILE).write_text("reference;amount\nPV-1;100\n", encoding="utf-8")
    source = write_csv(
        tmp_path / "export.csv",
        [["date", "reference", "budget_line", "amount", "currency"], ["2026-07-01", "PV-1", "BL-1.1", "100", "USD"]],
    )
    with pytest.raises(LedgerError, match=r"its header is not the ledger.s"):
        run(tmp_path, source)
    assert (tmp_path / "finance" / LEDGER_FILE).read_text(encoding="utf-8") == "reference;amount\nPV-1;100\n"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", 1234.0),
        ("1 234,50", 1234.5),
        ("1,234.50", 1234.5),
        ("1.234,50", 1234.5),
        ("1234,5", 1234.5),
        ("\u202f-12,00", -12.0),
    ],
)
def test_amounts_as_offices_type_them(text, value):
    assert parse_amount(text) == value


def test_a_csv_in_the_drop_folder_waits_only_until_it_settles(tmp_path):
    (tmp_path / "export.csv").write_text("date\n", encoding="utf-8")
    assert waiting_files(tmp_path) == []
    settled = time.time() - 60
    os.utime(tmp_path / "export.csv", (settled, settled))
    assert waiting_files(tmp_path) == [tmp_path / "export.csv"]


def test_the_command_imports_prints_refused_rows_and_says_so_in_its_status(tmp_path, monkeypatch, capsys):
    from dtm_platform.cli import main

    monkeypatch.setenv("DTM_HOME", str(tmp_path / "home"))
    source = write_csv(
        tmp_path / "export.csv",
        [
            ["date", "reference", "budget_line", "amount", "currency"],
            ["2026-07-01", "PV-1", "BL-1.1", "100", "USD"],
            ["2026-07-01", "PV-2", "BL-7.7", "100", "USD"],
        ],
    )
    assert main(["finance", "import", str(source), "--by", "officer"]) == 2
    out = capsys.readouterr().out
    assert "export.csv: 1 accepted, 1 rejected, 0 duplicate" in out and "row 3: budget line 'BL-7.7'" in out
    [entry] = ledger(tmp_path / "home" / "finance").read()
    assert (entry["reference"], entry["imported_by"]) == ("PV-1", "officer")
    assert main(["finance", "import", str(tmp_path / "none.csv")]) == 1

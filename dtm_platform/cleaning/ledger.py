"""The ledger of imported answers: one CSV under DTM_HOME/cleaning that every accepted
answer of a returned verification workbook is appended to, and that dbt reads where it
lies (source cleaning.imported_answers); see row_imports.CsvLedger."""

from __future__ import annotations

from pathlib import Path

from dtm_platform.row_imports import CsvLedger, LedgerError

COLUMNS = (
    "form",
    "submission_id",
    "field",
    "decision",
    "old_value",
    "new_value",
    "reason",
    "changed_by",
    "changed_at",
    "rule",
    "source_file",
    "source_row",
    "team",
    "imported_by",
    "issue_key",
)
FILE_NAME = "cleaning_log.csv"
__all__ = ["COLUMNS", "FILE_NAME", "LedgerError", "append_to_ledger", "ensure_ledger", "ledger_path", "read_ledger"]


def ledger_path(cleaning_dir: Path) -> Path:
    return cleaning_dir / FILE_NAME


def ensure_ledger(path: Path) -> Path:
    return CsvLedger(path, COLUMNS).ensure()


def read_ledger(path: Path) -> list[dict[str, str]]:
    return CsvLedger(path, COLUMNS).read()


def append_to_ledger(path: Path, entries: list[dict]) -> None:
    CsvLedger(path, COLUMNS).append(entries)

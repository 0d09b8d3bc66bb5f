"""The ledger of imported answers: one CSV under DTM_HOME/cleaning that every accepted
answer of a returned verification workbook is appended to, and that dbt reads where it
lies (source cleaning.imported_answers). Plain text on purpose: an officer can open it,
back it up, and see who decided what, when and from which file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from dtm_platform.reports.files import write_atomically

COLUMNS = ("form", "submission_id", "field", "decision", "old_value", "new_value", "reason",
           "changed_by", "changed_at", "rule", "source_file", "source_row", "team", "imported_by", "issue_key")
FILE_NAME = "cleaning_log.csv"


def ledger_path(cleaning_dir: Path) -> Path:
    return cleaning_dir / FILE_NAME


def ensure_ledger(path: Path) -> Path:
    """The ledger, created with its header when there is none yet (dbt reads it every build)."""
    if not path.exists():
        write_atomically(path, ",".join(COLUMNS) + "\n")
    return path


class LedgerError(ValueError):
    """The ledger is not as the platform wrote it (saved from a spreadsheet with other
    separators, say): nothing is appended, so nothing in it is lost."""


def read_ledger(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise LedgerError(f"{path}: its header is not the ledger's ({', '.join(COLUMNS)}); restore it from "
                              "a backup or the copies under cleaning/imported before importing again")
        return list(reader)


def append_to_ledger(path: Path, entries: list[dict]) -> None:
    """Appends ``entries`` (dicts over COLUMNS). The whole file is rewritten atomically, so a
    build reading it meanwhile sees it before or after the import, never half of it."""
    out = io.StringIO()
    # every field quoted: a carriage return or separator inside a value keeps the file readable
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in [*read_ledger(path), *entries]:
        writer.writerow({name: "" if row.get(name) is None else row.get(name) for name in COLUMNS})
    write_atomically(path, out.getvalue())

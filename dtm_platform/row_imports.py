"""What the imports of officers' files share (returned verification workbooks, the finance
system's exports): the outcome of every row, and the plain CSV ledger accepted rows are
appended to, which dbt reads where it lies.

A ledger is plain text on purpose: an officer can open it, back it up, and see what was
imported, when and from which file. It is rewritten whole and atomically at each import, so
a build reading it meanwhile sees it before or after, never half of it; a ledger whose
header is not the platform's (saved from a spreadsheet with other separators, say) stops
the import before anything is appended, so nothing in it is lost.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from dtm_platform.reports.files import write_atomically


@dataclass
class RowOutcome:
    row: int  # as the spreadsheet or text editor numbers it (0: the file as a whole)
    outcome: str  # one of its import's outcomes (accepted, rejected, ...)
    reason: str
    cells: dict  # what the row held, and the ledger entry it became ("entry")


@dataclass
class ImportOutcome:
    source: Path
    kinds: tuple[str, ...]  # the outcomes a row of this import can have, in the summary's order
    rows: list[RowOutcome] = field(default_factory=list)
    report: Path | None = None
    kept_as: Path | None = None

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.rows)

    def summary(self) -> str:
        return (
            f"{self.source.name}: "
            + ", ".join(f"{self.count(kind)} {kind}" for kind in self.kinds)
            + (f"; report {self.report}" if self.report else "")
        )


class LedgerError(ValueError):
    """The ledger is not as the platform wrote it: nothing is appended."""


@dataclass(frozen=True)
class CsvLedger:
    path: Path
    columns: tuple[str, ...]

    def ensure(self) -> Path:
        """The ledger, created with its header when there is none yet (dbt reads it every build)."""
        if not self.path.exists():
            write_atomically(self.path, ",".join(self.columns) + "\n")
        return self.path

    def read(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != self.columns:
                raise LedgerError(
                    f"{self.path}: its header is not the ledger's ({', '.join(self.columns)}); restore "
                    f"it from a backup or the copies under {self.path.parent / 'imported'} before "
                    "importing again"
                )
            return list(reader)

    def append(self, entries: list[dict]) -> None:
        out = io.StringIO()
        # every field quoted: a carriage return or separator inside a value keeps the file readable
        writer = csv.DictWriter(out, fieldnames=self.columns, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        for row in [*self.read(), *entries]:
            writer.writerow({name: "" if row.get(name) is None else row.get(name) for name in self.columns})
        write_atomically(self.path, out.getvalue())


def import_each(files: list[Path], import_one, kinds: tuple[str, ...], log) -> dict:
    """The files of a drop folder imported one after another, in the order given (a later
    file is checked against what the earlier ones appended), each outcome logged; what an
    import asset reports: the files imported, the rows per outcome and the rejection reports."""
    totals, reports = dict.fromkeys(kinds, 0), []
    for source in files:
        outcome = import_one(source)
        log.info(outcome.summary())
        for kind in kinds:
            totals[kind] += outcome.count(kind)
        if outcome.report:
            reports.append(str(outcome.report))
    return {
        "files_imported": len(files),
        **{f"rows_{kind}": count for kind, count in totals.items()},
        "rejection_reports": reports,
    }

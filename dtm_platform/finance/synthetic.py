"""The demo's finance export: the payments a finance system would export for the programme's
budget (ref_budget), as an XLSX with French headers, and the truth the tests check the
marts against.

Each budget line spends a share of its period budget drawn around 90% (the running period,
2026-Q4, about three quarters), except the seeded ones: overspent lines (above 100%) and lines
spending well under what they deliver. The payments of a line and period add up to its
spending to the cent. Rows the import must refuse are added, each with the reason's rule;
they are not spending.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

HEADER = ["Date", "N° de pièce", "Ligne budgétaire", "Libellé", "Montant", "Devise"]
LAST_PAYMENT_DAY = date(2026, 11, 30)  # the export's last day
SEEDED_SHARES = {
    ("BL-1.2", "2026-Q3"): 1.30,  # overspent
    ("BL-3.1", "2026-Q3"): 1.15,  # overspent
    ("BL-2.2", "2026-Q3"): 0.35,  # far behind
    ("BL-3.2", "2026-Q2"): 0.30,
}
RUNNING = "2026-Q4"
LABELS = ["Fournitures", "Transport", "Main-d'oeuvre", "Location de salle", "Restauration", "Matériaux"]


@dataclass
class FinanceTruth:
    spent: dict[tuple[str, str], float] = field(default_factory=dict)  # (budget line, period) -> amount
    rejected: dict[int, str] = field(default_factory=dict)  # row number -> the reason's key
    duplicates: list[int] = field(default_factory=list)  # row numbers

    def overspent(self, budget: dict[tuple[str, str], float]) -> set[tuple[str, str]]:
        return {key for key, amount in self.spent.items() if amount > budget[key] + 1e-6}


@dataclass
class SyntheticExport:
    rows: list[list]  # the header first
    truth: FinanceTruth

    def xlsx_bytes(self) -> bytes:
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            buffer,
            {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        sheet = workbook.add_worksheet("Export")
        dates = workbook.add_format({"num_format": "dd/mm/yyyy"})
        for r, row in enumerate(self.rows):
            for c, value in enumerate(row):
                if isinstance(value, date):
                    sheet.write_datetime(r, c, value, dates)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value)
                elif value is not None:
                    sheet.write_string(r, c, str(value))
        workbook.close()
        return buffer.getvalue()


def read_budget(seeds_dir: Path) -> tuple[dict[tuple[str, str], float], dict[str, tuple[date, date]]]:
    with (seeds_dir / "ref_budget.csv").open(encoding="utf-8") as handle:
        budget = {(r["budget_line"], r["period"]): float(r["amount"]) for r in csv.DictReader(handle)}
    with (seeds_dir / "ref_reporting_periods.csv").open(encoding="utf-8") as handle:
        periods = {
            r["period"]: (date.fromisoformat(r["period_start"]), date.fromisoformat(r["period_end"]))
            for r in csv.DictReader(handle)
        }
    return budget, periods


def build(seeds_dir: Path, seed: int = 2026) -> SyntheticExport:
    rng = random.Random(f"{seed}:finance")
    budget, periods = read_budget(seeds_dir)
    payments: list[tuple[date, str, str, float]] = []
    truth = FinanceTruth()
    for (line, period), amount in sorted(budget.items()):
        start, end = periods[period]
        end = min(end, LAST_PAYMENT_DAY)
        share = SEEDED_SHARES.get(
            (line, period), rng.uniform(0.65, 0.8) if period == RUNNING else rng.uniform(0.8, 0.98)
        )
        cents = round(amount * share * 100)
        parts = rng.randint(3, 8)
        cuts = sorted(rng.sample(range(1, cents), parts - 1))
        for low, high in zip([0, *cuts], [*cuts, cents]):
            payments.append(
                (
                    start + timedelta(days=rng.randint(0, (end - start).days)),
                    line,
                    rng.choice(LABELS),
                    (high - low) / 100,
                )
            )
        truth.spent[(line, period)] = cents / 100
    payments.sort()
    rows: list[list] = [HEADER]
    for number, (day, line, label, amount) in enumerate(payments, 1):
        # a few amounts as the office types them: text with a decimal comma and grouped thousands
        shown = f"{amount:,.2f}".replace(",", "\u00a0").replace(".", ",") if number % 9 == 0 else amount
        rows.append([day, f"PV-2026-{number:05d}", line, label, shown, "USD"])
    first_row = len(rows) + 1
    seeded = [
        ("unknown_line", [date(2026, 8, 3), "PV-2026-90001", "BL-7.7", "Fournitures", 1200.0, "USD"]),
        ("not_a_number", [date(2026, 8, 4), "PV-2026-90002", "BL-1.1", "Transport", "12O0,50", "USD"]),
        ("not_a_date", ["31/02/2026", "PV-2026-90003", "BL-1.1", "Transport", 300.0, "USD"]),
        ("no_period", [date(2025, 12, 15), "PV-2026-90004", "BL-1.1", "Transport", 300.0, "USD"]),
        ("currency", [date(2026, 9, 9), "PV-2026-90005", "BL-2.1", "Restauration", 450.0, "EUR"]),
        ("missing", [date(2026, 9, 10), None, "BL-2.1", "Restauration", 450.0, "USD"]),
        ("conflict", [date(2026, 9, 11), "PV-2026-90007", "BL-3.1", "Main-d'oeuvre", 800.0, "USD"]),
        ("conflict", [date(2026, 9, 11), "PV-2026-90007", "BL-3.1", "Main-d'oeuvre", 900.0, "USD"]),
    ]
    for offset, (reason, row) in enumerate(seeded):
        rows.append(row)
        truth.rejected[first_row + offset] = reason
    rows.append(list(rows[5]))  # a payment exported twice: imported once
    truth.duplicates.append(len(rows))
    return SyntheticExport(rows, truth)

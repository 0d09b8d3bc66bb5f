"""OCHA admin p-codes for CAR, read from the dbt seed (one copy of the reference in the repo)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from dtm_platform.settings import PROJECT_ROOT

PCODES_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "ref_admin_pcodes.csv"


@dataclass(frozen=True)
class AdminArea:
    pcode: str
    name: str
    parent_pcode: str


@lru_cache(maxsize=1)
def admin_areas() -> tuple[tuple[AdminArea, ...], tuple[AdminArea, ...]]:
    """(admin1 areas, admin2 areas) in file order."""
    admin1: list[AdminArea] = []
    admin2: list[AdminArea] = []
    with PCODES_SEED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            area = AdminArea(row["pcode"], row["name"], row["parent_pcode"])
            (admin1 if row["admin_level"] == "1" else admin2).append(area)
    return tuple(admin1), tuple(admin2)

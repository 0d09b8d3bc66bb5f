"""The localities DTM planned to assess in each round, consistent with the synthetic
locality assessments: the seed ``dbt_project/seeds/ref_planned_localities.csv``.

Drawn from the generator's localities (same seed and localities per sub-prefecture), the
way a plan differs from what the teams did:
  - a few planned localities no team reached (names the generator never assesses): missing;
  - in the first round, a few localities assessed that were not yet in the plan.

``python -m dtm_platform.kobo_mock.planned`` writes the seed (the default seed and size of
the demo); a unit test keeps the committed file equal to what this module draws.
"""

from __future__ import annotations

import csv
import io
import random
import sys

from dtm_platform.kobo_mock import locality_form as form
from dtm_platform.kobo_mock.generator import SYLLABLES, draw_localities

SEED_COLUMNS = ("round", "admin1_pcode", "admin2_pcode", "locality_name")
NOT_YET_PLANNED_SHARE = 0.04  # of the first round's localities: assessed, not in its plan
UNREACHED_SHARE = 0.03  # of the sub-prefectures, each round: one planned locality nobody assessed


def planned_localities(seed: int = 2026, localities_per_admin2: int = 12) -> list[dict]:
    # generate() draws the localities first from random.Random(seed): the same ones here
    localities = draw_localities(random.Random(seed), localities_per_admin2)
    rng = random.Random(f"{seed}:plan")
    rounds = sorted(form.ROUNDS)
    rows: list[dict] = []
    for round_number in rounds:
        for locality in localities:
            if round_number == rounds[0] and rng.random() < NOT_YET_PLANNED_SHARE:
                continue
            rows.append(
                {
                    "round": round_number,
                    "admin1_pcode": locality.admin1,
                    "admin2_pcode": locality.admin2,
                    "locality_name": locality.name,
                }
            )
        admin2_areas = sorted({(place.admin1, place.admin2) for place in localities}, key=lambda a: a[1])
        for admin1, admin2 in admin2_areas:
            if rng.random() >= UNREACHED_SHARE:
                continue
            taken = {place.name.lower() for place in localities if place.admin2 == admin2}
            name = ""
            while not name or name.lower() in taken:  # four syllables: never a generated name
                name = "".join(rng.choice(SYLLABLES) for _ in range(4)).capitalize()
            rows.append({"round": round_number, "admin1_pcode": admin1, "admin2_pcode": admin2, "locality_name": name})
    return sorted(rows, key=lambda r: (r["round"], r["admin2_pcode"], r["locality_name"]))


def seed_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=SEED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    sys.stdout.write(seed_csv(planned_localities()))

"""The plan of the locality assessment (seed ref_planned_localities) matches the synthetic
localities: the committed seed is what the mock draws, and it differs from the assessments
only in the ways it says."""

from __future__ import annotations

import csv

from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.planned import planned_localities, seed_csv
from dtm_platform.kobo_mock.reference import admin_areas
from dtm_platform.settings import PROJECT_ROOT

SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "ref_planned_localities.csv"


def test_the_committed_seed_is_what_the_mock_draws():
    assert SEED.read_text(encoding="utf-8") == seed_csv(planned_localities(2026, 12))


def test_the_plan_is_the_generated_localities_give_or_take_a_few():
    plan = {
        (int(r["round"]), r["admin2_pcode"], r["locality_name"]) for r in csv.DictReader(SEED.open(encoding="utf-8"))
    }
    assessed = {(a.round, a.locality.admin2, a.locality.name) for a in generate(2026, 12).assessments}
    missing, not_planned = plan - assessed, assessed - plan
    assert 0 < len(missing) < 0.02 * len(plan)
    assert 0 < len(not_planned) < 0.06 * len(assessed)
    assert {r for r, _, _ in not_planned} == {min(locality_form.ROUNDS)}  # only the first round's plan lagged
    assert {r for r, _, _ in plan} == set(locality_form.ROUNDS)
    _, admin2 = admin_areas()
    assert {a for _, a, _ in plan} == {area.pcode for area in admin2}  # every sub-prefecture, every round


def test_the_plan_is_deterministic_and_follows_the_size():
    assert planned_localities(7, 3) == planned_localities(7, 3)
    small = planned_localities(2026, 2)
    assert len(small) < len(planned_localities(2026, 12)) / 4

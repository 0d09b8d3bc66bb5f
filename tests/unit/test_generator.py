"""The synthetic dataset: deterministic, ordered like a server's, with the errors it says it
seeded and a ground truth that agrees with the submissions it serves."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import pytest

from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.generator import BLOCKING_ERRORS, ERROR_RATES, FIRST_ID, generate
from dtm_platform.kobo_mock.reference import admin_areas

FIGURES = ("idp_hh", "idp_ind", "ret_internal_hh", "ret_internal_ind", "ret_abroad_hh", "ret_abroad_ind")
ERROR_SEEDS = (2026, 7, 99)


@pytest.fixture(scope="module")
def small():
    return generate(2026, localities_per_admin2=2)


@pytest.fixture(scope="module")
def full():
    """The default size: big enough that every kind of error occurs."""
    return generate(2026)


@pytest.fixture(scope="module")
def error_samples():
    return [generate(seed, localities_per_admin2=8) for seed in ERROR_SEEDS]


# --- determinism and order --------------------------------------------------------------------


def test_same_seed_same_dataset(small):
    again = generate(2026, localities_per_admin2=2)
    assert again.submissions == small.submissions
    assert again.errors == small.errors
    assert again.assessments == small.assessments


def test_different_seed_different_dataset(small):
    other = generate(2027, localities_per_admin2=2)
    assert other.submissions != small.submissions
    assert {s["_uuid"] for s in other.submissions}.isdisjoint({s["_uuid"] for s in small.submissions})


def test_size_follows_localities_per_admin2(small):
    _, admin2 = admin_areas()
    rounds = len(locality_form.ROUNDS)
    assert len(small.assessments) == rounds * len(admin2) * 2
    duplicates = sum(a.error == "duplicate" for a in small.assessments)
    assert len(small.submissions) == len(small.assessments) + duplicates


def test_ids_strictly_increasing(full):
    ids = [s["_id"] for s in full.submissions]
    assert ids[0] == FIRST_ID
    assert all(a < b for a, b in itertools.pairwise(ids))
    assert all(isinstance(i, int) for i in ids)
    assert any(b - a > 1 for a, b in itertools.pairwise(ids))  # gaps, as on a shared server


def test_submission_time_non_decreasing(full):
    times = [s["_submission_time"] for s in full.submissions]
    assert times == sorted(times)


def test_submission_times_fall_after_the_round_starts(small):
    for s in small.submissions:
        first_day, _last_day = locality_form.ROUNDS[int(s["grp_general/round"])]
        assert first_day <= s["_submission_time"][:10]
        assert s["__version__"] == locality_form.VERSIONS[int(s["grp_general/round"])]


# --- seeded errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(ERROR_RATES))
def test_error_counts_roughly_match_rates(error_samples, kind):
    observed = expected = 0.0
    for dataset in error_samples:
        observed += sum(1 for e in dataset.errors.values() if e == kind)
        if kind in ("outlier", "breakdown_mismatch"):  # drawn only where there are IDPs
            eligible = sum(1 for a in dataset.assessments if a.idp_ind > 0)
        else:
            eligible = len(dataset.assessments)
        expected += ERROR_RATES[kind] * eligible
    assert expected >= 20  # enough draws for the bounds below to be meaningful
    assert 0.4 * expected <= observed <= 1.8 * expected, (kind, observed, expected)


def test_no_errors_beyond_the_known_kinds(error_samples):
    for dataset in error_samples:
        assert set(dataset.errors.values()) <= set(ERROR_RATES)
        assert {a.error for a in dataset.assessments} <= set(ERROR_RATES) | {None}
        share = sum(a.error is not None for a in dataset.assessments) / len(dataset.assessments)
        assert share < 2 * sum(ERROR_RATES.values())


def test_every_error_id_exists_and_matches_its_assessment(full):
    ids = {s["_id"] for s in full.submissions}
    assert set(full.errors) <= ids
    # one flagged submission per corrupted assessment (the second copy of a duplicate)
    assert Counter(full.errors.values()) == Counter(a.error for a in full.assessments if a.error)
    assert set(full.errors.values()) == set(ERROR_RATES)  # every kind occurs at this size


def test_errors_show_in_the_submissions(full):
    by_id = {s["_id"]: s for s in full.submissions}
    _, admin2 = admin_areas()
    known_admin2 = {a.pcode for a in admin2}
    for sid, kind in full.errors.items():
        s = by_id[sid]
        if kind == "unknown_pcode":
            assert s["grp_location/admin2"] not in known_admin2
        elif kind == "gps_outside_car":
            lat, lon = (float(x) for x in s["grp_location/gps"].split()[:2])
            assert lat > 11  # CAR lies between about 2 and 11 degrees north
            assert s["_geolocation"] == [lat, lon]
        elif kind == "breakdown_mismatch":
            cells = sum(int(s[f"grp_idp/idp_{cell}"]) for cell, _, _ in locality_form.SEX_AGE_CELLS)
            assert cells != int(s["grp_idp/idp_ind"])
        elif kind == "duplicate":
            original = [
                o
                for o in full.submissions
                if o["_id"] < sid and o["_id"] not in full.errors and _answers(o) == _answers(s)
            ]
            assert len(original) == 1
            assert original[0]["_uuid"] != s["_uuid"]
    # clean submissions with IDPs have a breakdown that adds up
    for s in full.submissions:
        if s["_id"] not in full.errors and s["grp_idp/idp_present"] == "yes":
            cells = sum(int(s[f"grp_idp/idp_{cell}"]) for cell, _, _ in locality_form.SEX_AGE_CELLS)
            assert cells == int(s["grp_idp/idp_ind"])
            assert s["grp_location/admin2"] in known_admin2


def _answers(s: dict) -> dict:
    return {
        k: v for k, v in s.items() if ("/" in k and not k.startswith(("meta/", "formhub/"))) or k == "key_informants"
    }


# --- ground truth -----------------------------------------------------------------------------


def test_ground_truth_against_assessments(full):
    truth = full.ground_truth()
    kept = [a for a in full.assessments if a.error not in BLOCKING_ERRORS]
    assert len(kept) < len(full.assessments)  # blocking errors occur, so exclusion is tested
    assert sum(row["localities_assessed"] for row in truth) == len(kept)
    expected: dict[tuple, Counter] = defaultdict(Counter)
    for a in kept:
        key = (a.round, a.locality.admin1, a.locality.admin2)
        expected[key]["localities_assessed"] += 1
        for name in FIGURES:
            expected[key][name] += getattr(a, name)
    got = {(r["round"], r["admin1_pcode"], r["admin2_pcode"]): r for r in truth}
    assert set(got) == set(expected)
    for key, values in expected.items():
        for name in ("localities_assessed", *FIGURES):
            assert got[key].get(name, 0) == values[name], (key, name)


def test_ground_truth_against_the_served_submissions(full):
    """The truth must be what a correct cleaning of the *served* data yields: drop second
    copies of duplicates and submissions with a blocking error, count everything else once."""
    expected: dict[tuple, Counter] = defaultdict(Counter)
    for s in full.submissions:
        error = full.errors.get(s["_id"])
        if error in BLOCKING_ERRORS or error == "duplicate":
            continue
        key = (int(s["grp_general/round"]), s["grp_location/admin1"], s["grp_location/admin2"])
        expected[key]["localities_assessed"] += 1
        for name in FIGURES:
            group = "grp_idp" if name.startswith("idp") else "grp_ret"
            expected[key][name] += int(s.get(f"{group}/{name}", 0))
    truth = full.ground_truth()
    got = {(r["round"], r["admin1_pcode"], r["admin2_pcode"]): r for r in truth}
    assert set(got) == set(expected)
    for key, values in expected.items():
        for name in ("localities_assessed", *FIGURES):
            assert got[key].get(name, 0) == values[name], (key, name)


def test_ground_truth_rows(full):
    admin1, admin2 = admin_areas()
    names = {a.pcode: a.name for a in (*admin1, *admin2)}
    parent = {a.pcode: a.parent_pcode for a in admin2}
    truth = full.ground_truth()
    keys = [(r["round"], r["admin1_pcode"], r["admin2_pcode"]) for r in truth]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    for row in truth:
        assert row["round"] in locality_form.ROUNDS
        assert parent[row["admin2_pcode"]] == row["admin1_pcode"]
        assert row["admin1_name"] == names[row["admin1_pcode"]]
        assert row["admin2_name"] == names[row["admin2_pcode"]]
        assert row["localities_assessed"] >= 1


# --- a broken bulk import ---------------------------------------------------------------------


def test_bad_batch(small):
    broken = generate(2026, localities_per_admin2=2, bad_batch=3)
    assert len(broken.submissions) == len(small.submissions) + 3
    # the other submissions are untouched, ids included
    assert broken.submissions[:-3] == small.submissions
    assert {k: v for k, v in broken.errors.items() if v != "bad_batch"} == small.errors
    tail = broken.submissions[-3:]
    for s in tail:
        assert "__version__" not in s
        assert s["_submission_time"] == "1970-01-01T00:00:00"
        assert broken.errors[s["_id"]] == "bad_batch"
    assert sorted(k for k, v in broken.errors.items() if v == "bad_batch") == [s["_id"] for s in tail]
    ids = [s["_id"] for s in broken.submissions]
    assert all(a < b for a, b in itertools.pairwise(ids))
    # the batch changes no figure of the truth
    assert broken.ground_truth() == small.ground_truth()


def test_no_bad_batch_by_default(small):
    assert all("__version__" in s for s in small.submissions)
    assert "bad_batch" not in small.errors.values()


def test_key_informants_agree_on_the_idps_but_where_one_was_seeded_to_disagree():
    dataset = generate(seed=7, localities_per_admin2=4)
    by_id = {s["_id"]: s for s in dataset.submissions}
    seen_disagreement = False
    for submission_id, s in by_id.items():
        estimates = [
            int(ki["key_informants/ki_idp_estimate"])
            for ki in s["key_informants"]
            if "key_informants/ki_idp_estimate" in ki
        ]
        if len(estimates) < 2:
            continue
        if dataset.errors.get(submission_id) == "ki_disagreement":
            seen_disagreement = True
            assert max(estimates) > 2 * min(estimates), submission_id
        else:
            assert max(estimates) <= 1.4 * min(estimates), submission_id
    assert seen_disagreement


def test_the_first_locality_of_a_sub_prefecture_reports_its_sites_from_the_round_that_asks():
    """Given the sites' IDPs per round and sub-prefecture, the first locality of each (by
    name) reports them within the spread, or SITES_MISREPORTED times where seeded; every
    other locality reports none; a round before the question exists leaves it out."""
    from dtm_platform.kobo_mock import generator

    on_sites = {
        (round_number, admin2.pcode): 1000 for round_number in locality_form.ROUNDS for admin2 in admin_areas()[1][::3]
    }
    dataset = generate(seed=7, localities_per_admin2=3, idps_on_sites=on_sites)
    by_id = {s["_id"]: s for s in dataset.submissions}
    firsts = {}
    for a in dataset.assessments:
        key = (a.round, a.locality.admin2)
        firsts[key] = min(firsts.get(key, a.locality.name), a.locality.name)
    seen = Counter()
    for a in dataset.assessments:
        if a.round < locality_form.SITES_QUESTION_ROUND:
            assert a.idp_on_sites is None
            continue
        holds_sites = a.locality.name == firsts[(a.round, a.locality.admin2)]
        expected = on_sites.get((a.round, a.locality.admin2), 0) if holds_sites else 0
        if a.error == "sites_misreported":
            assert a.idp_on_sites == pytest.approx(generator.SITES_MISREPORTED * expected, rel=0.11)
        else:
            assert a.idp_on_sites == pytest.approx(expected, rel=0.11)
        seen[a.error == "sites_misreported"] += 1
    assert seen[True] >= 1 and seen[False] > seen[True]
    for submission_id, s in by_id.items():
        asked = s["grp_general/round"] >= str(locality_form.SITES_QUESTION_ROUND)
        assert ("grp_idp/idp_on_sites" in s) == asked, submission_id
    assert "sites_misreported" in dataset.errors.values()


def test_every_locality_lies_in_its_real_prefecture(full):
    from dtm_platform.boundaries import prefectures

    outside = [
        (a.locality.admin1, a.locality.name)
        for a in full.assessments
        if not prefectures()[a.locality.admin1].contains(a.locality.lon, a.locality.lat)
    ]
    assert not outside
    # Birao's prefecture, Vakaga, is the country's north-east
    vakaga = [a.locality for a in full.assessments if a.locality.admin1 == "CF53"]
    assert vakaga and all(locality.lat > 8.5 and locality.lon > 20.5 for locality in vakaga)

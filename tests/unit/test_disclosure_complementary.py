"""Complementary suppression: no withheld figure comes back as a total minus what is shown.

Synthetic tables named and shaped as the marts MARGINS declares. Every check tries the attack
itself: for each withheld figure, the published total less the published cells of its group.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import duckdb
import pytest

from dtm_platform.serving.disclosure import (
    CARRIED,
    DERIVED,
    MARGINS,
    SUPPRESSION_FLAG,
    SUPPRESSION_REASON,
    Carried,
    Column,
    ColumnMargin,
    Derived,
    DisclosureError,
    RowMargin,
    plan_for,
    rule_for,
)
from dtm_platform.settings import PROJECT_ROOT

MIN = 5


def published(con, table: str, min_count: int = MIN, order: str = "all") -> list[dict]:
    """The table as every target publishes it (with the reason, as the tracker reads it)."""
    columns = [Column(name, data_type) for name, data_type, *_ in con.execute(f"describe {table}").fetchall()]
    sql = plan_for(table, columns, min_count).select_sql(columns, table, reason=True)
    cursor = con.execute(f"select * from ({sql}) as p order by {order}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def rows_of(con, table: str, order: str = "all") -> list[dict]:
    cursor = con.execute(f"select * from {table} order by {order}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def recovered(total: float | None, cells: list[tuple[float | None, float | None]]) -> list[float]:
    """What subtraction gives back in one group: ``cells`` (true, published) adding up to
    ``total`` (as published). The published total less the published cells, tried against
    every withheld cell: the true values it matches. A withheld total is tried as the sum of
    the cells when all are shown."""
    hidden = [true for true, shown in cells if shown is None and true]
    found = []
    if total is not None:
        guess = total - sum(shown for _, shown in cells if shown is not None)
        found += [true for true in hidden if guess == pytest.approx(true)]
    return found


# --- answers adding up to those asked (me_pdm_answers, dtm_flow_survey_profiles) -------------

ANSWERS = {  # activity -> question -> {answer: households}; respondents_asked is their sum
    "ACT-1": {"satisfaction": {"1": 3, "2": 12, "3": 20, "4": 9, "5": 6}},  # one small: 5 (6) goes too
    "ACT-2": {"knows_feedback_channel": {"yes": 2, "no": 40, "dk": 3}},  # two small: nothing more
    "ACT-3": {"satisfaction": {"1": 3, "2": 0, "3": 0, "4": 30}},  # zeros do not protect: 4 goes
    "ACT-4": {"satisfaction": {"1": 2, "2": 7, "3": 7, "4": 30}},  # a tie: the first answer (2)
    "ACT-5": {"knows_feedback_channel": {"yes": 2, "no": 2}},  # 4 asked: all suppressed
    "ACT-6": {"satisfaction": {"1": 10, "2": 0, "3": 25}},  # nothing small: nothing hidden
}


@pytest.fixture
def answers():
    con = duckdb.connect()
    con.execute(
        "create table me_pdm_answers (activity_code varchar, question varchar, answer varchar, "
        "answer_label_en varchar, respondents bigint, respondents_asked bigint, share_of_respondents double)"
    )
    for activity, questions in ANSWERS.items():
        for question, counts in questions.items():
            asked = sum(counts.values())
            con.executemany(
                "insert into me_pdm_answers values (?, ?, ?, ?, ?, ?, ?)",
                [
                    (activity, question, answer, answer.upper(), n, asked, round(n / asked, 4))
                    for answer, n in counts.items()
                ],
            )
    yield con
    con.close()


def test_a_lone_small_answer_takes_the_smallest_other_with_it(answers):
    rows = {(r["activity_code"], r["answer"]): r for r in published(answers, "me_pdm_answers")}
    assert rows[("ACT-1", "1")][SUPPRESSION_REASON] == "small"
    assert rows[("ACT-1", "5")][SUPPRESSION_REASON] == "complementary"  # the smallest non-zero other
    hidden = rows[("ACT-1", "5")]
    assert (hidden["respondents"], hidden["share_of_respondents"], hidden["respondents_asked"]) == (None, None, None)
    assert hidden[SUPPRESSION_FLAG] and hidden["answer_label_en"] == "5"  # flagged; still says what it was
    assert [rows[("ACT-1", a)]["respondents"] for a in "234"] == [12, 20, 9]
    assert [rows[("ACT-1", a)]["respondents_asked"] for a in "234"] == [50, 50, 50]  # the total stays


def test_zeros_do_not_protect_and_ties_go_to_the_first(answers):
    rows = {(r["activity_code"], r["answer"]): r for r in published(answers, "me_pdm_answers")}
    assert [rows[("ACT-3", a)][SUPPRESSION_REASON] for a in "1234"] == ["small", None, None, "complementary"]
    assert [rows[("ACT-3", a)]["respondents"] for a in "23"] == [0, 0]
    assert [rows[("ACT-4", a)][SUPPRESSION_REASON] for a in "1234"] == ["small", "complementary", None, None]


def test_two_hidden_answers_stay_as_they_are(answers):
    rows = {(r["activity_code"], r["answer"]): r for r in published(answers, "me_pdm_answers")}
    assert {a: rows[("ACT-2", a)][SUPPRESSION_REASON] for a in ("yes", "no", "dk")} == {
        "yes": "small",
        "no": None,
        "dk": "small",
    }
    assert rows[("ACT-2", "no")]["respondents"] == 40
    assert all(rows[("ACT-5", a)][SUPPRESSION_REASON] == "small" for a in ("yes", "no"))  # a small total
    assert not any(rows[("ACT-6", a)][SUPPRESSION_FLAG] for a in "123")


def test_no_hidden_answer_comes_back_from_those_asked(answers):
    true = {(r["activity_code"], r["answer"]): r["respondents"] for r in rows_of(answers, "me_pdm_answers")}
    groups = defaultdict(list)
    for r in published(answers, "me_pdm_answers"):
        groups[(r["activity_code"], r["question"])].append(r)
    tried = 0
    for (activity, _), rows in groups.items():
        total = next((r["respondents_asked"] for r in rows if r["respondents_asked"] is not None), None)
        cells = [(true[(activity, r["answer"])], r["respondents"]) for r in rows]
        tried += sum(shown is None for _, shown in cells)
        assert recovered(total, cells) == [], activity
    assert tried == 10
    # without the complementary cells, subtraction does give them back: the test can see it
    assert recovered(50, [(3, None), (12, 12), (20, 20), (9, 9), (6, 6)]) == [3]


def test_with_a_higher_threshold_still_nothing_comes_back(answers):
    for min_count in (3, 8, 10, 13, 21):
        true = {(r["activity_code"], r["answer"]): r["respondents"] for r in rows_of(answers, "me_pdm_answers")}
        groups = defaultdict(list)
        for r in published(answers, "me_pdm_answers", min_count):
            groups[(r["activity_code"], r["question"])].append(r)
        for (activity, _), rows in groups.items():
            total = next((r["respondents_asked"] for r in rows if r["respondents_asked"] is not None), None)
            assert recovered(total, [(true[(activity, r["answer"])], r["respondents"]) for r in rows]) == [], (
                min_count,
                activity,
            )


def test_the_flow_survey_profiles_are_protected_the_same_way():
    con = duckdb.connect()
    con.execute(
        "create table dtm_flow_survey_profiles (survey_month date, fmp_id varchar, question varchar, "
        "answer varchar, respondents bigint, respondents_asked bigint, share_of_respondents double)"
    )
    month = date(2026, 5, 1)
    data = [
        ("FMP-1", "respondent_sex", "female", 4),
        ("FMP-1", "respondent_sex", "male", 31),
        ("FMP-2", "respondent_sex", "female", 14),
        ("FMP-2", "respondent_sex", "male", 31),
    ]
    asked = {"FMP-1": 35, "FMP-2": 45}
    con.executemany(
        "insert into dtm_flow_survey_profiles values (?, ?, ?, ?, ?, ?, ?)",
        [(month, p, q, a, n, asked[p], n / asked[p]) for p, q, a, n in data],
    )
    rows = {(r["fmp_id"], r["answer"]): r for r in published(con, "dtm_flow_survey_profiles")}
    assert (rows[("FMP-1", "female")]["respondents"], rows[("FMP-1", "male")]["respondents"]) == (None, None)
    assert rows[("FMP-1", "male")][SUPPRESSION_REASON] == "complementary"
    assert [rows[("FMP-2", a)]["respondents"] for a in ("female", "male")] == [14, 31]


# --- counts of a row adding up to another (dtm_flow_survey_travellers) ------------------------

TRAVELLERS = [  # (fmp, travellers, respondents, respondents_in_group, group_members, members_with_national_id)
    ("FMP-1", 30, 12, 3, 27, 10),  # 3 respondents in the group: 27 members go too
    ("FMP-2", 30, 12, 10, 20, 2),  # 2 with a national ID: nothing adds up to them
    ("FMP-3", 12, 12, 0, 12, 0),  # nothing small
    ("FMP-4", 5, 5, 2, 3, 0),  # two small: nothing more
    ("FMP-5", 4, 3, 2, 2, 1),  # 4 travellers: the row
]


def test_a_rows_counts_adding_up_to_its_travellers():
    con = duckdb.connect()
    con.execute(
        "create table dtm_flow_survey_travellers (fmp_id varchar, age_group varchar, travellers bigint, "
        "respondents bigint, respondents_in_group bigint, group_members bigint, "
        "members_with_national_id bigint)"
    )
    con.executemany("insert into dtm_flow_survey_travellers values (?, '18_59', ?, ?, ?, ?, ?)", TRAVELLERS)
    rows = {r["fmp_id"]: r for r in published(con, "dtm_flow_survey_travellers")}
    counts = ("travellers", "respondents", "respondents_in_group", "group_members", "members_with_national_id")
    assert {fmp: tuple(r[c] for c in counts) for fmp, r in rows.items()} == {
        "FMP-1": (30, 12, None, None, 10),
        "FMP-2": (30, 12, 10, 20, None),  # a count named as one is no dimension (``_id``)
        "FMP-3": (12, 12, 0, 12, 0),
        "FMP-4": (5, 5, None, None, 0),
        "FMP-5": (None, None, None, None, None),
    }
    assert [rows[f][SUPPRESSION_REASON] for f in sorted(rows)] == ["small", "small", None, "small", "small"]
    assert all(rows[f][SUPPRESSION_FLAG] for f in ("FMP-1", "FMP-2", "FMP-4", "FMP-5"))
    for fmp, _travellers, _, in_group, members, _ in TRAVELLERS:
        r = rows[fmp]
        assert (
            recovered(r["travellers"], [(in_group, r["respondents_in_group"]), (members, r["group_members"])]) == []
        ), fmp


# --- an indicator's categories adding up to its total (me_indicator_tracking) ------------------

Q1, Q2 = ("2026-Q1", date(2026, 1, 1)), ("2026-Q2", date(2026, 4, 1))


def indicator_rows():
    """(indicator, source, period, disaggregation, value, respondents, actual, cumulative)."""
    rows = []

    def add(code, source, period, groups, unknown=(0, 0.0)):
        """``groups``: each disaggregation's categories (value, respondents, score); ``unknown``:
        the respondents no category of the first disaggregation counts, and their score."""
        unknown_n, unknown_score = unknown
        n = sum(count for _, count, _ in groups[0]) + unknown_n
        mean = round((sum(count * score for _, count, score in groups[0]) + unknown_n * unknown_score) / n, 6)
        rows.append((code, source, period, "total", "total", n, mean, mean))
        for disaggregation, cells in zip(("sex", "age_group", "displacement_status"), groups):
            rows.extend(
                (code, source, period, disaggregation, value, count, score, score) for value, count, score in cells
            )

    # 3 men beside 40 women and the total: the women go too; the age groups stay
    add("IMP-1", "me_perception", Q1, [[("female", 40, 2.6), ("male", 3, 2.9)], [("18_59", 30, 2.5), ("60", 13, 3.0)]])
    # the next quarter measured nothing: its cumulatives repeat Q1's
    rows += [(code, source, Q2, d, v, 0, None, cumulative) for code, source, _, d, v, _, _, cumulative in rows[:5]]
    # 3 men, and 2 respondents of no known sex: two unknowns, the women stay
    add("OC-1", "me_perception", Q1, [[("female", 38, 3.1), ("male", 3, 3.6)]], unknown=(2, 4.0))
    # nobody withheld, but 2 of no known sex: the total less both sexes would describe them:
    # the women (the smaller) go
    add("OC-2", "me_pdm", Q1, [[("female", 20, 60.0), ("male", 23, 70.0)]], unknown=(2, 100.0))
    # 20 of no known sex: that many need no protecting
    add("OC-3", "me_pdm", Q1, [[("female", 20, 60.0), ("male", 10, 70.0)]], unknown=(20, 50.0))
    # attendance lists are not interviews: small counts stay, nothing to protect
    add("OP-1", "me_activity", Q1, [[("female", 2, 2.0), ("male", 8, 8.0)]])
    return rows


@pytest.fixture
def tracking():
    con = duckdb.connect()
    con.execute(
        "create table me_indicator_tracking (indicator_code varchar, data_source varchar, period varchar, "
        "period_start date, disaggregation varchar, disaggregation_value varchar, baseline double, "
        "target double, actual double, cumulative double, percent_achieved double, "
        "percent_of_life_of_project_target double, share_of_period_elapsed double, respondents bigint)"
    )
    con.executemany(
        "insert into me_indicator_tracking values (?, ?, ?, ?, ?, ?, 2.5, ?, ?, ?, ?, ?, 1.0, ?)",
        [
            (
                code,
                source,
                period,
                start,
                d,
                v,
                3.0 if d == "total" else None,
                actual,
                cumulative,
                50.0 if d == "total" and actual else None,
                40.0 if d == "total" and cumulative else None,
                n,
            )
            for code, source, (period, start), d, v, n, actual, cumulative in indicator_rows()
        ],
    )
    yield con
    con.close()


def tracked(con) -> dict:
    return {
        (r["indicator_code"], r["period"], r["disaggregation_value"]): r
        for r in published(con, "me_indicator_tracking")
    }


def test_an_indicators_categories_beside_its_total(tracking):
    rows = tracked(tracking)
    reasons = {key[::2]: r[SUPPRESSION_REASON] for key, r in rows.items() if key[1] == "2026-Q1"}
    assert reasons == {
        ("IMP-1", "total"): None,
        ("IMP-1", "female"): "complementary",
        ("IMP-1", "male"): "small",
        ("IMP-1", "18_59"): None,
        ("IMP-1", "60"): None,
        ("OC-1", "total"): None,
        ("OC-1", "female"): None,
        ("OC-1", "male"): "small",
        ("OC-2", "total"): None,
        ("OC-2", "female"): "complementary",
        ("OC-2", "male"): None,
        ("OC-3", "total"): None,
        ("OC-3", "female"): None,
        ("OC-3", "male"): None,
        ("OP-1", "total"): None,
        ("OP-1", "female"): None,
        ("OP-1", "male"): None,
    }
    female = rows[("IMP-1", "2026-Q1", "female")]
    assert (female["actual"], female["cumulative"], female["respondents"], female[SUPPRESSION_FLAG]) == (
        None,
        None,
        None,
        True,
    )
    total = rows[("IMP-1", "2026-Q1", "total")]
    assert (total["actual"], total["respondents"], total["target"], total["baseline"]) == (
        pytest.approx(2.6209, abs=1e-3),
        43,
        3.0,
        2.5,
    )  # targets and baselines owe nothing to interviews
    assert rows[("OP-1", "2026-Q1", "female")]["respondents"] == 2


def test_a_cumulative_repeating_a_withheld_figure_is_withheld(tracking):
    rows = tracked(tracking)
    later = {key[2]: (r["cumulative"], r[SUPPRESSION_REASON]) for key, r in rows.items() if key[1] == "2026-Q2"}
    assert later == {
        "total": (pytest.approx(2.6209, abs=1e-3), None),
        "female": (None, "carried"),
        "male": (None, "carried"),
        "18_59": (2.5, None),
        "60": (3.0, None),
    }


def test_no_withheld_category_comes_back_from_its_total(tracking):
    true = {
        (r["indicator_code"], r["period"], r["disaggregation_value"]): r
        for r in rows_of(tracking, "me_indicator_tracking")
    }
    rows = tracked(tracking)
    families = defaultdict(lambda: defaultdict(list))
    for key, r in rows.items():
        families[key[:2]][r["disaggregation"]].append((true[key], r))
    tried = 0
    for family, groups in families.items():
        ((_, total),) = groups.pop("total")
        for disaggregation, cells in groups.items():
            if total["actual"] is None:
                continue
            # the respondents, and the respondents times the score or share, add up to the total's
            tried += sum(r["actual"] is None for t, r in cells if t["respondents"])
            assert recovered(total["respondents"], [(t["respondents"], r["respondents"]) for t, r in cells]) == []
            products = [
                (
                    t["respondents"] * t["actual"] if t["actual"] is not None else None,
                    r["respondents"] * r["actual"] if r["actual"] is not None else None,
                )
                for t, r in cells
            ]
            assert recovered(total["respondents"] * total["actual"], products) == [], (family, disaggregation)
    assert tried == 4


# --- disability groups adding up to their total row (the by-disability marts) ---------------

PDM_COUNTS = (
    "respondents",
    "received_assistance",
    "satisfaction_respondents",
    "satisfied",
    "with_problems",
    "with_safety_concerns",
)
SOURCE = {"yes": "washington_group", "no": "washington_group", "not_known": "not_asked"}
PDM_GROUPS = {  # activity -> status -> the counts of PDM_COUNTS; the total row is their sum
    "ACT-1": {"yes": (3, 3, 3, 2, 1, 0), "no": (40, 35, 35, 25, 10, 6), "not_known": (20, 18, 18, 12, 5, 7)},
    "ACT-2": {"yes": (2, 2, 2, 1, 1, 1), "no": (3, 3, 3, 3, 2, 1), "not_known": (50, 45, 44, 30, 12, 9)},
    "ACT-3": {"not_known": (30, 28, 28, 20, 6, 5)},  # WG not asked: nothing to hide
    "ACT-4": {"yes": (12, 10, 10, 3, 6, 5), "no": (40, 38, 38, 30, 9, 8), "not_known": (25, 20, 20, 15, 7, 6)},
    "ACT-5": {"yes": (1, 1, 1, 1, 0, 0), "not_known": (3, 3, 3, 2, 1, 0)},  # 4 households: all withheld
}


@pytest.fixture
def pdm_by_disability():
    con = duckdb.connect()
    con.execute(
        "create table me_pdm_results_by_disability (activity_code varchar, activity_label_en varchar, "
        "row_level varchar, disability varchar, disability_label_en varchar, disability_source varchar, "
        "respondents bigint, received_assistance bigint, satisfaction_respondents bigint, satisfied bigint, "
        "share_satisfied double, satisfaction_mean double, with_problems bigint, share_with_problems double, "
        "with_safety_concerns bigint, share_with_safety_concerns double)"
    )

    def row(activity, level, status, counts):
        n, received, rated, satisfied, problems, safety = counts

        def share(k):
            return round(k / received, 4) if received else None

        return (
            activity,
            activity.lower(),
            level,
            status,
            status or "All households",
            SOURCE.get(status),
            n,
            received,
            rated,
            satisfied,
            share(satisfied),
            3.5,
            problems,
            share(problems),
            safety,
            share(safety),
        )

    for activity, groups in PDM_GROUPS.items():
        rows = [row(activity, "disability", status, counts) for status, counts in groups.items()]
        rows.append(row(activity, "total", None, tuple(map(sum, zip(*groups.values())))))
        con.executemany(f"insert into me_pdm_results_by_disability values ({', '.join('?' * 16)})", rows)
    yield con
    con.close()


def published_with(con, table: str, margins: dict, min_count: int = MIN) -> list[dict]:
    columns = [Column(name, data_type) for name, data_type, *_ in con.execute(f"describe {table}").fetchall()]
    sql = plan_for(table, columns, min_count, margins=margins).select_sql(columns, table, reason=True)
    cursor = con.execute(f"select * from ({sql}) as p order by all")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def attack_total_rows(
    true_rows: list[dict], published_rows: list[dict], family: tuple[str, ...], counts: tuple[str, ...]
) -> tuple[list, int]:
    """For each family (an activity; a round and index) and count: the total row's published
    count less its groups' published counts, tried against every withheld group. Returns what
    came back (family, count, value) and how many withheld cells were tried. (What comes back
    is the sum of the withheld cells: the plan makes sure it is never one cell's.)"""
    true = {tuple(r[c] for c in (*family, "row_level", "disability")): r for r in true_rows}
    families = defaultdict(list)
    for r in published_rows:
        families[tuple(r[c] for c in family)].append(r)
    back, tried = [], 0
    for key, rows in families.items():
        total = next(r for r in rows if r["row_level"] == "total")
        groups = [(true[(*key, "disability", r["disability"])], r) for r in rows if r["row_level"] == "disability"]
        for count in counts:
            cells = [(t[count], r[count]) for t, r in groups]
            tried += sum(shown is None and bool(value) for value, shown in cells)
            back += [(key, count, value) for value in recovered(total[count], cells)]
    return back, tried


def test_no_withheld_disability_group_comes_back_from_its_activitys_total(pdm_by_disability):
    true = rows_of(pdm_by_disability, "me_pdm_results_by_disability")
    back, tried = attack_total_rows(
        true, published(pdm_by_disability, "me_pdm_results_by_disability"), ("activity_code",), PDM_COUNTS
    )
    assert back == [] and tried >= 10
    # without the margins, subtraction gives the 3 households with a disability of ACT-1 back
    exposed, _ = attack_total_rows(
        true, published_with(pdm_by_disability, "me_pdm_results_by_disability", {}), ("activity_code",), PDM_COUNTS
    )
    assert (("ACT-1",), "respondents", 3) in exposed and (("ACT-4",), "satisfied", 3) in exposed


def test_a_small_disability_group_takes_the_smallest_other_group_with_it(pdm_by_disability):
    rows = {
        (r["activity_code"], r["row_level"], r["disability"]): r
        for r in published(pdm_by_disability, "me_pdm_results_by_disability")
    }
    assert rows[("ACT-1", "disability", "yes")][SUPPRESSION_REASON] == "small"
    hidden = rows[("ACT-1", "disability", "not_known")]
    assert hidden[SUPPRESSION_REASON] == "complementary" and hidden["respondents"] is None
    assert (hidden["disability_label_en"], hidden["share_satisfied"]) == ("not_known", None)  # still says what it was
    assert rows[("ACT-1", "disability", "no")]["respondents"] == 40
    assert rows[("ACT-1", "total", None)]["respondents"] == 63  # the total stays
    # 3 satisfied with a disability: the smaller other group's satisfied go too, the rest stays
    assert [rows[("ACT-4", "disability", s)]["satisfied"] for s in ("yes", "no", "not_known")] == [None, 30, None]
    assert [rows[("ACT-4", "disability", s)]["respondents"] for s in ("yes", "no", "not_known")] == [12, 40, 25]
    assert rows[("ACT-4", "disability", "not_known")]["share_satisfied"] is None
    # two small groups protect one another; a lone not-known group hides nothing
    assert [rows[("ACT-2", "disability", s)][SUPPRESSION_REASON] for s in ("yes", "no", "not_known")] == [
        "small",
        "small",
        None,
    ]
    assert not rows[("ACT-3", "disability", "not_known")][SUPPRESSION_FLAG]
    assert all(r["respondents"] is None for (a, *_), r in rows.items() if a == "ACT-5")


def test_no_withheld_disability_group_comes_back_from_its_rounds_total():
    con = duckdb.connect()
    con.execute(
        "create table me_perception_scores_by_disability (round integer, domain varchar, "
        "domain_label_en varchar, row_level varchar, disability varchar, disability_label_en varchar, "
        "disability_source varchar, respondents bigint, mean_score double, respondents_positive bigint, "
        "share_positive double)"
    )
    groups = {  # (round, domain) -> status -> (respondents, positive, mean score)
        (1, "social_cohesion"): {"not_known": (80, 50, 3.4)},
        (2, "social_cohesion"): {"yes": (4, 2, 3.1), "no": (60, 40, 3.6), "not_known": (30, 20, 3.5)},
        (2, "trust_local_authorities"): {"yes": (9, 3, 2.8), "no": (55, 30, 3.2), "not_known": (28, 14, 3.0)},
    }
    rows = []
    for (rnd, domain), cells in groups.items():
        for status, (n, positive, mean) in cells.items():
            rows.append(
                (
                    rnd,
                    domain,
                    domain,
                    "disability",
                    status,
                    status,
                    SOURCE[status],
                    n,
                    mean,
                    positive,
                    round(positive / n, 4),
                )
            )
        n = sum(c[0] for c in cells.values())
        positive = sum(c[1] for c in cells.values())
        mean = round(sum(c[0] * c[2] for c in cells.values()) / n, 6)
        rows.append(
            (rnd, domain, domain, "total", None, "All respondents", None, n, mean, positive, round(positive / n, 4))
        )
    con.executemany(f"insert into me_perception_scores_by_disability values ({', '.join('?' * 11)})", rows)
    table = "me_perception_scores_by_disability"
    true = rows_of(con, table)
    shown = published(con, table)
    back, tried = attack_total_rows(true, shown, ("round", "domain"), ("respondents", "respondents_positive"))
    # round 2: the 4 with a disability and the 30 not known (respondents and positives) of
    # social cohesion, the 3 positive with a disability and the 14 not known of trust
    assert back == [] and tried == 6
    # a withheld group's score cannot come back from the total's (respondents x score) either:
    # two groups' respondents and scores are unknown
    for key in ((2, "social_cohesion"),):
        cells = [r for r in shown if (r["round"], r["domain"]) == key and r["row_level"] == "disability"]
        assert sum(r["respondents"] is None and r["mean_score"] is None for r in cells) == 2
    assert not any(r[SUPPRESSION_FLAG] for r in shown if r["round"] == 1)
    exposed, _ = attack_total_rows(
        true, published_with(con, table, {}), ("round", "domain"), ("respondents", "respondents_positive")
    )
    assert ((2, "social_cohesion"), "respondents", 4) in exposed
    con.close()


@pytest.mark.parametrize("table", ["me_pdm_results_by_disability", "me_perception_scores_by_disability"])
def test_every_count_of_a_by_disability_mart_adds_up_to_its_total_row(table):
    """The rows of a by-disability mart add up to its total row count by count: each count is
    declared, so a count added to the mart without its margin is caught here."""
    import yaml

    schema = PROJECT_ROOT / "dbt_project" / "models" / "marts" / "me" / "_me.yml"
    model = next(m for m in yaml.safe_load(schema.read_text())["models"] if m["name"] == table)

    def data_type(name: str) -> str:  # as the mart's SQL types them; anything else is a count
        if name in ("row_level", "disability", "disability_source", "domain") or name.endswith(
            ("_code", "_label_en", "_label_fr")
        ):
            return "VARCHAR"
        if name.startswith("share_") or "mean" in name:
            return "DOUBLE"
        return "INTEGER" if name == "round" else "BIGINT"

    columns = [Column(c["name"], data_type(c["name"])) for c in model["columns"]]
    plan = plan_for(table, columns, MIN)
    declared = {m.cell for m in plan.margins}
    assert declared == set(plan.count_columns), table
    assert all(isinstance(m, RowMargin) and m.total_row == "row_level" for m in plan.margins)


def test_a_status_band_is_withheld_with_the_percent_it_is_read_from():
    """A band ("on track": 90% or more) would say what a withheld % achieved is: it goes with it."""
    con = duckdb.connect()
    con.execute(
        "create table me_indicator_tracking (indicator_code varchar, data_source varchar, period varchar, "
        "period_start date, disaggregation varchar, disaggregation_value varchar, cumulative double, "
        "percent_achieved_to_date double, percent_of_life_of_project_target double, respondents bigint, "
        "status varchar)"
    )
    con.executemany(
        "insert into me_indicator_tracking values (?, ?, '2026-Q1', '2026-01-01', 'total', 'total', 1, ?, 1, ?, ?)",
        [
            ("IMP-1", "me_perception", 95.0, 3, "on_track"),  # 3 respondents: withheld, band and all
            ("OC-1", "me_pdm", 70.0, 40, "behind"),
            ("OP-1", "me_activity", 50.0, 2, "off_track"),  # an attendance list: not interviews
        ],
    )
    rows = {r["indicator_code"]: r for r in published(con, "me_indicator_tracking")}
    assert {code: (r["percent_achieved_to_date"], r["status"]) for code, r in rows.items()} == {
        "IMP-1": (None, None),
        "OC-1": (70.0, "behind"),
        "OP-1": (50.0, "off_track"),
    }
    assert rows["IMP-1"][SUPPRESSION_REASON] == "small"
    # published without its %, a band would be published unprotected: refused
    columns = [
        Column(name, data_type) for name, data_type, *_ in con.execute("describe me_indicator_tracking").fetchall()
    ]
    with pytest.raises(DisclosureError, match="percent_achieved_to_date"):
        plan_for("me_indicator_tracking", [c for c in columns if c.name != "percent_achieved_to_date"], MIN)
    con.close()


# --- targets beside the actuals they take from the totals (me_indicator_targets_vs_actuals) ---

TOTALS = [  # me_indicator_tracking's total rows: (indicator, source, period, respondents, actual, cumulative)
    ("IMP-1", "me_perception", Q1, 3, 2.7, 2.7),  # 3 respondents: withheld
    ("IMP-1", "me_perception", Q2, 0, None, 2.7),  # not surveyed: its cumulative repeats Q1's
    ("IMP-2", "me_perception", Q1, 3, 2.8, 2.8),
    ("IMP-2", "me_perception", Q2, 30, 3.1, 3.1),  # surveyed again: its own measurement
    ("OC-1", "me_pdm", Q1, 40, 65.0, 65.0),
    ("OC-1", "me_pdm", Q2, 3, 70.0, 70.0),
    ("OP-1", "me_activity", Q1, 3, 3.0, 3.0),  # an attendance list: small counts stay
    ("OP-1", "me_activity", Q2, 0, 0.0, 3.0),
]


def targets_of(totals):
    """The targets mart's rows (baseline 2.5, target 3.0): each period's target against its
    total row, a midline due in Q2 against its cumulative, with the respondents the mart
    carries: the period's, or those of the latest measured period the cumulative repeats."""
    rows, latest = [], {}
    for code, source, (period, start), n, actual, cumulative in totals:
        latest[code] = n or latest.get(code)
        for kind, name, order, value, respondents in (
            ("period", period, 1, actual, n),
            *((("midline", "midline", 2, cumulative, latest[code]),) if period == Q2[0] else ()),
        ):
            percent = round(100 * (value - 2.5) / 0.5, 1) if value is not None else None
            ratio = round(100 * value / 3.0, 1) if value is not None else None
            status = None if percent is None else "on_track" if percent >= 90 else "off_track"
            due = date(2026, 6, 30)
            figures = (value, period, start, ratio, percent, percent, respondents, status)
            rows.append((code, source, kind, name, order, due, True, 2.5, 3.0, *figures))
    return rows


@pytest.fixture
def targets():
    con = duckdb.connect()
    con.execute(
        "create table me_indicator_tracking (indicator_code varchar, data_source varchar, period varchar, "
        "period_start date, disaggregation varchar, disaggregation_value varchar, actual double, "
        "cumulative double, percent_of_life_of_project_target double, respondents bigint)"
    )
    con.executemany(
        "insert into me_indicator_tracking values (?, ?, ?, ?, 'total', 'total', ?, ?, 50.0, ?)",
        [
            (code, source, period, start, actual, cumulative, n)
            for code, source, (period, start), n, actual, cumulative in TOTALS
        ],
    )
    con.execute(
        "create table me_indicator_targets_vs_actuals (indicator_code varchar, data_source varchar, "
        "target_type varchar, target_name varchar, target_order integer, due_date date, is_due boolean, "
        "baseline double, target double, actual double, measured_through varchar, period_start date, "
        "percent_of_target double, percent_achieved double, percent_achieved_to_date double, respondents bigint, "
        "status varchar)"
    )
    con.executemany(f"insert into me_indicator_targets_vs_actuals values ({', '.join('?' * 17)})", targets_of(TOTALS))
    yield con
    con.close()


FIGURES = ("actual", "percent_of_target", "percent_achieved", "percent_achieved_to_date", "status", "respondents")


def test_a_survey_measured_target_is_withheld_with_its_measurement(targets):
    """A target's actual, its percentages and its band are withheld where the measurement they
    come from had a few respondents, as me_indicator_tracking withholds it; an attendance
    list's pass; baselines and targets owe nothing to the interviews."""
    rows = {
        (r["indicator_code"], r["target_name"]): r
        for r in published(
            targets, "me_indicator_targets_vs_actuals", order="indicator_code, target_order, period_start"
        )
    }
    true = {(r["indicator_code"], r["target_name"]): r for r in rows_of(targets, "me_indicator_targets_vs_actuals")}
    imp = rows[("IMP-1", "2026-Q1")]
    assert [imp[f] for f in FIGURES] == [None] * len(FIGURES)
    assert (imp[SUPPRESSION_FLAG], imp[SUPPRESSION_REASON], imp["baseline"], imp["target"]) == (True, "small", 2.5, 3.0)
    assert (imp["measured_through"], imp["data_source"], imp["is_due"]) == ("2026-Q1", "me_perception", True)
    # the same numbers from an attendance list pass unchanged
    op = rows[("OP-1", "2026-Q1")]
    assert [op[f] for f in FIGURES] == [3.0, 100.0, 100.0, 100.0, "on_track", 3]
    assert (op[SUPPRESSION_FLAG], op[SUPPRESSION_REASON]) == (False, None)
    # a midline whose value to date repeats Q1's withheld score is withheld with it
    midline = rows[("IMP-1", "midline")]
    assert [midline[f] for f in FIGURES] == [None] * len(FIGURES)
    assert (midline[SUPPRESSION_FLAG], midline[SUPPRESSION_REASON], midline["target"]) == (True, "small", 3.0)
    # a period not surveyed withholds nothing: its actual is simply not measured
    assert (rows[("IMP-1", "2026-Q2")]["actual"], rows[("IMP-1", "2026-Q2")][SUPPRESSION_FLAG]) == (None, False)
    # surveyed again with enough respondents: the earlier small survey withholds nothing
    assert rows[("IMP-2", "midline")]["actual"] == 3.1 and not rows[("IMP-2", "midline")][SUPPRESSION_FLAG]
    assert {key for key, r in rows.items() if r[SUPPRESSION_FLAG]} == {
        ("IMP-1", "2026-Q1"),
        ("IMP-1", "midline"),
        ("IMP-2", "2026-Q1"),
        ("OC-1", "2026-Q2"),
        ("OC-1", "midline"),
    }
    for key, r in rows.items():  # nothing else lost
        if not r[SUPPRESSION_FLAG]:
            assert {f: r[f] for f in FIGURES} == {f: true[key][f] for f in FIGURES}, key


def test_a_target_is_withheld_exactly_where_the_figure_it_takes_is(targets):
    """Published, a target's actual is withheld exactly where me_indicator_tracking withholds
    the figure it takes (a period's actual, a milestone's cumulative), and shown as it is."""
    true = {(r["indicator_code"], r["period"]): r for r in rows_of(targets, "me_indicator_tracking")}
    tracking = {(r["indicator_code"], r["period"]): r for r in published(targets, "me_indicator_tracking")}
    tried = 0
    for r in published(targets, "me_indicator_targets_vs_actuals"):
        key = (r["indicator_code"], r["measured_through"])
        name = "actual" if r["target_type"] == "period" else "cumulative"
        withheld = true[key][name] is not None and tracking[key][name] is None
        assert r["actual"] == tracking[key][name], (key, r["target_name"])
        assert r[SUPPRESSION_FLAG] == withheld, (key, r["target_name"])
        tried += withheld
    assert tried == 5


def test_what_the_targets_carry_is_all_that_withholds_a_total_row():
    """The targets mart carries a total row's respondents, not its flag: that holds while a
    total row of me_indicator_tracking is never a complement (its margins' totals are rows
    of their own) and a cumulative is carried from the rows measured by respondents."""
    assert all(isinstance(m, RowMargin) and m.total_row == "disaggregation" for m in MARGINS["me_indicator_tracking"])
    assert {c.measured for c in CARRIED["me_indicator_tracking"]} == {"respondents"}
    assert rule_for("me_indicator_targets_vs_actuals").rows == rule_for("me_indicator_tracking").rows
    assert "me_indicator_targets_vs_actuals" not in MARGINS and "me_indicator_targets_vs_actuals" not in CARRIED


# --- the registry -------------------------------------------------------------------------


def test_every_declared_margin_is_a_sensitive_mart_whose_sql_has_its_columns():
    for table, declared in [*MARGINS.items(), *CARRIED.items(), *DERIVED.items()]:
        assert rule_for(table), table
        sql = next((PROJECT_ROOT / "dbt_project" / "models" / "marts").rglob(f"{table}.sql")).read_text()
        for item in declared:
            names = (
                item.all_columns
                if isinstance(item, Carried)
                else (item.column, item.figure)
                if isinstance(item, Derived)
                else item.columns
            )
            for name in names:
                assert re.search(rf"\b{name}\b", sql), (table, name)


def test_a_mart_that_lost_a_margins_column_or_shares_a_cell_is_refused():
    columns = [
        Column("activity_code", "VARCHAR"),
        Column("answer", "VARCHAR"),
        Column("respondents", "BIGINT"),
        Column("respondents_asked", "BIGINT"),
    ]
    with pytest.raises(DisclosureError, match="question"):
        plan_for("me_pdm_answers", columns, MIN)
    both = {
        "me_pdm_results": (
            RowMargin(("activity_code",), "satisfied", ("admin2_pcode",), total="respondents"),
            ColumnMargin(("satisfied", "unsatisfied"), "respondents"),
        )
    }
    columns = [
        Column("activity_code", "VARCHAR"),
        Column("admin2_pcode", "VARCHAR"),
        Column("respondents", "BIGINT"),
        Column("satisfied", "BIGINT"),
        Column("unsatisfied", "BIGINT"),
    ]
    with pytest.raises(DisclosureError, match="two margins"):
        plan_for("me_pdm_results", columns, MIN, margins=both)
    assert plan_for("me_pdm_results", columns, MIN).margins == ()

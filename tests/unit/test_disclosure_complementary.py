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
    CARRIED, MARGINS, SUPPRESSION_FLAG, SUPPRESSION_REASON, Carried, Column, ColumnMargin, DisclosureError,
    RowMargin, plan_for, rule_for,
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
    "ACT-1": {"satisfaction": {"1": 3, "2": 12, "3": 20, "4": 9, "5": 6}},    # one small: 5 (6) goes too
    "ACT-2": {"knows_feedback_channel": {"yes": 2, "no": 40, "dk": 3}},      # two small: nothing more
    "ACT-3": {"satisfaction": {"1": 3, "2": 0, "3": 0, "4": 30}},            # zeros do not protect: 4 goes
    "ACT-4": {"satisfaction": {"1": 2, "2": 7, "3": 7, "4": 30}},            # a tie: the first answer (2)
    "ACT-5": {"knows_feedback_channel": {"yes": 2, "no": 2}},                # 4 asked: all suppressed
    "ACT-6": {"satisfaction": {"1": 10, "2": 0, "3": 25}},                   # nothing small: nothing hidden
}


@pytest.fixture()
def answers():
    con = duckdb.connect()
    con.execute("create table me_pdm_answers (activity_code varchar, question varchar, answer varchar, "
                "answer_label_en varchar, respondents bigint, respondents_asked bigint, share_of_respondents double)")
    for activity, questions in ANSWERS.items():
        for question, counts in questions.items():
            asked = sum(counts.values())
            con.executemany("insert into me_pdm_answers values (?, ?, ?, ?, ?, ?, ?)",
                            [(activity, question, answer, answer.upper(), n, asked, round(n / asked, 4))
                             for answer, n in counts.items()])
    yield con
    con.close()


def test_a_lone_small_answer_takes_the_smallest_other_with_it(answers):
    rows = {(r["activity_code"], r["answer"]): r for r in published(answers, "me_pdm_answers")}
    assert rows[("ACT-1", "1")][SUPPRESSION_REASON] == "small"
    assert rows[("ACT-1", "5")][SUPPRESSION_REASON] == "complementary"   # the smallest non-zero other
    hidden = rows[("ACT-1", "5")]
    assert (hidden["respondents"], hidden["share_of_respondents"], hidden["respondents_asked"]) == (None, None, None)
    assert hidden[SUPPRESSION_FLAG] and hidden["answer_label_en"] == "5"   # flagged; still says what it was
    assert [rows[("ACT-1", a)]["respondents"] for a in "234"] == [12, 20, 9]
    assert [rows[("ACT-1", a)]["respondents_asked"] for a in "234"] == [50, 50, 50]   # the total stays


def test_zeros_do_not_protect_and_ties_go_to_the_first(answers):
    rows = {(r["activity_code"], r["answer"]): r for r in published(answers, "me_pdm_answers")}
    assert [rows[("ACT-3", a)][SUPPRESSION_REASON] for a in "1234"] == ["small", None, None, "complementary"]
    assert [rows[("ACT-3", a)]["respondents"] for a in "23"] == [0, 0]
    assert [rows[("ACT-4", a)][SUPPRESSION_REASON] for a in "1234"] == ["small", "complementary", None, None]


def test_two_hidden_answers_stay_as_they_are(answers):
    rows = {(r["activity_code"], r["answer"]): r for r in published(answers, "me_pdm_answers")}
    assert {a: rows[("ACT-2", a)][SUPPRESSION_REASON] for a in ("yes", "no", "dk")} == {
        "yes": "small", "no": None, "dk": "small"}
    assert rows[("ACT-2", "no")]["respondents"] == 40
    assert all(rows[("ACT-5", a)][SUPPRESSION_REASON] == "small" for a in ("yes", "no"))   # a small total
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
                min_count, activity)


def test_the_flow_survey_profiles_are_protected_the_same_way():
    con = duckdb.connect()
    con.execute("create table dtm_flow_survey_profiles (survey_month date, fmp_id varchar, question varchar, "
                "answer varchar, respondents bigint, respondents_asked bigint, share_of_respondents double)")
    month = date(2026, 5, 1)
    data = [("FMP-1", "respondent_sex", "female", 4), ("FMP-1", "respondent_sex", "male", 31),
            ("FMP-2", "respondent_sex", "female", 14), ("FMP-2", "respondent_sex", "male", 31)]
    asked = {"FMP-1": 35, "FMP-2": 45}
    con.executemany("insert into dtm_flow_survey_profiles values (?, ?, ?, ?, ?, ?, ?)",
                    [(month, p, q, a, n, asked[p], n / asked[p]) for p, q, a, n in data])
    rows = {(r["fmp_id"], r["answer"]): r for r in published(con, "dtm_flow_survey_profiles")}
    assert (rows[("FMP-1", "female")]["respondents"], rows[("FMP-1", "male")]["respondents"]) == (None, None)
    assert rows[("FMP-1", "male")][SUPPRESSION_REASON] == "complementary"
    assert [rows[("FMP-2", a)]["respondents"] for a in ("female", "male")] == [14, 31]


# --- counts of a row adding up to another (dtm_flow_survey_travellers) ------------------------

TRAVELLERS = [  # (fmp, travellers, respondents, respondents_in_group, group_members, members_with_national_id)
    ("FMP-1", 30, 12, 3, 27, 10),   # 3 respondents in the group: 27 members go too
    ("FMP-2", 30, 12, 10, 20, 2),   # 2 with a national ID: nothing adds up to them
    ("FMP-3", 12, 12, 0, 12, 0),    # nothing small
    ("FMP-4", 5, 5, 2, 3, 0),       # two small: nothing more
    ("FMP-5", 4, 3, 2, 2, 1),       # 4 travellers: the row
]


def test_a_rows_counts_adding_up_to_its_travellers():
    con = duckdb.connect()
    con.execute("create table dtm_flow_survey_travellers (fmp_id varchar, age_group varchar, travellers bigint, "
                "respondents bigint, respondents_in_group bigint, group_members bigint, "
                "members_with_national_id bigint)")
    con.executemany("insert into dtm_flow_survey_travellers values (?, '18_59', ?, ?, ?, ?, ?)", TRAVELLERS)
    rows = {r["fmp_id"]: r for r in published(con, "dtm_flow_survey_travellers")}
    counts = ("travellers", "respondents", "respondents_in_group", "group_members", "members_with_national_id")
    assert {fmp: tuple(r[c] for c in counts) for fmp, r in rows.items()} == {
        "FMP-1": (30, 12, None, None, 10),
        "FMP-2": (30, 12, 10, 20, None),    # a count named as one is no dimension (``_id``)
        "FMP-3": (12, 12, 0, 12, 0),
        "FMP-4": (5, 5, None, None, 0),
        "FMP-5": (None, None, None, None, None),
    }
    assert [rows[f][SUPPRESSION_REASON] for f in sorted(rows)] == ["small", "small", None, "small", "small"]
    assert all(rows[f][SUPPRESSION_FLAG] for f in ("FMP-1", "FMP-2", "FMP-4", "FMP-5"))
    for fmp, travellers, _, in_group, members, _ in TRAVELLERS:
        r = rows[fmp]
        assert recovered(r["travellers"], [(in_group, r["respondents_in_group"]),
                                           (members, r["group_members"])]) == [], fmp


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
            rows.extend((code, source, period, disaggregation, value, count, score, score)
                        for value, count, score in cells)

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


@pytest.fixture()
def tracking():
    con = duckdb.connect()
    con.execute("create table me_indicator_tracking (indicator_code varchar, data_source varchar, period varchar, "
                "period_start date, disaggregation varchar, disaggregation_value varchar, baseline double, "
                "target double, actual double, cumulative double, percent_achieved double, "
                "percent_of_life_of_project_target double, share_of_period_elapsed double, respondents bigint)")
    con.executemany("insert into me_indicator_tracking values (?, ?, ?, ?, ?, ?, 2.5, ?, ?, ?, ?, ?, 1.0, ?)",
                    [(code, source, period, start, d, v, 3.0 if d == "total" else None, actual, cumulative,
                      50.0 if d == "total" and actual else None, 40.0 if d == "total" and cumulative else None, n)
                     for code, source, (period, start), d, v, n, actual, cumulative in indicator_rows()])
    yield con
    con.close()


def tracked(con) -> dict:
    return {(r["indicator_code"], r["period"], r["disaggregation_value"]): r
            for r in published(con, "me_indicator_tracking")}


def test_an_indicators_categories_beside_its_total(tracking):
    rows = tracked(tracking)
    reasons = {key[::2]: r[SUPPRESSION_REASON] for key, r in rows.items() if key[1] == "2026-Q1"}
    assert reasons == {
        ("IMP-1", "total"): None, ("IMP-1", "female"): "complementary", ("IMP-1", "male"): "small",
        ("IMP-1", "18_59"): None, ("IMP-1", "60"): None,
        ("OC-1", "total"): None, ("OC-1", "female"): None, ("OC-1", "male"): "small",
        ("OC-2", "total"): None, ("OC-2", "female"): "complementary", ("OC-2", "male"): None,
        ("OC-3", "total"): None, ("OC-3", "female"): None, ("OC-3", "male"): None,
        ("OP-1", "total"): None, ("OP-1", "female"): None, ("OP-1", "male"): None,
    }
    female = rows[("IMP-1", "2026-Q1", "female")]
    assert (female["actual"], female["cumulative"], female["respondents"], female[SUPPRESSION_FLAG]) == (
        None, None, None, True)
    total = rows[("IMP-1", "2026-Q1", "total")]
    assert (total["actual"], total["respondents"], total["target"], total["baseline"]) == (
        pytest.approx(2.6209, abs=1e-3), 43, 3.0, 2.5)   # targets and baselines owe nothing to interviews
    assert rows[("OP-1", "2026-Q1", "female")]["respondents"] == 2


def test_a_cumulative_repeating_a_withheld_figure_is_withheld(tracking):
    rows = tracked(tracking)
    later = {key[2]: (r["cumulative"], r[SUPPRESSION_REASON]) for key, r in rows.items() if key[1] == "2026-Q2"}
    assert later == {"total": (pytest.approx(2.6209, abs=1e-3), None), "female": (None, "carried"),
                     "male": (None, "carried"), "18_59": (2.5, None), "60": (3.0, None)}


def test_no_withheld_category_comes_back_from_its_total(tracking):
    true = {(r["indicator_code"], r["period"], r["disaggregation_value"]): r
            for r in rows_of(tracking, "me_indicator_tracking")}
    rows = tracked(tracking)
    families = defaultdict(lambda: defaultdict(list))
    for key, r in rows.items():
        families[key[:2]][r["disaggregation"]].append((true[key], r))
    tried = 0
    for family, groups in families.items():
        (_, total), = groups.pop("total")
        for disaggregation, cells in groups.items():
            if total["actual"] is None:
                continue
            # the respondents, and the respondents times the score or share, add up to the total's
            tried += sum(r["actual"] is None for t, r in cells if t["respondents"])
            assert recovered(total["respondents"], [(t["respondents"], r["respondents"]) for t, r in cells]) == []
            products = [(t["respondents"] * t["actual"] if t["actual"] is not None else None,
                         r["respondents"] * r["actual"] if r["actual"] is not None else None) for t, r in cells]
            assert recovered(total["respondents"] * total["actual"], products) == [], (family, disaggregation)
    assert tried == 4


# --- the registry -------------------------------------------------------------------------

def test_every_declared_margin_is_a_sensitive_mart_whose_sql_has_its_columns():
    for table, declared in [*MARGINS.items(), *CARRIED.items()]:
        assert rule_for(table), table
        sql = next((PROJECT_ROOT / "dbt_project" / "models" / "marts").rglob(f"{table}.sql")).read_text()
        for item in declared:
            names = item.all_columns if isinstance(item, Carried) else item.columns
            for name in names:
                assert re.search(rf"\b{name}\b", sql), (table, name)


def test_a_mart_that_lost_a_margins_column_or_shares_a_cell_is_refused():
    columns = [Column("activity_code", "VARCHAR"), Column("answer", "VARCHAR"), Column("respondents", "BIGINT"),
               Column("respondents_asked", "BIGINT")]
    with pytest.raises(DisclosureError, match="question"):
        plan_for("me_pdm_answers", columns, MIN)
    both = {"me_pdm_results": (RowMargin(("activity_code",), "satisfied", ("admin2_pcode",), total="respondents"),
                               ColumnMargin(("satisfied", "unsatisfied"), "respondents"))}
    columns = [Column("activity_code", "VARCHAR"), Column("admin2_pcode", "VARCHAR"), Column("respondents", "BIGINT"),
               Column("satisfied", "BIGINT"), Column("unsatisfied", "BIGINT")]
    with pytest.raises(DisclosureError, match="two margins"):
        plan_for("me_pdm_results", columns, MIN, margins=both)
    assert plan_for("me_pdm_results", columns, MIN).margins == ()

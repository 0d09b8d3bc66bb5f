"""The logical checks an officer writes in the rules seed: what they flag, and that a
malformed or hostile expression is refused with its row named and never runs as SQL."""

from __future__ import annotations

import duckdb
import pytest

from dtm_platform.quality.logical_checks import LogicalCheckError, compile_expression, load_logical_checks
from dtm_platform.transform.project import RULES_SEED

HEADER = "rule,form,field,severity,min_value,max_value,description,description_fr,expression\n"


@pytest.fixture
def submissions():
    con = duckdb.connect()
    con.execute("""create table t as select * from (values
        (1, 120, 25, true, 'ACTED', 'female', 16, 'planned_camp'),
        (2, 20, 25, true, null, 'male', 40, 'spontaneous_site'),
        (3, 50, 10, false, null, 'female', 30, 'collective_centre'),
        (4, null, 10, true, '  ', 'male', 17, 'planned_camp'),
        (5, 9, 3, true, 'x'' or 1=1 --', 'female', 15, 'other')
    ) as v(id, individuals, households, is_managed, management_agency, respondent_sex, respondent_age, site_type)""")
    yield con
    con.close()


def flagged(con, expression: str) -> list[int]:
    """The rows the check flags: false, not unknown (a blank answer flags nothing)."""
    sql, _ = compile_expression(expression)
    return [r[0] for r in con.execute(f"select id from t where not coalesce({sql}, true) order by id").fetchall()]


@pytest.mark.parametrize(
    ("expression", "rows"),
    [
        ("individuals >= households", [2]),
        ("individuals >= households * 4", [2, 5]),
        ("(individuals - households) / households >= 1", [2]),
        ("not is_managed or management_agency is not blank", [2, 4]),
        ('not (respondent_age < 18 and respondent_sex = "female")', [1, 5]),
        ("respondent_age < 18 AND respondent_sex == 'male'", [1, 2, 3, 5]),
        ('site_type in ("planned_camp", "spontaneous_site", "collective_centre")', [5]),
        ("site_type not in ('other')", [5]),
        ("is_managed = true or individuals > 40", []),
        ("individuals != 20 and households <> 3", [2, 5]),
        ("-households < 0", []),
    ],
)
def test_a_check_flags_exactly_the_submissions_it_is_false_for(submissions, expression, rows):
    assert flagged(submissions, expression) == rows


def test_texts_are_literals_and_fields_are_identifiers(submissions):
    # a quote inside a text is data, not the end of the SQL string
    assert flagged(submissions, 'management_agency != "x\' or 1=1 --"') == [5]
    sql, fields = compile_expression("Individuals >= Households")
    assert sql == '("individuals" >= "households")' and fields == ("individuals", "households")


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("individuals >=", "the expression ends too early"),
        ("individuals >= households; drop table t", "unexpected ';' at character 26"),
        ("a < b < c", "unexpected '<' at character 7"),
        ("(a = 1", "expected ')', found the end"),
        ("a in b", "expected '(', found 'b' at character 6"),
        ("a = 'it''s'", "unexpected \"'s'\" at character 9"),
        ("select * from t", "unexpected 't' at character 15"),
        ("a is empty", "expected 'blank', found 'empty' at character 6"),
        ("a = `b`", "unexpected '`' at character 5"),
        ("", "the expression is empty"),
    ],
)
def test_a_malformed_expression_says_where_it_goes_wrong(expression, problem):
    with pytest.raises(LogicalCheckError) as error:
        compile_expression(expression)
    assert str(error.value) == problem


def test_the_seed_names_the_row_and_rule_of_every_malformed_check(tmp_path, submissions):
    seed = tmp_path / "ref_dq_rules.csv"
    seed.write_text(
        HEADER
        + "household_size,dtm_site,individuals,blocking,1,12,d,d,\n"
        + "ok_check,dtm_site,households,warning,,,d,d,individuals >= households\n"
        + "broken_check,dtm_site,households,warning,,,d,d,individuals >=\n"
        + "constant_check,dtm_site,households,warning,,,d,d,1 = 1\n"
        + "bad'rule,dtm_site,households,warning,,,d,d,households > 0\n",
        encoding="utf-8",
    )
    with pytest.raises(LogicalCheckError) as error:
        load_logical_checks(seed)
    message = str(error.value)
    assert "ref_dq_rules.csv row 4 (rule 'broken_check', form 'dtm_site'): the expression ends too early" in message
    assert "row 5 (rule 'constant_check', form 'dtm_site'): the expression reads no field" in message
    assert "row 6 (rule \"bad'rule\", form 'dtm_site'): rule must be a lower-case name" in message
    assert "ok_check" not in message
    # nothing of a refused row ran: the table is whole
    assert submissions.execute("select count(*) from t").fetchone()[0] == 5


def test_the_platforms_seed_holds_its_checks():
    checks = {c.rule: c for c in load_logical_checks(RULES_SEED)}
    check = checks["managed_site_without_agency"]
    assert (check.form, check.field, check.fields) == (
        "dtm_site",
        "management_agency",
        ("is_managed", "management_agency"),
    )
    assert all(c.row > 1 for c in checks.values())

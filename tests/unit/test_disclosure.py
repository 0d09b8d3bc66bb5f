"""Small-cell suppression on a synthetic table, and the settings that drive serving."""

from __future__ import annotations

import duckdb
import pytest

from dtm_platform.serving.disclosure import (
    SUPPRESSION_FLAG,
    Column,
    DisclosureError,
    column_kind,
    plan_for,
    rule_for,
)
from dtm_platform.serving.inventory import duckdb_query, scan
from dtm_platform.serving.personal import PersonalFields
from dtm_platform.settings import load_settings

COLUMNS = [
    Column("round", "INTEGER"),
    Column("admin1_pcode", "VARCHAR"),
    Column("answer_label_fr", "VARCHAR"),
    Column("respondents", "INTEGER"),
    Column("trust_count", "HUGEINT"),
    Column("share_trust", "DOUBLE"),
    Column("mean_score", "DECIMAL(5,2)"),
    Column("survey_date", "DATE"),
]
ROWS = [
    (17, "CF11", "Oui", 4, 3, 0.75, 3.20, "2026-07-01"),  # 4 respondents: the row is suppressed
    (17, "CF12", "Oui", 30, 2, 0.067, 2.10, "2026-07-01"),  # 2 who trust: that count and its share
    (17, "CF21", "Non", 30, 0, 0.0, 1.00, "2026-07-01"),  # a zero describes nobody: kept
    (17, "CF22", "Oui", 5, 5, 1.0, 4.80, "2026-07-01"),  # exactly the threshold: kept
    (18, "CF11", "Oui", 60, 41, 0.683, None, "2026-09-01"),  # kept
    (18, "CF12", "Oui", None, 12, 0.4, 3.00, "2026-09-01"),  # unknown respondents, 12 trust: kept
]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(
        "create table me_perception_trust (round integer, admin1_pcode varchar, answer_label_fr varchar, "
        "respondents integer, trust_count hugeint, share_trust double, mean_score decimal(5,2), "
        "survey_date date)"
    )
    con.executemany("insert into me_perception_trust values (?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
    yield con
    con.close()


def published(con, table="me_perception_trust", min_count=5, columns=COLUMNS):
    plan = plan_for(table, columns, min_count)
    cursor = con.execute(
        f"select {', '.join(plan.select_list(columns))} from me_perception_trust order by round, admin1_pcode"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_sensitive_marts_are_recognised_by_name():
    assert rule_for("me_pdm_satisfaction") and rule_for("me_perception_trust") and rule_for("dtm_flow_survey_routes")
    assert rule_for("dtm_idp_returnees_by_admin2") is None
    assert rule_for("dtm_flow_counts_by_point") is None  # registry counts at the points, not interviews
    assert rule_for("me_activity_beneficiaries") is None


def test_count_and_dependent_columns_are_found_by_name_and_type():
    plan = plan_for("me_perception_trust", COLUMNS, 5)
    assert plan.base_columns == ("respondents",)
    assert plan.cell_columns == ("trust_count",)
    assert plan.dependent_columns == ("share_trust", "mean_score")
    assert plan.cell_dependents == {"trust_count": ("share_trust",)}
    assert not plan.has_flag


def test_the_m_and_e_marts_columns_fall_in_the_right_tier():
    columns = [
        Column(name, data_type)
        for name, data_type in [
            ("activity_code", "VARCHAR"),
            ("admin2_pcode", "VARCHAR"),
            ("respondents", "BIGINT"),
            ("female_respondents", "BIGINT"),
            ("satisfaction_respondents", "BIGINT"),
            ("satisfied", "BIGINT"),
            ("share_satisfied", "DOUBLE"),
            ("satisfaction_mean", "DOUBLE"),
            ("members_with_passport", "BIGINT"),
            ("share_with_passport", "DOUBLE"),
            ("respondents_asked", "BIGINT"),
            ("share_of_respondents", "DOUBLE"),
        ]
    ]
    plan = plan_for("me_pdm_results", columns, 5)
    assert plan.base_columns == ("respondents", "respondents_asked")
    assert plan.cell_columns == ("female_respondents", "satisfaction_respondents", "satisfied", "members_with_passport")
    assert plan.cell_dependents["satisfaction_respondents"] == ("satisfaction_mean",)
    assert plan.cell_dependents["satisfied"] == ("share_satisfied",)
    assert plan.cell_dependents["members_with_passport"] == ("share_with_passport",)


def test_a_small_base_suppresses_the_row_and_a_small_count_its_cell(con):
    rows = {(r["round"], r["admin1_pcode"]): r for r in published(con)}
    assert sorted(key for key, r in rows.items() if r[SUPPRESSION_FLAG]) == [(17, "CF11"), (17, "CF12")]
    whole = rows[(17, "CF11")]
    assert [whole[c] for c in ("respondents", "trust_count", "share_trust", "mean_score")] == [None] * 4
    # dimensions stay, so the row still says what was withheld
    assert whole["answer_label_fr"] == "Oui" and str(whole["survey_date"]) == "2026-07-01"
    cell = rows[(17, "CF12")]
    assert (cell["respondents"], cell["trust_count"], cell["share_trust"], float(cell["mean_score"])) == (
        30,
        None,
        None,
        2.1,
    )
    assert (rows[(17, "CF21")]["trust_count"], rows[(17, "CF21")][SUPPRESSION_FLAG]) == (0, False)
    assert (rows[(17, "CF22")]["respondents"], rows[(17, "CF22")]["trust_count"]) == (5, 5)
    assert [rows[(18, a)]["trust_count"] for a in ("CF11", "CF12")] == [41, 12]
    assert not rows[(18, "CF11")][SUPPRESSION_FLAG] and not rows[(18, "CF12")][SUPPRESSION_FLAG]


def test_the_threshold_is_a_setting(con):
    rows = published(con, min_count=3)
    assert [(r["admin1_pcode"], r[SUPPRESSION_FLAG]) for r in rows if r["round"] == 17] == [
        ("CF11", False),
        ("CF12", True),
        ("CF21", False),
        ("CF22", False),
    ]
    assert not any(r[SUPPRESSION_FLAG] for r in published(con, min_count=1))


def test_tables_not_built_from_interviews_pass_unchanged(con):
    con.execute("create table dtm_priority_needs as select * from me_perception_trust")
    plan = plan_for("dtm_priority_needs", COLUMNS, 5)
    assert not plan.sensitive
    cursor = con.execute(f"select {', '.join(plan.select_list(COLUMNS))} from dtm_priority_needs")
    assert [d[0] for d in cursor.description] == [c.name for c in COLUMNS]  # no flag column
    assert sorted(cursor.fetchall(), key=str) == sorted(
        con.execute("select * from dtm_priority_needs").fetchall(), key=str
    )


def test_a_flag_the_mart_set_itself_is_kept_and_its_row_blanked(con):
    con.execute(f"alter table me_perception_trust add column {SUPPRESSION_FLAG} boolean default false")
    con.execute(f"update me_perception_trust set {SUPPRESSION_FLAG} = true where round = 18 and admin1_pcode = 'CF11'")
    columns = [*COLUMNS, Column(SUPPRESSION_FLAG, "BOOLEAN")]
    rows = published(con, columns=columns)
    assert list(rows[0]).count(SUPPRESSION_FLAG) == 1
    flagged = {(r["round"], r["admin1_pcode"]) for r in rows if r[SUPPRESSION_FLAG]}
    assert flagged == {(17, "CF11"), (17, "CF12"), (18, "CF11")}
    assert next(r for r in rows if (r["round"], r["admin1_pcode"]) == (18, "CF11"))["trust_count"] is None


def test_a_sensitive_mart_without_a_count_column_is_refused():
    with pytest.raises(DisclosureError, match="me_pdm_comments"):
        plan_for(
            "me_pdm_comments",
            [Column("round", "INTEGER"), Column("comment_theme", "VARCHAR"), Column("share", "DOUBLE")],
            5,
        )


def test_the_scan_finds_small_cells_left_unsuppressed_and_none_after_suppression(con):
    def scanned(relation, columns):
        return scan(
            duckdb_query(con),
            relation,
            columns,
            target="test",
            table_name="me_perception_trust",
            location=relation,
            personal=PersonalFields(frozenset()),
            min_count=5,
        )

    raw = scanned("me_perception_trust", COLUMNS)
    assert raw.small_cells_unsuppressed == 2 and raw.suppression_flag_missing
    assert raw.problems()
    plan = plan_for("me_perception_trust", COLUMNS, 5)
    con.execute(f"create table protected as select {', '.join(plan.select_list(COLUMNS))} from me_perception_trust")
    protected = scanned("protected", [*COLUMNS, Column(SUPPRESSION_FLAG, "BOOLEAN")])
    assert protected.small_cells_unsuppressed == 0 and protected.suppressed_rows == 2
    assert protected.problems() == []


def test_the_scan_finds_personal_columns_and_values(con):
    con.execute("create table leaky (admin1_pcode varchar, informant_name varchar, note varchar)")
    con.execute("insert into leaky values ('CF11', 'x', 'Awa Ngaikoisset'), ('CF12', 'y', 'fine')")
    personal = PersonalFields(frozenset({"informant_name"}), frozenset({"Awa Ngaikoisset"}))
    columns = [Column("admin1_pcode", "VARCHAR"), Column("informant_name", "VARCHAR"), Column("note", "VARCHAR")]
    found = scan(
        duckdb_query(con),
        "leaky",
        columns,
        target="test",
        table_name="leaky",
        location="leaky",
        personal=personal,
        min_count=5,
    )
    assert (found.personal_columns_found, found.personal_values_found) == (1, 1)


@pytest.mark.parametrize(
    ("data_type", "kind"),
    [
        ("INTEGER", "integer"),
        ("HUGEINT", "integer"),
        ("bigint", "integer"),
        ("DECIMAL(38,0)", "integer"),
        ("numeric(10,0)", "integer"),
        ("DECIMAL(5,2)", "numeric"),
        ("double precision", "numeric"),
        ("numeric", "numeric"),
        ("VARCHAR", "text"),
        ("text", "text"),
        ("character varying", "text"),
        ("BOOLEAN", "boolean"),
        ("DATE", "other"),
        ("VARCHAR[]", "other"),
    ],
)
def test_column_kinds_from_duckdb_and_postgres_types(data_type, kind):
    assert column_kind(data_type) == kind


def test_serving_settings(monkeypatch):
    for name in ("DTM_MIN_CELL_COUNT", "DTM_POSTGRES_URL", "DTM_POSTGRES_READER_ROLE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.min_cell_count, settings.postgres_url, settings.postgres_reader_role) == (5, None, "dtm_reader")
    monkeypatch.setenv("DTM_MIN_CELL_COUNT", "10")
    monkeypatch.setenv("DTM_POSTGRES_URL", "postgresql://dtm:s3cret-pw@db.example:5432/dtm")
    monkeypatch.setenv("DTM_POSTGRES_READER_ROLE", "powerbi_reader")
    settings = load_settings()
    assert (settings.min_cell_count, settings.postgres_reader_role) == (10, "powerbi_reader")
    assert settings.postgres_url.endswith("/dtm") and "s3cret-pw" not in repr(settings)
    monkeypatch.setenv("DTM_MIN_CELL_COUNT", "0")
    with pytest.raises(ValueError, match="DTM_MIN_CELL_COUNT"):
        load_settings()
    monkeypatch.setenv("DTM_MIN_CELL_COUNT", "5")
    monkeypatch.setenv("DTM_POSTGRES_READER_ROLE", "reader; drop table x")
    with pytest.raises(ValueError, match="DTM_POSTGRES_READER_ROLE"):
        load_settings()

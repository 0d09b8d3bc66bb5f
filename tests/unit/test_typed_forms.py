"""The typed tables of a form (``transform/typed_forms.py``) on a small in-memory warehouse
whose form content and submissions are written out here, in Kobo's shapes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import duckdb
import pytest

from dtm_platform.kobo.landing import FORM_CONTENT_DDL, submissions_ddl
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.transform.pseudonymize import pseudonymize
from dtm_platform.transform.typed_forms import build_form_tables, form_layout, sql_name

SALT = "unit-test-salt-not-the-default"
FORM = FormEntry(
    uid="aTyped123",
    dataset="enquete",
    title="Enquête test",
    personal_fields={"resp/phone": "hash", "resp/name": "drop", "hh/home_gps": "coarsen_gps"},
)
NEW, OLD, GHOST = "v2new", "v1old", "v0ghost"
TRANSLATIONS = ["English (en)", "Français (fr)"]


def q(kind: str, path: str, en: str | None = None, fr: str | None = None, **extra) -> dict:
    row = {"type": kind, "name": path.rsplit("/", 1)[-1], "$xpath": path, **extra}
    if en is not None:
        row["label"] = [en, fr or en]
    return row


def content(version: str) -> dict:
    survey = [
        q("start", "start"),
        q("end", "end"),
        q("begin_group", "hh", "Household", "Ménage"),
        q("note", "hh/intro", "Read this", "Lisez"),
        q("integer", "hh/size", "Household size", "Taille du ménage"),
        q("date", "hh/visit_date", "Visit date", "Date de visite"),
        q("time", "hh/visit_time", "Visit time", "Heure de visite"),
        q("select_one yes_no", "hh/status", "Displaced?", "Déplacé ?", select_from_list_name="yes_no"),
        q("select_multiple needs", "hh/needs", "Needs", "Besoins", select_from_list_name="needs"),
        q("calculate", "hh/total", None, None, calculation="${size} * 2"),
        q("geopoint", "hh/home_gps", "GPS of the home", "GPS du domicile"),
        # integer now; the older version asked it as free text
        q("integer" if version == NEW else "text", "hh/rooms", "Rooms", "Pièces"),
        q("end_group", "hh"),
        q("begin_group", "loc"),
        q("geopoint", "loc/gps", "Village GPS", "GPS du village"),
        q("end_group", "loc"),
        q("begin_group", "grp_a"),
        q("integer", "grp_a/age", "Age A", "Âge A"),
        q("end_group", "grp_a"),
        q("begin_group", "grp_b"),
        q("integer", "grp_b/age", "Age B", "Âge B"),
        q("end_group", "grp_b"),
        q("begin_group", "resp"),
        q("text", "resp/phone", "Phone number", "Numéro de téléphone"),
        q("text", "resp/name", "Name of the respondent", "Nom du répondant"),
        q("text", "resp/nom_chef", "Head of household", "Nom du chef"),
        q("end_group", "resp"),
        q("begin_repeat", "members", "Members", "Membres"),
        q("integer", "members/m_age", "Age", "Âge"),
        q("begin_repeat", "members/kids", "Children", "Enfants"),
        q("integer", "members/kids/kid_age", "Child age", "Âge de l'enfant"),
        q("end_repeat", "members/kids"),
        q("end_repeat", "members"),
    ]
    if version == NEW:
        survey.insert(5, q("decimal", "hh/income", "Income", "Revenu"))
    choices = [
        {"list_name": "yes_no", "name": "yes", "label": ["Yes", "Oui"]},
        {"list_name": "yes_no", "name": "no", "label": ["No", "Non"]},
        {"list_name": "needs", "name": "food", "label": ["Food", "Nourriture"]},
        {"list_name": "needs", "name": "water", "label": ["Water", "Eau"]},
    ]
    if version == NEW:  # an office added a choice in the newer version
        choices.append({"list_name": "needs", "name": "shelter", "label": ["Shelter", "Abri"]})
    return {"survey": survey, "choices": choices, "translations": TRANSLATIONS}


PHONES = ["+23670000001", "+23670000002", "+23670000003", "+23670000004"]
HOME_GPS = "4.36123 18.55789 380 5"


def submissions() -> list[tuple[int, str, dict, bool]]:
    """(_id, version, answers, deleted)."""
    base = {
        "start": "2026-10-05T09:00:00.000+01:00",
        "end": "2026-10-05T09:20:00.000+01:00",
        "hh/size": "5",
        "hh/visit_date": "2026-10-05",
        "hh/visit_time": "09:30:00.000+01:00",
        "hh/status": "yes",
        "hh/needs": "food water",
        "hh/total": "10",
        "hh/home_gps": HOME_GPS,
        "loc/gps": "4.3 18.5 400 3.5",
        "grp_a/age": "31",
        "grp_b/age": "42",
        "resp/name": "Jeanne Exemple",
        "resp/nom_chef": "Paul Exemple",
        "members": [
            {"members/m_age": "40", "members/kids": [{"members/kids/kid_age": "3"}, {"members/kids/kid_age": "7"}]},
            {"members/m_age": "38"},
        ],
    }
    return [
        (1, NEW, {**base, "resp/phone": PHONES[0], "hh/income": "12.5", "hh/rooms": "3"}, False),
        (
            2,
            OLD,
            {
                **base,
                "resp/phone": PHONES[1],
                "hh/rooms": "three",
                "hh/status": "no",
                "hh/needs": "water",
                "members": [{"members/m_age": "22"}],
            },
            False,
        ),
        (
            3,
            GHOST,
            {**base, "resp/phone": PHONES[2], "hh/income": "7", "hh/rooms": "2", "hh/size": "many", "members": []},
            False,
        ),
        (4, NEW, {**base, "resp/phone": PHONES[3], "hh/income": "1"}, True),
    ]


def warehouse(contents=None, subs=None, form=FORM, path=":memory:") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    con.execute(submissions_ddl(form.raw_table))
    con.execute(FORM_CONTENT_DDL)
    deployed = {NEW: "2026-10-01", OLD: "2026-09-01"}
    for version, body in (contents if contents is not None else {NEW: content(NEW), OLD: content(OLD)}).items():
        con.execute(
            "insert into raw.kobo_form_content values (?, ?, ?, 'f', ?, ?::json, now())",
            [form.uid, form.dataset, version, deployed.get(version), json.dumps(body)],
        )
    for _id, version, answers, deleted in subs if subs is not None else submissions():
        payload = {"_id": _id, "_uuid": f"uuid-{_id}", "__version__": version, **answers}
        con.execute(
            f"insert into raw.{form.raw_table} values (?, ?, null, ?, ?, null, ?::json, 'h', now(), null, null, ?)",
            [
                _id,
                f"uuid-{_id}",
                datetime(2026, 10, 5, 10, 0),
                version,
                json.dumps(payload),
                datetime.now(UTC) if deleted else None,
            ],
        )
    return con


@pytest.fixture
def built():
    con = warehouse()
    result = build_form_tables(con, FORM, SALT)
    yield con, result
    con.close()


def rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def column_types(con, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'forms' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    )


def test_one_row_per_live_submission_with_its_metadata(built):
    con, result = built
    got = rows(con, "select * from forms.enquete order by submission_id")
    assert [r["submission_id"] for r in got] == [1, 2, 3]  # the deleted one is left out
    assert result.rows["enquete"] == 3
    first = got[0]
    assert first["submission_uuid"] == "uuid-1" and first["form_version"] == NEW
    assert first["submitted_at"] == datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
    assert list(column_types(con, "enquete"))[:5] == [
        "submission_id",
        "submission_uuid",
        "submitted_at",
        "form_version",
        "validation_status",
    ]


def test_columns_are_typed_from_the_xlsform_types(built):
    con, _ = built
    types = column_types(con, "enquete")
    assert types["size"] == "BIGINT" and types["income"] == "DOUBLE" and types["visit_date"] == "DATE"
    assert types["start"] == types["end"] == "TIMESTAMP WITH TIME ZONE"
    assert types["visit_time"] == "TIME" and types["total"] == "VARCHAR"
    assert types["needs"] == "VARCHAR[]" and types["status"] == "VARCHAR"
    assert "intro" not in types and "hh" not in types  # notes and groups hold no answer
    first = rows(con, "select * from forms.enquete where submission_id = 1")[0]
    assert first["size"] == 5 and first["income"] == 12.5 and first["visit_date"] == date(2026, 10, 5)
    assert first["visit_time"] == time(9, 30) and first["total"] == "10"
    assert first["start"] == datetime(2026, 10, 5, 8, 0, tzinfo=UTC)
    # a value that is not a number is NULL, not an error
    assert rows(con, "select size from forms.enquete where submission_id = 3")[0]["size"] is None


def test_select_one_has_its_labels_in_english_and_french(built):
    con, _ = built
    got = rows(con, "select status, status_label_en, status_label_fr from forms.enquete order by submission_id")
    assert got[0] == {"status": "yes", "status_label_en": "Yes", "status_label_fr": "Oui"}
    assert got[1] == {"status": "no", "status_label_en": "No", "status_label_fr": "Non"}


def test_select_multiple_is_a_list_of_codes_with_label_lists(built):
    con, _ = built
    got = rows(con, "select needs, needs_labels_en, needs_labels_fr from forms.enquete order by submission_id")
    assert got[0] == {
        "needs": ["food", "water"],
        "needs_labels_en": ["Food", "Water"],
        "needs_labels_fr": ["Nourriture", "Eau"],
    }
    assert got[1]["needs"] == ["water"]


def test_a_geopoint_is_four_numbers(built):
    con, _ = built
    got = rows(
        con, "select gps_latitude, gps_longitude, gps_altitude, gps_accuracy from forms.enquete where submission_id = 1"
    )[0]
    assert got == {"gps_latitude": 4.3, "gps_longitude": 18.5, "gps_altitude": 400.0, "gps_accuracy": 3.5}


def test_questions_sharing_a_name_take_their_group_path(built):
    con, _ = built
    types = column_types(con, "enquete")
    assert "age" not in types and types["grp_a__age"] == types["grp_b__age"] == "BIGINT"
    got = rows(con, "select grp_a__age, grp_b__age from forms.enquete where submission_id = 1")[0]
    assert got == {"grp_a__age": 31, "grp_b__age": 42}
    # the same names whatever order the versions come in
    layout = form_layout(FORM, [(NEW, content(NEW)), (OLD, content(OLD))])
    reversed_layout = form_layout(FORM, [(OLD, content(OLD)), (NEW, content(NEW))])
    assert {c.name for c in layout.tables[0].columns} == {c.name for c in reversed_layout.tables[0].columns}


def test_repeats_and_nested_repeats_are_child_tables_keyed_to_their_parent(built):
    con, result = built
    assert set(result.rows) == {"enquete", "enquete__members", "enquete__members__kids"}
    members = rows(con, "select * from forms.enquete__members order by all")
    assert members == [
        {"submission_id": 1, "members_position": 1, "m_age": 40},
        {"submission_id": 1, "members_position": 2, "m_age": 38},
        {"submission_id": 2, "members_position": 1, "m_age": 22},
    ]  # submission 3 has an empty repeat, the deleted one none at all
    kids = rows(con, "select * from forms.enquete__members__kids order by all")
    assert kids == [
        {"submission_id": 1, "members_position": 1, "kids_position": 1, "kid_age": 3},
        {"submission_id": 1, "members_position": 1, "kids_position": 2, "kid_age": 7},
    ]
    # every child row joins to exactly one parent row
    orphans = con.execute("""select count(*) from forms.enquete__members__kids k
        left join forms.enquete__members m using (submission_id, members_position)
        where m.m_age is null""").fetchone()[0]
    assert orphans == 0
    catalog = rows(con, "select table_name, parent_table, key_columns from forms.form_tables order by 1")
    assert catalog[2] == {
        "table_name": "enquete__members__kids",
        "parent_table": "enquete__members",
        "key_columns": ["submission_id", "members_position", "kids_position"],
    }


def test_the_columns_are_the_union_of_the_versions(built):
    con, _ = built
    got = {r["submission_id"]: r["income"] for r in rows(con, "select submission_id, income from forms.enquete")}
    # income is only in the newer version: NULL for the older one's submission; the version
    # without content is read with the newest content
    assert got == {1: 12.5, 2: None, 3: 7.0}


def test_a_type_change_is_reported_not_a_crash(built):
    con, result = built
    assert column_types(con, "enquete")["rooms"] == "BIGINT"  # the newest version's type
    got = {r["submission_id"]: r["rooms"] for r in rows(con, "select submission_id, rooms from forms.enquete")}
    assert got == {1: 3, 2: None, 3: 2}
    changes = rows(con, "select * exclude (built_at) from forms.type_changes")
    assert changes == [
        {
            "dataset": "enquete",
            "question_path": "hh/rooms",
            "table_name": "enquete",
            "column_name": "rooms",
            "newest_type": "integer",
            "version_types": [{"version_id": NEW, "type": "integer"}, {"version_id": OLD, "type": "text"}],
            "values_not_fitting": 1,
        }
    ]
    assert [c["question_path"] for c in result.type_changes] == ["hh/rooms"]


def test_personal_data_policies_and_the_default_drop(built):
    con, result = built
    types = column_types(con, "enquete")
    assert "phone" not in types and types["phone_hash"] == "VARCHAR"
    hashes = [r["phone_hash"] for r in rows(con, "select phone_hash from forms.enquete order by submission_id")]
    assert hashes == [pseudonymize(p, SALT) for p in PHONES[:3]]
    assert hashes != [pseudonymize(p, "another-salt") for p in PHONES[:3]]
    # declared drop, and a question that looks personal with no policy: no column at all
    assert not [c for c in types if c.startswith(("name", "nom_chef"))]
    assert result.dropped_without_policy == ["resp/nom_chef"]
    assert result.policies == {
        "hh/home_gps": "coarsen_gps",
        "resp/phone": "hash",
        "resp/name": "drop",
        "resp/nom_chef": "drop",
    }
    got = rows(con, "select * from forms.enquete where submission_id = 1")[0]
    assert "home_gps_latitude" not in got
    assert (got["home_gps_latitude_coarse"], got["home_gps_longitude_coarse"]) == (4.4, 18.6)
    # no personal value anywhere in the schema, nor in the result the asset reports
    personal = [*PHONES, "Jeanne Exemple", "Paul Exemple", HOME_GPS, "4.36123", "18.55789"]
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'forms'"
    ).fetchall():
        for (value,) in con.execute(f'select distinct "{column}"::varchar from forms."{table}"').fetchall():
            assert not any(p in (value or "") for p in personal), f"{table}.{column}"
    assert not any(p in repr(result) for p in [*personal, SALT])


def test_a_form_in_one_language_gives_its_labels_in_both_columns():
    single = {
        "survey": [q("select_one yn", "ok", None, select_from_list_name="yn", label=["D'accord ?"])],
        "choices": [{"list_name": "yn", "name": "1", "label": ["Oui"]}],
        "translations": [None],
    }
    form = FormEntry(uid="aOne1", dataset="mono", title="Mono")
    con = warehouse({"only": single}, [(1, "only", {"ok": "1"}, False)], form=form)
    build_form_tables(con, form, SALT)
    assert rows(con, "select ok, ok_label_en, ok_label_fr from forms.mono") == [
        {"ok": "1", "ok_label_en": "Oui", "ok_label_fr": "Oui"}
    ]


def test_a_rebuild_replaces_the_tables_and_keeps_nothing_stale(built):
    con, _ = built
    con.execute("update raw.kobo_enquete set deleted_at = now() where _id = 2")
    result = build_form_tables(con, FORM, SALT)
    assert result.rows == {"enquete": 2, "enquete__members": 2, "enquete__members__kids": 2}
    assert con.execute("select count(*) from forms.type_changes").fetchone()[0] == 1
    assert con.execute("select count(*) from forms.form_tables").fetchone()[0] == 3


def test_a_failed_build_leaves_the_previous_tables(built, monkeypatch):
    con, _ = built
    import dtm_platform.transform.typed_forms as typed_forms

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(typed_forms, "_type_changes", broken)
    con.execute("update raw.kobo_enquete set deleted_at = now() where _id = 1")
    with pytest.raises(RuntimeError):
        build_form_tables(con, FORM, SALT)
    assert con.execute("select count(*) from forms.enquete").fetchone()[0] == 3


def test_names_are_sql_safe():
    assert sql_name("Âge du chef") == "age_du_chef"
    assert sql_name("1st") == "q_1st"
    assert sql_name("grp/x-y") == "grp_x_y"

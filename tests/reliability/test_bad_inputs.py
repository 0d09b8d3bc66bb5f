"""A catalogue of bad inputs across the forms, landed and built in one go: each is flagged
by a named rule (or rejected with a clear error), nothing crashes, nothing is dropped."""

from __future__ import annotations

import copy
import subprocess

import duckdb
import pytest

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import land_form_content, land_new_submissions
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.catalogue import default_forms
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.quality.runner import validate
from dtm_platform.quality.suites import load_suites
from dtm_platform.settings import PROJECT_ROOT
from dtm_platform.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_subprocess_environment, dbt_vars

TOKEN = "catalogue-token"
FORMS = load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml")
SQL_TEXT = "Boali'); drop table raw.kobo_dtm_locality; --"
FORMULA = "=cmd|' /C calc'!A0"


def _set(**answers):
    return lambda s: {**s, **answers}


def _drop(*keys):
    return lambda s: {k: v for k, v in s.items() if k not in keys}


def _swap_gps(s):
    lat, lon, *rest = s["grp_location/gps"].split()
    return {**s, "grp_location/gps": " ".join([lon, lat, *rest])}


def _duration(minutes):
    def change(s):
        start = s["start"]
        hours, mins = divmod(int(start[11:13]) * 60 + int(start[14:16]) + minutes, 60)
        return {**s, "end": f"{start[:11]}{hours % 24:02d}:{mins:02d}{start[16:]}"}

    return change


# (name, mutation of an ordinary locality submission, rule expected for it)
LOCALITY_CASES = [
    ("non-numeric count", _set(**{"grp_idp/idp_hh": "abc"}), "answer_not_a_number"),
    ("decimal count", _set(**{"grp_idp/idp_ind": "12.5"}), "answer_not_a_number"),
    ("count with a thousands separator", _set(**{"grp_idp/idp_ind": "1,200"}), "answer_not_a_number"),
    ("empty string count", _set(**{"grp_ret/ret_internal_hh": ""}), "answer_not_a_number"),
    ("negative count", _set(**{"grp_idp/idp_hh": "-5"}), "negative_number"),
    ("negative returnees", _set(**{"grp_ret/ret_abroad_ind": "-1"}), "negative_number"),
    (
        "huge count",
        _set(**{"grp_idp/idp_present": "yes", "grp_idp/idp_hh": "10", "grp_idp/idp_ind": "99999999"}),
        "idp_household_size",
    ),
    (
        "future interview date",
        _set(start="2031-01-05T09:00:00.000+01:00", end="2031-01-05T09:40:00.000+01:00"),
        "interview_outside_round",
    ),
    ("impossible date", _set(start="2026-02-30T09:00:00.000+01:00"), "invalid_date"),
    ("round not in the calendar", _set(**{"grp_general/round": "42"}), "interview_outside_round"),
    (
        "unknown select code",
        _set(**{"grp_idp/idp_present": "yes", "grp_idp/displacement_reason": "war"}),
        "code_not_in_choices",
    ),
    ("unknown code in a select_multiple", _set(**{"grp_needs/priority_needs": "food magic"}), "code_not_in_choices"),
    ("lower-case p-code", _set(**{"grp_location/admin2": "cf111"}), "unknown_admin2_pcode"),
    ("invalid p-code", _set(**{"grp_location/admin2": "XX999"}), "unknown_admin2_pcode"),
    (
        "sub-prefecture outside its prefecture",
        _set(**{"grp_location/admin1": "CF11", "grp_location/admin2": "CF121"}),
        "admin2_outside_admin1",
    ),
    ("GPS outside CAR", _set(**{"grp_location/gps": "48.85 2.35 35.0 5.0"}), "gps_outside_car"),
    ("latitude and longitude swapped", _swap_gps, "gps_outside_car"),
    ("malformed GPS", _set(**{"grp_location/gps": "abc def"}), "invalid_geopoint"),
    ("missing required sub-prefecture", _drop("grp_location/admin2"), "missing_required_answer"),
    ("blank required locality name", _set(**{"grp_location/locality_name": "   "}), "missing_required_answer"),
    ("missing required round", _drop("grp_general/round"), "missing_required_answer"),
    ("unknown extra field", _set(**{"grp_x/new_question": "1"}), "field_not_in_form_version"),
    ("control characters", _set(**{"grp_location/locality_name": "Bo\x07ali\x00"}), "control_characters"),
    ("very long text", _set(**{"grp_needs/access_comment": "x" * 5000}), "text_too_long"),
    (
        "sex/age breakdown not adding up",
        _set(
            **{"grp_idp/idp_present": "yes", "grp_idp/idp_hh": "10", "grp_idp/idp_ind": "50", "grp_idp/idp_m_0_5": "49"}
        ),
        "idp_breakdown_mismatch",
    ),
    ("two-minute interview", _duration(2), "interview_duration"),
    ("ten-hour interview", _duration(600), "interview_duration"),
]
# Free text that is data, not an attack: stored and published verbatim, never executed.
VERBATIM_CASES = [
    ("SQL in free text", SQL_TEXT),
    ("spreadsheet formula in free text", FORMULA),
    ("non-Latin text", "Ndélé – 班吉 🏠"),
]
# For every other form, an answer of the wrong kind for the first question of each type.
TYPE_CASES = [
    ("integer", "abc", "answer_not_a_number"),
    ("integer", "-7", "negative_number"),
    ("select_one", "not_a_code", "code_not_in_choices"),
    ("date", "2026-13-01", "invalid_date"),
    ("geopoint", "999 999", "invalid_geopoint"),
]


def _question(form, version_uid, question_type):
    content = next(v.content for v in form.versions if v.uid == version_uid)
    repeats = [r["$xpath"] for r in content["survey"] if r["type"] == "begin_repeat"]
    for row in content["survey"]:
        if row["type"] == question_type and not any(row["$xpath"].startswith(r + "/") for r in repeats):
            return row["$xpath"]
    return None


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """Serve every form with the catalogue's bad submissions, land them and build dbt."""
    forms = default_forms(localities_per_admin2=3)
    expected: list[tuple[str, str, int, str]] = []  # (case, dataset, _id, rule)
    verbatim: dict[int, str] = {}
    by_dataset = {f.uid: f for f in FORMS}
    for form in forms:
        dataset = by_dataset[form.uid].dataset
        plain = list(form.store.iter_after(None))[5:400:7]  # ordinary submissions to spoil
        if dataset == "dtm_locality":
            for (name, change, rule), original in zip(LOCALITY_CASES, plain):
                form.store.edits[original["_id"]] = change(copy.deepcopy(original))
                expected.append((name, dataset, original["_id"], rule))
            for (_name, text), original in zip(VERBATIM_CASES, plain[len(LOCALITY_CASES) :]):
                form.store.edits[original["_id"]] = {**original, "grp_location/locality_name": text}
                verbatim[original["_id"]] = text
            twin = copy.deepcopy(plain[-1])
            twin["_id"] = form.store.max_id() + 1
            form.store.receive([twin])  # same _uuid as an earlier submission
            expected.append(("duplicate uuid", dataset, twin["_id"], "duplicate_uuid"))
            continue
        spoilable = iter(plain)
        for question_type, value, rule in TYPE_CASES:
            original = next(spoilable)
            path = _question(form, original["__version__"], question_type)
            if path is None:
                continue
            form.store.edits[original["_id"]] = {**original, path: value}
            expected.append((f"{dataset}: {value!r} for a {question_type}", dataset, original["_id"], rule))

    warehouse = tmp_path_factory.mktemp("catalogue") / "warehouse.duckdb"
    with (
        MockKoboServer(token=TOKEN, forms=forms) as server,
        KoboClient(server.url, TOKEN) as client,
        duckdb.connect(str(warehouse)) as con,
    ):
        for form in FORMS:
            land_form_content(con, client, form)
            land_new_submissions(con, client, form)
        served = {f.dataset: server.forms[f.uid].store.count() for f in FORMS}
    build = subprocess.run(
        [
            DBT_EXECUTABLE,
            "build",
            "--vars",
            dbt_vars(FORMS),
            "--exclude",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(warehouse.parent / "target"),
        ],
        env=dbt_subprocess_environment(FORMS, warehouse),
        capture_output=True,
        text=True,
        timeout=900,
    )
    return expected, verbatim, served, warehouse, build


def test_the_catalogue_is_broad(catalogue):
    expected, verbatim, *_ = catalogue
    assert len(expected) + len(verbatim) >= 40


def test_nothing_crashes(catalogue):
    *_, build = catalogue
    # dbt's data tests may fail on bad data (that is what they are for); models must build
    assert "ERROR creating" not in build.stdout, build.stdout[-4000:]


def test_every_bad_input_is_flagged_by_its_rule(catalogue):
    expected, _, _, warehouse, _ = catalogue
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = set(
            con.execute("""
            select form, submission_id, rule from cleaned.dq_issues
            union all select form, submission_id, rule from cleaned.dq_answer_issues
            union all select form, first_submission_id, rule from cleaned.dq_undefined_fields
        """).fetchall()
        )
    missing = [
        (case, rule) for case, dataset, submission_id, rule in expected if (dataset, submission_id, rule) not in found
    ]
    assert missing == []


def test_nothing_is_dropped(catalogue):
    _, _, served, warehouse, _ = catalogue
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for dataset, count in served.items():
            assert con.execute(f"select count(*) from raw.kobo_{dataset}").fetchone()[0] == count
        assert (
            con.execute("select count(*) from staging.stg_kobo__dtm_locality").fetchone()[0] == served["dtm_locality"]
        )


def test_free_text_is_kept_verbatim_and_never_executed(catalogue):
    _, verbatim, _, warehouse, _ = catalogue
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = dict(
            con.execute(
                "select submission_id, locality_name from cleaned.cln_dtm_locality_assessments "
                "where submission_id in (select unnest(?))",
                [list(verbatim)],
            ).fetchall()
        )
    assert stored == verbatim


def test_an_unknown_form_version_is_flagged_by_the_raw_gate_and_lands(catalogue):
    """A version the server cannot give (an old deployment) must not stop the form: the
    raw gate warns, naming the version, and dq_undefined_fields flags its submissions."""
    _, _, _, warehouse, _ = catalogue
    suite = load_suites(forms=FORMS)[("raw", "kobo_dtm_locality")]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute("select * exclude (payload), null::json as payload from raw.kobo_dtm_locality").df()
        known = [
            r[0]
            for r in con.execute(
                "select version_id from raw.kobo_form_content where dataset = 'dtm_locality'"
            ).fetchall()
        ]
    frame.loc[3, "form_version"] = "vUNKNOWNversion0000000"
    outcome = validate(frame, suite, {"known_form_versions": known, "previous_row_count": len(frame)})
    assert outcome.blocking_failures == []
    [warning] = outcome.warnings
    assert warning.expectation == "expect_column_values_to_be_in_set(form_version)"
    assert warning.sample == ["vUNKNOWNversion0000000"]


def test_blocking_answers_keep_their_submission_out_of_the_marts(catalogue):
    expected, _, _, warehouse, _ = catalogue
    blocking_rules = {"answer_not_a_number", "negative_number", "missing_required_answer", "duplicate_uuid"}
    blocked = [
        submission_id
        for _, dataset, submission_id, rule in expected
        if dataset == "dtm_locality" and rule in blocking_rules
    ]
    assert len(blocked) >= 8
    with duckdb.connect(str(warehouse), read_only=True) as con:
        flags = dict(
            con.execute(
                "select submission_id, has_blocking_issue from cleaned.cln_dtm_locality_assessments "
                "where submission_id in (select unnest(?))",
                [blocked],
            ).fetchall()
        )
    assert flags == dict.fromkeys(blocked, True)

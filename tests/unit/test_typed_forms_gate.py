"""The gate of a form's typed tables: the default suite completed from the form's content
when the check runs, and a form's own file extending or replacing it."""

from __future__ import annotations

import json

from dtm_platform.quality.form_suites import resolve_form_suite
from dtm_platform.quality.parameters import ParameterContext, suite_parameters
from dtm_platform.quality.runner import validate
from dtm_platform.quality.suites import load_suites
from dtm_platform.transform.typed_forms import build_form_tables
from tests.unit.test_typed_forms import FORM, NEW, SALT, content, submissions, warehouse


def _gate(tmp_path, suites_dir=None, subs=None):
    path = tmp_path / "warehouse.duckdb"
    con = warehouse(path=path, subs=subs)
    build_form_tables(con, FORM, SALT)
    con.close()
    suite = load_suites(suites_dir or tmp_path / "no_suites", forms=[FORM])[("forms", FORM.dataset)]
    current = resolve_form_suite(suite, path, forms=[FORM])
    import duckdb

    with duckdb.connect(str(path), read_only=True) as reader:
        frame = reader.execute("select * from forms.enquete").df()
    parameters = suite_parameters(ParameterContext(current, path, tmp_path / "quality", len(frame)))
    return current, validate(frame, current, parameters)


def _by_name(outcome):
    return {e.expectation: e for e in outcome.expectations}


def test_the_default_gate_passes_a_good_build_and_is_derived_from_the_content(tmp_path):
    suite, outcome = _gate(tmp_path)
    names = _by_name(outcome)
    assert not outcome.blocking_failures and not outcome.warnings, outcome.expectations
    assert "expect_column_values_to_be_unique(submission_id)" in names
    assert "expect_table_row_count_to_equal()" in names
    assert "expect_column_values_to_be_in_type_list(size)" in names
    assert "expect_column_values_to_be_in_type_list(income)" in names
    in_set = next(
        e
        for e in suite.document["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "status"
    )
    assert in_set["kwargs"]["value_set"] == ["no", "yes"] and in_set["meta"]["severity"] == "warn"
    assert "phone_hash" in suite.document["meta"]["personal_columns"]


def test_a_code_outside_the_choices_warns_and_does_not_block(tmp_path):
    subs = submissions()
    subs[0][2]["hh/status"] = "maybe"  # a choice added on the server after the content landed
    _, outcome = _gate(tmp_path, subs=subs)
    assert not outcome.blocking_failures
    assert [e.expectation for e in outcome.warnings] == ["expect_column_values_to_be_in_set(status)"]
    assert outcome.warnings[0].unexpected_count == 1


def test_a_forms_own_file_extends_the_default_and_overrides_an_expectation(tmp_path):
    (tmp_path / "forms").mkdir()
    own = {
        "name": "forms/enquete",
        "meta": {"extends": "default"},
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "size", "min_value": 1, "max_value": 4},
            },
            {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "status", "value_set": ["yes"]}},
        ],
    }
    (tmp_path / "forms" / "enquete.json").write_text(json.dumps(own))
    suite, outcome = _gate(tmp_path, suites_dir=tmp_path)
    failed = {e.expectation: e for e in outcome.blocking_failures}
    # size 5 is out of the office's range; status "no" is out of its set, now blocking
    assert set(failed) == {"expect_column_values_to_be_between(size)", "expect_column_values_to_be_in_set(status)"}
    assert "expect_column_values_to_be_unique(submission_id)" in _by_name(outcome)  # still the default's
    statuses = [
        e
        for e in suite.document["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "status"
    ]
    assert len(statuses) == 1


def test_a_forms_own_file_without_extends_replaces_the_default(tmp_path):
    (tmp_path / "forms").mkdir()
    own = {
        "name": "forms/enquete",
        "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}],
    }
    (tmp_path / "forms" / "enquete.json").write_text(json.dumps(own))
    suite, outcome = _gate(tmp_path, suites_dir=tmp_path)
    assert [e.expectation for e in outcome.expectations] == ["expect_table_row_count_to_be_between()"]
    assert suite.document["meta"]["form"] == "enquete"


def test_a_lost_row_blocks(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    con = warehouse(path=path)
    build_form_tables(con, FORM, SALT)
    con.execute("delete from forms.enquete where submission_id = 1")
    con.close()
    suite = resolve_form_suite(load_suites(tmp_path / "none", forms=[FORM])[("forms", "enquete")], path, forms=[FORM])
    import duckdb

    with duckdb.connect(str(path), read_only=True) as reader:
        frame = reader.execute("select * from forms.enquete").df()
    outcome = validate(frame, suite, suite_parameters(ParameterContext(suite, path, tmp_path, len(frame))))
    assert [e.expectation for e in outcome.blocking_failures] == ["expect_table_row_count_to_equal()"]


assert NEW and content  # the content the gate is derived from is the builder tests'

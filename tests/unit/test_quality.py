"""The Great Expectations integration: suites on disk, the runner, the check factory."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dtm_platform.kobo.registry import FormEntry
from dtm_platform.quality.checks import check_metadata, read_warehouse_frame
from dtm_platform.quality.runner import validate
from dtm_platform.quality.suites import EXPECTATIONS_DIR, Suite, SuiteError, load_suites, require_suites


def make_suite(expectations, personal=()):
    document = {"name": "marts/example", "expectations": expectations, "meta": {"personal_columns": list(personal)}}
    return Suite(("marts", "example"), EXPECTATIONS_DIR / "marts" / "example.json", document)


def test_every_suite_on_disk_loads_and_is_named_after_its_asset():
    suites = load_suites()
    assert ("marts", "dtm_idp_returnees_by_admin2") in suites
    for path, suite in suites.items():
        assert suite.document["name"] == "/".join(path)
        assert suite.file == EXPECTATIONS_DIR / path[0] / f"{path[1]}.json"


def _form(dataset, title="A form"):
    return FormEntry(uid="aAbc123", dataset=dataset, title=title)


def test_every_registered_form_gets_the_default_raw_suite():
    suites = load_suites(forms=[_form("evaluation_village", 'Évaluation "village"')])
    suite = suites[("raw", "kobo_evaluation_village")]
    assert suite.document["name"] == "raw/kobo_evaluation_village"
    assert suite.document["meta"]["form"] == "evaluation_village"
    assert 'Évaluation "village"' in suite.document["meta"]["notes"]
    types = [e["type"] for e in suite.document["expectations"]]
    assert "expect_column_values_to_be_unique" in types and "expect_table_row_count_to_be_between" in types
    # a version the server cannot give warns and never blocks the form
    versions = next(
        e
        for e in suite.document["expectations"]
        if e["kwargs"].get("value_set") == {"$PARAMETER": "known_form_versions"}
    )
    assert versions["meta"]["severity"] == "warn"


def test_a_raw_suite_file_replaces_the_default(tmp_path):
    (tmp_path / "raw").mkdir()
    own = {
        "name": "raw/kobo_evaluation_village",
        "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 5}}],
    }
    (tmp_path / "raw" / "kobo_evaluation_village.json").write_text(json.dumps(own))
    suites = load_suites(tmp_path, forms=[_form("evaluation_village")])
    assert suites[("raw", "kobo_evaluation_village")].document == own


def test_a_misnamed_suite_is_refused(tmp_path):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "a.json").write_text(
        json.dumps(
            {"name": "marts/b", "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {}}]}
        )
    )
    with pytest.raises(SuiteError, match="should be 'marts/a'"):
        load_suites(tmp_path)


def test_a_suite_naming_an_expectation_gx_does_not_know_is_refused(tmp_path):
    # GX itself would log "not found" and validate without it: the gate would look whole
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "example.json").write_text(
        json.dumps(
            {
                "name": "marts/example",
                "expectations": [
                    {
                        "type": "expect_column_pair_values_A_to_be_greater_than_B",
                        "kwargs": {"column_A": "a", "column_B": "b"},
                    }
                ],
            }
        )
    )
    with pytest.raises(SuiteError, match=r"expect_column_pair_values_A_to_be_greater_than_B.* is not a Great"):
        load_suites(tmp_path)


def test_an_asset_without_a_suite_is_an_error():
    with pytest.raises(SuiteError, match="marts/unguarded"):
        require_suites([("marts", "unguarded")], {})


def test_failures_are_counted_and_warn_only_expectations_do_not_block():
    frame = pd.DataFrame({"idp_individuals": [10, -3, 5], "admin1_pcode": ["CF11", "CF99", "CF12"]})
    suite = make_suite(
        [
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "idp_individuals", "min_value": 0}},
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "admin1_pcode", "value_set": ["CF11", "CF12"]},
                "meta": {"severity": "warn"},
            },
            {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        ]
    )
    outcome = validate(frame, suite)
    assert outcome.rows == 3
    [blocking] = outcome.blocking_failures
    assert blocking.expectation == "expect_column_values_to_be_between(idp_individuals)"
    assert blocking.unexpected_count == 1 and blocking.sample == [-3]
    [warning] = outcome.warnings
    assert warning.sample == ["CF99"]
    assert sum(e.success for e in outcome.expectations) == 1


def test_values_of_personal_columns_never_reach_metadata_or_stored_results(tmp_path):
    frame = pd.DataFrame({"informant_phone_hash": ["not-a-hash", "+236 70 00 00 00"]})
    suite = make_suite(
        [
            {
                "type": "expect_column_values_to_match_regex",
                "kwargs": {"column": "informant_phone_hash", "regex": "^[0-9a-f]{64}$"},
            }
        ],
        personal=["informant_phone_hash"],
    )
    outcome = validate(frame, suite)
    [failure] = outcome.blocking_failures
    assert failure.unexpected_count == 2 and failure.sample == []
    stored = json.dumps(outcome.result)
    metadata = json.dumps({k: str(v) for k, v in check_metadata(outcome, tmp_path / "r.json").items()})
    assert "+236" not in stored and "+236" not in metadata


def test_data_docs_render_a_measured_value_without_a_rendering_error(caplog):
    # a column's mean comes back from pandas as a NumPy scalar, which GX's renderer cannot
    # format: the page lost the value and every run's log carried its traceback
    suite = make_suite(
        [{"type": "expect_column_mean_to_be_between", "kwargs": {"column": "share", "min_value": 0, "max_value": 0.01}}]
    )
    outcome = validate(pd.DataFrame({"share": [0.01, 0.02, 0.08]}), suite)
    assert "0.03666" in outcome.data_docs_html
    assert not [r for r in caplog.records if "data docs rendering" in r.getMessage()]


def test_the_frame_reader_loads_only_the_columns_a_suite_reads(tmp_path):
    import duckdb

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.example as select 1 as a, 'big text' as payload, 2.5 as c")
    frame = read_warehouse_frame(warehouse, ("marts", "example"), {"a"})
    assert list(frame.columns) == ["a", "payload", "c"]  # schema expectations still see every column
    assert frame["a"].tolist() == [1]
    assert frame["payload"].isna().all() and frame["c"].isna().all()


def test_the_checks_link_their_data_docs_page_on_the_docs_server_which_serves_nothing_else(tmp_path):
    import threading

    import httpx

    from dtm_platform.quality.checks import page_url, save_result
    from dtm_platform.quality.docs_server import docs_server

    quality = tmp_path / "home" / "quality"
    quality.mkdir(parents=True)
    (tmp_path / "home" / "warehouse.duckdb").write_text("not for the browser")
    outcome = validate(
        pd.DataFrame({"n": [1, 2]}),
        make_suite([{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "n"}}]),
    )
    _, page = save_result(outcome, quality, "0123456789abcdef")
    assert page_url(page, quality, None) == page.as_uri()  # no docs server: the file
    with docs_server(quality, port=0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        link = page_url(page, quality, base)
        assert link == f"{base}/marts/example/{page.name}"
        answer = httpx.get(link)
        assert answer.status_code == 200 and answer.text == page.read_text(encoding="utf-8")
        for outside in ("/../warehouse.duckdb", "/%2e%2e/warehouse.duckdb", "/../../home/warehouse.duckdb"):
            assert "not for the browser" not in httpx.get(base + outside).text
        server.shutdown()

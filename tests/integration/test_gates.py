"""A violated expectation stops everything downstream of it, the report included."""

from __future__ import annotations

import duckdb

from dtm_platform.demo import run_full_build
from dtm_platform.settings import load_settings

BAD_BATCH = 25


def test_a_bad_batch_fails_the_raw_gate_and_the_report_is_not_built(isolated_home):
    isolated_home("bad_batch")
    outcome = run_full_build(bad_batch=BAD_BATCH)

    assert not outcome.success
    assert outcome.checks_failed == ["raw/kobo_dtm_locality:gx_suite"]
    # Raw landed (it is the system of record) and the seeds, which do not read raw, were built.
    assert sorted(outcome.materialized) == [
        "raw/kobo_dtm_locality", "reference/ref_admin_pcodes", "reference/ref_dq_rules"]
    assert outcome.report_path is None
    assert outcome.not_built == [
        "cleaned/cln_dtm_locality_assessments", "cleaned/dq_issues", "marts/dtm_idp_returnees_by_admin2",
        "reports/dtm_situation_report", "staging/stg_kobo__dtm_locality",
        "staging/stg_kobo__dtm_locality__key_informants"]

    metadata = outcome.check_metadata["raw/kobo_dtm_locality:gx_suite"]
    failed = {name: value for name, value in metadata.items()
              if isinstance(value, dict) and value.get("passed") is False}
    assert failed["expect_column_values_to_not_be_null(form_version)"]["unexpected_count"] == BAD_BATCH
    assert failed["expect_column_values_to_be_between(submission_time)"]["unexpected_count"] == BAD_BATCH
    assert metadata["failed_blocking"] == 2

    # Nothing below raw was built from the bad data, and raw kept every row (nothing dropped).
    settings = load_settings()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select distinct table_schema from information_schema.tables").fetchall()}
        assert schemas.isdisjoint({"staging", "cleaned", "marts", "reports"})
        assert con.execute("select count(*) from raw.kobo_dtm_locality where form_version is null").fetchone()[0] == BAD_BATCH
    assert not (settings.reports_dir / "dtm_situation_report.html").exists()

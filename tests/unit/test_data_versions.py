"""Data versions (dtm_platform/data_versions.py): what raw's version sees, what an asset reads
besides its parents, and a full build in two runs on a small graph: nothing changed, nothing
built; a changed source, input or gate builds what it reaches, and a failed source holds it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import dagster as dg
import duckdb
import pytest

from dtm_platform.data_versions import (
    SUITE_METADATA,
    dated_nodes,
    dbt_project_fingerprint,
    raw_version,
    settings_fingerprint,
    what_changed,
    with_data_version,
)
from dtm_platform.defs.automation.jobs import execute_full_build
from dtm_platform.kobo.landing import ensure_raw_tables
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import load_settings

FORM = FormEntry(uid="aVersions1", dataset="versions_form", title="Versions")


# --- raw ---------------------------------------------------------------------------------------


@pytest.fixture
def con():
    with duckdb.connect() as con:
        ensure_raw_tables(con, FORM)
        for i in (1, 2, 3):
            _insert(con, i)
        yield con


def _insert(con, submission_id: int) -> None:
    con.execute(
        f"insert into raw.{FORM.raw_table} (_id, _uuid, payload, payload_hash, landed_at) values (?, ?, '{{}}', ?, ?)",
        [submission_id, f"uuid-{submission_id}", f"hash-{submission_id}", datetime(2026, 1, 1, tzinfo=UTC)],
    )


def test_raw_keeps_its_version_while_nothing_lands_or_changes(con):
    first, counts = raw_version(con, FORM)
    assert raw_version(con, FORM)[0] == first
    assert counts == {
        "high_water_mark": 3,
        "live_submissions": 3,
        "edited_submissions": 0,
        "deleted_submissions": 0,
        "quarantined_submissions": 0,
        "audit_events": 0,
    }


@pytest.mark.parametrize(
    "change",
    [
        (
            f"insert into raw.{FORM.raw_table} (_id, _uuid, payload, payload_hash, landed_at) "
            "values (4, 'uuid-4', '{}', 'hash-4', now())"
        ),  # a new submission
        (
            f"update raw.{FORM.raw_table} set _uuid = 'uuid-2b', payload_hash = 'hash-2b', "
            "previous_payload_hash = 'hash-2', landed_at = now() where _id = 2"
        ),  # an edit
        f"update raw.{FORM.raw_table} set deleted_at = now() where _id = 3",  # a deletion
        f"update raw.{FORM.raw_table} set validation_status = 'validation_status_approved' where _id = 1",
        (
            "insert into raw.kobo_quarantine values ('versions_form', 'aVersions1', 9, 'not an object', '[]', 'q', "
            "null, now())"
        ),  # quarantined
    ],
    ids=["new", "edited", "deleted", "validated", "quarantined"],
)
def test_raw_version_moves_with_every_change_reconciliation_or_landing_makes(con, change):
    before, _ = raw_version(con, FORM)
    con.execute(change)
    assert raw_version(con, FORM)[0] != before


def test_another_forms_quarantine_is_not_this_forms_change(con):
    before, _ = raw_version(con, FORM)
    con.execute("insert into raw.kobo_quarantine values ('other_form', 'aOther', 9, 'r', '[]', 'q', null, now())")
    assert raw_version(con, FORM)[0] == before


# --- what an asset reads besides its parents ----------------------------------------------------


def test_only_the_settings_that_shape_what_is_built_count(monkeypatch):
    settings = load_settings()
    base = settings_fingerprint(settings)
    for unrelated in (
        dict(kobo_url="http://elsewhere:1"),
        dict(kobo_token="another"),
        dict(ui_url="http://ui"),
        dict(full_build_cron="0 4 * * *"),
        dict(alert_webhook="http://hook"),
        dict(executor="celery", celery_broker="pyamqp://u:p@broker//", max_concurrent_runs=4),
    ):
        assert settings_fingerprint(dataclasses.replace(settings, **unrelated)) == base, unrelated
    for shaping in (
        dict(min_cell_count=7),
        dict(hash_salt="another-salt"),
        dict(profile_pdfs=not settings.profile_pdfs),
        dict(postgres_url="postgresql://u:p@h/db"),
        dict(iati_activity_id="XM-OTHER"),
        dict(warehouse_kind="ducklake"),  # another warehouse holds none of what was built
    ):
        assert settings_fingerprint(dataclasses.replace(settings, **shaping)) != base, shaping
    assert settings.hash_salt not in base


def test_the_dbt_project_fingerprint_follows_code_and_vars_but_not_seed_data(tmp_path, monkeypatch):
    from dtm_platform.transform import project

    for name, text in {
        "models/a.sql": "select 1",
        "seeds/ref_x.csv": "a\n1\n",
        "seeds/_seeds.yml": "version: 2\n",
        "macros/m.sql": "{% macro m() %}1{% endmacro %}",
        "dbt_project.yml": "name: x\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(project, "DBT_PROJECT_DIR", tmp_path)
    base = dbt_project_fingerprint([])
    (tmp_path / "seeds/ref_x.csv").write_text("a\n2\n")  # a seed's data: that seed's own input
    assert dbt_project_fingerprint([]) == base
    for name in ("models/a.sql", "macros/m.sql", "seeds/_seeds.yml"):
        (tmp_path / name).write_text((tmp_path / name).read_text() + "\n-- edited")
        assert dbt_project_fingerprint([]) != base, name
        base = dbt_project_fingerprint([])


def test_models_reading_the_clock_directly_or_through_macros_are_dated():
    manifest = {
        "macros": {
            "macro.p.as_of_date": {"macro_sql": "{% macro as_of_date() %}current_date{% endmacro %}"},
            "macro.p.window": {"macro_sql": "{{ as_of_date() }} - 7", "depends_on": {"macros": ["macro.p.as_of_date"]}},
            "macro.p.plain": {"macro_sql": "upper(x)"},
        },
        "nodes": {
            "model.p.direct": {"raw_code": "select now() as t"},
            "model.p.through": {"raw_code": "select 1", "depends_on": {"macros": ["macro.p.window"]}},
            "model.p.plain": {"raw_code": "select 1", "depends_on": {"macros": ["macro.p.plain"]}},
            "seed.p.ref": {},
        },
    }
    assert dated_nodes(manifest) == {"model.p.direct", "model.p.through"}


# --- a full build in two runs, on a small graph ------------------------------------------------------

STATE = {"raw_a": "1", "raw_b": "1", "gate_on_staged": True, "gate_on_raw_a": True, "staged_code": "1"}


def _graph():
    """raw/a -> below/staged -> below/mart, raw/b -> below/other; a gate on raw/a and staged."""

    @dg.asset(key=["raw", "a"], group_name="raw")
    def raw_a() -> dg.MaterializeResult:
        return dg.MaterializeResult(data_version=dg.DataVersion(STATE["raw_a"]))

    @dg.asset(key=["raw", "b"], group_name="raw")
    def raw_b() -> dg.MaterializeResult:
        return dg.MaterializeResult(data_version=dg.DataVersion(STATE["raw_b"]))

    @dg.asset(key=["below", "staged"], deps=[raw_a.key], group_name="below", code_version=STATE["staged_code"])
    @with_data_version
    def staged(context) -> dg.MaterializeResult:
        return dg.MaterializeResult()

    @dg.asset(key=["below", "mart"], deps=[staged.key], group_name="below", code_version="1")
    @with_data_version
    def mart(context) -> dg.MaterializeResult:
        return dg.MaterializeResult()

    @dg.asset(key=["below", "other"], deps=[raw_b.key], group_name="below", code_version="1")
    @with_data_version
    def other(context) -> dg.MaterializeResult:
        return dg.MaterializeResult()

    def gate(asset, flag, suite="s1"):
        @dg.asset_check(asset=asset, name="gx_suite", blocking=True, metadata={SUITE_METADATA: suite})
        def _gate() -> dg.AssetCheckResult:
            return dg.AssetCheckResult(passed=STATE[flag])

        return _gate

    defs = dg.Definitions(
        assets=[raw_a, raw_b, staged, mart, other],
        asset_checks=[gate(raw_a.key, "gate_on_raw_a"), gate(staged.key, "gate_on_staged")],
        jobs=[dg.define_asset_job("full", selection=dg.AssetSelection.all())],
    )
    return defs.resolve_job_def("full")


def _build(instance):
    results, changed = execute_full_build(_graph(), instance, log=lambda _: None)
    built = {e.asset_key.to_user_string() for r in results[1:] for e in r.get_asset_materialization_events()}
    return built, changed


@pytest.fixture
def instance(isolated_home):
    isolated_home("data_versions")
    STATE.update({"raw_a": "1", "raw_b": "1", "gate_on_staged": True, "gate_on_raw_a": True, "staged_code": "1"})
    with dg.instance_for_test() as instance:
        yield instance


def test_nothing_changed_nothing_built(instance):
    assert _build(instance)[0] == {"below/staged", "below/mart", "below/other"}  # never built
    built, changed = _build(instance)
    assert built == set() and changed.stale == {}
    assert {k.to_user_string() for k in changed.current} == {"below/staged", "below/mart", "below/other"}


def test_a_new_source_version_builds_what_it_reaches_and_nothing_else(instance):
    _build(instance)
    STATE["raw_a"] = "2"
    built, changed = _build(instance)
    assert built == {"below/staged", "below/mart"}
    assert changed.stale[dg.AssetKey(["below", "staged"])] == "changed: raw/a"


def test_changed_code_or_settings_count_as_changes(instance, monkeypatch):
    _build(instance)
    STATE["staged_code"] = "2"
    assert _build(instance)[0] == {"below/staged", "below/mart"}
    monkeypatch.setenv("DTM_MIN_CELL_COUNT", "9")
    assert _build(instance)[0] == {"below/staged", "below/mart", "below/other"}


def test_a_failed_gate_is_built_again_and_holds_what_follows(instance):
    _build(instance)
    STATE["raw_a"], STATE["gate_on_staged"] = "2", False
    assert _build(instance)[0] == {"below/staged"}  # the gate stops the mart in the run
    STATE["gate_on_staged"] = True  # the data (or the suite) is fixed
    assert what_changed(_graph(), instance).stale[dg.AssetKey(["below", "staged"])] == "its check gx_suite failed"
    assert _build(instance)[0] == {"below/staged", "below/mart"}


def test_a_source_whose_gate_fails_holds_what_follows_it(instance):
    _build(instance)
    STATE["raw_a"], STATE["raw_b"], STATE["gate_on_raw_a"] = "2", "2", False
    built, changed = _build(instance)
    assert built == {"below/other"}
    assert set(changed.held) == {dg.AssetKey(["below", "staged"]), dg.AssetKey(["below", "mart"])}
    STATE["gate_on_raw_a"] = True
    assert _build(instance)[0] == {"below/staged", "below/mart"}


def test_what_changed_before_anything_was_built_is_everything(instance):
    changed = what_changed(_graph(), instance)
    assert {k.to_user_string(): why for k, why in changed.stale.items()} == {
        "below/staged": "never built",
        "below/mart": "never built",
        "below/other": "never built",
    }

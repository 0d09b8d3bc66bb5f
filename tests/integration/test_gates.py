"""A violated expectation stops everything downstream of it, the report included.

Each case corrupts the data so that one layer's gate fails while every earlier gate and
every dbt test passes, then asserts exactly which assets were not built.
"""

from __future__ import annotations

import copy
import uuid

import dagster as dg
import duckdb
import pytest

from dtm_platform.demo import run_full_build
from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.catalogue import default_forms, locality_mock_form
from dtm_platform.kobo_mock.generator import Dataset, generate
from dtm_platform.settings import load_settings

BAD_BATCH = 25


def stopped_by(asset: str) -> list[str]:
    """What a failed gate on ``asset`` must stop: everything downstream of it, and everything
    computed in the same step as something downstream (a dbt layer runs as one step). What
    ``asset``'s own step computed beside it was built before the gate ran: not stopped, but
    what depends on it is."""
    from dtm_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    step_of = {key: assets_def for assets_def in defs.assets for key in assets_def.keys}
    gated = dg.AssetKey.from_user_string(asset)
    built_with_it = set(step_of[gated].keys)
    stopped, seen = set(), set()
    frontier = set(graph.get(gated).child_keys)
    while frontier:
        key = frontier.pop()
        if key in seen:
            continue
        seen.add(key)
        if key not in built_with_it:
            stopped.add(key)
            frontier |= set(step_of[key].keys) - built_with_it
        frontier |= set(graph.get(key).child_keys)
    return sorted(k.to_user_string() for k in stopped)


def test_a_bad_batch_fails_the_raw_gate_and_the_report_is_not_built(isolated_home):
    isolated_home("bad_batch")
    outcome = run_full_build(bad_batch=BAD_BATCH)

    assert not outcome.success
    assert outcome.checks_failed == ["raw/kobo_dtm_locality:gx_suite"]
    assert outcome.report_path is None
    assert outcome.not_built == stopped_by("raw/kobo_dtm_locality")
    assert "reports/dtm_situation_report" in outcome.not_built

    metadata = outcome.check_metadata["raw/kobo_dtm_locality:gx_suite"]
    failed = {
        name: value for name, value in metadata.items() if isinstance(value, dict) and value.get("passed") is False
    }
    assert failed["expect_column_values_to_not_be_null(form_version)"]["unexpected_count"] == BAD_BATCH
    assert failed["expect_column_values_to_be_between(submission_time)"]["unexpected_count"] == BAD_BATCH
    assert metadata["failed_blocking"] == len(failed)

    # Nothing below raw was built from the bad data, and raw kept every row (nothing dropped).
    settings = load_settings()
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema not in ('raw', 'reference', "
                "'forms')"
            ).fetchall()
        }
        assert not [t for t in tables if "dtm_locality" in t or t.startswith(("dtm_", "dq_"))]
        # the other forms' typed tables are built (named after their forms), the locality form's not
        typed = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'forms'"
            ).fetchall()
        }
        assert "dtm_site" in typed and not [t for t in typed if t.startswith("dtm_locality")]
        assert (
            con.execute("select count(*) from raw.kobo_dtm_locality where form_version is null").fetchone()[0]
            == BAD_BATCH
        )
    assert not (settings.reports_dir / "dtm_situation_report.html").exists()


def _round_zero(submissions):
    """One submission in twenty reads round 0: raw is fine, staging's range check is not.
    (A few such rows would only be flagged in cleaned; this many means a broken form.)"""
    for submission in submissions[::20]:
        submission["grp_general/round"] = "0"
    return submissions


def _resent_quarter(submissions):
    """A quarter of the forms sent twice: each copy is flagged, and so many blocking rows
    mean something broke upstream."""
    next_id = submissions[-1]["_id"] + 1
    copies = []
    for submission in submissions[: len(submissions) // 4]:
        copy_ = {**copy.deepcopy(submission), "_id": next_id, "_uuid": str(uuid.UUID(int=next_id))}
        copy_["meta/instanceID"] = copy_["meta/rootUuid"] = f"uuid:{copy_['_uuid']}"
        copies.append(copy_)
        next_id += 1
    return submissions + copies


def _lost_round(submissions):
    """A handful of round-17 forms, all with an unknown sub-prefecture: the round is
    collected but every one of its forms is blocked, so it vanishes from the figures."""
    next_id = submissions[-1]["_id"] + 1
    extra = []
    for offset in range(5):
        form = {
            **copy.deepcopy(submissions[offset]),
            "_id": next_id + offset,
            "_uuid": str(uuid.UUID(int=next_id + offset)),
            "__version__": locality_form.VERSIONS[18],
        }
        form["grp_general/round"] = "17"
        form["grp_location/admin2"] = form["grp_location/admin1"] + "9"
        extra.append(form)
    return submissions + extra


@pytest.mark.parametrize(
    ("corrupt", "failing_gates"),
    [
        (_round_zero, ["staging/stg_kobo__dtm_locality:gx_suite"]),
        (_resent_quarter, ["cleaned/cln_dtm_locality_assessments:gx_suite"]),
        # every mart that must show every round collected notices the lost one
        (
            _lost_round,
            [
                "marts/dtm_api_idps_admin2:gx_suite",
                "marts/dtm_displacement_reasons:gx_suite",
                "marts/dtm_displacement_reasons_by_round:gx_suite",
                "marts/dtm_idp_returnees_by_admin1:gx_suite",
                "marts/dtm_idp_returnees_by_admin2:gx_suite",
                "marts/dtm_key_figures:gx_suite",
                "marts/dtm_locality_profiles:gx_suite",
                "marts/dtm_priority_needs_by_round:gx_suite",
            ],
        ),
    ],
    ids=["staging", "cleaned", "marts"],
)
def test_a_failed_gate_stops_exactly_what_depends_on_it(isolated_home, corrupt, failing_gates):
    isolated_home(f"gate_{failing_gates[0].split('/')[0]}")
    settings = load_settings()
    clean = generate(settings.mock_seed, settings.mock_localities_per_admin2)
    corrupted = Dataset(
        submissions=corrupt(copy.deepcopy(clean.submissions)), assessments=clean.assessments, errors=clean.errors
    )
    forms = [
        locality_mock_form(corrupted) if form.uid == locality_form.FORM_UID else form
        for form in default_forms(settings.mock_seed, settings.mock_localities_per_admin2)
    ]

    outcome = run_full_build(forms=forms)

    assert sorted(outcome.checks_failed) == failing_gates
    assert outcome.not_built == sorted({a for gate in failing_gates for a in stopped_by(gate.split(":")[0])})
    assert "reports/dtm_situation_report" in outcome.not_built
    assert outcome.report_path is None

"""Two built-in forms as a country office would build them, fed to the built-in models by
registry entries alone (dtm_platform/kobo_mock/variants.py): French question names, other
groups, yes/no answered 1/0 and a repeat the models do not read.

- The locality assessment is collected with the office's own tool only (LOCALITY_FR replaces
  the built-in form in the registry).
- The activity monitoring is collected with two tools at once: the built-in form serves the
  sessions with an even ``_id``, an implementing partner's (ACTIVITY_PARTNER) the others.

The marts are held against the generator's ground truth by the very tests that hold the
built-in forms' marts (test_pipeline.py, test_marts_truth.py), run again on this build.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
import yaml

from dtm_platform.kobo.form_check import check_entry
from dtm_platform.kobo.kinds import reference_content
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.catalogue import synthetic_forms
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.variants import ACTIVITY_PARTNER, LOCALITY_FR, keeping
from dtm_platform.settings import PROJECT_ROOT, load_settings
from dtm_platform.transform.pseudonymize import pseudonymize
from tests.conftest import TEST_SALT
from tests.integration import test_marts_truth as programme_truth
from tests.integration import test_pipeline as locality_truth


def _even(submission: dict) -> bool:
    return submission["_id"] % 2 == 0


@pytest.fixture(scope="module")
def variant_build(isolated_home, tmp_path_factory):
    isolated_home("variant_forms", as_of=date.today())  # test_marts_truth's checks read the day
    settings = load_settings()
    synthetic = {
        s.dataset: s
        for s in synthetic_forms(settings.mock_seed, localities_per_admin2=settings.mock_localities_per_admin2)
    }
    activity = synthetic["me_activity"].form
    served = [s.form for name, s in synthetic.items() if name not in ("dtm_locality", "me_activity")]
    served += [
        LOCALITY_FR.mock_form(synthetic["dtm_locality"].form),
        keeping(activity, _even),
        ACTIVITY_PARTNER.mock_form(activity, keep=lambda s: not _even(s)),
    ]

    registry = yaml.safe_load((PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml").read_text(encoding="utf-8"))
    entries = [e for e in registry["forms"] if e["dataset"] != "dtm_locality"]
    entries.insert(0, LOCALITY_FR.registry_entry(reference_content("dtm_locality")))
    entries.append(ACTIVITY_PARTNER.registry_entry(reference_content("me_activity")))
    forms_file = tmp_path_factory.mktemp("variant_registry") / "forms.yml"
    forms_file.write_text(yaml.safe_dump({"forms": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    patch = pytest.MonkeyPatch()
    patch.setenv("DTM_FORMS_FILE", str(forms_file))
    try:
        from dtm_platform.demo import run_full_build

        outcome = run_full_build(forms=served)
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        yield outcome, synthetic, served, forms_file, con, settings
        con.close()
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def locality_build(variant_build):
    """In the shape test_pipeline.py's tests read."""
    outcome, _, _, _, con, settings = variant_build
    return outcome, generate(settings.mock_seed, settings.mock_localities_per_admin2), con, settings


@pytest.fixture(scope="module")
def programme_build(variant_build):
    """In the shape test_marts_truth.py's tests read."""
    outcome, synthetic, _, _, con, settings = variant_build
    return outcome, synthetic, con, settings


def test_the_variants_build_through_every_gate(variant_build):
    outcome, *_ = variant_build
    assert outcome.success, outcome.checks_failed
    assert not outcome.checks_failed
    for dataset in (LOCALITY_FR.dataset, ACTIVITY_PARTNER.dataset):
        assert f"raw/kobo_{dataset}" in outcome.materialized


def test_forms_check_finds_nothing_wrong_with_the_mappings(variant_build):
    _, _, served, forms_file, _, _ = variant_build
    content = {form.uid: form.content for form in served}
    for entry in load_registry(forms_file):
        if entry.dataset in (LOCALITY_FR.dataset, ACTIVITY_PARTNER.dataset):
            errors = [f for f in check_entry(entry, content[entry.uid]) if f.severity == "error"]
            assert errors == [], entry.dataset


def test_both_activity_tools_feed_the_sessions(variant_build):
    _, synthetic, _, _, con, _ = variant_build
    staged = dict(
        con.execute("select submission_id % 2 = 0, count(*) from staging.stg_kobo__me_activity group by 1").fetchall()
    )
    served = synthetic["me_activity"].form.submissions
    assert staged == {True: sum(_even(s) for s in served), False: sum(not _even(s) for s in served)}


# --- the locality assessment in French, against the generator's truth ------------------------


def test_locality_mart_equals_ground_truth(locality_build):
    locality_truth.test_mart_equals_ground_truth(locality_build)


def test_locality_priority_needs_equal_ground_truth(locality_build):
    locality_truth.test_priority_needs_equal_ground_truth(locality_build)


def test_locality_seeded_errors_are_found_and_only_those_block(locality_build):
    locality_truth.test_every_seeded_error_is_found_and_only_those_block(locality_build)


def test_locality_phone_numbers_are_keyed_hashes_under_the_variants_path(locality_build):
    locality_truth.test_phone_numbers_are_keyed_hashes(locality_build)
    _, dataset, con, _ = locality_build
    phones = [ki["key_informants/ki_phone"] for s in dataset.submissions[:50] for ki in s["key_informants"]]
    hashed = {
        r[0]
        for r in con.execute(
            "select informant_phone_hash from staging.stg_kobo__dtm_locality__key_informants"
        ).fetchall()
    }
    assert {pseudonymize(p, TEST_SALT) for p in phones} <= hashed


def test_no_personal_value_reaches_any_table_below_raw(locality_build):
    locality_truth.test_no_personal_value_reaches_any_table_below_raw_or_the_report(locality_build)


# --- the activity monitoring from two tools, against the generator's truth -------------------


def test_activity_seeded_errors_are_found_and_exactly_the_blocking_ones_block(programme_build):
    programme_truth.test_every_seeded_error_is_found_and_exactly_the_blocking_ones_block(programme_build, "me_activity")


def test_beneficiaries_are_counted_once_across_both_tools(programme_build):
    programme_truth.test_beneficiaries_are_counted_once_as_the_truth_has_them(programme_build)


def test_activity_progress_equals_ground_truth(programme_build):
    programme_truth.test_activity_progress_equals_ground_truth(programme_build)


def test_indicator_tracking_equals_ground_truth(programme_build):
    programme_truth.test_indicator_tracking_equals_ground_truth(programme_build)

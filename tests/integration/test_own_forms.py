"""An office's own form, added to a copy of the registry in a temporary folder and built with
no file of the repository changed: its question names and groups are not the built-in
forms', it has a nested repeat and a personal phone field, one older version the server no
longer lists and one version the server cannot give at all.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

import pytest
import yaml

from dtm_platform.kobo.mock.catalogue import default_forms
from dtm_platform.kobo.mock.forms.common import envelope, form_content, group, repeat, row
from dtm_platform.kobo.mock.server import MockForm
from dtm_platform.kobo.mock.store import FormVersion, ListSource, SubmissionStore
from dtm_platform.settings import PROJECT_ROOT
from dtm_platform.warehouse import connect_duckdb

OWN_UID = "aOwnEvl5Zx8Qw2Er4Ty6Ui"
DATASET = "evaluation_village"
OLD, CURRENT, GHOST = "vEvlAncienne01", "vEvlActuelle02", "vEvlFantome03"
PER_VERSION = {OLD: 4, CURRENT: 9, GHOST: 2}


def _content(version: str) -> dict:
    survey = [
        row("start", "start"), row("end", "end"),
        *group("infos", "General", "Généralités", [
            row("text", "infos/code_agent", "Enumerator", "Agent"),
            row("text", "infos/nom_village", "Village", "Village"),
            row("select_one", "infos/presence_pdi", "IDPs present?", "Présence de PDI ?",
                select_from_list_name="oui_non"),
        ]),
        *repeat("menages", "Households", "Ménages", [
            row("text", "menages/tel_chef", "Phone of the head", "Téléphone du chef de ménage"),
            row("integer", "menages/taille", "Household size", "Taille du ménage"),
            *repeat("menages/membres", "Members", "Membres", [
                row("integer", "menages/membres/age", "Age", "Âge"),
            ]),
        ]),
    ]
    if version != OLD:
        survey.insert(4, row("integer", "infos/nb_menages_pdi", "IDP households", "Ménages PDI"))
    choices = [{"list_name": "oui_non", "name": code, "label": [en, fr]}
               for code, en, fr in (("1", "Yes", "Oui"), ("0", "No", "Non"))]
    return form_content(survey, choices, version)


def _submissions() -> list[dict]:
    submissions, next_id = [], 9_000_001
    day = datetime(2026, 10, 5, 9, 0)
    for version, count in PER_VERSION.items():
        for k in range(count):
            instance = f"{version}-{k:04d}-0000-0000-000000000000"[:36]
            answers = {
                "infos/code_agent": f"AG{k % 3:02d}",
                "infos/nom_village": f"Village {k}",
                "infos/presence_pdi": "1" if k % 2 else "0",
                "menages": [{"menages/tel_chef": f"+23672{k:06d}", "menages/taille": str(3 + k),
                             "menages/membres": [{"menages/membres/age": str(20 + k)}]}],
            }
            if version != OLD:
                answers["infos/nb_menages_pdi"] = str(k)
            started = day + timedelta(hours=k)
            submission = envelope(form_uid=OWN_UID, version=version, instance=instance, answers=answers,
                                  started=started, ended=started + timedelta(minutes=20),
                                  received=started + timedelta(hours=2), submitted_by="agent")
            submissions.append({"_id": next_id, **submission})
            next_id += 1
    return submissions


def _own_form() -> MockForm:
    versions = [FormVersion(OLD, _content(OLD), "2026-09-01T06:00:00.000000Z", listed=False),
                FormVersion(CURRENT, _content(CURRENT), "2026-10-01T06:00:00.000000Z")]
    return MockForm(uid=OWN_UID, name="Évaluation des villages", versions=versions,
                    store=SubmissionStore(ListSource(_submissions())))


def _tracked_changes() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def own_build(isolated_home, tmp_path_factory):
    home = isolated_home("own_forms")
    registry = yaml.safe_load((PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml").read_text(encoding="utf-8"))
    registry["forms"].append({
        "uid": OWN_UID, "dataset": DATASET, "title": "Évaluation des villages (own form)",
        "fields": {"enumerator_id": "infos/code_agent"},
        "personal_fields": {"menages/tel_chef": "hash"},
    })
    forms_file = tmp_path_factory.mktemp("registry") / "forms.yml"
    forms_file.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    patch = pytest.MonkeyPatch()
    patch.setenv("DTM_FORMS_FILE", str(forms_file))
    before = _tracked_changes()
    try:
        from dtm_platform.demo import run_full_build

        outcome = run_full_build(forms=[*default_forms(), _own_form()])
        yield outcome, home, before
    finally:
        patch.undo()


def test_the_own_form_builds_through_every_gate(own_build):
    outcome, _, _ = own_build
    assert outcome.success, outcome.checks_failed
    # the default raw suite gates it; the version without content only warns
    assert f"raw/kobo_{DATASET}:gx_suite" in outcome.checks_warned
    raw_gate = outcome.check_metadata[f"raw/kobo_{DATASET}:gx_suite"]
    assert raw_gate["failed_blocking"] == 0 and raw_gate["failed_warn_only"] == 1
    assert f"raw/kobo_{DATASET}" in outcome.materialized


def test_no_file_of_the_repository_changed(own_build):
    _, _, before = own_build
    assert _tracked_changes() == before


def test_every_submission_lands_whatever_its_version(own_build):
    _, home, _ = own_build
    with connect_duckdb(home / "warehouse.duckdb", read_only=True) as con:
        landed = dict(con.execute(
            f"select form_version, count(*) from raw.kobo_{DATASET} group by 1").fetchall())
        versions = {r[0] for r in con.execute(
            "select version_id from raw.kobo_form_content where dataset = ?", [DATASET]).fetchall()}
    assert landed == PER_VERSION
    # the older deployment the server no longer lists was fetched; the ghost could not be
    assert versions == {OLD, CURRENT}


def test_the_models_over_every_form_read_it(own_build):
    _, home, _ = own_build
    with connect_duckdb(home / "warehouse.duckdb", read_only=True) as con:
        fields = {r[0] for r in con.execute(
            "select field_path from staging.stg_kobo__answer_fields where dataset = ?", [DATASET]).fetchall()}
        undefined = con.execute(
            "select form_version, rule, field, submissions from cleaned.dq_undefined_fields "
            "where form = ? order by 1, 2, 3", [DATASET]).fetchall()
    assert {"infos/code_agent", "infos/presence_pdi", "menages"} <= fields
    # one row for the version without content, nothing for the fields of the two known ones
    assert undefined == [(GHOST, "form_version_without_content", None, PER_VERSION[GHOST])]

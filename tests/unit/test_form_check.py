"""``dtm forms check`` and ``dtm forms add``: registry entries against the forms' content."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from dtm_platform.cli import main
from dtm_platform.kobo.form_check import check_entry, form_questions, suggested_entry, suspected_personal
from dtm_platform.kobo.registry import FormEntry, load_registry
from dtm_platform.kobo_mock.catalogue import default_forms
from dtm_platform.kobo_mock.forms.common import form_content, group, repeat, row
from dtm_platform.kobo_mock.served import MockForm
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.kobo_mock.store import FormVersion, ListSource, SubmissionStore
from dtm_platform.settings import PROJECT_ROOT

REGISTRY = load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml")
OWN_UID = "aOwnEvl5Zx8Qw2Er4Ty6Ui"


def own_content() -> dict:
    survey = [
        *group(
            "infos",
            "General",
            "Généralités",
            [
                row("text", "infos/code_agent", "Enumerator", "Agent"),
                row("text", "infos/nom_village", "Name of the village", "Nom du village"),
                row("integer", "infos/nb_menages", "Households", "Ménages"),
            ],
        ),
        *repeat(
            "menages",
            "Households",
            "Ménages",
            [
                row("text", "menages/nom_chef", "Name of the head", "Nom du chef"),
                row("text", "menages/tel_chef", "Phone of the head", "Téléphone du chef"),
                row("geopoint", "menages/gps", "Location of the house", "Position de la maison"),
            ],
        ),
    ]
    return form_content(survey, [], "v1")


def own_entry(**changes) -> FormEntry:
    entry = FormEntry(
        uid=OWN_UID,
        dataset="evaluation_village",
        title="Évaluation",
        fields={"enumerator_id": "infos/code_agent"},
        personal_fields={"menages/nom_chef": "drop", "menages/tel_chef": "hash", "menages/gps": "coarsen_gps"},
    )
    return dataclasses.replace(entry, **changes)


@pytest.fixture(scope="module")
def served():
    return {form.uid: form for form in default_forms(localities_per_admin2=1, scale=0.05)}


def test_the_built_in_registry_matches_the_built_in_forms(served):
    for entry in REGISTRY:
        findings = check_entry(entry, served[entry.uid].content)
        assert [f for f in findings if f.severity == "error"] == [], entry.dataset


def test_a_mistyped_path_names_the_form_the_field_and_the_closest_questions():
    (finding,) = check_entry(own_entry(fields={"enumerator_id": "infos/code_agnet"}), own_content())
    assert finding.severity == "error"
    assert "evaluation_village" in str(finding) and "enumerator_id" in finding.message
    assert "'infos/code_agnet'" in finding.message and "closest: infos/code_agent" in finding.message


def test_a_question_of_the_wrong_type_is_refused():
    (finding,) = check_entry(own_entry(fields={"enumerator_id": "menages/gps"}), own_content())
    assert "a geopoint question" in finding.message


def test_a_personal_path_the_form_lacks_is_an_error():
    entry = own_entry(personal_fields={**own_entry().personal_fields, "menages/telephone": "hash"})
    (finding,) = check_entry(entry, own_content())
    assert finding.severity == "error" and "personal field" in finding.message and "menages/tel_chef" in finding.message


def test_undeclared_personal_questions_are_warned_about_with_a_policy():
    findings = check_entry(own_entry(personal_fields={}), own_content())
    assert {(f.severity, f.message.split("'")[1], f.message.rsplit(" ", 1)[-1]) for f in findings} == {
        ("warning", "menages/nom_chef", "drop)"),
        ("warning", "menages/tel_chef", "hash)"),
        ("warning", "menages/gps", "coarsen_gps)"),
    }


def test_place_names_are_not_taken_for_personal_names():
    assert "infos/nom_village" not in suspected_personal(form_questions(own_content()))


def test_an_entry_is_suggested_from_the_form_on_the_server():
    asset = {"uid": OWN_UID, "name": "Évaluation des villages (2026)", "content": own_content()}
    entry, review = suggested_entry(asset, taken={"evaluation_des_villages_2026"})
    assert entry["dataset"] == "evaluation_des_villages_2026_2"
    assert entry["fields"] == {"enumerator_id": "infos/code_agent"}
    assert entry["personal_fields"] == {
        "menages/nom_chef": "drop",
        "menages/tel_chef": "hash",
        "menages/gps": "coarsen_gps",
    }
    assert any("guess" in line for line in review)


def _serve_own_form():
    form = MockForm(
        uid=OWN_UID,
        name="Évaluation des villages",
        versions=[FormVersion("v1", own_content(), "2026-10-01T06:00:00.000000Z")],
        store=SubmissionStore(ListSource([])),
    )
    return MockKoboServer(token="t0ken", forms=[form])


def test_forms_add_then_check_on_the_server(tmp_path, monkeypatch, capsys):
    registry = tmp_path / "forms.yml"
    registry.write_text("forms:\n  - uid: aUnknownForm0000000000\n    dataset: gone\n", encoding="utf-8")
    monkeypatch.setenv("DTM_FORMS_FILE", str(registry))
    monkeypatch.setenv("DTM_KOBO_TOKEN", "t0ken")
    with _serve_own_form() as server:
        monkeypatch.setenv("DTM_KOBO_URL", server.url)
        assert main(["forms", "add", OWN_UID, "--append"]) == 0
        added = next(e for e in load_registry(registry) if e.uid == OWN_UID)
        assert added.personal_fields["menages/tel_chef"] == "hash"
        assert "# REVIEW:" in registry.read_text(encoding="utf-8")
        capsys.readouterr()
        assert main(["forms", "check"]) == 1  # the first entry's form is not on the server
    out = capsys.readouterr().out
    assert "ERROR gone: form aUnknownForm0000000000 cannot be read" in out
    assert "evaluation_des_villages" not in out.split("\n")[0]  # the added entry checks clean
    assert "2 forms checked" in out and "1 errors, 0 warnings" in out
    assert yaml.safe_load(registry.read_text(encoding="utf-8"))["forms"][1]["uid"] == OWN_UID


def test_ingestion_refuses_to_land_a_form_whose_mapping_broke(tmp_path):
    import json

    import dagster as dg

    from dtm_platform.defs.kobo.assets import _refuse_a_mapping_the_form_breaks
    from dtm_platform.kobo.landing import FORM_CONTENT_DDL
    from dtm_platform.warehouse import connect_duckdb

    with connect_duckdb(tmp_path / "w.duckdb") as con:
        _refuse_a_mapping_the_form_breaks(con, own_entry())  # no content landed yet: nothing to hold against
        con.execute("create schema raw")
        con.execute(FORM_CONTENT_DDL)
        con.execute(
            "insert into raw.kobo_form_content values (?, 'evaluation_village', 'v1', 'x', "
            "'2026-10-01', ?::json, now())",
            [OWN_UID, json.dumps(own_content())],
        )
        _refuse_a_mapping_the_form_breaks(con, own_entry())  # fits: no error
        with pytest.raises(dg.Failure, match=r"enumerator_id maps to 'infos/agent'.*closest: infos/code_agent"):
            _refuse_a_mapping_the_form_breaks(con, own_entry(fields={"enumerator_id": "infos/agent"}))

"""A form feeding a built-in model (its kind) through registry fields: how a mapping reads,
what the registry refuses, and what ``dtm forms check`` finds against the deployed form."""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml

from dtm_platform.kobo.form_check import check_entry
from dtm_platform.kobo.kinds import kind_fields, reference_content
from dtm_platform.kobo.registry import FormEntry, FormRegistryError, load_registry
from dtm_platform.kobo_mock.catalogue import synthetic_forms
from dtm_platform.kobo_mock.variants import ACTIVITY_PARTNER, LOCALITY_FR
from dtm_platform.transform.project import dbt_vars


def entry_from(tmp_path, body: str) -> FormEntry:
    path = tmp_path / "forms.yml"
    path.write_text(
        "forms:\n  - uid: aVar1111111111111111\n    dataset: variante\n"
        + textwrap.indent(textwrap.dedent(body), "    "),
        encoding="utf-8",
    )
    (entry,) = load_registry(path)
    return entry


def test_a_kinds_fields_are_its_reference_forms_questions_groups_and_repeats():
    fields = kind_fields("dtm_locality")
    assert fields["idp_ind"].path == "grp_idp/idp_ind" and fields["idp_ind"].type == "integer"
    assert fields["grp_idp"].type == "begin_group" and fields["key_informants"].type == "begin_repeat"
    assert fields["idp_present"].choices == ("yes", "no") and fields["idp_present"].required
    # long lists follow the operation: sub-prefectures are not compared code by code
    assert fields["admin2"].choices == ()
    assert kind_fields("none") == {}


def test_a_mapped_group_or_repeat_moves_the_questions_it_holds(tmp_path):
    entry = entry_from(
        tmp_path,
        """\
        kind: dtm_locality
        fields:
          grp_idp: pdi
          idp_ind: pdi/nb_individus
          key_informants: informateurs
        """,
    )
    assert entry.field_path("idp_ind") == "pdi/nb_individus"  # renamed
    assert entry.field_path("idp_hh") == "pdi/idp_hh"  # moved with its group
    assert entry.field_path("ki_phone") == "informateurs/ki_phone"  # moved with its repeat
    assert entry.field_path("round") == "grp_general/round"  # not mapped: where the reference keeps it
    assert entry.field_path("enumerator_id") == "grp_general/enumerator_id"
    moved = entry.paths_in_form()
    assert moved["grp_idp/idp_hh"] == "pdi/idp_hh" and "grp_general/round" not in moved


def test_choice_codes_map_to_the_models_codes_even_written_as_bare_yes_and_no(tmp_path):
    entry = entry_from(
        tmp_path,
        """\
        kind: dtm_locality
        fields:
          idp_present: {path: pdi/presence, choices: {yes: "1", no: "0"}}
        """,
    )
    assert entry.choice_codes == {"idp_present": {"yes": "1", "no": "0"}}
    form = json.loads(dbt_vars([entry]))["kobo_forms"]["variante"]
    assert form["codes"] == {"grp_idp/idp_present": {"1": "yes", "0": "no"}}
    assert form["list_codes"] == {"yes_no": {"1": "yes", "0": "no"}}
    assert form["lists"]["pdi/presence"] == "yes_no"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("{idp_individuals: grp/x}", "field 'idp_individuals' is not a field of kind dtm_locality; did you mean"),
        ("{idp_present: {path: pdi/presence, choices: {oui: '1'}}}", "'oui' is not a code the models know"),
        ("{idp_ind: {path: pdi/nb, choices: {'1': '1'}}}", "has no choice list the models compare with"),
        ("{idp_present: {chemin: pdi/presence}}", "must be a Kobo path or"),
        ("{idp_present: {path: pdi/presence, choices: {'yes': 'o ui'}}}", "is not a choice code"),
    ],
)
def test_a_bad_mapping_is_refused_with_the_form_and_the_field(tmp_path, fields, expected):
    with pytest.raises(FormRegistryError) as caught:
        entry_from(tmp_path, f"kind: dtm_locality\nfields: {fields}\n")
    assert expected in str(caught.value) and "(variante)" in str(caught.value)


@pytest.fixture(scope="module")
def served():
    return {s.dataset: s.form for s in synthetic_forms(localities_per_admin2=1, scale=0.05)}


def loaded(tmp_path, raw: dict) -> FormEntry:
    """A registry entry as the registry reads it from its file."""
    path = tmp_path / "forms.yml"
    path.write_text(yaml.safe_dump({"forms": [raw]}, allow_unicode=True), encoding="utf-8")
    (entry,) = load_registry(path)
    return entry


def variant_entry(variant, tmp_path) -> FormEntry:
    return loaded(tmp_path, variant.registry_entry(reference_content(variant.kind)))


@pytest.mark.parametrize("variant", [LOCALITY_FR, ACTIVITY_PARTNER], ids=lambda v: v.dataset)
def test_a_variant_mapped_in_full_checks_clean(served, variant, tmp_path):
    content = variant.mock_form(served[variant.kind]).content
    assert [f for f in check_entry(variant_entry(variant, tmp_path), content) if f.severity == "error"] == []


def test_an_unmapped_variant_fails_the_check_naming_fields_paths_and_closest_questions(served):
    content = LOCALITY_FR.mock_form(served["dtm_locality"]).content
    findings = [
        str(f)
        for f in check_entry(
            FormEntry(uid=LOCALITY_FR.uid, dataset="variante", title="v", kind="dtm_locality"), content
        )
    ]
    round_error = next(f for f in findings if "field round (required)" in f)
    assert round_error.startswith("ERROR variante") and "'grp_general/round'" in round_error
    assert "infos_generales/numero_round" in round_error  # the closest question
    # optional questions the form does not have read as empty: one warning lists them
    assert any(f.startswith("WARNING") and "read as empty" in f and "idp_hh" in f for f in findings)


def test_codes_the_models_do_not_know_are_an_error_until_mapped(served, tmp_path):
    content = LOCALITY_FR.mock_form(served["dtm_locality"]).content
    entry = variant_entry(LOCALITY_FR, tmp_path)
    unmapped = FormEntry(**{**entry.__dict__, "choice_codes": {}})
    errors = [str(f) for f in check_entry(unmapped, content) if f.severity == "error"]
    assert any("field idp_present" in e and "none of the form's codes (1, 0)" in e for e in errors)
    assert not [f for f in check_entry(entry, content) if f.severity == "error"]


def test_a_question_of_the_wrong_type_is_an_error(served, tmp_path):
    content = LOCALITY_FR.mock_form(served["dtm_locality"]).content
    entry = variant_entry(LOCALITY_FR, tmp_path)
    wrong = FormEntry(**{**entry.__dict__, "fields": {**entry.fields, "idp_ind": "localisation/nom_localite"}})
    errors = [str(f) for f in check_entry(wrong, content) if f.severity == "error"]
    assert any("field idp_ind maps to 'localisation/nom_localite', a text question" in e for e in errors)


@pytest.mark.parametrize("variant", [LOCALITY_FR, ACTIVITY_PARTNER], ids=lambda v: v.dataset)
def test_forms_add_suggests_the_kind_and_the_mapping_of_a_variant(served, variant, tmp_path):
    from dtm_platform.kobo.form_check import suggested_entry

    form = variant.mock_form(served[variant.kind])
    entry, review = suggested_entry({"uid": form.uid, "name": form.name, "content": form.content}, set())
    assert entry["kind"] == variant.kind
    # what the office would have written by hand, codes matched by their labels
    assert entry["fields"] == variant.registry_entry(reference_content(variant.kind))["fields"]
    assert any(line.startswith(f"kind {variant.kind}") for line in review)
    assert not [f for f in check_entry(loaded(tmp_path, entry), form.content) if f.severity == "error"]


def test_forms_add_suggests_no_kind_for_a_form_unlike_every_reference():
    from dtm_platform.kobo.form_check import suggested_mapping
    from dtm_platform.kobo_mock.forms.common import form_content, row

    content = form_content(
        [
            row("text", "note_libre", "Free note", "Note libre"),
            row("integer", "nombre_arbres", "Trees planted", "Arbres plantés"),
        ],
        [],
        "v1",
    )
    assert suggested_mapping(content) == (None, {})

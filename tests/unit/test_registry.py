"""The form registry: the default file loads, and every kind of mistake fails with a message
that names the file and the entry at fault."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dtm_platform.kobo.registry import DEFAULT_SCHEDULE, FormEntry, FormRegistryError, load_registry
from dtm_platform.settings import PROJECT_ROOT

DEFAULT_REGISTRY = PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml"

GOOD_ENTRY = """\
  - uid: aGood1111111111111111
    dataset: good_form
"""


def write(tmp_path: Path, body: str, name: str = "forms.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(FormRegistryError) as caught:
        load_registry(path)
    return str(caught.value)


# --- the default registry ---------------------------------------------------------------------


def test_default_registry_loads():
    entries = load_registry(DEFAULT_REGISTRY)
    assert entries[0] == (
        FormEntry(
            uid="aDtmLoc7Kq2xY9mN4pR8sT",
            dataset="dtm_locality",
            title="DTM mobility tracking - locality assessment",
            schedule="0 * * * *",
            kind="dtm_locality",
            personal_fields={"key_informants/ki_name": "drop", "key_informants/ki_phone": "hash"},
        )
    )
    assert entries[0].raw_table == "kobo_dtm_locality"
    assert entries[0].field_path("enumerator_id") == "grp_general/enumerator_id"


def test_every_form_of_the_default_registry_is_served_by_the_embedded_server():
    from dtm_platform.kobo_mock.catalogue import default_forms

    served = {form.uid for form in default_forms(localities_per_admin2=1)}
    assert {e.uid for e in load_registry(DEFAULT_REGISTRY)} <= served


def test_minimal_entry_gets_defaults(tmp_path):
    (entry,) = load_registry(write(tmp_path, "forms:\n" + GOOD_ENTRY))
    assert entry.title == "good_form"  # the dataset name stands in for a missing title
    assert entry.schedule == DEFAULT_SCHEDULE
    assert entry.personal_fields == {}


def test_load_registry_accepts_a_string_path(tmp_path):
    path = write(tmp_path, "forms:\n" + GOOD_ENTRY)
    assert load_registry(str(path))[0].dataset == "good_form"


# --- mistakes: each message names the file and the entry --------------------------------------


def test_unknown_key(tmp_path):
    path = write(
        tmp_path,
        "forms:\n"
        + GOOD_ENTRY
        + """\
  - uid: aOther222222222222222
    dataset: second_form
    personal_field:
      key_informants/ki_name: drop
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "entry 2" in message
    assert "second_form" in message
    assert "personal_field" in message
    assert "unknown key" in message


@pytest.mark.parametrize("dataset", ["DTM_locality", "1st_form", "dtm-locality", "dtm locality", "_dtm", ""])
def test_dataset_name_must_be_a_sql_name(tmp_path, dataset):
    path = write(
        tmp_path,
        "forms:\n"
        + GOOD_ENTRY
        + f"""\
  - uid: aOther222222222222222
    dataset: "{dataset}"
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "entry 2" in message
    assert repr(dataset) in message
    assert "[a-z][a-z0-9_]*" in message


def test_dataset_name_must_be_a_string(tmp_path):
    path = write(tmp_path, "forms:\n  - uid: aOther222222222222222\n    dataset: 42\n")
    message = load_error(path)
    assert str(path) in message
    assert "entry 1" in message
    assert "42" in message


def test_duplicate_uid(tmp_path):
    path = write(
        tmp_path,
        """\
forms:
  - uid: aSame3333333333333333
    dataset: first_form
  - uid: aOther222222222222222
    dataset: second_form
  - uid: aSame3333333333333333
    dataset: third_form
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "entry 3" in message
    assert "third_form" in message
    assert "aSame3333333333333333" in message
    assert "entry 1" in message  # the entry it clashes with


def test_duplicate_dataset(tmp_path):
    path = write(
        tmp_path,
        """\
forms:
  - uid: aFirst11111111111111
    dataset: same_form
  - uid: aSecond2222222222222
    dataset: same_form
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "entry 2 (same_form)" in message
    assert "dataset 'same_form'" in message
    assert "entry 1" in message


def test_unknown_personal_data_policy(tmp_path):
    path = write(
        tmp_path,
        "forms:\n"
        + GOOD_ENTRY
        + """\
  - uid: aOther222222222222222
    dataset: second_form
    personal_fields:
      key_informants/ki_name: drop
      key_informants/ki_phone: encrypt
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "entry 2 (second_form)" in message
    assert "key_informants/ki_phone" in message
    assert "'encrypt'" in message
    for policy in ("drop", "hash", "coarsen_gps"):
        assert policy in message  # says what is allowed


def test_every_documented_policy_is_accepted(tmp_path):
    path = write(
        tmp_path,
        "forms:\n"
        + GOOD_ENTRY
        + """\
    personal_fields:
      key_informants/ki_name: drop
      key_informants/ki_phone: hash
      grp_location/gps: coarsen_gps
""",
    )
    (entry,) = load_registry(path)
    assert entry.personal_fields == {
        "key_informants/ki_name": "drop",
        "key_informants/ki_phone": "hash",
        "grp_location/gps": "coarsen_gps",
    }


def test_personal_field_must_be_a_kobo_path(tmp_path):
    path = write(
        tmp_path,
        "forms:\n"
        + GOOD_ENTRY
        + """\
    personal_fields:
      "key informants/ki name": drop
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "entry 1 (good_form)" in message
    assert "'key informants/ki name'" in message


def test_missing_uid(tmp_path):
    path = write(
        tmp_path,
        "forms:\n"
        + GOOD_ENTRY
        + """\
  - dataset: second_form
    title: No uid here
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "entry 2 (second_form)" in message
    assert "missing key(s) uid" in message


def test_missing_dataset(tmp_path):
    path = write(tmp_path, "forms:\n  - uid: aOther222222222222222\n")
    message = load_error(path)
    assert str(path) in message
    assert "entry 1" in message
    assert "missing key(s) dataset" in message


def test_invalid_uid(tmp_path):
    path = write(tmp_path, 'forms:\n  - uid: "https://kf.kobotoolbox.org/#/forms/abc"\n    dataset: x_form\n')
    message = load_error(path)
    assert str(path) in message
    assert "entry 1 (x_form)" in message
    assert "not a Kobo asset uid" in message


def test_bad_schedule(tmp_path):
    path = write(tmp_path, "forms:\n" + GOOD_ENTRY + "    schedule: hourly\n")
    message = load_error(path)
    assert str(path) in message
    assert "entry 1 (good_form)" in message
    assert "'hourly'" in message


def test_entry_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path, "forms:\n" + GOOD_ENTRY + "  - just a string\n")
    message = load_error(path)
    assert str(path) in message
    assert "entry 2" in message


def test_malformed_yaml(tmp_path):
    path = write(
        tmp_path,
        """\
forms:
  - uid: aGood1111111111111111
    dataset: [unclosed
  - uid: aOther222222222222222
""",
    )
    message = load_error(path)
    assert str(path) in message
    assert "not valid YAML" in message
    assert "line" in message  # the YAML error says where


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere" / "forms.yml"
    message = load_error(path)
    assert str(path) in message
    assert "not found" in message


@pytest.mark.parametrize(
    "body",
    [
        "",  # empty file
        "forms: []\n",  # no forms
        "forms:\n  uid: aGood1111111111111111\n",  # a mapping, not a list
        "- uid: aGood1111111111111111\n  dataset: good_form\n",  # no top-level key
        "forms:\n" + GOOD_ENTRY + "extra: 1\n",  # a second top-level key
    ],
)
def test_bad_document_shape(tmp_path, body):
    path = write(tmp_path, body)
    message = load_error(path)
    assert str(path) in message
    assert "forms" in message


def test_registry_error_is_a_value_error():
    assert issubclass(FormRegistryError, ValueError)


# --- attachments -------------------------------------------------------------------------------


def test_attachments_are_not_downloaded_unless_asked(tmp_path):
    (entry,) = load_registry(write(tmp_path, "forms:\n" + GOOD_ENTRY))
    assert entry.download_attachments is False
    # the default registry keeps no photo: only the PDM's files, which are its audit logs
    assert [e.dataset for e in load_registry(DEFAULT_REGISTRY) if e.download_attachments] == ["me_pdm"]


def test_download_attachments_is_read(tmp_path):
    (entry,) = load_registry(write(tmp_path, "forms:\n" + GOOD_ENTRY + "    download_attachments: true\n"))
    assert entry.download_attachments is True


@pytest.mark.parametrize("value", ["yes please", "1", "[true]"])
def test_download_attachments_must_be_a_boolean(tmp_path, value):
    path = write(tmp_path, "forms:\n" + GOOD_ENTRY + f"    download_attachments: {value}\n")
    message = load_error(path)
    assert str(path) in message and "good_form" in message and "download_attachments" in message


# --- kinds and mapped fields ------------------------------------------------------------------


def test_a_form_of_no_kind_maps_its_own_enumerator_question(tmp_path):
    (entry,) = load_registry(
        write(tmp_path, "forms:\n" + GOOD_ENTRY + "    fields: {enumerator_id: infos/code_agent}\n")
    )
    assert entry.kind == "none"
    assert entry.field_path("enumerator_id") == "infos/code_agent"


def test_a_form_of_no_kind_and_no_mapping_has_no_enumerator(tmp_path):
    (entry,) = load_registry(write(tmp_path, "forms:\n" + GOOD_ENTRY))
    assert entry.field_path("enumerator_id") is None


def test_an_unknown_kind_is_refused(tmp_path):
    message = load_error(write(tmp_path, "forms:\n" + GOOD_ENTRY + "    kind: dtm_camps\n"))
    assert "entry 1 (good_form)" in message and "kind 'dtm_camps'" in message and "dtm_site" in message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("{idp_total: grp/x}", "field 'idp_total' is not a field of kind none"),
        ("{enumerator_id: 'not a path'}", "which is not a Kobo path"),
        ("[enumerator_id]", "fields must map the kind's fields to Kobo paths"),
    ],
)
def test_bad_field_mappings_are_refused(tmp_path, fields, expected):
    message = load_error(write(tmp_path, "forms:\n" + GOOD_ENTRY + f"    fields: {fields}\n"))
    assert expected in message

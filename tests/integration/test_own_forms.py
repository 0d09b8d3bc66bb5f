"""An office's own form, added to a copy of the registry in a temporary folder and built with
no file of the repository changed: its question names and groups are not the built-in
forms', it has a nested repeat and a personal phone field, one older version the server no
longer lists and one version the server cannot give at all.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta

import dagster as dg
import pytest
import yaml

from dtm_platform.kobo_mock.catalogue import default_forms
from dtm_platform.kobo_mock.forms.common import envelope, form_content, group, repeat, row
from dtm_platform.kobo_mock.served import MockForm
from dtm_platform.kobo_mock.store import FormVersion, ListSource, SubmissionStore
from dtm_platform.settings import PROJECT_ROOT
from dtm_platform.transform.pseudonymize import pseudonymize
from dtm_platform.warehouse import connect_duckdb
from tests.conftest import TEST_SALT

OWN_UID = "aOwnEvl5Zx8Qw2Er4Ty6Ui"
DATASET = "evaluation_village"
OLD, CURRENT, GHOST = "vEvlAncienne01", "vEvlActuelle02", "vEvlFantome03"
PER_VERSION = {OLD: 4, CURRENT: 9, GHOST: 2}


def _content(version: str) -> dict:
    survey = [
        row("start", "start"),
        row("end", "end"),
        *group(
            "infos",
            "General",
            "Généralités",
            [
                row("text", "infos/code_agent", "Enumerator", "Agent"),
                row("text", "infos/nom_village", "Village", "Village"),
                # looks personal, and the registry entry has no policy for it: dropped below raw
                row("text", "infos/nom_repondant", "Respondent's name", "Nom du répondant"),
                row(
                    "select_one",
                    "infos/presence_pdi",
                    "IDPs present?",
                    "Présence de PDI ?",
                    select_from_list_name="oui_non",
                ),
            ],
        ),
        *repeat(
            "menages",
            "Households",
            "Ménages",
            [
                row("text", "menages/tel_chef", "Phone of the head", "Téléphone du chef de ménage"),
                row("integer", "menages/taille", "Household size", "Taille du ménage"),
                *repeat(
                    "menages/membres",
                    "Members",
                    "Membres",
                    [
                        row("integer", "menages/membres/age", "Age", "Âge"),
                    ],
                ),
            ],
        ),
    ]
    if version != OLD:
        survey.insert(4, row("integer", "infos/nb_menages_pdi", "IDP households", "Ménages PDI"))
    choices = [
        {"list_name": "oui_non", "name": code, "label": [en, fr]}
        for code, en, fr in (("1", "Yes", "Oui"), ("0", "No", "Non"))
    ]
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
                "infos/nom_repondant": f"Répondant{k:03d} Exemple",
                "infos/presence_pdi": "1" if k % 2 else "0",
                "menages": [
                    {
                        "menages/tel_chef": f"+23672{k:06d}",
                        "menages/taille": str(3 + k),
                        "menages/membres": [{"menages/membres/age": str(20 + k)}],
                    }
                ],
            }
            if version != OLD:
                answers["infos/nb_menages_pdi"] = str(k)
            started = day + timedelta(hours=k)
            submission = envelope(
                form_uid=OWN_UID,
                version=version,
                instance=instance,
                answers=answers,
                started=started,
                ended=started + timedelta(minutes=20),
                received=started + timedelta(hours=2),
                submitted_by="agent",
            )
            submissions.append({"_id": next_id, **submission})
            next_id += 1
    return submissions


def _own_form() -> MockForm:
    versions = [
        FormVersion(OLD, _content(OLD), "2026-09-01T06:00:00.000000Z", listed=False),
        FormVersion(CURRENT, _content(CURRENT), "2026-10-01T06:00:00.000000Z"),
    ]
    return MockForm(
        uid=OWN_UID,
        name="Évaluation des villages",
        versions=versions,
        store=SubmissionStore(ListSource(_submissions())),
    )


def _tracked_changes() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture(scope="module")
def own_build(isolated_home, tmp_path_factory):
    home = isolated_home("own_forms")
    registry = yaml.safe_load((PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml").read_text(encoding="utf-8"))
    registry["forms"].append(
        {
            "uid": OWN_UID,
            "dataset": DATASET,
            "title": "Évaluation des villages (own form)",
            "fields": {"enumerator_id": "infos/code_agent"},
            "personal_fields": {"menages/tel_chef": "hash"},
        }
    )
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
        landed = dict(con.execute(f"select form_version, count(*) from raw.kobo_{DATASET} group by 1").fetchall())
        versions = {
            r[0]
            for r in con.execute("select version_id from raw.kobo_form_content where dataset = ?", [DATASET]).fetchall()
        }
    assert landed == PER_VERSION
    # the older deployment the server no longer lists was fetched; the ghost could not be
    assert versions == {OLD, CURRENT}


def test_the_models_over_every_form_read_it(own_build):
    _, home, _ = own_build
    with connect_duckdb(home / "warehouse.duckdb", read_only=True) as con:
        fields = {
            r[0]
            for r in con.execute(
                "select field_path from staging.stg_kobo__answer_fields where dataset = ?", [DATASET]
            ).fetchall()
        }
        undefined = con.execute(
            "select form_version, rule, field, submissions from cleaned.dq_undefined_fields "
            "where form = ? order by 1, 2, 3",
            [DATASET],
        ).fetchall()
    assert {"infos/code_agent", "infos/presence_pdi", "menages"} <= fields
    # one row for the version without content, nothing for the fields of the two known ones
    assert undefined == [(GHOST, "form_version_without_content", None, PER_VERSION[GHOST])]


def _forms_columns(con, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'forms' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    )


def test_its_typed_tables_are_built_from_its_own_content(own_build):
    outcome, home, _ = own_build
    assert f"forms/{DATASET}" in outcome.materialized
    assert f"forms/{DATASET}:gx_suite" in outcome.checks_passed
    live = sum(count for version, count in PER_VERSION.items())
    with connect_duckdb(home / "warehouse.duckdb", read_only=True) as con:
        parent = _forms_columns(con, DATASET)
        assert list(parent)[:5] == [
            "submission_id",
            "submission_uuid",
            "submitted_at",
            "form_version",
            "validation_status",
        ]
        assert parent["start"] == "TIMESTAMP WITH TIME ZONE"
        assert parent["nb_menages_pdi"] == "BIGINT"  # only in the current version
        assert parent["presence_pdi"] == "VARCHAR" and "presence_pdi_label_fr" in parent
        # "Village" names look personal to the guess but are a place: kept as text
        assert parent["nom_village"] == "VARCHAR" and parent["code_agent"] == "VARCHAR"
        assert con.execute(f"select count(*) from forms.{DATASET}").fetchone()[0] == live
        labels = set(
            con.execute(
                f"select presence_pdi, presence_pdi_label_en, presence_pdi_label_fr from forms.{DATASET}"
            ).fetchall()
        )
        assert labels == {("1", "Yes", "Oui"), ("0", "No", "Non")}
        by_version = dict(
            con.execute(f"select form_version, count(nb_menages_pdi) from forms.{DATASET} group by 1").fetchall()
        )
        assert by_version == {OLD: 0, CURRENT: PER_VERSION[CURRENT], GHOST: PER_VERSION[GHOST]}

        households = _forms_columns(con, f"{DATASET}__menages")
        assert list(households) == ["submission_id", "menages_position", "tel_chef_hash", "taille"]
        members = _forms_columns(con, f"{DATASET}__menages__membres")
        assert list(members) == ["submission_id", "menages_position", "membres_position", "age"]
        assert (
            con.execute(
                f"select count(*) from forms.{DATASET}__menages__membres m "
                f"join forms.{DATASET}__menages h using (submission_id, menages_position) "
                f"join forms.{DATASET} s using (submission_id)"
            ).fetchone()[0]
            == live
        )

        # the phone is hashed with the platform's pseudonym, and no raw phone is anywhere in forms
        phones = {s["menages"][0]["menages/tel_chef"] for s in _submissions()}
        hashes = {r[0] for r in con.execute(f"select tel_chef_hash from forms.{DATASET}__menages").fetchall()}
        assert hashes == {pseudonymize(phone, TEST_SALT) for phone in phones}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'forms'"
        ).fetchall():
            values = {r[0] for r in con.execute(f'select distinct "{column}"::varchar from forms."{table}"').fetchall()}
            assert not any(phone in (value or "") for value in values for phone in phones), f"{table}.{column}"
            assert not any("Exemple" in (value or "") for value in values), f"{table}.{column}"
        assert not [c for c in parent if c.startswith("nom_repondant")]


def test_its_materialization_names_the_personal_questions_dropped_for_want_of_a_policy(own_build):
    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey(["forms", DATASET]))
    metadata = {k: v.value for k, v in event.asset_materialization.metadata.items()}
    assert metadata["personal_dropped_without_policy"] == ["infos/nom_repondant"]
    assert metadata["personal_policies"] == {"infos/nom_repondant": "drop", "menages/tel_chef": "hash"}
    assert metadata["tables"] == {
        DATASET: sum(PER_VERSION.values()),
        f"{DATASET}__menages": sum(PER_VERSION.values()),
        f"{DATASET}__menages__membres": sum(PER_VERSION.values()),
    }
    assert metadata["type_changes"] == 0
    assert "Exemple" not in repr(metadata) and "+23672" not in repr(metadata)

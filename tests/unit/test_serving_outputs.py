"""The serving snapshot, the Parquet/CSV exports and the HDX files, from a synthetic warehouse."""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import hxl
import pandas as pd
import pytest

from dtm_platform.kobo.registry import load_registry
from dtm_platform.serving.disclosure import SUPPRESSION_FLAG
from dtm_platform.serving.exports import ExportsFolderError, sets_root, write_exports
from dtm_platform.serving.hdx import HdxError, write_hdx
from dtm_platform.serving.inventory import PublicationRefused
from dtm_platform.serving.marts import MartsError
from dtm_platform.serving.personal import declared_column_names, load_personal_fields
from dtm_platform.serving.snapshot import build_snapshot
from dtm_platform.settings import PROJECT_ROOT
from tests.serving_warehouse import (
    ADMIN2,
    COLUMN_DESCRIPTIONS,
    FORMS,
    MART_DESCRIPTION,
    PERSONAL_VALUES,
    SITES_SHARE,
    make_warehouse,
)
from tests.serving_warehouse import MARTS as SERVING_MARTS

NOW = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
MARTS = list(SERVING_MARTS)


@pytest.fixture
def warehouse(tmp_path):
    return make_warehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def personal(warehouse):
    return load_personal_fields(warehouse, FORMS)


def common(personal, **extra):
    return {"min_count": 5, "personal": personal, "run_id": "run-0001", "refreshed_at": NOW, **extra}


def add_mart(warehouse: Path, sql: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(sql)


# --- personal fields -----------------------------------------------------------------------


def test_declared_personal_fields_include_the_staging_names():
    names = declared_column_names(load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml"))
    # from forms.yml, and from the personal_field() calls of the staging models
    assert {
        "ki_name",
        "ki_phone",
        "key_informants/ki_name",
        "resp_name",
        "resp_phone_hash",
        "ben_national_id",
        "informant_name",
        "informant_phone_hash",
    } <= names
    assert "admin1_name" not in names


def test_personal_values_come_from_raw_and_the_pseudonyms_from_staging(personal):
    assert personal.values == PERSONAL_VALUES


# --- snapshot ------------------------------------------------------------------------------


def test_the_snapshot_holds_the_marts_only_with_disclosure_applied(tmp_path, warehouse, personal):
    target = tmp_path / "serving" / "marts.duckdb"
    result = build_snapshot(warehouse, target, **common(personal))
    assert [item.table_name for item in result.published] == MARTS
    assert all(item.problems() == [] for item in result.published)
    with duckdb.connect(str(target), read_only=True) as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables order by 2").fetchall()
        assert tables == [("main", name) for name in MARTS]
        # the file's database is called marts: the same SQL as in Postgres
        assert con.execute("select sum(idp_individuals) from marts.dtm_idp_returnees_by_admin2").fetchone()[0] == sum(
            row[6] for row in ADMIN2
        )
        assert (
            con.execute(
                "select data_type from information_schema.columns where table_name = "
                "'dtm_idp_returnees_by_admin2' and column_name = 'idp_individuals'"
            ).fetchone()[0]
            == "BIGINT"
        )
        pdm = con.execute(
            f"select respondents, satisfied_count, share_satisfied, mean_satisfaction, "
            f"{SUPPRESSION_FLAG} from me_pdm_satisfaction order by round, admin1_pcode, activity_code"
        )
        assert pdm.fetchall() == [
            (None, None, None, None, True),
            (12, None, None, 2.9, True),
            (40, 31, 0.775, 4.1, False),
            (18, 9, 0.5, None, False),
            (25, 0, 0.0, 1.8, False),
        ]
        assert (
            "run-0001"
            in con.execute("select comment from duckdb_tables() where table_name = 'me_pdm_satisfaction'").fetchone()[0]
        )
        # the dbt docs travel: what the mart and its columns mean, beside where the copy comes from
        table_comment = con.execute(
            "select comment from duckdb_tables() where table_name = 'dtm_idp_returnees_by_admin2'"
        ).fetchone()[0]
        assert table_comment.startswith(MART_DESCRIPTION) and "run-0001" in table_comment
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns() where table_name = "
                "'dtm_idp_returnees_by_admin2' and comment is not null"
            ).fetchall()
        )
        assert comments == COLUMN_DESCRIPTIONS
    assert not [p for p in target.parent.iterdir() if p.name != target.name]  # no temporary file left


def test_only_mart_assets_are_published_and_a_missing_one_is_an_error(tmp_path, warehouse, personal):
    target = tmp_path / "marts.duckdb"
    result = build_snapshot(warehouse, target, **common(personal, only=["dtm_idp_returnees_by_admin2"]))
    assert [item.table_name for item in result.published] == ["dtm_idp_returnees_by_admin2"]
    assert result.skipped == ["dtm_displacement_reasons", "dtm_idp_returnees_by_admin1", "me_pdm_satisfaction"]
    with pytest.raises(MartsError, match="dtm_site_overview"):
        build_snapshot(warehouse, target, **common(personal, only=["dtm_site_overview"]))


@pytest.mark.parametrize(
    "leak",
    [
        "create table marts.dtm_leaky as select 'CF11' as admin1_pcode, 'x' as informant_phone_hash",
        "create table marts.dtm_leaky as select 'CF11' as admin1_pcode, 'Awa Ngaikoisset' as contact",
        "create table marts.me_pdm_free_text as select 17 as round, 'some comment' as comment_theme",
    ],
)
def test_a_snapshot_with_personal_data_or_unprotectable_cells_is_refused(tmp_path, warehouse, personal, leak):
    target = tmp_path / "marts.duckdb"
    build_snapshot(warehouse, target, **common(personal))
    before = target.read_bytes()
    add_mart(warehouse, leak)
    with pytest.raises((PublicationRefused, ValueError)):
        build_snapshot(warehouse, target, **common(personal))
    assert target.read_bytes() == before  # the previous snapshot stays
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- exports -------------------------------------------------------------------------------


def test_exports_write_parquet_csv_and_a_manifest(tmp_path, warehouse, personal):
    directory = tmp_path / "exports"
    result = write_exports(warehouse, directory, **common(personal))
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest == result.manifest
    assert (manifest["run_id"], manifest["refreshed_at"], manifest["source"]) == ("run-0001", NOW.isoformat(), "marts")
    assert sorted(entry["file"] for entry in manifest["files"]) == sorted(
        [f"parquet/{m}.parquet" for m in MARTS] + [f"csv/{m}.csv" for m in MARTS]
    )
    for entry in manifest["files"]:
        path = directory / entry["file"]
        frame = pd.read_parquet(path) if entry["format"] == "parquet" else pd.read_csv(path)
        assert len(frame) == entry["rows"] and list(frame.columns) == [c["name"] for c in entry["columns"]]
        assert entry["run_id"] == "run-0001" and entry["refreshed_at"] == NOW.isoformat()
        assert os.stat(path).st_mode & 0o044 == 0o044  # readable by the Power BI gateway's account
    admin2 = next(e for e in manifest["files"] if e["file"] == "parquet/dtm_idp_returnees_by_admin2.parquet")
    assert {c["name"]: c["type"] for c in admin2["columns"]}["idp_individuals"] == "BIGINT"
    assert admin2["description"] == MART_DESCRIPTION
    assert {c["name"]: c["description"] for c in admin2["columns"] if c["description"]} == COLUMN_DESCRIPTIONS
    pdm = next(e for e in manifest["files"] if e["file"] == "csv/me_pdm_satisfaction.csv")
    assert pdm["disclosure"]["suppressed_rows"] == 2 and pdm["disclosure"]["min_cell_count"] == 5
    parquet = pd.read_parquet(directory / "parquet" / "me_pdm_satisfaction.parquet")
    assert parquet[SUPPRESSION_FLAG].sum() == 2
    assert parquet.loc[parquet[SUPPRESSION_FLAG], "satisfied_count"].isna().all()
    assert not list(directory.rglob(".*"))  # no temporary file left


def test_csv_neutralises_spreadsheet_formulas_in_text_cells(tmp_path, warehouse, personal):
    write_exports(warehouse, tmp_path / "exports", **common(personal))
    with (tmp_path / "exports" / "csv" / "dtm_displacement_reasons.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    labels = [(r["displacement_reason_label_en"], r["displacement_reason_label_fr"]) for r in rows]
    assert labels == [
        ("Armed conflict", '\'=HYPERLINK("http://evil","x")'),
        ("'-other", "'@SUM(A1:A2)"),
        ("Flood", "'+33 flood"),
    ]
    assert [r["idp_individuals"] for r in rows] == ["610", "45", "20"]  # numbers are left alone
    # Parquet keeps the values as they are: it is not opened by a spreadsheet
    parquet = pd.read_parquet(tmp_path / "exports" / "parquet" / "dtm_displacement_reasons.parquet")
    assert parquet["displacement_reason_label_fr"].iloc[0].startswith("=HYPERLINK")


def test_csv_text_with_quotes_far_down_a_mart_is_exported(tmp_path, warehouse, personal):
    """A quoted word in a text after the first few thousand rows (a rule's description in the
    verification queue, at a million submissions): the CSV is written and read back whole."""
    add_mart(
        warehouse,
        "create table marts.dq_rule_notes as select i as note_number, "
        "case when i = 9000 then 'An answer \"other\", with its text' else 'plain, text' end as note "
        "from range(1, 10001) r(i)",
    )
    result = write_exports(warehouse, tmp_path / "exports", **common(personal))
    entry = next(e for e in result.manifest["files"] if e["file"] == "csv/dq_rule_notes.csv")
    assert entry["rows"] == 10000
    with (tmp_path / "exports" / "csv" / "dq_rule_notes.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[8999] == {"note_number": "9000", "note": 'An answer "other", with its text'}


def test_exports_of_a_mart_that_is_gone_are_removed_and_a_refusal_changes_nothing(tmp_path, warehouse, personal):
    directory = tmp_path / "exports"
    write_exports(warehouse, directory, **common(personal))
    add_mart(warehouse, "drop table marts.dtm_displacement_reasons")
    result = write_exports(warehouse, directory, **common(personal))
    assert sorted(result.removed) == ["csv/dtm_displacement_reasons.csv", "parquet/dtm_displacement_reasons.parquet"]
    before = {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    add_mart(warehouse, "create table marts.dtm_leaky as select 1 as round, 'x' as ki_phone")
    with pytest.raises(PublicationRefused, match=r"ki_phone|personal"):
        write_exports(warehouse, directory, **common(personal))
    assert {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()} == before


def test_the_exports_path_shows_one_whole_set_and_keeps_the_hdx_files(tmp_path, warehouse, personal):
    directory = tmp_path / "exports"
    first = write_exports(warehouse, directory, **common(personal))
    assert directory.is_symlink() and directory.resolve().parent == sets_root(directory)
    (directory / "hdx").mkdir()
    (directory / "hdx" / "dtm_car_idps.csv").write_text("#adm1+name\n", encoding="utf-8")
    old = directory.resolve()
    second = write_exports(warehouse, directory, **common(personal, run_id="run-0002"))
    assert directory.resolve() != old and not old.exists()  # the old set is gone ...
    assert [p.name for p in sets_root(directory).iterdir()] == [directory.resolve().name]
    assert (directory / "hdx" / "dtm_car_idps.csv").read_text(encoding="utf-8") == "#adm1+name\n"  # ... HDX kept
    assert json.loads((directory / "manifest.json").read_text())["run_id"] == "run-0002"
    assert len(second.manifest["files"]) == len(first.manifest["files"])


def test_an_exports_folder_from_before_sets_is_moved_in_once_but_never_one_holding_other_files(
    tmp_path, warehouse, personal
):
    directory = tmp_path / "exports"
    (directory / "csv").mkdir(parents=True)
    (directory / "csv" / "old.csv").write_text("a\n1\n", encoding="utf-8")
    (directory / "manifest.json").write_text("{}", encoding="utf-8")
    write_exports(warehouse, directory, **common(personal))
    assert directory.is_symlink() and not (directory / "csv" / "old.csv").exists()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "csv").mkdir(parents=True)
    (elsewhere / "thesis.docx").write_bytes(b"someone's work")
    with pytest.raises(ExportsFolderError, match=r"thesis.docx"):
        write_exports(warehouse, elsewhere, **common(personal))
    assert (elsewhere / "thesis.docx").read_bytes() == b"someone's work" and not elsewhere.is_symlink()
    assert not sets_root(elsewhere).exists() or not any(sets_root(elsewhere).iterdir())


# --- HDX -----------------------------------------------------------------------------------


def read_hxl(path: Path):
    return hxl.data(str(path), hxl.InputOptions(allow_local=True))


def test_the_hdx_file_is_valid_hxl_with_the_dtm_hashtags_and_the_marts_figures(tmp_path, warehouse, personal):
    result = write_hdx(warehouse, tmp_path, **common(personal))
    admin2 = tmp_path / "dtm_car_idps_returnees_admin2.csv"
    assert admin2 in result.paths
    data = read_hxl(admin2)
    assert [c.display_tag for c in data.columns] == [
        "#country+name",
        "#country+code",
        "#adm1+name",
        "#adm1+code",
        "#adm2+name",
        "#adm2+code",
        "#round+code",
        "#date+reported",
        "#affected+idps+ind",
        "#affected+idps+hh",
        "#affected+idps+ind+sites",
        "#affected+idps+ind+host_families",
        "#affected+returnees+ind",
        "#affected+returnees+hh",
    ]
    rows = list(read_hxl(admin2))
    assert len(rows) == len(ADMIN2)
    dates = {17: "2026-06-26", 18: "2026-08-28"}
    for row, truth in zip(rows, sorted(ADMIN2, key=lambda r: (r[0], r[1], r[3]))):
        rnd, adm1, adm1_name, adm2, adm2_name, idp_hh, idp_ind, ret_hh, ret_ind = truth
        assert (row.get("#adm1+code"), row.get("#adm1+name"), row.get("#adm2+code"), row.get("#adm2+name")) == (
            adm1,
            adm1_name,
            adm2,
            adm2_name,
        )
        assert (row.get("#round"), row.get("#date+reported")) == (str(rnd), dates[rnd])
        assert [
            int(row.get(t))
            for t in ("#affected+idps+ind", "#affected+idps+hh", "#affected+returnees+ind", "#affected+returnees+hh")
        ] == [idp_ind, idp_hh, ret_ind, ret_hh]
        # the split beside the total, and the total is the whole
        in_sites = int(row.get("#affected+idps+ind+sites"))
        assert in_sites == idp_ind // SITES_SHARE
        assert in_sites + int(row.get("#affected+idps+ind+host_families")) == idp_ind
        assert row.get("#country+code") == "CAF"
    # attribute queries work as HXL tools use them: +ind without +sites is every IDP
    total = list(read_hxl(admin2).with_columns("#affected+idps+ind-sites-host_families"))
    assert sum(int(r.values[0]) for r in total) == sum(r[6] for r in ADMIN2)
    assert hxl.validate(read_hxl(admin2))["is_valid"]


def test_the_admin1_hdx_file_publishes_the_prefecture_mart(tmp_path, warehouse, personal):
    write_hdx(warehouse, tmp_path, **common(personal))
    rows = list(read_hxl(tmp_path / "dtm_car_idps_returnees_admin1.csv"))
    assert "#adm2+code" not in [c.display_tag for c in read_hxl(tmp_path / "dtm_car_idps_returnees_admin1.csv").columns]
    totals = {(int(r.get("#round")), r.get("#adm1+code")): int(r.get("#affected+idps+ind")) for r in rows}
    expected: dict = {}
    for rnd, adm1, *_, idp_ind, _ret_hh, _ret_ind in ADMIN2:
        expected[(rnd, adm1)] = expected.get((rnd, adm1), 0) + idp_ind
    assert totals == expected
    # the file is the mart's rows: a figure the mart alone holds reaches the file
    add_mart(
        warehouse,
        "update marts.dtm_idp_returnees_by_admin1 set idp_individuals = idp_individuals + 1 "
        "where admin1_pcode = 'CF32'",
    )
    write_hdx(warehouse, tmp_path, **common(personal))
    again = {
        (int(r.get("#round")), r.get("#adm1+code")): int(r.get("#affected+idps+ind"))
        for r in read_hxl(tmp_path / "dtm_car_idps_returnees_admin1.csv")
    }
    assert again == {k: v + (k[1] == "CF32") for k, v in expected.items()}


def test_a_round_missing_from_the_calendar_stops_the_hdx_file(tmp_path, warehouse, personal):
    add_mart(warehouse, "delete from reference.ref_dtm_rounds where round = 18 and form = 'dtm_locality'")
    with pytest.raises(HdxError, match=r"round.* 18"):
        write_hdx(warehouse, tmp_path, **common(personal))
    assert not list(tmp_path.glob("*.csv"))


def test_the_gis_files_hold_the_hdx_rows_placed_on_the_map(tmp_path, warehouse, personal):
    import json

    from dtm_platform.boundaries import prefectures

    result = write_hdx(warehouse, tmp_path, **common(personal))
    for stem in ("dtm_car_idps_returnees_admin1", "dtm_car_idps_returnees_admin2"):
        geojson = tmp_path / f"{stem}.geojson"
        assert geojson in result.paths
        features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
        rows = list(read_hxl(tmp_path / f"{stem}.csv"))
        assert len(features) == len(rows)  # the same rows, one feature each
        for feature, row in zip(features, rows):
            properties = feature["properties"]
            assert (properties["admin1_pcode"], properties["round"], properties["idp_individuals"]) == (
                row.get("#adm1+code"),
                int(row.get("#round")),
                int(row.get("#affected+idps+ind")),
            )
            geometry = feature["geometry"]
            if stem.endswith("admin1"):  # the prefecture's own polygon
                assert geometry == prefectures()[properties["admin1_pcode"]].geometry
            else:  # the centre of its assessed localities, as the mart has it
                assert geometry == {"type": "Point", "coordinates": [18.58, 4.35]}

"""A small synthetic warehouse for the serving tests: every layer, a sensitive mart with
small cells, personal values in raw and staging, and text cells that look like formulas."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from dtm_platform.kobo.registry import FormEntry
from dtm_platform.transform.pseudonymize import pseudonymize

SALT = "serving-test-salt"
NAMES = ["Awa Ngaikoisset", "Jean-Pierre Yakite", "Mireille Gbaguene"]
PHONES = ["+23672000101", "+23675000202", "+23670000303"]
FORMS = [
    FormEntry(
        "aDtmLoc7Kq2xY9mN4pR8sT",
        "dtm_locality",
        "locality",
        personal_fields={"key_informants/ki_name": "drop", "key_informants/ki_phone": "hash"},
    ),
    FormEntry(
        "aMePdm3Vb7Xs2Qf9Jh5KtR",
        "me_pdm",
        "pdm",
        personal_fields={"grp_respondent/resp_name": "drop", "grp_respondent/resp_phone": "hash"},
    ),
]
PERSONAL_VALUES = set(NAMES) | set(PHONES) | {pseudonymize(p, SALT) for p in PHONES}

# (round, admin1_pcode, admin1_name, admin2_pcode, admin2_name, idp_hh, idp_ind, ret_hh, ret_ind)
ADMIN2 = [
    (17, "CF11", "Ombella M'Poko", "CF111", "Bimbo", 120, 610, 40, 190),
    (17, "CF11", "Ombella M'Poko", "CF112", "Begoua", 80, 402, 10, 51),
    (17, "CF32", "Ouham", "CF321", "Bossangoa", 300, 1490, 55, 260),
    (18, "CF11", "Ombella M'Poko", "CF111", "Bimbo", 130, 655, 42, 201),
    (18, "CF11", "Ombella M'Poko", "CF112", "Begoua", 70, 350, 12, 60),
    (18, "CF32", "Ouham", "CF321", "Bossangoa", 280, 1400, 70, 333),
]
# of the IDPs, those on sites (the rest live with host families)
SITES_SHARE = 3
# The marts the warehouse holds, as the serving layer discovers them (sorted)
MARTS = (
    "dtm_displacement_reasons",
    "dtm_idp_returnees_by_admin1",
    "dtm_idp_returnees_by_admin2",
    "me_pdm_satisfaction",
)
# What dbt's persist_docs writes on a mart: the yml's descriptions as comments
MART_DESCRIPTION = "The published DTM figures by round, prefecture and sub-prefecture."
COLUMN_DESCRIPTIONS = {
    "idp_individuals": "All IDP individuals, on sites and with host families.",
    "admin2_pcode": "Sub-prefecture p-code (OCHA): it's the key.",
}
# A post-distribution monitoring mart: (round, admin1, activity, respondents, satisfied, share, mean)
PDM = [
    (17, "CF11", "ACT-3.1", 3, 2, 0.667, 3.7),  # 3 respondents: suppressed
    (17, "CF11", "ACT-3.2", 12, 2, 0.167, 2.9),  # 2 satisfied out of 12: that count and its share
    (17, "CF32", "ACT-3.1", 40, 31, 0.775, 4.1),
    (18, "CF32", "ACT-3.2", 25, 0, 0.0, 1.8),  # a zero describes nobody: kept
    (18, "CF11", "ACT-3.1", 18, 9, 0.5, None),
]


def make_warehouse(path: Path, *, bump: int = 0) -> Path:
    """Write the warehouse; ``bump`` adds to the IDP figures, to tell builds apart."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "staging", "cleaned", "reference", "marts"):
            con.execute(f"create schema if not exists {schema}")
        payloads = [
            json.dumps(
                {
                    "_id": i,
                    "grp_general/round": "17",
                    "key_informants": [{"key_informants/ki_name": name, "key_informants/ki_phone": phone}],
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for i, (name, phone) in enumerate(zip(NAMES, PHONES), 1)
        ]
        con.execute("create or replace table raw.kobo_dtm_locality (_id bigint, payload json, deleted_at timestamptz)")
        con.executemany("insert into raw.kobo_dtm_locality values (?, ?, null)", list(enumerate(payloads, 1)))
        pdm = [
            json.dumps({"_id": 10 + i, "grp_respondent/resp_name": name, "grp_respondent/resp_phone": phone})
            for i, (name, phone) in enumerate(zip(NAMES, PHONES))
        ]
        con.execute("create or replace table raw.kobo_me_pdm (_id bigint, payload json, deleted_at timestamptz)")
        con.executemany("insert into raw.kobo_me_pdm values (?, ?, null)", list(enumerate(pdm, 10)))
        con.execute(
            "create or replace table staging.stg_kobo__dtm_locality__key_informants "
            "(submission_id bigint, informant_position integer, informant_phone_hash varchar, informant_role varchar)"
        )
        con.executemany(
            "insert into staging.stg_kobo__dtm_locality__key_informants values (?, 1, ?, 'chief')",
            [(i, pseudonymize(p, SALT)) for i, p in enumerate(PHONES, 1)],
        )
        con.execute(
            "create or replace table cleaned.cln_dtm_locality_assessments as "
            "select 1 as submission_id, 'CF111' as admin2_pcode"
        )
        con.execute(
            "create or replace table reference.ref_dtm_rounds "
            "(form varchar, round integer, collection_start date, collection_end date)"
        )
        con.execute(
            "insert into reference.ref_dtm_rounds values "
            "('dtm_locality', 17, '2026-06-01', '2026-06-26'), ('dtm_locality', 18, '2026-08-03', '2026-08-28'), "
            "('me_pdm', 17, '2026-07-06', '2026-07-30')"
        )
        con.execute(
            "create or replace table _admin2 (round integer, admin1_pcode varchar, admin1_name varchar, "
            "admin2_pcode varchar, admin2_name varchar, idp_households integer, idp_individuals integer, "
            "returnee_households integer, returnee_individuals integer)"
        )
        con.executemany(
            "insert into _admin2 values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row[:6], row[6] + bump, *row[7:]) for row in ADMIN2],
        )
        # sum() of integers is a HUGEINT in DuckDB, as in the dbt marts
        con.execute(f"""
            create or replace table marts.dtm_idp_returnees_by_admin2 as
            select round, admin1_pcode, admin1_name, admin2_pcode, admin2_name, count(*) as localities_assessed,
                   sum(idp_households) as idp_households, sum(idp_individuals) as idp_individuals,
                   sum(idp_individuals // {SITES_SHARE}) as idp_individuals_in_sites,
                   sum(idp_individuals - idp_individuals // {SITES_SHARE}) as idp_individuals_in_host_families,
                   sum(returnee_households) as returnee_households, sum(returnee_individuals) as returnee_individuals,
                   4.35 as centre_latitude, 18.58 as centre_longitude
            from _admin2 group by all order by all""")
        con.execute("""
            create or replace table marts.dtm_idp_returnees_by_admin1 as
            select round, admin1_pcode, admin1_name, sum(localities_assessed) as localities_assessed,
                   sum(idp_households) as idp_households, sum(idp_individuals) as idp_individuals,
                   sum(idp_individuals_in_sites) as idp_individuals_in_sites,
                   sum(idp_individuals_in_host_families) as idp_individuals_in_host_families,
                   sum(returnee_households) as returnee_households, sum(returnee_individuals) as returnee_individuals
            from marts.dtm_idp_returnees_by_admin2 group by all order by all""")
        con.execute("drop table _admin2")
        con.execute(f"comment on table marts.dtm_idp_returnees_by_admin2 is '{MART_DESCRIPTION}'")
        for column, description in COLUMN_DESCRIPTIONS.items():
            escaped = description.replace("'", "''")
            con.execute(f"comment on column marts.dtm_idp_returnees_by_admin2.{column} is '{escaped}'")
        con.execute("""
            create or replace table marts.dtm_displacement_reasons as
            select * from (values
                (17, 'CF11', 'armed_conflict', 'Armed conflict', '=HYPERLINK(\"http://evil\",\"x\")', 12, 610),
                (17, 'CF32', 'other', '-other', '@SUM(A1:A2)', 3, 45),
                (18, 'CF11', 'flood', 'Flood', '+33 flood', 1, 20)
            ) as t(round, admin1_pcode, displacement_reason, displacement_reason_label_en,
                   displacement_reason_label_fr, localities, idp_individuals)""")
        con.execute(
            "create or replace table marts.me_pdm_satisfaction (round integer, admin1_pcode varchar, "
            "activity_code varchar, respondents integer, satisfied_count integer, share_satisfied double, "
            "mean_satisfaction double)"
        )
        con.executemany("insert into marts.me_pdm_satisfaction values (?, ?, ?, ?, ?, ?, ?)", PDM)
    return path

"""The marts of the seven forms besides the locality assessment, checked against what the
embedded generator knows to be true (the truth objects of dtm_platform/kobo_mock/forms/),
never against a copy of the platform's SQL.

One full build (``full_build`` in tests/conftest.py: run_full_build under an isolated
DTM_HOME, shared with test_pipeline.py); every test reads its warehouse. The cleaning log
of the demo repairs one blocked submission of three of these forms: the expected figures
count those with their true values, as the locality test does.
"""

from __future__ import annotations

import csv
import json
import math
import random
import shutil
import subprocess
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock import generator, locality_form
from dtm_platform.kobo_mock.catalogue import synthetic_forms
from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.forms import (
    flow_counts,
    flow_survey,
    me_activity,
    me_feedback,
    me_field_visit,
    me_partner_report,
    me_pdm,
    me_perception,
    site,
)
from dtm_platform.settings import load_settings
from dtm_platform.transform.project import dbt_subprocess_environment, dbt_vars

MODULES = {
    "dtm_site": site,
    "dtm_flow_counts": flow_counts,
    "dtm_flow_survey": flow_survey,
    "me_activity": me_activity,
    "me_pdm": me_pdm,
    "me_perception": me_perception,
}
MODULES["me_partner_report"] = me_partner_report
MODULES["me_feedback"] = me_feedback
MODULES["me_field_visit"] = me_field_visit
CLEANED = {
    "me_feedback": "cln_me_feedback_cases",
    "dtm_site": "cln_dtm_site_assessments",
    "dtm_flow_counts": "cln_dtm_flow_counts",
    "dtm_flow_survey": "cln_dtm_flow_survey_interviews",
    "me_activity": "cln_me_activity_sessions",
    "me_pdm": "cln_me_pdm_interviews",
    "me_perception": "cln_me_perception_interviews",
}
CLEANED["me_partner_report"] = "cln_me_partner_reports"
CLEANED["me_field_visit"] = "cln_me_field_visits"
# the rule each seeded error must trip (None: not an error for the figures)
EXPECTED_RULE = {
    "dtm_site": {
        "duplicate": "duplicate_submission",
        "outlier": "household_size",
        "unknown_pcode": "unknown_admin2_pcode",
        "breakdown_mismatch": "breakdown_mismatch",
        "agency_missing": "managed_site_without_agency",
    },
    "dtm_flow_counts": {
        "duplicate": "duplicate_submission",
        "outlier": "group_size_outlier",
        "future_date": "date_in_future",
        "breakdown_mismatch": "breakdown_mismatch",
    },
    "dtm_flow_survey": {
        "duplicate": "duplicate_submission",
        "interview_too_short": "interview_too_short",
        "implausible_age": "implausible_age",
        "future_date": "date_in_future",
        "member_age_typo": "implausible_member_age",
        "outdated_version": "outdated_form_version",
    },
    "me_activity": {
        "duplicate": "duplicate_submission",
        "unknown_pcode": "unknown_admin2_pcode",
        "future_date": "date_in_future",
        "name_variant": None,
    },
    "me_pdm": {
        "duplicate": "duplicate_submission",
        "interview_too_short": "interview_too_short",
        "outlier": "household_size",
        "rushed_audit": "audit_too_fast",
        "short_for_household": "audit_short_for_household",
    },
    "me_perception": {
        "duplicate": "duplicate_submission",
        "interview_too_short": "interview_too_short",
        "dont_know": None,
        "soft_duplicate": "soft_duplicate",
    },
    "me_feedback": {
        "duplicate": "duplicate_case_number",
        "future_date": "date_in_future",
        "closed_before_received": "closed_before_received",
        "closed_without_date": "closed_without_date",
        "closed_without_response": "closed_without_response",
        "referred_without_target": "referred_without_target",
    },
    "me_field_visit": {"duplicate": "duplicate_submission"},
}
# late and misreported reports are not errors of the submission: the marts count them
EXPECTED_RULE["me_partner_report"] = {"duplicate": "duplicate_submission", "late": None, "misreported": None}
PERIODS = {
    "2026-Q2": (date(2026, 4, 1), date(2026, 6, 30)),
    "2026-Q3": (date(2026, 7, 1), date(2026, 9, 30)),
    "2026-Q4": (date(2026, 10, 1), date(2026, 12, 31)),
}
CELLS = [cell for cell, _, _ in c.SEX_AGE_CELLS]


@pytest.fixture(scope="module")
def build(full_build):
    """The session's full build (tests/conftest.py: run_full_build() under its own DTM_HOME,
    shared with test_pipeline.py, read only)."""
    with full_build.environment():
        settings = load_settings()
        forms = {
            s.dataset: s
            for s in synthetic_forms(settings.mock_seed, localities_per_admin2=settings.mock_localities_per_admin2)
        }
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        yield full_build.outcome, forms, con, settings
        con.close()


def rows(con, sql, *params):
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def repaired(con, forms, dataset) -> list[dict]:
    """The served submissions of ``dataset`` the cleaning log repaired (applied corrections)."""
    applied = {
        r[0]
        for r in con.execute(
            "select submission_id from cleaned.cln_cleaning_log where form = ? and status = 'applied'", [dataset]
        ).fetchall()
    }
    return [s for s in forms[dataset].form.submissions if s["_id"] in applied]


def close(a, b, tolerance=1e-3) -> bool:
    return a is not None and b is not None and math.isclose(a, b, abs_tol=tolerance)


def run_dbt(settings, warehouse: Path, target: Path, models: list[str], *args: str, **env: str) -> None:
    """``dbt run`` of ``models`` on ``warehouse`` (a copy of the build's), with ``env`` added."""
    from dtm_platform.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR

    forms = load_registry(settings.forms_file)
    run = subprocess.run(
        [
            DBT_EXECUTABLE,
            "run",
            "--select",
            *models,
            "--vars",
            dbt_vars(forms),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        env={**dbt_subprocess_environment(forms, warehouse), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:]


# --- every form: the seeded errors ------------------------------------------------------------


def test_the_build_materializes_the_new_marts_with_their_gates(build):
    outcome, _, con, _ = build
    marts = {
        r[0]
        for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
    }
    new = {
        "dtm_sites",
        "dtm_site_services",
        "dtm_idps_in_sites_and_host_families",
        "dtm_flow_daily",
        "dtm_flow_weekly",
        "dtm_flow_daily_profiles",
        "dtm_flow_weekly_profiles",
        "dtm_flow_survey_profiles",
        "dtm_flow_survey_travellers",
        "dtm_flow_survey_routes",
        "me_indicator_tracking",
        "me_beneficiaries_reached",
        "me_activity_progress",
        "me_pdm_results",
        "me_pdm_answers",
        "me_perception_scores",
        "me_perception_item_scores",
        "me_pdm_results_by_disability",
        "me_perception_scores_by_disability",
        "dq_submissions_daily",
        "dq_issue_resolution",
        "dtm_site_types_by_round",
        "dtm_flow_recent_weeks",
        "dtm_flow_recent_points",
        "dtm_flow_recent_profiles",
        "me_activity_timeline",
        "me_budget_delivery",
        "me_feedback_cases_by_month",
        "me_feedback_cases_by_category",
        "me_monitoring_visits",
        "me_monitoring_findings",
    }
    assert new <= marts
    for mart in new:
        assert f"marts/{mart}" in outcome.materialized, mart
        assert f"marts/{mart}:gx_suite" in outcome.checks_passed, mart
        assert con.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart


@pytest.mark.parametrize("dataset", sorted(MODULES))
def test_every_seeded_error_is_found_and_exactly_the_blocking_ones_block(build, dataset):
    _, forms, con, _ = build
    module = MODULES[dataset]
    corrected = {s["_id"] for s in repaired(con, forms, dataset)}
    errors = dict(forms[dataset].errors.items())
    found = {
        (r[0], r[1])
        for r in con.execute("select submission_id, rule from cleaned.dq_issues where form = ?", [dataset]).fetchall()
    }
    for submission_id, kind in errors.items():
        rule = EXPECTED_RULE[dataset][kind]
        if rule and submission_id not in corrected:
            assert (submission_id, rule) in found, (submission_id, kind)
    blocking_kinds = (*module.BLOCKING_ERRORS, "duplicate", "soft_duplicate")  # the copies: the originals count
    seeded = {i for i, kind in errors.items() if kind in blocking_kinds and i not in corrected}
    blocked = {
        r[0]
        for r in con.execute(
            f"select submission_id from cleaned.{CLEANED[dataset]} where has_blocking_issue"
        ).fetchall()
    }
    assert blocked == seeded
    # every served submission is in cleaned, flagged or not
    assert con.execute(f"select count(*) from cleaned.{CLEANED[dataset]}").fetchone()[0] == len(
        forms[dataset].form.submissions
    )


# --- DTM: sites --------------------------------------------------------------------------------


def counted_sites(con, forms):
    truth = forms["dtm_site"].truth
    fixed = {(int(s["grp_general/round"]), s["grp_location/site_id"]) for s in repaired(con, forms, "dtm_site")}
    return [a for a in truth.assessments if a.error not in site.BLOCKING_ERRORS or (a.round, a.site.code) in fixed]


def test_sites_by_type_equal_ground_truth(build):
    _, forms, con, _ = build
    expected: dict = defaultdict(lambda: defaultdict(int))
    for a in counted_sites(con, forms):
        row = expected[(a.round, a.site.site_type)]
        row["sites"] += 1
        row["managed_sites"] += a.managed
        row["individuals"] += a.individuals
    mart = {
        (r["round"], r["site_type"]): r
        for r in rows(
            con,
            """
        select round, site_type, sites, managed_sites, individuals, site_type_label_fr as label_fr
        from marts.dtm_site_types_by_round""",
        )
    }
    assert mart.keys() == expected.keys()
    for key, values in expected.items():
        assert {k: mart[key][k] for k in values} == dict(values), key
        assert mart[key]["label_fr"]
    # one row per site and round assessed, its services as the truth has them
    sites = {(r["round"], r["site_id"]): r for r in rows(con, "select * from marts.dtm_sites")}
    for a in counted_sites(con, forms):
        row = sites[(a.round, a.site.code)]
        assert sorted(row["services_available"]) == sorted(a.services)
        assert row["households"] == a.households and row["is_managed"] == a.managed


def test_site_services_equal_ground_truth(build):
    _, forms, con, _ = build
    counted = counted_sites(con, forms)
    mart = {
        (r["round"], r["service"]): r
        for r in rows(
            con,
            """
        select round, service, sum(sites_with_service) as sites, sum(sites_assessed) as sites_assessed
        from marts.dtm_site_services group by round, service""",
        )
    }
    for round_number in sorted(site.ROUNDS):
        kept = [a for a in counted if a.round == round_number]
        for service in site.SERVICES:
            assert mart[(round_number, service)]["sites"] == sum(service in a.services for a in kept)
            assert mart[(round_number, service)]["sites_assessed"] == len(kept)


def test_idps_in_sites_and_host_families_equal_ground_truth(build):
    from tests.integration.test_pipeline import corrected_truth

    _, forms, con, _ = build
    truth = forms["dtm_site"].truth
    columns = {
        "sites_assessed": "sites_assessed",
        "households": "idp_households_in_sites",
        "individuals": "idp_individuals_in_sites",
        "sites_with_breakdown": "sites_with_breakdown",
        **{f"ind_{cell}": f"idp_{cell}_in_sites" for cell in CELLS},
    }
    in_sites = {
        (r["round"], r["admin2_pcode"]): {mart: r[name] for name, mart in columns.items()}
        for r in truth.population_by_admin2()
    }
    # the assessments the cleaning log repaired count with their true figures
    fixed = {(int(s["grp_general/round"]), s["grp_location/site_id"]) for s in repaired(con, forms, "dtm_site")}
    assert len(fixed) == 1
    for a in truth.assessments:
        if (a.round, a.site.code) in fixed:
            row = in_sites.setdefault((a.round, a.site.admin2), dict.fromkeys(columns.values(), 0))
            row["sites_assessed"] += 1
            row["idp_households_in_sites"] += a.households
            row["idp_individuals_in_sites"] += a.individuals
            if a.error != "breakdown_mismatch":
                row["sites_with_breakdown"] += 1
                for cell in CELLS:
                    row[f"idp_{cell}_in_sites"] += a.cells[cell]
    host, _ = corrected_truth(forms["dtm_locality"].truth, con)
    mart = {
        (r["round"], r["admin2_pcode"]): r for r in rows(con, "select * from marts.dtm_idps_in_sites_and_host_families")
    }
    assert mart.keys() == in_sites.keys() | host.keys()
    for key, row in mart.items():
        for column in columns.values():
            assert row[column] == in_sites.get(key, {}).get(column, 0), (key, column)
        expected_host = host.get(key, {})
        assert row["localities_assessed"] == expected_host.get("localities_assessed", 0), key
        assert row["idp_households_in_host_families"] == expected_host.get("idp_hh", 0), key
        assert row["idp_individuals_in_host_families"] == expected_host.get("idp_ind", 0), key
        assert row["idp_individuals"] == row["idp_individuals_in_sites"] + row["idp_individuals_in_host_families"]
        assert row["admin2_name"]


# --- DTM: flow monitoring registry --------------------------------------------------------------


def test_daily_flows_equal_ground_truth(build):
    _, forms, con, _ = build
    truth = forms["dtm_flow_counts"].truth
    expected = {(r["fmp_id"], r["count_date"], r["direction"]): r for r in truth.rows()}
    mart = {
        (r["fmp_id"], r["count_date"].isoformat(), r["direction"]): r
        for r in rows(con, "select * from marts.dtm_flow_daily")
    }
    assert mart.keys() == expected.keys()
    for key, values in expected.items():
        for column in (
            "flows",
            "total_individuals",
            "flows_with_breakdown",
            *(f"ind_{cell}" for cell in CELLS),
            "admin2_pcode",
            "border_country",
        ):
            assert mart[key][column] == values[column], (key, column)
        assert mart[key]["direction_label_fr"] in ("Entrant", "Sortant")
    by_point = defaultdict(int)
    for (point, _, direction), row in mart.items():
        by_point[(point, direction)] += row["total_individuals"]
    assert dict(by_point) == truth.by_point_and_direction()


def test_weekly_flows_are_the_iso_weeks_of_the_true_daily_flows(build):
    _, forms, con, _ = build
    expected: dict = defaultdict(lambda: defaultdict(int))
    days: dict = defaultdict(set)
    for r in forms["dtm_flow_counts"].truth.rows():
        day = date.fromisoformat(r["count_date"])
        key = ((day - timedelta(days=day.weekday())).isoformat(), r["fmp_id"], r["direction"])
        days[key].add(day)
        for column in ("flows", "total_individuals", "flows_with_breakdown", *(f"ind_{cell}" for cell in CELLS)):
            expected[key][column] += r[column]
    mart = {
        (r["week_start"].isoformat(), r["fmp_id"], r["direction"]): r
        for r in rows(con, "select * from marts.dtm_flow_weekly")
    }
    assert mart.keys() == expected.keys()
    for key, values in expected.items():
        assert {k: mart[key][k] for k in values} == dict(values), key
        assert mart[key]["days_counted"] == len(days[key])
        assert mart[key]["week_end"] == date.fromisoformat(key[0]) + timedelta(days=6)


def test_flow_profiles_by_transport_nationality_and_reason_equal_ground_truth(build):
    _, forms, con, _ = build
    truth = forms["dtm_flow_counts"].truth
    expected: dict = defaultdict(lambda: [0, 0])
    for f in truth.counted():
        week = (f.count_date - timedelta(days=f.count_date.weekday())).isoformat()
        for breakdown, category in (
            ("transport_mode", f.transport),
            ("nationality", f.nationality),
            ("travel_reason", f.reason),
        ):
            cell = expected[(week, f.point.code, f.direction, breakdown, category)]
            cell[0] += 1
            cell[1] += f.total
    weekly = {
        (r["week_start"].isoformat(), r["fmp_id"], r["direction"], r["breakdown"], r["category"]): [
            r["flows"],
            r["total_individuals"],
        ]
        for r in rows(con, "select * from marts.dtm_flow_weekly_profiles")
    }
    assert weekly == dict(expected)
    daily_total = rows(
        con,
        """select breakdown, category, sum(total_individuals) as travellers
                               from marts.dtm_flow_daily_profiles group by all""",
    )
    nationality = {r["category"]: r["travellers"] for r in daily_total if r["breakdown"] == "nationality"}
    assert nationality == truth.by_nationality()
    assert (
        con.execute("select count(*) from marts.dtm_flow_daily_profiles where category_label_fr is null").fetchone()[0]
        == 0
    )


def test_flow_models_are_incremental_and_handle_edits_and_deletions(build, tmp_path):
    """Edits (a group moved to another week, to another point, its counts changed), deletions
    (including every group of one day, point and direction) and new submissions, as
    reconciliation writes them to raw; then an incremental build must equal a full refresh."""
    *_, settings = build
    incremental, full = tmp_path / "incremental.duckdb", tmp_path / "full.duckdb"
    shutil.copy(settings.warehouse_path, incremental)
    with duckdb.connect(str(incremental)) as con:
        payloads = {
            r[0]: json.loads(r[1])
            for r in con.execute(
                "select _id, payload from raw.kobo_dtm_flow_counts where deleted_at is null"
            ).fetchall()
        }
        rng = random.Random(7)
        edited = rng.sample(sorted(payloads), 30)
        for position, submission_id in enumerate(edited):
            p = payloads[submission_id]
            if position % 3 == 0:
                p["grp_point/count_date"] = "2026-10-30" if p["grp_point/count_date"] < "2026-10-01" else "2026-09-02"
            elif position % 3 == 1:
                p["grp_point/fmp_id"] = "FMP07" if p["grp_point/fmp_id"] != "FMP07" else "FMP01"
            else:
                p["grp_counts/total_individuals"] = str(int(p["grp_counts/total_individuals"]) + 1)
                p["grp_counts/ind_m_18_59"] = str(int(p["grp_counts/ind_m_18_59"]) + 1)
            con.execute(
                "update raw.kobo_dtm_flow_counts set payload = ?::json, _uuid = _uuid || '-edit', "
                "previous_landed_at = landed_at, landed_at = now() where _id = ?",
                [json.dumps(p), submission_id],
            )
        first = payloads[min(set(payloads) - set(edited))]
        whole_group = [
            i
            for i, p in payloads.items()
            if i not in edited
            and all(p[k] == first[k] for k in ("grp_point/count_date", "grp_point/fmp_id", "grp_point/direction"))
        ]
        deleted = sorted(set(rng.sample(sorted(set(payloads) - set(edited)), 20)) | set(whole_group))
        con.execute(
            f"update raw.kobo_dtm_flow_counts set deleted_at = now() where _id in ({','.join(map(str, deleted))})"
        )
        top = max(payloads)
        for k, submission_id in enumerate(rng.sample(sorted(payloads), 10)):
            p = dict(payloads[submission_id], _id=top + 2 * (k + 1))
            p["grp_point/count_date"], p["_submission_time"] = "2026-11-02", "2026-11-02T19:00:00"
            con.execute(
                "insert into raw.kobo_dtm_flow_counts (_id, _uuid, submission_time, form_version, payload, "
                "payload_hash, landed_at) values (?, ?, ?, ?, ?::json, ?, now())",
                [p["_id"], f"new-{k}", p["_submission_time"], p["__version__"], json.dumps(p), f"h{k}"],
            )
    shutil.copy(incremental, full)

    tables = (
        "staging.stg_kobo__dtm_flow_counts",
        "staging.stg_kobo__dtm_flow_counts__changes",
        "cleaned.cln_dtm_flow_counts",
        "marts.dtm_flow_daily",
        "marts.dtm_flow_weekly",
        "marts.dtm_flow_daily_profiles",
        "marts.dtm_flow_weekly_profiles",
    )

    def dbt(warehouse: Path, *args: str) -> None:
        run_dbt(settings, warehouse, tmp_path / "target", [t.split(".")[1] for t in tables], *args)

    dbt(incremental)
    dbt(incremental)  # a second run with nothing new changes nothing
    dbt(full, "--full-refresh")
    with duckdb.connect(str(incremental), read_only=True) as a, duckdb.connect(str(full), read_only=True) as b:
        assert (
            a.execute(
                "select count(*) from staging.stg_kobo__dtm_flow_counts where submission_id in "
                f"({','.join(map(str, deleted))})"
            ).fetchone()[0]
            == 0
        )
        for table in tables[:1] + tables[2:]:  # the change feed differs: a full refresh forgets the history
            columns = ", ".join(
                d[0] for d in a.execute(f"select * from {table} limit 0").description if d[0] != "changes_through"
            )
            query = f"select {columns} from {table} order by all"
            assert a.execute(query).fetchall() == b.execute(query).fetchall(), table
        moved = a.execute("select count(*) from marts.dtm_flow_daily where count_date = '2026-11-02'").fetchone()[0]
        assert moved > 0
        assert (
            a.execute(
                "select count(*) from marts.dtm_flow_daily where count_date = ? and fmp_id = ? and direction = ?",
                [first["grp_point/count_date"], first["grp_point/fmp_id"], first["grp_point/direction"]],
            ).fetchone()[0]
            == 0
        )


# --- DTM: flow monitoring survey ---------------------------------------------------------------


def test_flow_survey_profiles_equal_ground_truth(build):
    _, forms, con, _ = build
    truth = forms["dtm_flow_survey"].truth
    profile = rows(
        con,
        "select fmp_id, question, answer, sum(respondents) as respondents "
        "from marts.dtm_flow_survey_profiles group by all",
    )
    by_point = defaultdict(lambda: defaultdict(int))
    for r in profile:
        if r["question"] == "respondent_sex":
            by_point[r["fmp_id"]]["respondents"] += r["respondents"]
            by_point[r["fmp_id"]]["female_respondents"] += r["respondents"] if r["answer"] == "female" else 0
    travellers = {
        r[0]: r[1]
        for r in con.execute(
            "select fmp_id, sum(travellers) from marts.dtm_flow_survey_travellers group by fmp_id"
        ).fetchall()
    }
    for expected in truth.respondents_by_point():
        point = expected["fmp_id"]
        assert by_point[point]["respondents"] == expected["respondents"], point
        assert by_point[point]["female_respondents"] == expected["female_respondents"], point
        assert travellers[point] == expected["travellers"], point
    reasons = {(r["fmp_id"], r["answer"]): r["respondents"] for r in profile if r["question"] == "travel_reason"}
    assert reasons == truth.reasons()
    vulnerabilities = {r["answer"]: 0 for r in profile if r["question"] == "vulnerability" and r["answer"] != "none"}
    for r in profile:
        if r["question"] == "vulnerability" and r["answer"] != "none":
            vulnerabilities[r["answer"]] += r["respondents"]
    assert vulnerabilities == truth.vulnerabilities()


def test_flow_survey_travellers_and_documents_equal_ground_truth(build):
    _, forms, con, _ = build
    truth = forms["dtm_flow_survey"].truth
    mart = rows(con, "select * from marts.dtm_flow_survey_travellers")
    cells = Counter()
    documents = Counter()
    for r in mart:
        cells[f"{r['sex'][0]}_{r['age_group']}"] += r["travellers"]
        for document in flow_survey.DOCUMENTS:
            documents[document] += r[f"members_with_{document}"]
        documents["none"] += r["members_without_document"]
        assert r["respondents"] >= 1
    assert dict(cells) == truth.travellers_by_sex_age()
    assert {k: v for k, v in documents.items() if v} == truth.documents()


def test_the_flow_triangulation_names_the_days_the_two_forms_disagree(build):
    """Per point and day: the survey's counted interviews and their travellers, from the
    generator's truth, against the registry's groups that a correct cleaning keeps."""
    _, forms, con, _ = build
    surveyed: Counter = Counter()
    for i in forms["dtm_flow_survey"].truth.counted():
        surveyed[(i.point.code, i.survey_date.isoformat())] += 1 + len(i.members)
    counts, blocking = forms["dtm_flow_counts"], (*flow_counts.BLOCKING_ERRORS, "duplicate")
    counted: Counter = Counter()
    for s in counts.form.submissions:
        if counts.errors.get(s["_id"]) not in blocking:
            counted[(s["grp_point/fmp_id"], s["grp_point/count_date"])] += int(s["grp_counts/total_individuals"])
    mart = {(r["fmp_id"], r["day"].isoformat()): r for r in rows(con, "select * from marts.dq_flow_triangulation")}
    assert {k: r["travellers_surveyed"] for k, r in mart.items()} == dict(surveyed)
    assert {k: r["individuals_counted"] for k, r in mart.items()} == {k: counted.get(k, 0) for k in surveyed}
    inconsistent = {k for k, n in surveyed.items() if n > counted.get(k, 0)}
    assert inconsistent and {k for k, r in mart.items() if r["is_inconsistent"]} == inconsistent


def test_the_site_triangulation_names_the_sub_prefectures_the_two_assessments_disagree(build):
    """Per round (that asks) and sub-prefecture: the IDPs on sites the counted locality
    assessments report, from the generator's truth, against the IDPs on the sites a correct
    cleaning counts; inconsistent beyond the rule's ratio, the seeded misreports among them."""
    _, forms, con, _ = build
    localities = forms["dtm_locality"]
    fixed = {
        (int(s["grp_general/round"]), s["grp_location/admin1"], s["grp_location/locality_name"])
        for s in repaired(con, forms, "dtm_locality")
    }
    reported: Counter = Counter()
    misreported = set()
    for a in localities.truth.assessments:
        counted = a.error not in generator.BLOCKING_ERRORS or (a.round, a.locality.admin1, a.locality.name) in fixed
        if a.idp_on_sites is not None and counted:
            reported[(a.round, a.locality.admin2)] += a.idp_on_sites
            if a.error == "sites_misreported":
                misreported.add((a.round, a.locality.admin2))
    on_sites: Counter = Counter()
    for a in counted_sites(con, forms):
        if a.round >= locality_form.SITES_QUESTION_ROUND:
            on_sites[(a.round, a.site.admin2)] += a.individuals
    [(max_ratio,)] = con.execute(
        "select max_value from reference.ref_dq_rules where rule = 'sites_disagree_with_localities'"
    ).fetchall()
    expected = {k for k in {*reported, *on_sites} if reported[k] or on_sites[k]}
    mart = {(r["round"], r["admin2_pcode"]): r for r in rows(con, "select * from marts.dq_site_triangulation")}
    assert mart.keys() == expected
    assert {k: r["idps_reported_by_localities"] for k, r in mart.items()} == {k: reported[k] for k in expected}
    assert {k: r["idps_counted_on_sites"] for k, r in mart.items()} == {k: on_sites[k] for k in expected}
    inconsistent = {
        k
        for k in expected
        if min(reported[k], on_sites[k]) == 0
        or max(reported[k], on_sites[k]) > max_ratio * min(reported[k], on_sites[k])
    }
    assert {k for k, r in mart.items() if r["is_inconsistent"]} == inconsistent
    assert misreported and misreported <= inconsistent and inconsistent != expected


def test_flow_survey_routes_equal_ground_truth(build):
    _, forms, con, _ = build
    mart = defaultdict(int)
    for r in rows(con, "select origin, destination, respondents from marts.dtm_flow_survey_routes"):
        mart[(r["origin"], r["destination"])] += r["respondents"]
    assert dict(mart) == forms["dtm_flow_survey"].truth.routes()


# --- M&E: activities and beneficiaries ---------------------------------------------------------


def counted_sessions(con, forms):
    truth = forms["me_activity"].truth
    fixed = {
        (s["grp_activity/activity_code"], s["grp_activity/activity_date"], s["grp_activity/venue"])
        for s in repaired(con, forms, "me_activity")
    }
    return [
        s
        for s in truth.sessions
        if s.error not in me_activity.BLOCKING_ERRORS or (s.activity, s.activity_date.isoformat(), s.venue) in fixed
    ]


def people_of(sessions):
    seen = {}
    for s in sessions:
        for p in s.participants:
            seen.setdefault(p.person_id, p)
    return list(seen.values())


def test_beneficiaries_are_counted_once_as_the_truth_has_them(build):
    _, forms, con, _ = build
    assert len(repaired(con, forms, "me_activity")) == 1  # the demo's cleaning log repairs one session
    truth = forms["me_activity"].truth
    # disability by the person's WG answers where a counted session sent them, else their own answer
    disability = me_activity.disability_status(counted_sessions(con, forms))
    reached = people_of(counted_sessions(con, forms))
    # the generator's own people reached, plus those the repaired session adds
    assert {p.person_id for p in truth.reached()} <= {p.person_id for p in reached}
    expected = Counter((p.sex, p.age_group, p.displacement, disability[p.person_id][0]) for p in reached)
    # the WG answers decide for some people against their own answer: the test tells the two apart
    assert any(disability[p.person_id][0] != p.self_reported for p in reached)
    assert any(source == "self_reported" for _, source in disability.values())
    mart = rows(con, "select * from marts.me_beneficiaries_reached")
    got, sources = Counter(), Counter()
    for r in mart:
        got[(r["sex"], r["age_group"], r["displacement_status"], r["disability"])] += r["people"]
        sources[(r["disability"], r["disability_source"])] += r["people"]
        assert r["respondents"] == r["people"]
    assert got == expected
    assert sources == Counter(disability[p.person_id] for p in reached)
    by_admin2 = Counter()
    for r in mart:
        by_admin2[r["admin2_pcode"]] += r["people"]
    assert dict(by_admin2) == dict(Counter(p.admin2 for p in reached))
    assert (
        sum(len(s.participants) for s in counted_sessions(con, forms))
        == con.execute("select sum(participations) from marts.me_beneficiaries_reached").fetchone()[0]
    )


def test_activity_progress_equals_ground_truth(build):
    _, forms, con, _ = build
    sessions = counted_sessions(con, forms)
    mart = rows(
        con,
        """select activity_code, sum(sessions_delivered) as sessions,
                               sum(participants_reached) as participants, sum(participations) as participations,
                               sum(sessions_planned) as planned
                        from marts.me_activity_progress group by activity_code""",
    )
    by_activity = {r["activity_code"]: r for r in mart}
    assert {a: r["sessions"] for a, r in by_activity.items()} == dict(Counter(s.activity for s in sessions))
    people = defaultdict(set)
    for s in sessions:
        people[s.activity].update(p.person_id for p in s.participants)
    assert {a: r["participants"] for a, r in by_activity.items()} == {a: len(ids) for a, ids in people.items()}
    assert all(r["planned"] > 0 for r in mart)  # every activity delivered is in the workplan


def test_activity_timeline_equals_ground_truth(build):
    """The workplan's lines judged against the sessions the generator delivered: the seed's
    staggered planned ends make lines whose sessions ran past them late or done late."""
    import csv

    _, forms, con, _ = build
    as_of = con.execute("select distinct as_of_date from marts.me_activity_timeline").fetchall()
    assert len(as_of) == 1
    as_of = as_of[0][0]
    dates = defaultdict(list)
    for s in counted_sessions(con, forms):
        dates[(s.activity, s.admin2)].append(s.activity_date)
    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "ref_workplan.csv"
    expected = {}
    for line in csv.DictReader(seed.open(encoding="utf-8")):
        key = (line["activity_code"], line["admin2_pcode"])
        start, end = date.fromisoformat(line["planned_start"]), date.fromisoformat(line["planned_end"])
        planned, held = int(line["sessions_planned"]), sorted(dates.get(key, []))
        actual_end = held[planned - 1] if len(held) >= planned else None
        if actual_end:
            status = "done"
        elif not held and as_of <= start:
            status = "not_started"
        elif not held or as_of > end:
            status = "late"
        else:
            status = "on_track"
        expected[key] = {
            "sessions_delivered": len(held),
            "actual_start": held[0] if held else None,
            "actual_end": actual_end,
            "start_slippage_days": (held[0] - start).days
            if held
            else ((as_of - start).days if as_of > start else None),
            "end_slippage_days": (actual_end - end).days
            if actual_end
            else ((as_of - end).days if as_of > end else None),
            "timeline_status": status,
        }
    for key in set(dates) - set(expected):  # delivered outside the workplan
        expected[key] = {
            "sessions_delivered": len(dates[key]),
            "actual_start": min(dates[key]),
            "actual_end": None,
            "start_slippage_days": None,
            "end_slippage_days": None,
            "timeline_status": "not_in_workplan",
        }
    mart = {
        (r.pop("activity_code"), r.pop("admin2_pcode")): r
        for r in rows(
            con,
            """
        select activity_code, admin2_pcode, sessions_delivered, actual_start, actual_end, start_slippage_days,
               end_slippage_days, timeline_status from marts.me_activity_timeline""",
        )
    }
    assert mart == expected
    statuses = Counter(r["timeline_status"] for r in expected.values())
    assert statuses["late"] > 0 and statuses["done"] > 0  # the demo has both, so the sections show both
    assert any(r["timeline_status"] == "done" and r["end_slippage_days"] > 0 for r in expected.values())


def test_budget_against_delivery_equals_the_finance_exports_truth(build):
    """The demo's finance export (dtm_platform/finance/synthetic.py), imported by the build:
    the refused rows are exactly the seeded ones, the payment exported twice counts once, the
    mart's spending is the truth's to the cent, the seeded overspent lines are overspent, and
    each line's flag follows from its spending, its output's delivery and the threshold."""
    from dtm_platform.finance import synthetic as finance_export
    from dtm_platform.transform.project import DBT_PROJECT_DIR

    _, _, con, settings = build
    export = finance_export.build(DBT_PROJECT_DIR / "seeds", settings.mock_seed)
    record = rows(con, "select source_row, outcome from finance.imported_expenditures")
    assert {r["source_row"] for r in record if r["outcome"] == "rejected"} == set(export.truth.rejected)
    assert [r["source_row"] for r in record if r["outcome"] == "duplicate"] == export.truth.duplicates
    assert sum(r["outcome"] == "accepted" for r in record) == (
        len(export.rows) - 1 - len(export.truth.rejected) - len(export.truth.duplicates)
    )
    budget, _ = finance_export.read_budget(DBT_PROJECT_DIR / "seeds")
    mart = {(r["budget_line"], r["period"]): r for r in rows(con, "select * from marts.me_budget_delivery")}
    assert set(mart) == set(budget)
    assert {key: float(r["spent"]) for key, r in mart.items()} == pytest.approx(export.truth.spent, abs=0.005)
    overspent = {key for key, r in mart.items() if r["is_overspent"]}
    assert overspent == export.truth.overspent(budget) and {("BL-1.2", "2026-Q3"), ("BL-3.1", "2026-Q3")} <= overspent
    for key, r in mart.items():
        delivery = r["output_percent_achieved"]
        gap = None if delivery is None else 100 * export.truth.spent[key] / budget[key] - min(delivery, 100)
        expected = (
            "no_delivery_measure"
            if gap is None
            else "ahead_of_delivery"
            if gap > r["gap_threshold_points"]
            else "behind_delivery"
            if -gap > r["gap_threshold_points"]
            else "in_step"
        )
        assert r["spending_flag"] == expected, key
    flags = Counter(r["spending_flag"] for r in mart.values())
    assert flags["ahead_of_delivery"] and flags["behind_delivery"] and flags["in_step"]  # the demo shows each


def test_indicator_tracking_equals_ground_truth(build):
    _, forms, con, settings = build
    sessions = counted_sessions(con, forms)
    disability = me_activity.disability_status(sessions)
    iptt = {
        (r["indicator_code"], r["period"], r["disaggregation"], r["disaggregation_value"]): r
        for r in rows(con, "select * from marts.me_indicator_tracking")
    }
    framework = {"OP-1": None, "OP-1.1": ("ACT-2.1", "ACT-2.2"), "OP-1.2": ("ACT-3.1", "ACT-3.2")}
    for code, activities in framework.items():
        kept = [s for s in sessions if activities is None or s.activity in activities]
        for period, (start, end) in PERIODS.items():
            in_period = people_of([s for s in kept if start <= s.activity_date <= end])
            to_date = people_of([s for s in kept if s.activity_date <= end])
            total = iptt[(code, period, "total", "total")]
            assert total["actual"] == len(in_period), (code, period)
            assert total["cumulative"] == len(to_date), (code, period)
            for sex in c.SEXES:
                row = iptt.get((code, period, "sex", sex))
                assert (row["cumulative"] if row else 0) == sum(p.sex == sex for p in to_date), (code, period, sex)
            for status in ("yes", "no"):
                row = iptt.get((code, period, "disability", status))
                assert (row["cumulative"] if row else 0) == sum(
                    disability[p.person_id][0] == status for p in to_date
                ), (code, period, status)
                assert (row["disability_from_washington_group"] if row else 0) == sum(
                    disability[p.person_id] == (status, "washington_group") for p in in_period
                ), (code, period)
    for code, activities in {"OP-3": None, "OP-2": ("ACT-1.1", "ACT-1.2")}.items():
        running = 0
        for period, (start, end) in PERIODS.items():
            n = sum(
                1
                for s in sessions
                if start <= s.activity_date <= end and (activities is None or s.activity in activities)
            )
            running += n
            assert iptt[(code, period, "total", "total")]["actual"] == n
            assert iptt[(code, period, "total", "total")]["cumulative"] == running
    # perception indices: the mean of the respondents' means, "don't know" left out
    perception = forms["me_perception"].truth
    for code, domain in (("IMP-1", "social_cohesion"), ("OC-1", "trust_local_authorities")):
        items = [name for name, _, _ in me_perception.DOMAINS[domain][1]]
        for period, (start, end) in PERIODS.items():
            means = [
                sum(i.scores(items)) / len(i.scores(items))
                for i in perception.counted()
                if start <= i.interview_date <= end and i.scores(items)
            ]
            actual = iptt[(code, period, "total", "total")]["actual"]
            assert (actual is None) if not means else close(actual, sum(means) / len(means)), (code, period)
            for status in ("yes", "no"):  # by the WG answers; respondents not asked are in the total only
                means = [
                    sum(i.scores(items)) / len(i.scores(items))
                    for i in perception.counted()
                    if start <= i.interview_date <= end and i.scores(items) and i.disability == status
                ]
                row = iptt.get((code, period, "disability", status))
                assert (row["respondents"] if row else 0) == len(means), (code, period, status)
                assert not means or close(row["actual"], sum(means) / len(means)), (code, period, status)
    # PDM: % of households that received the assistance and are satisfied (4 or 5)
    pdm = counted_pdm(con, forms)
    for period, (start, end) in PERIODS.items():
        received = [i for i in pdm if i.received and start <= i.interview_date <= end]
        actual = iptt[("OC-2", period, "total", "total")]["actual"]
        if received:
            assert close(actual, 100 * sum(i.satisfaction >= 4 for i in received) / len(received), 0.05), period
        else:
            assert actual is None
        for status in ("yes", "no"):
            of_status = [i for i in received if i.disability == status]
            row = iptt.get(("OC-2", period, "disability", status))
            assert (row["respondents"] if row else 0) == len(of_status), (period, status)
            assert not of_status or close(
                row["actual"], 100 * sum(i.satisfaction >= 4 for i in of_status) / len(of_status), 0.05
            ), (period, status)
    # % achieved from the baseline, the plain ratio beside it, and a running count judged
    # against its target pro-rated to the share of the period elapsed on the build's day
    targets = {
        (r["indicator_code"], r["period"]): r["target"]
        for r in rows(con, "select * from reference.ref_indicator_targets")
    }
    framework = {r["indicator_code"]: r for r in rows(con, "select * from reference.ref_results_framework")}
    for (code, period, disaggregation, _), row in iptt.items():
        if disaggregation == "total" and (code, period) in targets and row["actual"] is not None:
            target, baseline = targets[(code, period)], framework[code]["baseline"]
            assert close(row["percent_of_target"], 100 * row["actual"] / target, 0.05)
            achieved = 100 * (row["actual"] - baseline) / (target - baseline)
            assert close(row["percent_achieved"], achieved, 0.05), (code, period)
            start, end = PERIODS[period]
            elapsed = min(1.0, max(0.0, ((settings.as_of_date - start).days + 1) / ((end - start).days + 1)))
            counts = framework[code]["measure"] in ("unique_people", "sessions")
            assert close(row["share_of_period_elapsed"], elapsed, 1e-6) and row["is_prorated"] == (
                counts and elapsed < 1
            )
            assert close(row["percent_achieved_to_date"], achieved / elapsed if row["is_prorated"] else achieved, 0.1)
    # the levels (scores, shares) with a non-zero baseline are where the ratio flattered
    assert any(
        row["percent_achieved"] < row["percent_of_target"]
        for row in iptt.values()
        if row["percent_achieved"] is not None and framework[row["indicator_code"]]["baseline"] > 0
    )


# --- M&E: post-distribution monitoring and perception ------------------------------------------


def counted_pdm(con, forms):
    truth = forms["me_pdm"].truth
    fixed = {
        (
            s["grp_general/activity_code"],
            s["grp_general/admin2"],
            s["grp_general/interview_date"],
            s["grp_general/enumerator_id"],
            int(s["grp_respondent/resp_age"]),
        )
        for s in repaired(con, forms, "me_pdm")
    }
    return [
        i
        for i in truth.interviews
        if i.consent
        and (
            i.error not in me_pdm.BLOCKING_ERRORS
            or (i.activity, i.admin2, i.interview_date.isoformat(), i.enumerator, i.age) in fixed
        )
    ]


def test_pdm_results_equal_ground_truth(build):
    _, forms, con, _ = build
    assert len(repaired(con, forms, "me_pdm")) == 1
    kept = counted_pdm(con, forms)
    mart = defaultdict(lambda: defaultdict(float))
    for r in rows(con, "select * from marts.me_pdm_results"):
        row = mart[r["activity_code"]]
        for column in ("respondents", "received_assistance", "satisfied", "with_problems", "with_safety_concerns"):
            row[column] += r[column]
        row["satisfaction_sum"] += (r["satisfaction_mean"] or 0) * r["satisfaction_respondents"]
        row["household_size_sum"] += r["mean_household_size"] * r["respondents"]
    for activity in sorted({i.activity for i in kept}):
        interviews = [i for i in kept if i.activity == activity]
        received = [i for i in interviews if i.received]
        row = mart[activity]
        assert row["respondents"] == len(interviews)
        assert row["received_assistance"] == len(received)
        assert row["satisfied"] == sum(i.satisfaction >= 4 for i in received)
        assert row["with_problems"] == sum(bool(i.problems) for i in received)
        assert row["with_safety_concerns"] == sum(i.safety_concerns for i in received)
        assert close(
            row["satisfaction_sum"] / len(received), sum(i.satisfaction for i in received) / len(received), 0.01
        )
        assert close(
            row["household_size_sum"] / len(interviews), sum(i.hh_size for i in interviews) / len(interviews), 0.05
        )
    # and without the repaired interview, the generator's by_activity() figures
    truth_rows = {r["activity_code"]: r for r in forms["me_pdm"].truth.by_activity()}
    assert sum(r["interviews"] for r in truth_rows.values()) == len(kept) - 1


def test_pdm_results_by_disability_equal_ground_truth(build):
    _, forms, con, _ = build
    kept = counted_pdm(con, forms)
    expected = defaultdict(Counter)
    for i in kept:  # the WG-SS status the generator drew the respondent's answers to meet or not
        row = expected[(i.activity, i.disability, "not_asked" if i.disability == "not_known" else "washington_group")]
        row["respondents"] += 1
        row["received_assistance"] += i.received
        row["satisfied"] += bool(i.received and i.satisfaction >= 4)
        row["with_problems"] += bool(i.received and i.problems)
        row["with_safety_concerns"] += bool(i.received and i.safety_concerns)
    assert {status for _, status, _ in expected} == {"yes", "no", "not_known"}
    mart = {
        (r["activity_code"], r["disability"], r["disability_source"]): r
        for r in rows(con, "select * from marts.me_pdm_results_by_disability where row_level = 'disability'")
    }
    assert mart.keys() == expected.keys()
    for key, counts in expected.items():
        assert {column: mart[key][column] for column in counts} == dict(counts), key
        assert mart[key]["disability_label_en"] and mart[key]["disability_label_fr"], key
    # each activity's total row: its groups added up, and what me_pdm_results adds up to
    totals = {
        r["activity_code"]: r
        for r in rows(con, "select * from marts.me_pdm_results_by_disability where row_level = 'total'")
    }
    results = rows(
        con,
        "select activity_code, sum(respondents) as respondents, sum(satisfied) as satisfied "
        "from marts.me_pdm_results group by all",
    )
    assert {r["activity_code"]: (r["respondents"], r["satisfied"]) for r in results} == {
        activity: (r["respondents"], r["satisfied"]) for activity, r in totals.items()
    }
    for activity, total in totals.items():
        groups = [counts for (a, _, _), counts in expected.items() if a == activity]
        for column in ("respondents", "received_assistance", "satisfied", "with_problems", "with_safety_concerns"):
            assert total[column] == sum(g[column] for g in groups), (activity, column)
        assert total["disability"] is None and total["disability_label_en"] == "All households"


def test_perception_scores_by_disability_equal_ground_truth(build):
    _, forms, con, _ = build
    means = defaultdict(list)
    for i in forms["me_perception"].truth.counted():
        for domain, (_, items) in me_perception.DOMAINS.items():
            scored = i.scores([name for name, _, _ in items])
            if scored:
                means[(i.round, domain, i.disability)].append(sum(scored) / len(scored))
    assert {(r, status) for r, _, status in means} == {(1, "not_known"), (2, "not_known"), (2, "yes"), (2, "no")}
    mart = {
        (r["round"], r["domain"], r["disability"]): r
        for r in rows(con, "select * from marts.me_perception_scores_by_disability where row_level = 'disability'")
    }
    assert mart.keys() == means.keys()
    for key, values in means.items():
        assert mart[key]["respondents"] == len(values), key
        assert close(mart[key]["mean_score"], sum(values) / len(values)), key
        assert mart[key]["disability_source"] == ("not_asked" if key[2] == "not_known" else "washington_group")
    # each round's and index's total row: every respondent's mean, whatever their status
    totals = {
        (r["round"], r["domain"]): r
        for r in rows(con, "select * from marts.me_perception_scores_by_disability where row_level = 'total'")
    }
    assert totals.keys() == {(r, domain) for r, domain, _ in means}
    for (rnd, domain), total in totals.items():
        values = [v for (r, d, _), vs in means.items() if (r, d) == (rnd, domain) for v in vs]
        assert total["respondents"] == len(values) and close(total["mean_score"], sum(values) / len(values))
        assert total["disability_label_fr"] == "Tous les répondants"


def test_pdm_answers_equal_ground_truth(build):
    _, forms, con, _ = build
    kept = counted_pdm(con, forms)
    answers = defaultdict(Counter)
    for r in rows(con, "select question, answer, sum(respondents) as n from marts.me_pdm_answers group by all"):
        answers[r["question"]][r["answer"]] += r["n"]
    assert dict(answers["assistance_use"]) == dict(Counter(u for i in kept if i.received for u in i.uses))
    assert {k: v for k, v in answers["problems"].items() if k != "none"} == dict(
        Counter(p for i in kept if i.received for p in i.problems)
    )
    assert dict(answers["knows_feedback_channel"]) == dict(
        Counter("yes" if i.knows_feedback_channel else "no" for i in kept if i.knows_feedback_channel is not None)
    )


def test_perception_scores_equal_ground_truth(build):
    _, forms, con, _ = build
    truth = forms["me_perception"].truth
    items = {
        (r["round"], r["admin2_pcode"], r["item"]): r
        for r in rows(con, "select * from marts.me_perception_item_scores")
    }
    expected_items = {(r["round"], r["admin2_pcode"], r["item"]): r for r in truth.mean_scores()}
    assert {k for k, r in items.items() if r["respondents"] > 0} == expected_items.keys()
    for key, expected in expected_items.items():
        assert items[key]["respondents"] == expected["respondents"], key
        assert close(items[key]["mean_score"], expected["mean"]), key
    domains = {
        (r["round"], r["admin2_pcode"], r["domain"]): r for r in rows(con, "select * from marts.me_perception_scores")
    }
    expected_domains = {(r["round"], r["admin2_pcode"], r["domain"]): r for r in truth.domain_means()}
    assert domains.keys() == expected_domains.keys()
    for key, expected in expected_domains.items():
        assert domains[key]["respondents"] == expected["respondents"], key
        assert close(domains[key]["mean_score"], expected["mean"]), key
    # "don't know" answers are counted, not scored
    dont_know = sum(1 for i in truth.counted() for a in i.answers.values() if a == me_perception.DONT_KNOW)
    assert con.execute("select sum(answers_dont_know) from marts.me_perception_item_scores").fetchone()[0] == dont_know


def test_interview_marts_carry_a_respondents_count_on_every_row(build):
    _, _, con, _ = build
    marts = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and (table_name like 'dtm\\_flow\\_survey%' escape '\\' or table_name like 'me\\_pdm%' escape '\\' "
            "or table_name like 'me\\_perception%' escape '\\')"
        ).fetchall()
    ]
    assert len(marts) == 9
    for mart in marts:
        assert con.execute(f"select count(*) from marts.{mart} where respondents is null").fetchone()[0] == 0, mart


# --- M&E: complaints and feedback -------------------------------------------------------------


def feedback_deadlines() -> dict[tuple[str, str], int]:
    """(type or "*", category or "*") -> days, as the officer keeps them in the seed."""
    seed = Path(__file__).parents[2] / "dbt_project" / "seeds" / "ref_feedback_deadlines.csv"
    with seed.open(encoding="utf-8") as handle:
        return {(r["case_type"], r["category"]): int(r["deadline_days"]) for r in csv.DictReader(handle)}


def test_feedback_cases_by_month_type_and_channel_equal_ground_truth(build):
    _, forms, con, _ = build
    truth = forms["me_feedback"].truth
    got = {
        (r["received_month"], r["case_type"], r["channel"]): r
        for r in rows(con, "select * from marts.me_feedback_cases_by_month")
    }
    as_of = {r["as_of_date"] for r in got.values()}
    assert len(as_of) == 1
    expected = truth.by_month_type_channel(as_of.pop(), feedback_deadlines())
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        row = got[key]
        assert {k: row[k] for k in ("cases", "closed", "still_open", "closed_after_deadline", "overdue")} == {
            k: want[k] for k in ("cases", "closed", "still_open", "closed_after_deadline", "overdue")
        }, key
        assert row["closed_median_days"] == want["closed_median_days"], key
    # the seeded late and never-closed cases are there to be found
    assert sum(r["overdue"] for r in got.values()) > 20 and sum(r["closed_after_deadline"] for r in got.values()) > 20
    labels = {(r["case_type"], r["case_type_label_fr"]) for r in got.values()}
    assert ("request_information", "Demande d'information") in labels


def test_feedback_cases_by_category_equal_ground_truth_with_their_period_total(build):
    _, forms, con, _ = build
    truth = forms["me_feedback"].truth
    got = {
        (r["period"], r["category"] or "total"): r
        for r in rows(con, "select * from marts.me_feedback_cases_by_category")
    }
    assert {k: r["cases"] for k, r in got.items()} == truth.by_period_category(PERIODS)
    sensitive = {k[1] for k, r in got.items() if r["is_sensitive"]}
    assert sensitive == set(me_feedback.SENSITIVE_CATEGORIES)
    assert got[("2026-Q3", "total")]["category_label_fr"] == "Toutes catégories"


def test_the_feedback_case_register_keeps_each_case_as_it_stands_after_its_edits(build):
    """The officer's register (cleaned, never published): one row per case, closed where an
    edit closed it, sensitive where its category is whatever the flag said, overdue where the
    deadline of the seed has passed."""
    _, forms, con, _ = build
    truth = forms["me_feedback"].truth
    deadlines = feedback_deadlines()
    copies = {i for i, kind in forms["me_feedback"].errors.items() if kind == "duplicate"}
    register = {
        r["case_id"]: r
        for r in rows(con, "select * from cleaned.cln_me_feedback_cases")
        if r["submission_id"] not in copies
    }
    assert register.keys() == {case.case_id for case in truth.cases}
    for case in truth.cases:
        row = register[case.case_id]
        assert row["submission_id"] == truth.submission_ids[case.case_id]
        assert row["is_sensitive"] == case.sensitive, case.case_id
        assert row["date_closed"] == case.served_closed and row["is_closed"] == bool(case.closed), case.case_id
        assert row["days_to_resolution"] == case.days_to_resolution, case.case_id
        assert row["is_edited"] == (not case.closed_on_receipt and bool(case.closed or case.referred_to))
        due = case.served_received + timedelta(days=me_feedback.deadline_of(case, deadlines))
        assert row["due_date"] == due
        assert row["is_overdue"] == (not case.closed and row["as_of_date"] > due), case.case_id
        assert row["has_blocking_issue"] == case.blocked, case.case_id
    assert any(case.sensitive and not case.flagged_sensitive for case in truth.cases)
    # a second submission of a case number is in the register, blocked
    assert copies and all(
        r["has_blocking_issue"]
        for r in rows(
            con, f"select * from cleaned.cln_me_feedback_cases where submission_id in ({', '.join(map(str, copies))})"
        )
    )


def test_feedback_issues_of_sensitive_cases_stay_off_the_published_quality_marts(build):
    """The seeded errors of sensitive cases are found (the officer sees them in the case
    register, dq_rules_failed) and listed nowhere a row leaves the platform; those of the
    other cases are in the verification queue and the issue resolution mart."""
    _, forms, con, _ = build
    truth = forms["me_feedback"].truth
    found = {
        r["submission_id"] for r in rows(con, "select submission_id from cleaned.dq_issues where form = 'me_feedback'")
    }
    sensitive = {
        truth.submission_ids[case_id] for case_id in truth.errors_by_case() if case_id in truth.sensitive_case_ids()
    }
    others = {truth.submission_ids[case_id] for case_id in truth.errors_by_case()} - sensitive
    assert sensitive and others and sensitive | others <= found
    for mart in ("dq_verification_queue", "dq_issue_resolution"):
        listed = {
            r["submission_id"] for r in rows(con, f"select submission_id from marts.{mart} where form = 'me_feedback'")
        }
        assert not listed & sensitive, mart
        assert others <= listed, mart
    register = {
        r["submission_id"]: r
        for r in rows(con, "select submission_id, dq_rules_failed from cleaned.cln_me_feedback_cases")
    }
    assert all(register[i]["dq_rules_failed"] for i in sensitive)
    # the workbook of the staff who keep the case log (ref_enumerator_teams), no one unassigned
    assert {
        r["team"] for r in rows(con, "select distinct team from marts.dq_verification_queue where form = 'me_feedback'")
    } == {"me-redevabilite"}


# --- data quality ------------------------------------------------------------------------------


def test_submissions_and_issues_per_day_add_up_to_what_was_served(build):
    _, forms, con, _ = build
    per_form = {
        r["form"]: r
        for r in rows(
            con,
            """
        select form, sum(submissions) as submissions, sum(deleted_submissions) as deleted, sum(issues) as issues,
               sum(blocking_issues) as blocking
        from marts.dq_submissions_daily group by form""",
        )
    }
    issues = {
        r[0]: (r[1], r[2])
        for r in con.execute(
            "select form, count(*), count(*) filter (where severity = 'blocking') from cleaned.dq_issues group by form"
        ).fetchall()
    }
    for dataset, synthetic in forms.items():
        assert per_form[dataset]["submissions"] == len(synthetic.form.submissions), dataset
        assert per_form[dataset]["deleted"] == 0
        assert (per_form[dataset]["issues"], per_form[dataset]["blocking"]) == issues.get(dataset, (0, 0)), dataset
    # each day's submissions are those the server received that day
    site_days = Counter(s["_submission_time"][:10] for s in forms["dtm_site"].form.submissions)
    assert {
        r[0].isoformat(): r[1]
        for r in con.execute(
            "select submission_date, sum(submissions) from marts.dq_submissions_daily where form = 'dtm_site' "
            "group by 1"
        ).fetchall()
    } == dict(site_days)


def test_issue_resolution_follows_the_cleaning_log(build):
    _, _, con, _ = build
    status = {
        (r["form"], r["submission_id"]): r["resolution_status"]
        for r in rows(con, "select * from marts.dq_issue_resolution")
    }
    log = rows(con, "select form, submission_id, status from cleaned.cln_cleaning_log")
    for entry in log:
        key = (entry["form"], entry["submission_id"])
        if entry["status"] == "applied":
            assert status[key] in ("resolved", "partially_resolved"), key
    assert status[("dtm_site", 41100129)] == "resolved"
    assert status[("me_pdm", 41400061)] == "resolved"
    assert status[("me_activity", 41300063)] == "resolved"
    blocked = {
        (r[0], r[1])
        for r in con.execute(
            "select distinct form, submission_id from cleaned.dq_issues where severity = 'blocking'"
        ).fetchall()
    }
    assert {k for k, v in status.items() if v == "open_blocking"} <= blocked


# --- coverage against the plan, and attachments ------------------------------------------------


def test_coverage_against_the_plan_equals_ground_truth(build):
    """dq_coverage from the seed's plan and the generator's true localities: a locality is
    assessed unless its only submission carries an unknown p-code (and no cleaning-log fix),
    and reaches the marts unless its error blocks (and no fix)."""
    import csv

    from dtm_platform.kobo_mock.generator import BLOCKING_ERRORS

    outcome, forms, con, _settings = build
    assert "marts/dq_coverage" in outcome.materialized
    assert "marts/dq_coverage:gx_suite" in outcome.checks_passed
    locality = forms["dtm_locality"]
    fixed = {s["_id"] for s in repaired(con, forms, "dtm_locality")}
    ids: dict = defaultdict(set)
    for s in locality.form.submissions:
        ids[(int(s["grp_general/round"]), s["grp_location/admin1"], s["grp_location/locality_name"])].add(s["_id"])
    assessed: dict = {}
    for a in locality.truth.assessments:
        repaired_here = bool(ids[(a.round, a.locality.admin1, a.locality.name)] & fixed)
        if a.error == "unknown_pcode" and not repaired_here:
            continue
        key = (a.round, a.locality.admin2, a.locality.name.lower())
        assessed[key] = assessed.get(key, False) or a.error not in BLOCKING_ERRORS or repaired_here

    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "ref_planned_localities.csv"
    plan: dict = defaultdict(list)
    for r in csv.DictReader(seed.open(encoding="utf-8")):
        plan[(int(r["round"]), r["admin2_pcode"])].append(r["locality_name"])
    expected = {}
    for (round_number, admin2), names in plan.items():
        missing = sorted(n for n in names if (round_number, admin2, n.lower()) not in assessed)
        planned_keys = {n.lower() for n in names}
        expected[(round_number, admin2)] = {
            "localities_planned": len(names),
            "localities_assessed": len(names) - len(missing),
            "localities_in_marts": sum(1 for n in names if assessed.get((round_number, admin2, n.lower()))),
            "localities_missing": len(missing),
            "missing_localities": "; ".join(missing),
            "localities_not_planned": sum(
                1 for (r, a2, n) in assessed if (r, a2) == (round_number, admin2) and n not in planned_keys
            ),
        }
    mart = {(r["round"], r["admin2_pcode"]): r for r in rows(con, "select * from marts.dq_coverage")}
    assert set(mart) == set(expected)
    for key, values in expected.items():
        assert {k: mart[key][k] for k in values} == values, key
        assert close(mart[key]["coverage_share"], values["localities_assessed"] / values["localities_planned"], 1e-4)
    assert sum(v["localities_missing"] for v in expected.values()) > 0
    assert sum(v["localities_not_planned"] for v in expected.values()) > 0


def test_attachments_staged_are_the_served_ones_without_credentials(build):
    _, forms, con, _ = build
    served = {
        (
            dataset,
            s["_id"],
            position,
            a["uid"],
            a["media_file_basename"],
            a["mimetype"],
            a["question_xpath"],
            a["download_url"],
        )
        for dataset, form in forms.items()
        for s in form.form.submissions
        if dataset != "dtm_flow_counts"
        for position, a in enumerate(s["_attachments"], 1)
    }
    staged = set(
        con.execute(
            "select dataset, submission_id, position, attachment_id, file_name, mime_type, question_xpath, "
            "download_url "
            "from staging.stg_kobo__attachments"
        ).fetchall()
    )
    assert served and staged == served
    # the registry downloads the PDM's audit logs only: no photo was fetched
    downloaded = load_settings().home / "attachments"
    assert {p.parts[-3] for p in downloaded.rglob("*") if p.is_file()} == {"me_pdm"}
    assert {p.name for p in downloaded.rglob("*") if p.is_file()} == {"audit.csv"}


# --- M&E: partners' monthly reports --------------------------------------------------------------


def test_partner_reporting_rates_count_the_seeded_missing_and_late_reports(build):
    """Per partner and month: the reports the generator expects, received on time or late,
    and missing (its seeded missing reports; awaited instead while the deadline has not
    passed on the build's day), with DHIS2's completeness and timeliness rates; the only
    issues on the reports are the seeded duplicates'."""
    _, forms, con, _ = build
    synthetic = forms["me_partner_report"]
    today = con.execute("select current_date").fetchone()[0]
    expected: dict = defaultdict(Counter)
    missing_names: dict = defaultdict(list)
    names = {r[0]: r[1] for r in con.execute("select pcode, name from reference.ref_admin_pcodes").fetchall()}
    for r in synthetic.truth.reports:
        if me_partner_report.month_end(r.month) >= today:
            continue
        row = expected[(r.partner, r.month)]
        row["expected_reports"] += 1
        if r.received:
            row["received_reports"] += 1
            row[f"{r.status}_reports"] += 1
        elif me_partner_report.due_date(r.partner, r.month) < today:
            row["missing_reports"] += 1
            missing_names[(r.partner, r.month)].append((r.activity, r.admin2))
        else:
            row["awaited_reports"] += 1
    measures = (
        "expected_reports",
        "received_reports",
        "on_time_reports",
        "late_reports",
        "missing_reports",
        "awaited_reports",
    )
    mart = {(r["partner_code"], r["period"]): r for r in rows(con, "select * from marts.me_partner_reporting_rates")}
    assert mart.keys() == expected.keys()
    for key, counts in expected.items():
        row = mart[key]
        assert {m: row[m] for m in measures} == {m: counts[m] for m in measures}, key
        assert close(row["completeness_rate"], counts["received_reports"] / counts["expected_reports"], 1e-4)
        assert close(row["timeliness_rate"], counts["on_time_reports"] / counts["expected_reports"], 1e-4)
        named = [f"{activity} {names[admin2]}" for activity, admin2 in sorted(missing_names[key])]
        assert (row["missing_report_names"] or "").split(", ") == (named or [""]), key
        assert row["partner_name_fr"]
    seeded = Counter(r.status for r in synthetic.truth.reports)
    assert seeded["missing"] and seeded["late"]
    assert sum(r["missing_reports"] + r["awaited_reports"] for r in mart.values()) == seeded["missing"]
    assert sum(r["late_reports"] for r in mart.values()) == seeded["late"]
    issues = Counter(
        r[0] for r in con.execute("select rule from cleaned.dq_issues where form = 'me_partner_report'").fetchall()
    )
    assert issues == Counter({"duplicate_submission": sum(r.duplicated for r in synthetic.truth.reports)})


def test_partner_figures_against_activity_monitoring_flag_the_seeded_misreports(build):
    """Each received report's figures, as the generator had the partner report them, against
    the sessions and people (once each in the month) of the activity monitoring's sessions a
    correct cleaning counts; flagged beyond the rule's tolerance, the seeded misreports among
    them, and reports that agree not flagged."""
    _, forms, con, _ = build
    sessions = counted_sessions(con, forms)
    [(tolerance,)] = con.execute(
        "select max_value from reference.ref_dq_rules "
        "where form = 'me_partner_report' and rule = 'partner_figures_differ'"
    ).fetchall()
    monitored_sessions: Counter = Counter()
    monitored_people: dict = defaultdict(set)
    for s in sessions:
        key = (s.activity, s.admin2, s.activity_date.isoformat()[:7])
        monitored_sessions[key] += 1
        monitored_people[key].update(p.person_id for p in s.participants)

    def differs(reported, monitored):
        return reported > 0 if monitored == 0 else abs(reported - monitored) > tolerance * monitored

    expected, flagged, misreported = {}, set(), set()
    for r in forms["me_partner_report"].truth.received():
        key = (r.partner, r.month, r.activity, r.admin2)
        place = (r.activity, r.admin2, r.month)
        expected[key] = (
            r.reported["sessions"],
            monitored_sessions[place],
            r.reported["people"],
            len(monitored_people[place]),
        )
        if differs(r.reported["sessions"], monitored_sessions[place]) or differs(
            r.reported["people"], len(monitored_people[place])
        ):
            flagged.add(key)
        if r.misreported:
            misreported.add(key)
    mart = {
        (r["partner_code"], r["period"], r["activity_code"], r["admin2_pcode"]): r
        for r in rows(con, "select * from marts.me_partner_figures_vs_monitoring")
    }
    assert mart.keys() == expected.keys()
    assert {
        k: (r["sessions_reported"], r["sessions_monitored"], r["people_reported"], r["people_monitored"])
        for k, r in mart.items()
    } == expected
    assert {k for k, r in mart.items() if r["is_flagged"]} == flagged
    assert misreported and misreported <= flagged and flagged != set(expected)
    assert all(mart[k]["finding"] == "partner_reports_more" for k in misreported)
    assert all(r["finding"] is None for k, r in mart.items() if k not in flagged)


# --- M&E: field monitoring visits ---------------------------------------------------------------


def visit_grace_days() -> int:
    seed = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "ref_programme_thresholds.csv"
    import csv

    return next(
        int(float(r["value"]))
        for r in csv.DictReader(seed.open(encoding="utf-8"))
        if r["threshold"] == "visit_grace_days"
    )


def test_monitoring_visits_equal_ground_truth(build):
    """Each planned visit made, made late, missed or upcoming on the build's as-of day as the
    generator made it (a copy sent twice counted once), the unplanned visits, and the
    findings each recorded."""
    _, forms, con, _ = build
    truth = forms["me_field_visit"].truth
    as_of = con.execute("select distinct as_of_date from marts.me_monitoring_visits").fetchall()
    assert len(as_of) == 1
    as_of, grace = as_of[0][0], visit_grace_days()
    made = truth.visits_by_code()
    expected = {}
    for planned in truth.plan:
        status, late = truth.planned_visit_status(planned, as_of, grace)
        visit = made.get(planned.code)
        expected[planned.code] = {
            "made_date": visit.visit_date if visit else None,
            "visit_status": status,
            "days_late": late,
            "findings": len(visit.findings) if visit else 0,
            "findings_critical": sum(f.severity == "critical" for f in visit.findings) if visit else 0,
        }
    mart = {
        r.pop("visit_code"): r
        for r in rows(
            con,
            """
        select visit_code, made_date, visit_status, days_late, findings, findings_critical
        from marts.me_monitoring_visits where is_planned""",
        )
    }
    assert mart == expected
    unplanned = sorted((v.visit_date, len(v.findings)) for v in truth.unplanned())
    assert (
        sorted(
            con.execute(
                "select made_date, findings from marts.me_monitoring_visits where visit_status = 'unplanned'"
            ).fetchall()
        )
        == unplanned
    )
    statuses = Counter(r["visit_status"] for r in expected.values())
    assert statuses["missed"] and statuses["made_late"] and statuses["made"]


def test_monitoring_findings_equal_ground_truth(build):
    """Findings by partner and sub-prefecture: open, overdue on the as-of day, closed (those
    closed by an edit of the visit included) and by severity, as the generator has them."""
    _, forms, con, _ = build
    truth = forms["me_field_visit"].truth
    as_of = con.execute("select distinct as_of_date from marts.me_monitoring_findings").fetchone()[0]
    keys = (
        "findings",
        "findings_open",
        "findings_overdue",
        "findings_closed",
        "findings_critical",
        "findings_high",
        "findings_medium",
        "findings_low",
    )
    expected = {pair: {k: v[k] for k in keys} for pair, v in truth.findings_by_partner_and_admin2(as_of).items()}
    mart = {
        (r.pop("partner_code"), r.pop("admin2_pcode")): r
        for r in rows(con, f"select partner_code, admin2_pcode, {', '.join(keys)} from marts.me_monitoring_findings")
    }
    assert mart == expected
    assert any(f.closed_by_edit for v in truth.visits for f in v.findings)  # edits reached the marts
    assert sum(r["findings_overdue"] for r in expected.values()) > 0


def test_findings_rebuilt_for_a_past_day_are_judged_on_that_day(build, tmp_path):
    """DTM_AS_OF_DATE rebuilds the figures as they stood on a past day: what was overdue then,
    not what is overdue on the day of the build."""
    _, forms, _, settings = build
    truth = forms["me_field_visit"].truth
    due = sorted({f.due_date for v in truth.visits for f in v.findings})
    past = due[len(due) // 2]  # half the findings were not yet due on this day
    then = truth.findings_by_partner_and_admin2(past)
    now = truth.findings_by_partner_and_admin2(settings.as_of_date)
    assert sum(r["findings_overdue"] for r in then.values()) < sum(r["findings_overdue"] for r in now.values())
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(settings.warehouse_path, copy)
    run_dbt(settings, copy, tmp_path / "target", ["me_monitoring_findings"], DTM_AS_OF_DATE=past.isoformat())
    with duckdb.connect(str(copy), read_only=True) as rebuilt:
        assert rebuilt.execute("select distinct as_of_date from marts.me_monitoring_findings").fetchall() == [(past,)]
        found = rows(rebuilt, "select partner_code, admin2_pcode, findings_overdue from marts.me_monitoring_findings")
        overdue = {(r["partner_code"], r["admin2_pcode"]): r["findings_overdue"] for r in found}
    assert overdue == {pair: r["findings_overdue"] for pair, r in then.items()}

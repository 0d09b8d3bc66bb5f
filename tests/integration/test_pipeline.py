"""The whole slice, end to end, against the embedded Kobo server: the path `make demo` takes.

The mart is compared with the generator's ground truth, which is computed from the true
answers and the list of corruptions the generator seeded, never from the platform's SQL.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from html import escape, unescape
from pathlib import Path

import duckdb
import pytest
import yaml

from dtm_platform.kobo_mock.generator import BLOCKING_ERRORS, generate
from dtm_platform.reports.charts import thousands
from dtm_platform.reports.pdf import find_chromium
from dtm_platform.reports.translations import period_label
from dtm_platform.serving.disclosure import rule_for
from dtm_platform.settings import PROJECT_ROOT, load_settings
from dtm_platform.transform.pseudonymize import pseudonymize
from tests.conftest import TEST_SALT

EXPECTED_RULE = {
    "duplicate": "duplicate_submission",
    "outlier": "idp_household_size",
    "unknown_pcode": "unknown_admin2_pcode",
    "gps_outside_car": "gps_outside_car",
    "breakdown_mismatch": "idp_breakdown_mismatch",
    "ki_disagreement": "key_informants_disagree",
}
BELOW_RAW = ("forms", "staging", "cleaned", "marts", "reports")


def corrected_truth(dataset, con) -> tuple[dict, set[int]]:
    """The generator's ground truth by (round, admin2), plus the assessments the cleaning log
    repaired (an outlier or an unknown p-code corrected to its true value now counts)."""
    truth = {(r["round"], r["admin2_pcode"]): dict(r) for r in dataset.ground_truth()}
    applied = {
        r[0]
        for r in con.execute(
            "select submission_id from cleaned.cln_cleaning_log where form = 'dtm_locality' and status = 'applied'"
        ).fetchall()
    }
    submissions = {s["_id"]: s for s in dataset.submissions}
    for submission_id in applied:
        s = submissions[submission_id]
        [assessment] = [
            a
            for a in dataset.assessments
            if a.round == int(s["grp_general/round"])
            and a.locality.admin1 == s["grp_location/admin1"]
            and a.locality.name == s["grp_location/locality_name"]
        ]
        assert assessment.error in BLOCKING_ERRORS  # the log repairs a blocked assessment
        row = truth[(assessment.round, assessment.locality.admin2)]
        row["localities_assessed"] += 1
        for name in ("idp_hh", "idp_ind", "ret_internal_hh", "ret_internal_ind", "ret_abroad_hh", "ret_abroad_ind"):
            row[name] += getattr(assessment, name)
    return truth, applied


@pytest.fixture(scope="module")
def build(full_build):
    """The session's full build (tests/conftest.py: run_full_build() under its own DTM_HOME,
    shared with test_marts_truth.py, read only)."""
    with full_build.environment():
        settings = load_settings()
        dataset = generate(settings.mock_seed, settings.mock_localities_per_admin2)
        con = duckdb.connect(str(settings.warehouse_path), read_only=True)
        yield full_build.outcome, dataset, con, settings
        con.close()


def rows(con, sql, *params):
    cursor = con.execute(sql, list(params))
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def test_every_asset_materializes_and_every_check_passes(build):
    outcome, _, _, _ = build
    from dtm_platform.definitions import defs

    graph = defs.resolve_asset_graph()
    expected_assets = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert outcome.success
    assert outcome.checks_failed == []
    # The demo's cleaning log holds one stale correction on purpose: a warning, not a stop, on
    # the log and on the review of the cleaning that names it; the synthetic flow survey and
    # registry disagree on some days (drawn independently), and the generator seeds localities
    # misreporting their sites' IDPs: a warning on each triangulation. The demo's finance export
    # holds rows to refuse: a warning on its import. Partners' reports go missing and
    # over-report (seeded): a warning on their reporting rates and figures.
    typed_forms = [name for name in outcome.checks_warned if name.startswith("forms/")]
    assert sorted(name for name in outcome.checks_warned if name not in typed_forms) == [
        "cleaned/cln_cleaning_log:gx_suite",
        "finance/imported_expenditures:gx_suite",
        "marts/dq_cleaning_review:gx_suite",
        "marts/dq_flow_triangulation:gx_suite",
        "marts/dq_site_triangulation:gx_suite",
        "marts/me_partner_figures_vs_monitoring:gx_suite",
        "marts/me_partner_reporting_rates:gx_suite",
    ]
    # The generator's seeded unknown codes (p-codes among them) are outside the forms' choices:
    # on the typed tables' gates they warn, and nothing else does.
    for name in typed_forms:
        failed = {
            k: v for k, v in outcome.check_metadata[name].items() if isinstance(v, dict) and v.get("passed") is False
        }
        assert failed and all(
            k.startswith("expect_column_values_to_be_in_set(") and v["severity"] == "warn" for k, v in failed.items()
        ), (name, failed)
    assert set(outcome.materialized) == expected_assets
    assert len(outcome.checks_passed) + len(outcome.checks_warned) == len(list(graph.asset_check_keys))
    assert outcome.not_built == []


def test_raw_holds_exactly_the_servers_submissions(build):
    _, dataset, con, _ = build
    landed = [r[0] for r in con.execute("select _id from raw.kobo_dtm_locality order by _id").fetchall()]
    assert landed == [s["_id"] for s in dataset.submissions]
    log = rows(con, "select * from raw.kobo_sync_log where dataset = 'dtm_locality'")
    assert [entry["new_submissions"] for entry in log] == [len(dataset.submissions)]


def test_every_synthetic_form_lands_in_raw(build):
    _, _, con, settings = build
    from dtm_platform.kobo_mock.catalogue import synthetic_forms

    for synthetic in synthetic_forms(settings.mock_seed, localities_per_admin2=settings.mock_localities_per_admin2):
        landed = [r[0] for r in con.execute(f"select _id from raw.kobo_{synthetic.dataset} order by _id").fetchall()]
        assert landed == [s["_id"] for s in synthetic.form.submissions], synthetic.dataset


def test_the_cleaning_log_is_applied_only_where_its_old_value_still_matches(build):
    _, _, con, _ = build
    status = {
        (r[0], r[1]): r[2]
        for r in con.execute(
            "select submission_id, field, status from cleaned.cln_cleaning_log where form = 'dtm_locality'"
        ).fetchall()
    }
    assert status == {
        (41000027, "idp_individuals"): "applied",
        (41000002, "admin2_pcode"): "applied",
        (41000309, "idp_individuals"): "stale_old_value",
    }
    stale = con.execute(
        "select idp_individuals from cleaned.cln_dtm_locality_assessments where submission_id = 41000309"
    ).fetchone()[0]
    assert stale == 14650  # the stale correction (99999 -> 1465) was not applied


def test_mart_equals_ground_truth(build):
    _, dataset, con, _ = build
    mart = {(r["round"], r["admin2_pcode"]): r for r in rows(con, "select * from marts.dtm_idp_returnees_by_admin2")}
    truth, _ = corrected_truth(dataset, con)
    assert mart.keys() == truth.keys()
    columns = {
        "admin1_pcode": "admin1_pcode",
        "admin1_name": "admin1_name",
        "admin2_name": "admin2_name",
        "localities_assessed": "localities_assessed",
        "idp_hh": "idp_households_in_host_families",
        "idp_ind": "idp_individuals_in_host_families",
        "ret_internal_hh": "returnee_internal_households",
        "ret_internal_ind": "returnee_internal_individuals",
        "ret_abroad_hh": "returnee_abroad_households",
        "ret_abroad_ind": "returnee_abroad_individuals",
    }
    for key, expected in truth.items():
        for truth_column, mart_column in columns.items():
            assert mart[key][mart_column] == expected[truth_column], (key, mart_column)
        assert mart[key]["returnee_individuals"] == expected["ret_internal_ind"] + expected["ret_abroad_ind"]
        # every IDP: those on sites (their mart is checked against the site truth) beside these
        assert mart[key]["idp_individuals"] == expected["idp_ind"] + mart[key]["idp_individuals_in_sites"], key
        assert mart[key]["idp_households"] == expected["idp_hh"] + mart[key]["idp_households_in_sites"], key
        previous = mart.get((key[0] - 1, key[1]))
        if previous is not None:
            assert mart[key]["idp_individuals_change"] == mart[key]["idp_individuals"] - previous["idp_individuals"], (
                key
            )
    in_sites = {
        (r["round"], r["admin2_pcode"]): r["idp_individuals_in_sites"]
        for r in rows(con, "select * from marts.dtm_idps_in_sites_and_host_families")
    }
    assert {k: r["idp_individuals_in_sites"] for k, r in mart.items()} == {k: in_sites.get(k, 0) for k in mart}
    assert sum(in_sites.values()) > 0


def test_priority_needs_equal_ground_truth(build):
    _, dataset, con, _ = build
    _, applied = corrected_truth(dataset, con)
    counted = [a for a in dataset.assessments if a.error not in BLOCKING_ERRORS]
    submissions = {s["_id"]: s for s in dataset.submissions}
    for submission_id in applied:
        s = submissions[submission_id]
        counted += [
            a
            for a in dataset.assessments
            if a.round == int(s["grp_general/round"])
            and a.locality.admin1 == s["grp_location/admin1"]
            and a.locality.name == s["grp_location/locality_name"]
        ]
    expected: dict = {}
    for a in counted:
        for need in a.needs:
            key = (a.round, a.locality.admin1, need)
            expected[key] = expected.get(key, 0) + 1
    mart = {
        (r["round"], r["admin1_pcode"], r["priority_need"]): r
        for r in rows(con, "select * from marts.dtm_priority_needs")
    }
    assert {k: v["localities_reporting"] for k, v in mart.items()} == expected
    assert all(v["priority_need_label_fr"] for v in mart.values())
    # the country's rows, the report's list: every locality counted of the round's assessed
    country = {
        (r["round"], r["priority_need"]): r for r in rows(con, "select * from marts.dtm_priority_needs_by_round")
    }
    assessed = Counter(a.round for a in counted)
    by_round: Counter = Counter()
    for (round_number, _, need), n in expected.items():
        by_round[(round_number, need)] += n
    assert {k: r["localities_reporting"] for k, r in country.items()} == dict(by_round)
    assert all(
        r["localities_assessed"] == assessed[k[0]]
        and abs(r["share_of_localities"] - by_round[k] / assessed[k[0]]) < 1e-4
        for k, r in country.items()
    )


def test_every_seeded_error_is_found_and_only_those_block(build):
    _, dataset, con, _ = build
    _, corrected = corrected_truth(dataset, con)
    found = {(r["submission_id"], r["rule"]) for r in rows(con, "select submission_id, rule from cleaned.dq_issues")}
    for submission_id, kind in dataset.errors.items():
        if submission_id not in corrected:
            assert (submission_id, EXPECTED_RULE[kind]) in found, (submission_id, kind)
    seeded_blocking = {
        i for i, kind in dataset.errors.items() if kind in (*BLOCKING_ERRORS, "duplicate") and i not in corrected
    }
    flagged_blocking = {
        r[0]
        for r in con.execute(
            "select submission_id from cleaned.cln_dtm_locality_assessments where has_blocking_issue"
        ).fetchall()
    }
    assert flagged_blocking == seeded_blocking


def test_cleaned_keeps_every_staging_row(build):
    _, _, con, _ = build
    staging, cleaned = (
        con.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("staging.stg_kobo__dtm_locality", "cleaned.cln_dtm_locality_assessments")
    )
    assert staging == cleaned


def served_personal_values(settings) -> tuple[set[str], set[float]]:
    """The declared personal values of the other forms' served submissions (names, phones,
    national IDs, free text about people, the exact household GPS as text), and the exact
    household coordinates as numbers."""
    from dtm_platform.kobo_mock.catalogue import synthetic_forms

    paths = {
        "dtm_flow_survey": ("grp_respondent/resp_name", "grp_respondent/resp_phone", "grp_respondent/hh_gps"),
        "me_pdm": ("grp_respondent/resp_name", "grp_respondent/resp_phone", "grp_assistance/problems_other"),
        "me_activity": ("beneficiaries/ben_name", "beneficiaries/ben_national_id", "beneficiaries/ben_phone"),
        "me_feedback": (
            "grp_complainant/complainant_name",
            "grp_complainant/complainant_phone",
            "grp_case/description",
        ),
        "me_field_visit": ("grp_visit/observations", "findings/action_text"),
    }
    texts: set[str] = set()
    coordinates: set[float] = set()
    for synthetic in synthetic_forms(settings.mock_seed, localities_per_admin2=settings.mock_localities_per_admin2):
        if synthetic.dataset not in paths:
            continue
        for submission in synthetic.form.submissions:
            for record in [submission, *submission.get("beneficiaries", []), *submission.get("findings", [])]:
                for path in paths[synthetic.dataset]:
                    if record.get(path):
                        texts.add(record[path])
                        if path.endswith("hh_gps"):
                            coordinates.update(float(part) for part in record[path].split()[:2])
    return texts, coordinates


def test_no_personal_value_reaches_any_table_below_raw_or_the_report(build):
    outcome, dataset, con, settings = build
    informants = [ki for s in dataset.submissions for ki in s["key_informants"]]
    personal = {ki["key_informants/ki_name"] for ki in informants} | {
        ki["key_informants/ki_phone"] for ki in informants
    }
    others, household_coordinates = served_personal_values(settings)
    assert len(others) > 1000 and household_coordinates
    personal |= others
    text_columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in {BELOW_RAW} and data_type in ('VARCHAR', 'JSON')"
    ).fetchall()
    assert text_columns, "expected text columns to scan"
    for schema, table, column in text_columns:
        values = {
            r[0] for r in con.execute(f'select distinct "{column}"::varchar from "{schema}"."{table}"').fetchall()
        }
        leaked = values & personal
        assert not leaked, f"{schema}.{table}.{column} carries {len(leaked)} personal values"
    # lists and structs (select_multiple answers, findings): no personal value inside them
    pattern = re.compile("|".join(re.escape(value) for value in sorted(personal, key=len, reverse=True)))
    nested_columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in {BELOW_RAW} and (data_type like '%[]' or data_type like 'STRUCT%')"
    ).fetchall()
    for schema, table, column in nested_columns:
        for (value,) in con.execute(f'select distinct "{column}"::varchar from "{schema}"."{table}"').fetchall():
            assert not (value and pattern.search(value)), f"{schema}.{table}.{column} carries a personal value"
    # the exact household GPS never reaches a number column (coarsened to 0.1 degree at most)
    number_columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in {BELOW_RAW} and data_type in ('DOUBLE', 'FLOAT', 'DECIMAL')"
    ).fetchall()
    for schema, table, column in number_columns:
        values = {r[0] for r in con.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall()}
        assert not values & household_coordinates, f"{schema}.{table}.{column} carries exact household GPS"
    for report in Path(outcome.report_path).parent.glob("*.html"):
        text = report.read_text(encoding="utf-8")
        assert not [value for value in personal if value in text], report.name


def test_phone_numbers_are_keyed_hashes(build):
    _, dataset, con, _ = build
    first = dataset.submissions[0]
    stored = [
        r[0]
        for r in con.execute(
            "select informant_phone_hash from staging.stg_kobo__dtm_locality__key_informants "
            "where submission_id = ? order by informant_position",
            [first["_id"]],
        ).fetchall()
    ]
    phones = [ki["key_informants/ki_phone"] for ki in first["key_informants"]]
    assert stored == [pseudonymize(p, TEST_SALT) for p in phones]
    assert stored != [pseudonymize(p, "another-salt") for p in phones]


def test_report_shows_the_latest_rounds_figures_in_english_and_french(build):
    outcome, dataset, con, _ = build
    truth, _ = corrected_truth(dataset, con)
    latest = max(r[0] for r in truth)
    idps = sum(r["idp_ind"] for k, r in truth.items() if k[0] == latest)
    reports = Path(outcome.report_path).parent
    english = (reports / "dtm_situation_report_en.html").read_text(encoding="utf-8")
    french = (reports / "dtm_situation_report_fr.html").read_text(encoding="utf-8")
    assert f"round {latest}" in english and "Key figures" in english
    assert f"round {latest}" in french and "Chiffres clés" in french and "Key figures" not in french
    # the headline is every IDP of the round, as the marts count them: on sites and with host
    # families, the split beside it
    total, in_sites = con.execute(
        "select sum(idp_individuals), sum(idp_individuals_in_sites) "
        "from marts.dtm_idp_returnees_by_admin2 where round = ?",
        [latest],
    ).fetchone()
    assert total == idps + in_sites and in_sites > 0
    assert (
        con.execute("select idp_individuals from marts.dtm_key_figures where round = ?", [latest]).fetchone()[0]
        == total
    )
    # the priority needs are the country mart's rows, rendered
    from dtm_platform.reports.translations import percent

    need = rows(
        con,
        "select * from marts.dtm_priority_needs_by_round where round = ? "
        "order by localities_reporting desc, priority_need limit 1",
        latest,
    )[0]
    for language, html in (("en", english), ("fr", french)):
        label = escape(need[f"priority_need_label_{language}"])
        shown = percent(100 * need["share_of_localities"], language)
        assert f"<td>{label}</td><td>{thousands(need['localities_reporting'])}</td><td>{shown}</td>" in html, language
    for html in (english, french):
        assert figure(html, "idp_individuals") == thousands(total)
        assert thousands(idps) in html and thousands(in_sites) in html
        assert html.count("<svg") == 5  # chart, map, reasons, sites vs host families, flows by point
        # a real map: the country's border, every prefecture, a legend for the circles and the shading
        assert 'class="country-outline"' in html and html.count('class="prefecture"') == 17
        assert 'class="legend size-legend"' in html and 'class="legend shading-legend"' in html
        assert "Natural Earth" in html
        assert "<script" not in html and "<link" not in html  # self-contained, nothing fetched
        assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)
    # labels come from the form's own translations
    assert "Conflit armé" in french and "Armed conflict" in english


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">\s*<div class="value">([^<]*)</div>', html)
    assert found, name
    return found.group(1)


def test_report_sites_and_flow_sections_equal_the_marts(build):
    outcome, _, con, _ = build
    reports = Path(outcome.report_path).parent
    latest = con.execute("select max(round) from marts.dtm_idp_returnees_by_admin2").fetchone()[0]
    in_sites, in_families, sites = con.execute(
        "select sum(idp_individuals_in_sites), sum(idp_individuals_in_host_families), sum(sites_assessed) "
        "from marts.dtm_idps_in_sites_and_host_families where round = ?",
        [latest],
    ).fetchone()
    assert sites == con.execute("select count(*) from marts.dtm_sites where round = ?", [latest]).fetchone()[0]
    # the section covers the latest four weeks of counts (var flow_report_weeks): worked out
    # here from the weekly mart, not read from the marts the report selects
    weeks = [
        r[0]
        for r in con.execute(
            "select distinct week_start from marts.dtm_flow_weekly order by week_start desc limit 4"
        ).fetchall()
    ]
    incoming, outgoing, flows = con.execute(
        "select sum(total_individuals) filter (where direction = 'incoming'), "
        "sum(total_individuals) filter (where direction = 'outgoing'), sum(flows) "
        "from marts.dtm_flow_daily where week_start >= ?",
        [min(weeks)],
    ).fetchone()
    top_reason = con.execute(
        "select category_label_en, category_label_fr, sum(total_individuals) from marts.dtm_flow_weekly_profiles "
        "where week_start >= ? and breakdown = 'travel_reason' group by all order by 3 desc limit 1",
        [min(weeks)],
    ).fetchone()
    busiest = con.execute(
        "select fmp_label_en, sum(total_individuals) from marts.dtm_flow_weekly where week_start >= ? "
        "group by all order by 2 desc limit 1",
        [min(weeks)],
    ).fetchone()
    for language in ("en", "fr"):
        html = (reports / f"dtm_situation_report_{language}.html").read_text(encoding="utf-8")
        assert figure(html, "idps_in_sites") == thousands(in_sites)
        assert figure(html, "idps_in_host_families") == thousands(in_families)
        assert figure(html, "sites_assessed") == thousands(sites)
        assert figure(html, "travellers") == thousands(incoming + outgoing)  # daily and weekly agree
        assert figure(html, "incoming") == thousands(incoming)
        assert figure(html, "outgoing") == thousands(outgoing)
        assert figure(html, "flows") == thousands(flows)
        reason = top_reason[0] if language == "en" else top_reason[1]
        assert re.search(rf"<td>{re.escape(escape(reason))}</td><td>{thousands(top_reason[2])}</td>", html)
        assert thousands(busiest[1]) in html
    assert "Flow monitoring" in (reports / "dtm_situation_report_en.html").read_text(encoding="utf-8")
    assert "Suivi des flux" in (reports / "dtm_situation_report_fr.html").read_text(encoding="utf-8")


def test_indicator_tracker_carries_the_marts_figures(build):
    import openpyxl

    from dtm_platform.reports import oversight
    from dtm_platform.reports.translations import OVERSIGHT_TEXT, TRACKER_TEXT

    outcome, _, con, settings = build
    assert "reports/me_indicator_tracker" in outcome.materialized
    text = TRACKER_TEXT["en"]
    book = openpyxl.load_workbook(settings.reports_dir / "me_indicator_tracker_en.xlsx")
    assert book.sheetnames == [
        "Notes",
        *text["levels"].values(),
        text["targets_sheet"],
        text["by_period_sheet"],
        *(OVERSIGHT_TEXT["en"][f"{section.key}_sheet"] for section in oversight.SECTIONS),
    ]
    # the workplan's timeline: every line of the mart, the late ones first
    timeline = list(book[OVERSIGHT_TEXT["en"]["timeline_sheet"]].iter_rows(min_row=2, values_only=True))
    assert len(timeline) == con.execute("select count(*) from marts.me_activity_timeline").fetchone()[0]
    late = con.execute("select count(*) from marts.me_activity_timeline where timeline_status = 'late'").fetchone()[0]
    assert late and [row[-1] for row in timeline[:late]] == [OVERSIGHT_TEXT["en"]["statuses"]["late"]] * late
    # every target of the seeds beside its actual: periods, midline, endline, life of project
    targets = [(r[0], r[3]) for r in book[text["targets_sheet"]].iter_rows(min_row=2, values_only=True)]
    assert len(targets) == con.execute("select count(*) from marts.me_indicator_targets_vs_actuals").fetchone()[0]
    assert {kind for _, kind in targets} >= set(text["target_kinds"].values())
    for level, name in text["levels"].items():
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        header = [c.value for c in sheet[1]]
        got = [
            (r[header.index(text["code"])], r[header.index(text["period"])], r[header.index(text["target"])])
            for r in sheet.iter_rows(min_row=2, values_only=True)
        ]
        expected = [
            (code, period_label(period, "en"), target)
            for code, period, target in con.execute(
                "select indicator_code, period, case when unit = 'percent' then target / 100 else target end "
                "from marts.me_indicator_tracking where level = ?",
                [level],
            ).fetchall()
        ]
        assert sorted(got, key=str) == sorted(expected, key=str)
    summary = rows(con, "select * from reports.me_indicator_tracker")
    period = summary[0]["period"]
    assert (
        len(summary)
        == con.execute("select count(distinct indicator_code) from marts.me_indicator_tracking").fetchone()[0]
    )
    html = (settings.reports_dir / "me_indicator_tracker_en.html").read_text(encoding="utf-8")
    assert period_label(period, "en") in html and figure(html, "indicators") == str(len(summary))
    on_track = sum(r["status"] == "on_track" for r in summary)
    assert figure(html, "on_track") == str(on_track)
    assert (settings.reports_dir / "me_indicator_tracker_fr.html").exists()
    # the same results for IATI, valid against its schema, every indicator of the framework a result
    from lxml import etree

    from dtm_platform.reports.iati import validate

    iati = (settings.reports_dir / "me_results_iati.xml").read_bytes()
    validate(iati)
    codes = [r.get("code") for r in etree.fromstring(iati).iter("reference")]
    assert sorted(codes) == sorted(
        r[0] for r in con.execute("select indicator_code from reference.ref_results_framework").fetchall()
    )


def english_words(english, french) -> set[str]:
    """The literal phrases of a product's English texts that its French texts do not share
    (placeholders and short words left out: "Total" is both)."""
    if isinstance(english, dict):
        return {w for key, value in english.items() if key in french for w in english_words(value, french[key])}
    if isinstance(english, (list, tuple)):
        return {w for e, f in zip(english, french) for w in english_words(e, f)}
    if not isinstance(english, str) or english == french:
        return set()
    return {
        part.strip(" .,;:()-")
        for part in re.split(r"\{[^}]*\}", english)
        if len(part.strip(" .,;:()-")) >= 12 and part.strip(" .,;:()-") not in french
    }


def visible_text(html: str) -> str:
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def test_no_french_product_carries_an_english_label(build):
    """The French report, tracker summary, supervisors' page and site and locality profiles:
    none of the products' own English phrases, and none of the marts' English labels (forms'
    choices, flow monitoring points, indicators) where the French label differs."""
    from dtm_platform.cleaning.enumerators import TEXT as ENUMERATOR_TEXT
    from dtm_platform.reports.translations import PROFILE_TEXT, TEXT, TRACKER_TEXT

    outcome, _, con, settings = build
    phrases = (
        english_words(TEXT["en"], TEXT["fr"])
        | english_words(TRACKER_TEXT["en"], TRACKER_TEXT["fr"])
        | english_words(ENUMERATOR_TEXT["en"], ENUMERATOR_TEXT["fr"])
        | english_words(PROFILE_TEXT["en"], PROFILE_TEXT["fr"])
    )
    labels = set()
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'marts' and column_name like '%label_en'"
    ).fetchall():
        french = column[:-2] + "fr"
        labels |= {
            r[0]
            for r in con.execute(
                f'select distinct "{column}" from marts."{table}" where "{column}" is distinct from "{french}"'
            ).fetchall()
            if r[0] and len(r[0]) >= 4
        }
    labels |= {
        r[0]
        for r in con.execute(
            "select distinct indicator_en from marts.me_indicator_tracking where indicator_en <> indicator_fr"
        ).fetchall()
    }
    assert phrases and labels
    products = [
        Path(outcome.report_path).parent / "dtm_situation_report_fr.html",
        settings.reports_dir / "me_indicator_tracker_fr.html",
        settings.cleaning_dir / "enumerators_fr.html",
    ]
    profiles = sorted((settings.reports_dir / "profiles").rglob("*_fr.html"))
    assert len(profiles) > 100  # every site's and sub-prefecture's, and the index
    products += profiles
    for path in products:
        text = " ".join(visible_text(path.read_text(encoding="utf-8")).split())
        found = sorted(w for w in phrases | labels if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text))
        assert not found, (path.name, found)
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{4}-Q\d", text), path.name  # dates and periods the French way


def test_report_pdfs_are_printed(build):
    outcome, *_ = build
    reports = Path(outcome.report_path).parent
    for language in ("en", "fr"):
        pdf = reports / f"dtm_situation_report_{language}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 20_000
        # printed on A4 (595 x 842 points), as offices outside North America print, on every page
        boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes()))
        assert boxes and all(round(float(w)) in (595, 596) and round(float(h)) in (842, 843) for w, h in boxes), boxes


@pytest.mark.parametrize("language", ["en", "fr"])
def test_report_renders_in_a_browser(build, tmp_path, language):
    from PIL import Image

    outcome, *_ = build
    html = Path(outcome.report_path).parent / f"dtm_situation_report_{language}.html"
    png = tmp_path / f"{language}.png"
    subprocess.run(
        [
            find_chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,1800",
            f"--screenshot={png}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = Image.open(png).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    assert image.size == (1000, 1800)
    assert len(colours) > 50  # text, bars, circles: not a blank page
    blue = sum(count for count, (r, g, b) in colours if b > 120 and r < 80 and g < 90)
    assert blue > 5_000  # the key-figure panels, bars and header rule are drawn


def test_profiles_exist_for_every_site_and_sub_prefecture_with_the_marts_figures(build):
    """reports/dtm_site_profiles: a page per site and per sub-prefecture of the latest round, in
    English and French, as HTML and a one-page A4 PDF, each population the mart's; an index per
    language linking them; no key informant's name or phone on any page."""
    outcome, dataset, con, settings = build
    assert "reports/dtm_site_profiles" in outcome.materialized
    assert "reports/dtm_site_profiles:gx_suite" in outcome.checks_passed + outcome.checks_warned
    folder = settings.reports_dir / "profiles"
    latest = con.execute("select max(round) from marts.dtm_key_figures").fetchone()[0]
    sites = con.execute("select site_id, individuals from marts.dtm_sites where round = ?", [latest]).fetchall()
    admin2 = con.execute(
        "select admin2_pcode, idp_individuals, returnee_individuals "
        "from marts.dtm_idp_returnees_by_admin2 where round = ?",
        [latest],
    ).fetchall()
    assert sites and admin2
    assert sorted(p.name for p in (folder / "sites").iterdir()) == sorted(
        f"{site_id}_{language}.{suffix}"
        for site_id, _ in sites
        for language in ("en", "fr")
        for suffix in ("html", "pdf")
    )
    assert sorted(p.name for p in (folder / "localities").iterdir()) == sorted(
        f"{pcode}_{language}.{suffix}"
        for pcode, *_ in admin2
        for language in ("en", "fr")
        for suffix in ("html", "pdf")
    )
    for language in ("en", "fr"):
        for site_id, individuals in sites:
            html = (folder / "sites" / f"{site_id}_{language}.html").read_text(encoding="utf-8")
            assert figure(html, "individuals") == thousands(individuals), (site_id, language)
            assert f'data-field="site_id">{site_id}<' in html
        for pcode, idps, returnees in admin2:
            html = (folder / "localities" / f"{pcode}_{language}.html").read_text(encoding="utf-8")
            assert figure(html, "idp_individuals") == thousands(idps), (pcode, language)
            assert figure(html, "returnee_individuals") == thousands(returnees), (pcode, language)
        index = (folder / f"index_{language}.html").read_text(encoding="utf-8")
        assert all(f'href="sites/{site_id}_{language}.pdf"' in index for site_id, _ in sites)
        assert all(f'href="localities/{pcode}_{language}.html"' in index for pcode, *_ in admin2)
    # printed by Chromium: every profile on one A4 page
    for pdf in folder.rglob("*.pdf"):
        content = pdf.read_bytes()
        assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", content)) == 1, pdf.name
        assert {
            (round(float(w)), round(float(h))) for w, h in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", content)
        } <= {(595, 842), (596, 842), (595, 843), (596, 843)}
    # the figures the gate checked: one row per profile, the marts' rows
    assert con.execute("select count(*) from reports.dtm_site_profiles").fetchone()[0] == len(sites) + len(admin2)
    # no key informant is named on a page (names, phones and their pseudonyms)
    informants = [ki for s in dataset.submissions for ki in s["key_informants"]]
    personal = {ki["key_informants/ki_name"] for ki in informants} | {
        ki["key_informants/ki_phone"] for ki in informants
    }
    personal |= {pseudonymize(p, TEST_SALT) for p in personal}
    for path in folder.rglob("*.html"):
        words = visible_text(path.read_text(encoding="utf-8")).split()
        shown = {" ".join(words[i : i + n]) for n in (1, 2, 3, 4) for i in range(len(words) - n + 1)}
        assert not shown & personal, path.name


def _dbt(warehouse: Path, target: Path, *args):
    from dtm_platform.kobo.registry import load_registry
    from dtm_platform.settings import load_settings
    from dtm_platform.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_subprocess_environment, dbt_vars

    forms = load_registry(load_settings().forms_file)
    env = dbt_subprocess_environment(forms, warehouse)
    return subprocess.run(
        [
            DBT_EXECUTABLE,
            *args,
            "--vars",
            dbt_vars(forms),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def warehouse_copy(build, tmp_path):
    """dbt needs to write: it works on a copy, while the tests here keep reading the original."""
    *_, settings = build
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(settings.warehouse_path, copy)
    return copy


def test_a_logical_check_on_a_field_the_form_lacks_stops_the_build_naming_its_row(warehouse_copy, tmp_path):
    """The seed's expressions are parsed in Python; whether their fields exist only the
    models know: dbt refuses the check before anything runs, naming the seed's row."""
    from dtm_platform.kobo.registry import load_registry
    from dtm_platform.quality.logical_checks import compile_expression
    from dtm_platform.settings import load_settings
    from dtm_platform.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_subprocess_environment, dbt_vars

    forms = load_registry(load_settings().forms_file)
    sql, fields = compile_expression("individuals >= househods")
    variables = json.loads(dbt_vars(forms)) | {
        "dq_logical_checks": [
            {
                "row": 42,
                "rule": "typo_check",
                "form": "dtm_site",
                "field": "households",
                "expression": "individuals >= househods",
                "sql": sql,
                "fields": list(fields),
            }
        ]
    }
    run = subprocess.run(
        [
            DBT_EXECUTABLE,
            "run",
            "--select",
            "dq_logical_check_findings",
            "--vars",
            json.dumps(variables),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
        ],
        env=dbt_subprocess_environment(forms, warehouse_copy),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode != 0
    assert (
        "ref_dq_rules.csv row 42 (rule typo_check, form dtm_site): 'househods' is not a field of dtm_site" in run.stdout
    )


def test_dbt_unit_tests_pass(warehouse_copy, tmp_path):
    run = _dbt(warehouse_copy, tmp_path / "target", "test", "--select", "test_type:unit")
    assert run.returncode == 0, run.stdout[-3000:]
    defined = sum(
        len(yaml.safe_load(f.read_text()).get("unit_tests", []))
        for f in (PROJECT_ROOT / "dbt_project" / "models").rglob("*unit_tests.yml")
    )
    assert defined >= 13 and f"PASS={defined} " in run.stdout  # every unit test ran and passed


def test_dbt_docs_generate(warehouse_copy, tmp_path):
    run = _dbt(warehouse_copy, tmp_path / "target", "docs", "generate")
    assert run.returncode == 0, run.stdout[-3000:]
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    assert "model.dtm_car.dtm_idp_returnees_by_admin2" in catalog["nodes"]


# --- serving: what Power BI, analysts and HDX get from this build ------------------------------


def test_serving_publishes_every_mart_and_nothing_else(build):
    outcome, _, con, settings = build
    marts = {
        r[0]
        for r in con.execute("select table_name from information_schema.tables where table_schema = 'marts'").fetchall()
    }
    assert marts >= {
        "dtm_idp_returnees_by_admin2",
        "dtm_displacement_reasons",
        "dtm_arrival_periods",
        "dtm_priority_needs",
    }
    with duckdb.connect(str(settings.home / "serving" / "marts.duckdb"), read_only=True) as snapshot:
        assert {r[0] for r in snapshot.execute("select table_name from information_schema.tables").fetchall()} == marts
        for table in marts:
            published = snapshot.execute(f"select * from marts.{table} order by all").fetchall()
            if rule_for(table):  # built from interviews: small cells suppressed, flagged
                assert len(published) == con.execute(f"select count(*) from marts.{table}").fetchone()[0], table
                columns = [r[0] for r in snapshot.execute(f"describe marts.{table}").fetchall()]
                assert columns[-1] == "is_suppressed", table
                counts = [
                    r[0]
                    for r in snapshot.execute(f"describe marts.{table}").fetchall()
                    if r[1] in ("BIGINT", "INTEGER")
                    and r[0] in ("respondents", "travellers", "respondents_asked", "cases")
                ]
                assert counts, table
                # in the rows built from interviews (me_indicator_tracking's attendance counts are not)
                small = " or ".join(f"({c} > 0 and {c} < {settings.min_cell_count})" for c in counts)
                interviews = rule_for(table).rows or "true"
                assert (
                    snapshot.execute(
                        f"select count(*) from marts.{table} where ({interviews}) and ({small})"
                    ).fetchone()[0]
                    == 0
                ), table
            else:
                assert published == con.execute(f"select * from marts.{table} order by all").fetchall(), table
    manifest = json.loads((settings.home / "exports" / "manifest.json").read_text())
    assert manifest["run_id"] == outcome.run_id
    # every mart column the dbt docs describe carries its description to the analysts' snapshot
    # and to the manifest (dbt's persist_docs writes it in the warehouse)
    documented = {}
    for path in (PROJECT_ROOT / "dbt_project" / "models" / "marts").rglob("_*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            for column in model.get("columns", []):
                documented[(model["name"], column["name"])] = " ".join(column["description"].split())
    with duckdb.connect(str(settings.home / "serving" / "marts.duckdb"), read_only=True) as snapshot:
        comments = {
            (t, c): " ".join(text.split())
            for t, c, text in snapshot.execute(
                "select table_name, column_name, comment from duckdb_columns() where comment is not null"
            ).fetchall()
        }
    assert {k: v for k, v in documented.items() if k[0] in marts} == comments
    assert comments[("dtm_idp_returnees_by_admin2", "idp_individuals")].startswith("All IDP individuals")
    admin2 = next(f for f in manifest["files"] if f["file"] == "parquet/dtm_idp_returnees_by_admin2.parquet")
    assert {c["name"]: c["description"] for c in admin2["columns"]}["idp_individuals"].startswith("All IDP")
    assert sorted(f["file"] for f in manifest["files"]) == sorted(
        [f"parquet/{m}.parquet" for m in marts] + [f"csv/{m}.csv" for m in marts]
    )
    for schema_table in ("serving.marts_snapshot", "serving.exports", "serving.hdx"):
        assert (
            con.execute(
                f"select count(*), max(personal_columns_found + personal_values_found + "
                f"small_cells_unsuppressed) from {schema_table}"
            ).fetchone()[1]
            == 0
        )
    assert con.execute("select count(*) from serving.postgres").fetchone()[0] == 0  # no DTM_POSTGRES_URL here


def test_no_sensitive_complaint_leaves_the_platform_as_a_row(build):
    """A sensitive complaints and feedback case (protection, sexual exploitation and abuse,
    fraud or corruption, or flagged so) is counted in what leaves the platform, never listed:
    no published table, export, report or field team's workbook names its case number or its
    submission, and the sensitive categories show only counts of at least the minimum cell
    size. The case register inside the warehouse has every one of them."""
    import openpyxl

    from dtm_platform.kobo_mock.catalogue import synthetic_forms
    from dtm_platform.kobo_mock.forms.me_feedback import SENSITIVE_CATEGORIES

    _, _, con, settings = build
    feedback = next(
        s for s in synthetic_forms(settings.mock_seed, localities_per_admin2=1) if s.dataset == "me_feedback"
    )
    truth = feedback.truth
    case_ids = truth.sensitive_case_ids()
    submission_ids = {truth.submission_ids[case_id] for case_id in case_ids}
    assert len(case_ids) >= 20
    assert {
        r[0] for r in con.execute("select case_id from cleaned.cln_me_feedback_cases where is_sensitive").fetchall()
    } == case_ids
    any_case = re.compile("|".join(sorted(case_ids)) + "|" + "|".join(rf"\b{i}\b" for i in sorted(submission_ids)))

    with duckdb.connect(str(settings.home / "serving" / "marts.duckdb"), read_only=True) as snapshot:
        columns = snapshot.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
        ).fetchall()
        for table, column in columns:
            values = snapshot.execute(f'select distinct "{column}"::varchar from marts."{table}"').fetchall()
            assert not [v for (v,) in values if v and any_case.search(v)], f"marts.{table}.{column}"
        # the sensitive categories: counts of at least the minimum cell size, or nothing
        shown = snapshot.execute(
            "select period, category, cases from marts.me_feedback_cases_by_category where is_sensitive"
        ).fetchall()
    assert shown and all(cases is None or cases >= settings.min_cell_count for _, _, cases in shown)
    quarters = {"2026-Q3": (date(2026, 7, 1), date(2026, 9, 30)), "2026-Q4": (date(2026, 10, 1), date(2026, 12, 31))}
    small = {
        key
        for key, n in truth.by_period_category(quarters).items()
        if key[1] in SENSITIVE_CATEGORIES and 0 < n < settings.min_cell_count
    }
    assert small and small <= {(period, category) for period, category, cases in shown if cases is None}
    assert any(cases is None for _, _, cases in shown)  # the demo has sensitive counts to withhold

    scanned = 0
    for root in (settings.home / "exports", settings.reports_dir, settings.cleaning_dir):
        for path in root.rglob("*"):
            if path.suffix in (".csv", ".json", ".geojson", ".html", ".xml"):
                text = path.read_text(encoding="utf-8", errors="replace")
            elif path.suffix == ".xlsx":
                workbook = openpyxl.load_workbook(path, read_only=True)
                text = "\n".join(
                    str(v)
                    for sheet in workbook
                    for row in sheet.iter_rows(values_only=True)
                    for v in row
                    if v is not None
                )
                workbook.close()
            else:
                continue
            scanned += 1
            assert not any_case.search(text), path.name
    assert scanned > 10


def test_the_dtm_api_dataset_holds_every_idp_once_in_dtm_s_shape(build):
    """The dataset for the Regional Data Hub: DTM API v3's columns; its locality rows are the
    IDPs with host families, its site rows the IDPs on sites, of the published marts."""
    _, _, con, _ = build
    columns = [r[0] for r in con.execute("describe marts.dtm_api_idps_admin2").fetchall()]
    assert columns == [
        "admin0Name",
        "admin0Pcode",
        "admin1Name",
        "admin1Pcode",
        "admin2Name",
        "admin2Pcode",
        "numPresentIdpInd",
        "reportingDate",
        "yearReportingDate",
        "monthReportingDate",
        "roundNumber",
        "displacementReason",
        "numberMales",
        "numberFemales",
        "idpOriginAdmin1Name",
        "idpOriginAdmin1Pcode",
        "assessmentType",
        "operation",
    ]
    dataset = {
        (r[0], r[1], r[2]): r[3]
        for r in con.execute("""
        select "roundNumber", "admin2Pcode", "assessmentType", sum("numPresentIdpInd")
        from marts.dtm_api_idps_admin2 group by all""").fetchall()
    }
    marts = {}
    for round_number, admin2, in_families, in_sites in con.execute(
        "select round, admin2_pcode, idp_individuals_in_host_families, idp_individuals_in_sites "
        "from marts.dtm_idp_returnees_by_admin2"
    ).fetchall():
        marts.update(
            {
                k: v
                for k, v in {(round_number, admin2, "BA"): in_families, (round_number, admin2, "SA"): in_sites}.items()
                if v
            }
        )
    assert dataset == marts
    reasons = {
        r[0]
        for r in con.execute(
            """select distinct "displacementReason" from marts.dtm_api_idps_admin2 where "assessmentType" = 'BA'"""
        ).fetchall()
    }
    assert "Armed conflict" in reasons and None not in reasons
    dates = con.execute("""select distinct "roundNumber", "reportingDate", "yearReportingDate", "monthReportingDate"
                           from marts.dtm_api_idps_admin2 order by 1""").fetchall()
    assert [(r, d.isoformat(), y, m) for r, d, y, m in dates] == [
        (18, "2026-08-28", 2026, 8),
        (19, "2026-10-30", 2026, 10),
    ]


def test_the_hdx_file_carries_the_marts_figures_with_hxl_hashtags(build):
    import hxl

    _, _, con, settings = build
    path = settings.home / "exports" / "hdx" / "dtm_car_idps_returnees_admin2.csv"
    data = hxl.data(str(path), hxl.InputOptions(allow_local=True))
    assert {
        "#adm1+code",
        "#adm2+code",
        "#affected+idps+ind",
        "#affected+returnees+hh",
        "#date+reported",
        "#round+code",
    } <= set(data.display_tags)
    published = {
        (int(r.get("#round")), r.get("#adm2+code")): (int(r.get("#affected+idps+ind")), r.get("#date+reported"))
        for r in hxl.data(str(path), hxl.InputOptions(allow_local=True))
    }
    mart = {
        (r["round"], r["admin2_pcode"]): (r["idp_individuals"], str(r["collection_end"]))
        for r in rows(
            con,
            """
        select m.round, m.admin2_pcode, m.idp_individuals, r.collection_end
        from marts.dtm_idp_returnees_by_admin2 m
        join reference.ref_dtm_rounds r on r.form = 'dtm_locality' and r.round = m.round""",
        )
    }
    assert published == mart
    # the GIS file beside it: the same rows, each at the centre of its localities, which the
    # generator placed inside the sub-prefecture's real prefecture
    import json

    from dtm_platform.boundaries import prefectures

    features = json.loads(path.with_suffix(".geojson").read_text(encoding="utf-8"))["features"]
    assert {
        (f["properties"]["round"], f["properties"]["admin2_pcode"]): f["properties"]["idp_individuals"]
        for f in features
    } == {key: idps for key, (idps, _) in mart.items()}
    placed = [f for f in features if f["geometry"]]
    assert len(placed) >= len(features) * 0.9  # sub-prefectures with sites only have no centre
    assert all(prefectures()[f["properties"]["admin1_pcode"]].contains(*f["geometry"]["coordinates"]) for f in placed)


def test_no_personal_value_reaches_any_published_file_or_table(build):
    _, dataset, _, settings = build
    informants = [ki for s in dataset.submissions for ki in s["key_informants"]]
    personal = {ki["key_informants/ki_name"] for ki in informants} | {
        ki["key_informants/ki_phone"] for ki in informants
    }
    personal |= {pseudonymize(p, TEST_SALT) for p in personal}
    others, _ = served_personal_values(settings)
    personal |= others
    declared = {
        "informant_name",
        "informant_phone_hash",
        "ki_name",
        "ki_phone",
        "resp_name",
        "resp_phone",
        "respondent_name",
        "respondent_phone_hash",
        "ben_name",
        "ben_phone",
        "ben_national_id",
        "beneficiary_name",
        "beneficiary_phone_hash",
        "beneficiary_national_id_hash",
        "problems_other",
    }
    published: dict[str, tuple[list[str], list[tuple]]] = {}
    with duckdb.connect(str(settings.home / "serving" / "marts.duckdb"), read_only=True) as snapshot:
        for (table,) in snapshot.execute("select table_name from information_schema.tables").fetchall():
            cursor = snapshot.execute(f"select * from marts.{table}")
            published[f"snapshot:{table}"] = ([d[0] for d in cursor.description], cursor.fetchall())
    for path in sorted(settings.home.joinpath("exports").rglob("*")):
        if path.suffix == ".parquet":
            cursor = duckdb.sql(f"select * from read_parquet('{path}')")
            published[f"parquet:{path.stem}"] = (cursor.columns, cursor.fetchall())
        elif path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as handle:
                lines = list(csv.reader(handle))
            published[f"{path.parent.name}:{path.stem}"] = (lines[0], [tuple(line) for line in lines[1:]])
    assert len(published) >= 3 * 4 + 2
    for where, (columns, values) in published.items():
        assert not declared & set(columns), where
        cells = {str(v).removeprefix("'") for row in values for v in row if v is not None}
        assert not cells & personal, where

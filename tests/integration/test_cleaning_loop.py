"""The data officer's loop with the field teams, end to end on the session's full build:
the issues the generator seeded reach the teams' verification workbooks; a returned
workbook (answered here with openpyxl, malformed rows included) is imported; the next
build applies exactly the valid answers, the review names the rest, and the site marts
equal the generator's ground truth with the corrections.

The build is shared and read only: the import and the rebuild work on a copy of its
warehouse, under a home of their own.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from dtm_platform.cleaning.answers import import_answers
from dtm_platform.cleaning.columns import COLUMNS, README_SHEET, SHEET
from dtm_platform.cleaning.ledger import read_ledger
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.catalogue import synthetic_forms
from dtm_platform.kobo_mock.forms import flow_survey
from dtm_platform.settings import load_settings
from dtm_platform.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR, dbt_subprocess_environment, dbt_vars
from tests.integration import test_marts_truth as programme_truth

HEADER = {c.key: c.header for c in COLUMNS}
DTM_TEAMS = ("dtm-ouest", "dtm-centre", "dtm-est")
FLOW_TEAM = "flux-frontieres"  # the flow survey's travel groups: answers inside a repeat


@pytest.fixture(scope="module")
def build(full_build):
    with full_build.environment():
        settings = load_settings()
        synthetic = {
            s.dataset: s
            for s in synthetic_forms(settings.mock_seed, localities_per_admin2=settings.mock_localities_per_admin2)
        }
        yield full_build, settings, synthetic


def sheet_rows(path: Path) -> list[dict]:
    sheet = openpyxl.load_workbook(path)[SHEET]
    keys = {cell.value: c.key for cell in sheet[1] for c in COLUMNS if c.header == cell.value}
    return [
        {
            keys[sheet.cell(1, col).value]: sheet.cell(row, col).value
            for col in range(1, sheet.max_column + 1)
            if sheet.cell(1, col).value in keys
        }
        | {"_row": row}
        for row in range(2, sheet.max_row + 1)
    ]


def queue(con, where: str = "is_recent") -> list[dict]:
    cursor = con.execute(f"select * from marts.dq_verification_queue where {where}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


# --- out: the workbooks ------------------------------------------------------------------------


def test_each_team_gets_the_open_issues_of_its_recent_submissions(build):
    full_build, settings, synthetic = build
    assert "cleaning/verification_workbooks" in full_build.outcome.materialized
    assert "cleaning/verification_workbooks:gx_suite" in full_build.outcome.checks_passed
    directory = settings.cleaning_dir / "verification"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        expected = {(r["team"], r["form"], str(r["submission_id"]), r["rule"], r["field"] or "") for r in queue(con)}
        older = queue(con, "not is_recent")
    listed = set()
    for path in sorted(directory.glob("*.xlsx")):
        for r in sheet_rows(path):
            listed.add((path.stem, r["form"], r["submission_id"], r["rule"], r["field"] or ""))
    assert listed == expected
    assert older, "the demo's collection spans more than the verification window"
    assert {team for team, *_ in listed} >= {*DTM_TEAMS, "flux-frontieres", "me-enquetes"}
    # the generator's seeded site outliers of the window are there, on the individuals question
    errors = synthetic["dtm_site"].errors
    recent_site = {int(s) for team, form, s, rule, _ in listed if form == "dtm_site"}
    outliers = {i for i, kind in errors.items() if kind == "outlier" and i in recent_site}
    assert outliers
    assert outliers <= {
        int(s)
        for _, form, s, rule, field in listed
        if form == "dtm_site" and rule == "household_size" and field == "individuals"
    }


def test_a_workbook_is_ready_to_send_and_print(build):
    _, settings, _ = build
    path = settings.cleaning_dir / "verification" / "dtm-ouest.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[:2] == [README_SHEET, SHEET]
    sheet = workbook[SHEET]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet.freeze_panes == "D2" and sheet.auto_filter.ref
    assert sheet.protection.sheet
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$1:$1"
    hidden = {c.header for c in COLUMNS if c.hidden}
    assert {
        sheet.cell(1, i + 1).value
        for i, c in enumerate(COLUMNS)
        if sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].hidden
    } == hidden
    # the answer cells are open, the others locked
    decision = next(i for i, c in enumerate(COLUMNS, 1) if c.key == "decision")
    form = next(i for i, c in enumerate(COLUMNS, 1) if c.key == "form")
    assert not sheet.cell(2, decision).protection.locked and sheet.cell(2, form).protection.locked
    # drop-downs: the decisions on every row, a select question's codes, typed numbers
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    decision_cells = set()
    for ref, v in validations.items():
        if v.type == "list" and "no_action" in (v.formula1 or ""):
            decision_cells |= set(ref.split())
    letter = sheet.cell(1, decision).column_letter
    assert decision_cells == {f"{letter}{row}" for row in range(2, sheet.max_row + 1)}
    assert any(v.type == "whole" for v in validations.values())
    assert any(v.type == "list" and "Choix" in (v.formula1 or "") for v in validations.values())


def _personal_values(synthetic, forms) -> set[str]:
    """Every value the served submissions hold at a path the registry marks personal."""
    personal = {f.dataset: set(f.personal_fields) for f in forms}
    found: set[str] = set()

    def walk(node, paths):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in paths and isinstance(value, str) and len(value) >= 4:
                    found.add(value)
                walk(value, paths)
        elif isinstance(node, list):
            for item in node:
                walk(item, paths)

    for dataset, s in synthetic.items():
        walk(s.form.submissions, personal.get(dataset, set()))
    return found


def test_no_personal_value_reaches_a_workbook(build):
    _, settings, synthetic = build
    personal = _personal_values(synthetic, load_registry(settings.forms_file))
    assert len(personal) > 100
    for path in (settings.cleaning_dir / "verification").glob("*.xlsx"):
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    assert not (isinstance(value, str) and any(p in value for p in personal)), (path.name, value)


# --- back: the answers, and the next build ------------------------------------------------------


@pytest.fixture(scope="module")
def answered(build, tmp_path_factory):
    """The three DTM teams' workbooks answered and imported into a copy of the build, then
    the cleaned layer and the marts built again on it."""
    full_build, settings, synthetic = build
    home = tmp_path_factory.mktemp("cleaning_loop")
    warehouse = home / "warehouse.duckdb"
    shutil.copy(settings.warehouse_path, warehouse)
    errors = synthetic["dtm_site"].errors
    expected: dict[tuple[str, int], str] = {}  # (team, row) -> accepted, or what the rejection says
    outcomes, files = [], []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        older_flow_issues = queue(con, "rule in ('implausible_member_age', 'other_specified') and not is_recent")
        findings = {(r["submission_id"], r["rule"]): r["finding"] for r in queue(con, "rule = 'other_specified'")}
    for team in (*DTM_TEAMS, FLOW_TEAM):
        source = settings.cleaning_dir / "verification" / f"{team}.xlsx"
        workbook = openpyxl.load_workbook(source)
        sheet = workbook[SHEET]
        col = {c.key: i for i, c in enumerate(COLUMNS, 1)}
        locality_rows = []
        for r in sheet_rows(source):
            row, sid = r["_row"], int(r["submission_id"])
            if r["form"] == "dtm_site" and r["rule"] == "household_size" and errors.get(sid) == "outlier":
                sheet.cell(row, col["decision"]).value = "change_response"
                sheet.cell(row, col["new_value"]).value = int(r["current_value"]) // 10
                sheet.cell(row, col["comment"]).value = "Un zéro en trop, confirmé par téléphone"
                sheet.cell(row, col["verified_by"]).value = f"sup.{team}"
                expected[(team, row)] = "accepted"
            elif r["form"] == "dtm_site" and r["rule"] == "duplicate_submission":
                sheet.cell(row, col["decision"]).value = "remove_survey"
                expected[(team, row)] = "accepted"
            elif r["form"] == "dtm_site" and r["rule"] == "breakdown_mismatch":
                sheet.cell(row, col["decision"]).value = "no_action"
                expected[(team, row)] = "accepted"
            elif r["form"] == "dtm_locality" and r["field"] == "idp_individuals":
                locality_rows.append(row)
            elif r["rule"] in ("implausible_member_age", "other_specified"):
                if r["rule"] == "other_specified":  # the text is shown under the rule's explanation
                    assert f"→ {findings[(sid, 'other_specified')]}" in r["explanation"]
                for key, value in flow_answer(r, findings).items():
                    sheet.cell(row, col[key]).value = value
                expected[(team, row)] = "accepted"
        if team == FLOW_TEAM:  # the older ones, added by hand: rows naming their answer (inside the repeat too)
            for added, issue in enumerate(older_flow_issues, sheet.max_row + 1):
                for key, value in {
                    "form": issue["form"],
                    "submission_id": issue["submission_id"],
                    "field": issue["field"],
                    **flow_answer(issue, findings),
                }.items():
                    sheet.cell(added, col[key]).value = value
                expected[(team, added)] = "accepted"
        if team == "dtm-ouest":  # the malformed answers
            typo, edited, unknown, stale, conflict = locality_rows[:5]
            sheet.cell(typo, col["decision"]).value = "change_response"
            sheet.cell(typo, col["new_value"]).value = "beaucoup"
            expected[(team, typo)] = "is not a whole number"
            sheet.cell(edited, col["decision"]).value = "no_action"
            sheet.cell(edited, col["place"]).value = "Ailleurs"
            expected[(team, edited)] = "a protected column was edited: Lieu / Place"
            sheet.cell(unknown, col["decision"]).value = "delete"
            expected[(team, unknown)] = "unknown decision 'delete'"
            sheet.cell(stale, col["decision"]).value = "no_action"
            sheet.cell(stale, col["issue_key"]).value = "0" * 32
            expected[(team, stale)] = "the issue no longer exists"
            sheet.cell(conflict, col["decision"]).value = "change_response"
            sheet.cell(conflict, col["new_value"]).value = 10
            expected[(team, conflict)] = "different answers for the same answer"
            added = sheet.max_row + 1  # rows a team adds by hand name their cell themselves
            for key, value in {
                "form": "dtm_locality",
                "field": "idp_individuals",
                "decision": "change_response",
                "new_value": 11,
                "submission_id": sheet.cell(conflict, col["submission_id"]).value,
            }.items():
                sheet.cell(added, col[key]).value = value
            expected[(team, added)] = "different answers for the same answer"
            for key, value in {
                "form": "dtm_locality",
                "submission_id": "99999999",
                "field": "idp_individuals",
                "decision": "change_response",
                "new_value": 5,
            }.items():
                sheet.cell(added + 1, col[key]).value = value
            expected[(team, added + 1)] = "unknown submission 99999999"
        answered_file = home / "returned" / f"{team}.xlsx"
        answered_file.parent.mkdir(exist_ok=True)
        workbook.save(answered_file)
        files.append(answered_file)
        outcomes.append(
            import_answers(
                answered_file,
                warehouse=warehouse,
                cleaning_dir=home / "cleaning",
                imported_by="test",
                now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            )
        )
    forms = load_registry(settings.forms_file)
    with full_build.environment():
        subprocess.run(
            [
                DBT_EXECUTABLE,
                "build",
                "--select",
                "stg_cleaning__imported_answers+",
                "--exclude",
                "test_type:unit",
                "--vars",
                dbt_vars(forms),
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
            ],
            check=True,
            env=dbt_subprocess_environment(forms, warehouse),
            cwd=DBT_PROJECT_DIR,
            stdout=subprocess.DEVNULL,
        )
    con = duckdb.connect(str(warehouse), read_only=True)
    yield {
        "home": home,
        "warehouse": warehouse,
        "con": con,
        "outcomes": outcomes,
        "expected": expected,
        "files": files,
        "synthetic": synthetic,
        "settings": settings,
    }
    con.close()


def true_age(typed_twice: str) -> int:
    """The age a member's answer meant (the generator's member_age_typo types it twice)."""
    return int(typed_twice[: len(typed_twice) // 2])


OTHER_MEANS = dict(flow_survey.OTHER_REASONS)  # an "other" text -> the choice it means, or None


def flow_answer(issue: dict, findings: dict) -> dict:
    """The flow team's answer: a member's true age; an "other" reason recoded to the choice
    its text means, or confirmed as another reason."""
    if issue["rule"] == "implausible_member_age":
        return {"decision": "change_response", "new_value": true_age(issue["current_value"])}
    meant = OTHER_MEANS[findings[(int(issue["submission_id"]), "other_specified")].removeprefix("other: ")]
    return {"decision": "change_response", "new_value": meant} if meant else {"decision": "no_action"}


def test_every_row_of_a_returned_workbook_is_accounted_for(answered):
    for outcome in answered["outcomes"]:
        team = outcome.source.stem
        rows = {r.row: r for r in outcome.rows}
        for (expected_team, row), wanted in answered["expected"].items():
            if expected_team != team:
                continue
            if wanted == "accepted":
                assert rows[row].outcome == "accepted", (team, row, rows[row].reason)
            else:
                assert rows[row].outcome == "rejected" and wanted in rows[row].reason, (team, row, rows[row].reason)
        answered_rows = {row for (t, row) in answered["expected"] if t == team}
        assert all(r.outcome == "unanswered" for n, r in rows.items() if n not in answered_rows)
        # nothing lost: every non-empty row of the sheet has an outcome
        assert set(rows) == {r["_row"] for r in sheet_rows(outcome.source)}
        if any(r.outcome == "rejected" for r in outcome.rows):
            report = openpyxl.load_workbook(outcome.report).worksheets[0]
            reported = {int(r[0]) for r in report.iter_rows(min_row=3, values_only=True) if r[0]}
            assert reported == {n for n, r in rows.items() if r.outcome != "accepted"}
    ledger = read_ledger(answered["home"] / "cleaning" / "cleaning_log.csv")
    assert len(ledger) == sum(w == "accepted" for w in answered["expected"].values())
    assert all(e["source_file"] and e["changed_at"] and e["changed_by"] and e["reason"] for e in ledger)
    record = answered_record(answered)
    assert record == {o.source.name: {r.outcome for r in o.rows} for o in answered["outcomes"]}


def answered_record(answered) -> dict[str, set[str]]:
    with duckdb.connect(str(answered["warehouse"]), read_only=True) as con:
        return {
            f: set(o)
            for f, o in con.execute(
                "select source_file, list(distinct outcome) from cleaning.imported_answers group by 1"
            ).fetchall()
        }


def test_the_next_build_applies_exactly_the_valid_answers(answered):
    con = answered["con"]
    ledger = read_ledger(answered["home"] / "cleaning" / "cleaning_log.csv")
    statuses = {
        (r[0], r[1], r[2]): r[3]
        for r in con.execute(
            "select submission_id, coalesce(field, ''), decision, status from cleaned.cln_cleaning_log "
            "where source_file <> 'seeds/ref_cleaning_log.csv'"
        ).fetchall()
    }
    assert statuses == {(int(e["submission_id"]), e["field"], e["decision"]): "applied" for e in ledger}
    site_entries = [e for e in ledger if e["form"] == "dtm_site"]
    changed = {int(e["submission_id"]): int(e["new_value"]) for e in site_entries if e["decision"] == "change_response"}
    removed = {int(e["submission_id"]) for e in site_entries if e["decision"] == "remove_survey"}
    sites = {
        r[0]: r[1:]
        for r in con.execute(
            "select submission_id, individuals, has_blocking_issue, dq_rules_failed from "
            "cleaned.cln_dtm_site_assessments"
        ).fetchall()
    }
    for sid, value in changed.items():
        assert sites[sid][0] == value and not sites[sid][1], sid
    for sid in removed:
        assert sites[sid][1] and "removed_by_cleaning_log" in sites[sid][2], sid
    # an answered issue leaves the queue; a confirmed warning is closed
    open_keys = {(r["submission_id"], r["rule"]) for r in queue(con, "true")}
    assert not {(sid, "household_size") for sid in changed} & open_keys
    confirmed = {int(e["submission_id"]) for e in ledger if e["decision"] == "no_action"}
    assert confirmed and not {(sid, "breakdown_mismatch") for sid in confirmed} & open_keys
    assert not con.execute(
        "select count(*) from cleaned.dq_issues where form = 'dtm_site' and rule = "
        "'breakdown_mismatch' and submission_id in (select unnest(?::bigint[]))",
        [sorted(confirmed)],
    ).fetchone()[0]
    # the review: the imported entries applied, the seed's stale one still named
    review = dict(con.execute("select review, count(*) from marts.dq_cleaning_review group by 1").fetchall())
    assert review["applied"] >= len(ledger) and review.get("no_longer_applies") == 1
    assert con.execute("select count(*) from marts.dq_cleaning_review where needs_attention").fetchone()[0] == 1


@pytest.mark.parametrize(
    "truth",
    [programme_truth.test_sites_by_type_equal_ground_truth, programme_truth.test_site_services_equal_ground_truth],
    ids=lambda f: f.__name__,
)
def test_the_site_marts_equal_the_ground_truth_after_correction(answered, truth):
    """The corrected outliers now count, with their true individuals (the truth counts a
    blocked submission the cleaning log repaired: counted_sites)."""
    with duckdb.connect(str(answered["warehouse"]), read_only=True) as con:
        truth((None, answered["synthetic"], con, answered["settings"]))


def test_answers_inside_a_repeat_correct_the_member_and_count_the_interview(answered):
    con, synthetic = answered["con"], answered["synthetic"]
    typos = {sid for sid, kind in synthetic["dtm_flow_survey"].errors.items() if kind == "member_age_typo"}
    entries = [
        e
        for e in read_ledger(answered["home"] / "cleaning" / "cleaning_log.csv")
        if e["form"] == "dtm_flow_survey" and e["field"].startswith("travel_group[")
    ]
    # every seeded typo was answered, some from the workbook and some by rows added by hand
    assert {int(e["submission_id"]) for e in entries} == typos
    assert any(e["issue_key"] for e in entries) and any(not e["issue_key"] for e in entries)
    for e in entries:
        position = int(e["field"].removeprefix("travel_group[").split("]")[0])
        age, corrected = con.execute(
            "select member_age, is_corrected from cleaned.cln_dtm_flow_survey__travel_group_corrected "
            "where submission_id = ? and member_position = ?",
            [int(e["submission_id"]), position],
        ).fetchone()
        assert (age, corrected) == (int(e["new_value"]), True) and age == true_age(e["old_value"]), e
        # only that answer of that member changed
        assert (
            con.execute(
                "select count(*) from cleaned.cln_dtm_flow_survey__travel_group_corrected "
                "where submission_id = ? and is_corrected",
                [int(e["submission_id"])],
            ).fetchone()[0]
            == 1
        )
    blocked = con.execute(
        "select count(*) from cleaned.cln_dtm_flow_survey_interviews where has_blocking_issue "
        "and submission_id in (select unnest(?::bigint[]))",
        [sorted(typos)],
    ).fetchone()[0]
    assert blocked == 0
    assert not queue(con, "rule = 'implausible_member_age'")


@pytest.mark.parametrize(
    "truth",
    [
        programme_truth.test_flow_survey_travellers_and_documents_equal_ground_truth,
        programme_truth.test_flow_survey_profiles_equal_ground_truth,
    ],
    ids=lambda f: f.__name__,
)
def test_the_flow_survey_marts_equal_the_ground_truth_after_correction(answered, truth):
    """The interviews whose member's age was corrected inside the repeat now count, with
    the member's true age; the "other" reasons whose text means a choice count as it."""
    synthetic = dict(answered["synthetic"])
    survey = synthetic["dtm_flow_survey"]
    repaired = [
        dataclasses.replace(
            i,
            error=None if i.error == "member_age_typo" else i.error,
            reason=(i.other_reason and i.other_reason[1]) or i.reason,
        )
        for i in survey.truth.interviews
    ]
    synthetic["dtm_flow_survey"] = dataclasses.replace(
        survey, truth=dataclasses.replace(survey.truth, interviews=repaired)
    )
    with duckdb.connect(str(answered["warehouse"]), read_only=True) as con:
        truth((None, synthetic, con, answered["settings"]))


def test_other_answers_recoded_leave_other_and_the_texts_say_so(answered):
    con, synthetic = answered["con"], answered["synthetic"]
    answered_texts = Counter(
        s["grp_journey/travel_reason_other"]
        for s in synthetic["dtm_flow_survey"].form.submissions
        if s.get("grp_journey/travel_reason") == "other"
    )
    mart = {
        r[0]: r[1:]
        for r in con.execute(
            "select other_text, answers, still_other, recoded, recoded_to from marts.dq_other_specify_texts "
            "where form = 'dtm_flow_survey' and question = 'travel_reason'"
        ).fetchall()
    }
    assert {text: row[0] for text, row in mart.items()} == dict(answered_texts)
    for text, (answers, still_other, recoded, recoded_to) in mart.items():
        meant = OTHER_MEANS[text]
        assert (still_other, recoded, recoded_to) == ((0, answers, [meant]) if meant else (answers, 0, [])), text
    # every "other" answer was answered: none is left in the queue
    assert not queue(con, "rule = 'other_specified'")


def test_a_workbook_imported_twice_adds_nothing(answered):
    ledger_file = answered["home"] / "cleaning" / "cleaning_log.csv"
    before = read_ledger(ledger_file)
    again = answered["home"] / "again" / "warehouse.duckdb"  # views name their catalogue after the file
    again.parent.mkdir()
    shutil.copy(answered["warehouse"], again)
    outcome = import_answers(
        answered["files"][0],
        warehouse=again,
        cleaning_dir=answered["home"] / "cleaning",
        imported_by="test",
        now=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    assert outcome.count("accepted") == 0
    assert read_ledger(ledger_file) == before
    answers = [r for r in outcome.rows if r.outcome == "rejected" and r.cells.get("issue_key")]
    # the answers imported the first time are answered; the malformed ones are refused again
    first = {r.row: r for r in answered["outcomes"][0].rows}
    for r in answers:
        if first[r.row].outcome == "accepted":
            assert r.reason.startswith(f"already answered ({answered['files'][0].name}, row"), (r.row, r.reason)
        else:
            assert r.reason == first[r.row].reason, r.row


# --- the enumerator view -----------------------------------------------------------------------


def test_enumerator_days_add_up_to_what_was_served(build):
    from collections import Counter

    full_build, settings, synthetic = build
    forms = {f.dataset: f for f in load_registry(settings.forms_file)}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        for dataset, s in synthetic.items():
            path = forms[dataset].field_path("enumerator_id")
            served = Counter((sub[path], sub["_submission_time"][:10]) for sub in s.form.submissions)
            mart = {
                (r[0], r[1].isoformat()): r[2]
                for r in con.execute(
                    "select enumerator_id, submission_date, submissions from marts.dq_enumerator_daily where form = ?",
                    [dataset],
                ).fetchall()
            }
            assert mart == dict(served), dataset
        issues = con.execute("select sum(issues), sum(blocking_issues) from marts.dq_enumerator_daily").fetchone()
        assert (
            issues
            == con.execute(
                "select count(*), count(*) filter (where severity = 'blocking') from cleaned.dq_issues"
            ).fetchone()
        )
        # every enumerator of the recent period is on the page, worst rate first within a team
        summary = con.execute(
            "select team, enumerator_id, issues_per_100_submissions from marts.dq_enumerator_summary "
            "order by team, issues_per_100_submissions desc"
        ).fetchall()
        unlisted = con.execute("select count(*) from marts.dq_enumerator_daily where team = 'unassigned'").fetchone()[0]
    assert summary and unlisted == 0
    assert "cleaning/enumerator_view:gx_suite" in full_build.outcome.checks_passed
    pages = {
        language: (settings.cleaning_dir / f"enumerators_{language}.html").read_text(encoding="utf-8")
        for language in ("en", "fr")
    }
    assert "Issues per 100 submissions" in pages["en"] and "Problèmes pour 100 soumissions" in pages["fr"]
    for _team, enumerator, _ in summary:
        assert enumerator in pages["en"] and enumerator in pages["fr"]
    # French decimals
    worst = max(summary, key=lambda r: r[2])[2]
    assert f"{worst:.1f}".replace(".", ",") in pages["fr"] and f"{worst:.1f}" in pages["en"]

"""The indicator tracker's programme-oversight sections (reports/oversight.py), from a small
synthetic marts.me_activity_timeline: the workplan's late lines first, statuses named and
coloured in both languages, dates kept as dates in the XLSX, and the HTML section."""

from __future__ import annotations

from datetime import date

import duckdb
import openpyxl
import pytest
import xlsxwriter

from dtm_platform.reports import oversight
from dtm_platform.reports.indicator_tracker import _header as tracker_header
from dtm_platform.reports.xlsx import WORKBOOK_OPTIONS, Formats
from dtm_platform.reports.translations import OVERSIGHT_TEXT

TIMELINE_COLUMNS = {
    "activity_code": "varchar", "activity_label_en": "varchar", "activity_label_fr": "varchar",
    "output_indicator_code": "varchar", "indicators_served": "varchar", "admin1_pcode": "varchar",
    "admin1_name": "varchar", "admin2_pcode": "varchar", "admin2_name": "varchar", "planned_start": "date",
    "planned_end": "date", "output_planned_start": "date", "output_planned_end": "date",
    "sessions_planned": "integer", "sessions_delivered": "integer", "actual_start": "date", "actual_end": "date",
    "start_slippage_days": "integer", "end_slippage_days": "integer", "timeline_status": "varchar",
    "as_of_date": "date"}


def line(code, admin2, status, *, delivered, planned=4, start=None, end=None, slip_start=None, slip_end=None):
    return {"activity_code": code, "activity_label_en": f"Activity {code}", "activity_label_fr": f"Activité {code}",
            "output_indicator_code": "OP-2", "indicators_served": "OC-2 OP-2", "admin1_pcode": "CF43",
            "admin1_name": "Ouaka", "admin2_pcode": admin2, "admin2_name": f"Place {admin2}",
            "planned_start": date(2026, 6, 1), "planned_end": date(2026, 8, 31),
            "output_planned_start": date(2026, 6, 1), "output_planned_end": date(2026, 10, 31),
            "sessions_planned": planned, "sessions_delivered": delivered, "actual_start": start, "actual_end": end,
            "start_slippage_days": slip_start, "end_slippage_days": slip_end, "timeline_status": status,
            "as_of_date": date(2026, 9, 30)}


LINES = [
    line("ACT-1.1", "CF431", "done", delivered=4, start=date(2026, 6, 3), end=date(2026, 8, 1), slip_start=2,
         slip_end=-30),
    line("ACT-1.2", "CF431", "late", delivered=1, start=date(2026, 6, 9), slip_start=8, slip_end=30),
    line("ACT-1.2", "CF421", "late", delivered=0, slip_start=121, slip_end=30),
    line("ACT-2.1", "CF431", "on_track", delivered=2, start=date(2026, 7, 1), slip_start=30),
    line("ACT-1.1", "CF421", "late", delivered=2, start=date(2026, 6, 2), slip_start=1, slip_end=45),
]


def create_timeline(con: duckdb.DuckDBPyConnection, lines: list[dict]) -> None:
    create_table(con, "marts.me_activity_timeline", TIMELINE_COLUMNS, lines)


BUDGET_COLUMNS = {
    "budget_line": "varchar", "budget_line_en": "varchar", "budget_line_fr": "varchar", "activity_code": "varchar",
    "output_indicator_code": "varchar", "currency": "varchar", "period": "varchar", "period_start": "date",
    "period_end": "date", "budget": "double", "spent": "decimal(18,2)", "payments": "bigint", "burn_rate": "double",
    "budget_to_date": "double", "spent_to_date": "decimal(18,2)", "burn_rate_to_date": "double",
    "is_overspent": "boolean", "output_percent_achieved": "double", "burn_delivery_gap_points": "double",
    "spending_flag": "varchar", "gap_threshold_points": "double"}


def budget_line(code, period, flag, *, budget, spent, achieved, overspent=False):
    gap = None if achieved is None else round(100 * spent / budget - min(achieved, 100), 1)
    return {"budget_line": code, "budget_line_en": f"Line {code}", "budget_line_fr": f"Ligne {code}",
            "activity_code": "ACT-1.1", "output_indicator_code": "OP-2", "currency": "USD", "period": period,
            "period_start": None, "period_end": None, "budget": budget, "spent": spent, "payments": 3,
            "burn_rate": round(spent / budget, 4), "budget_to_date": budget, "spent_to_date": spent,
            "burn_rate_to_date": round(spent / budget, 4), "is_overspent": overspent,
            "output_percent_achieved": achieved, "burn_delivery_gap_points": gap, "spending_flag": flag,
            "gap_threshold_points": 20.0}


BUDGET = [
    budget_line("BL-1.1", "2026-Q2", "in_step", budget=1000, spent=900, achieved=95),
    budget_line("BL-2.1", "2026-Q3", "behind_delivery", budget=1000, spent=350, achieved=128),
    budget_line("BL-1.2", "2026-Q3", "ahead_of_delivery", budget=1000, spent=1300, achieved=100, overspent=True),
    budget_line("BL-9.1", "2026-Q3", "no_delivery_measure", budget=500, spent=450, achieved=None),
]


def create_table(con, name: str, columns: dict, rows: list[dict]) -> None:
    con.execute("create schema if not exists marts")
    con.execute(f"create table {name} (" + ", ".join(f"{c} {kind}" for c, kind in columns.items()) + ")")
    if rows:
        con.executemany(f"insert into {name} values ({', '.join('?' * len(columns))})",
                        [[r[c] for c in columns] for r in rows])


RATES_COLUMNS = {
    "partner_code": "varchar", "partner_name_en": "varchar", "partner_name_fr": "varchar", "reporting_month": "date",
    "period": "varchar", "due_date": "date", "expected_reports": "bigint", "received_reports": "bigint",
    "on_time_reports": "bigint", "late_reports": "bigint", "missing_reports": "bigint", "awaited_reports": "bigint",
    "missing_report_names": "varchar", "completeness_rate": "double", "timeliness_rate": "double"}


def rates(partner, month, *, expected, on_time, late, missing=None):
    received = on_time + late
    return {"partner_code": partner, "partner_name_en": f"Partner {partner}", "partner_name_fr": f"Partenaire {partner}",
            "reporting_month": date(2026, month, 1), "period": f"2026-{month:02d}", "due_date": date(2026, month + 1, 10),
            "expected_reports": expected, "received_reports": received, "on_time_reports": on_time,
            "late_reports": late, "missing_reports": expected - received, "awaited_reports": 0,
            "missing_report_names": missing, "completeness_rate": received / expected,
            "timeliness_rate": on_time / expected}


RATES = [rates("PRT-A", 6, expected=4, on_time=4, late=0), rates("PRT-B", 7, expected=4, on_time=2, late=1,
                                                                    missing="ACT-2.1 Bria"),
         rates("PRT-A", 7, expected=4, on_time=3, late=1)]
FIGURES_COLUMNS = {
    "partner_code": "varchar", "partner_name_en": "varchar", "partner_name_fr": "varchar", "reporting_month": "date",
    "period": "varchar", "activity_code": "varchar", "activity_label_en": "varchar", "activity_label_fr": "varchar",
    "admin1_pcode": "varchar", "admin2_pcode": "varchar", "admin2_name": "varchar", "submission_id": "bigint",
    "sessions_reported": "integer", "sessions_monitored": "bigint", "sessions_difference": "bigint",
    "people_reported": "integer", "people_monitored": "bigint", "people_difference": "bigint",
    "people_difference_share": "double", "is_flagged": "boolean", "finding": "varchar"}


def figures(submission_id, reported, monitored, finding=None):
    return {"partner_code": "PRT-A", "partner_name_en": "Partner A", "partner_name_fr": "Partenaire A",
            "reporting_month": date(2026, 7, 1), "period": "2026-07", "activity_code": "ACT-1.1",
            "activity_label_en": "Activity ACT-1.1", "activity_label_fr": "Activité ACT-1.1", "admin1_pcode": "CF43",
            "admin2_pcode": "CF431", "admin2_name": "Bambari", "submission_id": submission_id,
            "sessions_reported": 1, "sessions_monitored": 1, "sessions_difference": 0, "people_reported": reported,
            "people_monitored": monitored, "people_difference": reported - monitored,
            "people_difference_share": None, "is_flagged": finding is not None, "finding": finding}


FIGURES = [figures(1, 20, 20), figures(2, 30, 20, "partner_reports_more"), figures(3, 40, 20, "partner_reports_more")]


def create_oversight_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Every section's mart, with the rows of this module."""
    create_timeline(con, LINES)
    create_table(con, "marts.me_budget_delivery", BUDGET_COLUMNS, BUDGET)
    create_table(con, "marts.me_partner_reporting_rates", RATES_COLUMNS, RATES)
    create_table(con, "marts.me_partner_figures_vs_monitoring", FIGURES_COLUMNS, FIGURES)


@pytest.fixture()
def gathered():
    with duckdb.connect(":memory:") as con:
        create_oversight_marts(con)
        return oversight.gather(con, min_cell_count=5)


def test_late_lines_come_first_the_latest_on_top(gathered):
    order = [(r["activity_code"], r["admin2_pcode"], r["timeline_status"]) for r in gathered["timeline"]]
    assert order == [("ACT-1.1", "CF421", "late"), ("ACT-1.2", "CF421", "late"), ("ACT-1.2", "CF431", "late"),
                     ("ACT-2.1", "CF431", "on_track"), ("ACT-1.1", "CF431", "done")]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_sheet_names_statuses_in_the_language_and_colours_them(gathered, language, tmp_path):
    workbook = tmp_path / "oversight.xlsx"
    book = xlsxwriter.Workbook(str(workbook), WORKBOOK_OPTIONS)
    oversight.write_sheets(book, gathered, language, Formats(book), tracker_header)
    book.close()
    text = OVERSIGHT_TEXT[language]
    sheet = openpyxl.load_workbook(workbook)[text["timeline_sheet"]]
    header = [c.value for c in sheet[1]]
    assert header == [text[c.header] for c in oversight.SECTIONS[0].columns]
    first = {h: c for h, c in zip(header, sheet[2])}
    assert first[text["activity"]].value == ("Activité ACT-1.1" if language == "fr" else "Activity ACT-1.1")
    assert first[text["status"]].value == text["statuses"]["late"]
    assert first[text["status"]].fill.fgColor.rgb.endswith("FFC7CE")          # late: Excel's "bad" style
    assert first[text["end_slippage"]].value == 45
    assert first[text["planned_end"]].value.date() == date(2026, 8, 31)      # a date, not a text
    assert first[text["actual_end"]].value is None                           # not done: no end
    last = {h: c for h, c in zip(header, sheet[6])}
    assert last[text["status"]].value == text["statuses"]["done"]
    assert last[text["status"]].fill.fgColor.rgb.endswith("C6EFCE")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def test_the_tracker_carries_the_section_in_both_languages(gathered):
    for language in ("en", "fr"):
        views = oversight.html_view(gathered, language)
        assert [v["key"] for v in views][:2] == ["timeline", "budget"]
        view = views[0]
        assert view["title"] == OVERSIGHT_TEXT[language]["timeline_title"]
        assert [cell["text"] for cell in view["rows"][0]][-1] == OVERSIGHT_TEXT[language]["statuses"]["late"]
        dates = [cell["text"] for cell in view["rows"][4] if cell["format"] == "date"]
        assert dates[:2] == (["01/06/2026", "31/08/2026"] if language == "fr" else ["1 Jun 2026", "31 Aug 2026"])


def test_an_empty_section_says_so():
    with duckdb.connect(":memory:") as con:
        create_timeline(con, [])
        gathered = oversight.gather(con, min_cell_count=5, sections=oversight.SECTIONS[:1])
    view = oversight.html_view(gathered, "fr", sections=oversight.SECTIONS[:1])[0]
    assert view["rows"] == [] and view["empty"] == OVERSIGHT_TEXT["fr"]["empty"]


def test_every_section_has_its_texts_in_both_languages():
    for language in ("en", "fr"):
        text = OVERSIGHT_TEXT[language]
        for section in oversight.SECTIONS:
            for suffix in ("title", "sheet", "note"):
                assert text[f"{section.key}_{suffix}"], (language, section.key, suffix)
            assert len(text[f"{section.key}_sheet"]) <= 31      # Excel's limit for a sheet's name
            for column in section.columns:
                assert text[column.header], (language, column.header)
            for status in section.tones or {}:
                assert status in text["statuses"]
    assert OVERSIGHT_TEXT["en"].keys() == OVERSIGHT_TEXT["fr"].keys()



def test_budget_lines_to_explain_come_first_with_the_threshold_in_the_note(gathered):
    assert [(r["budget_line"], r["spending_flag"]) for r in gathered["budget"]] == [
        ("BL-1.2", "ahead_of_delivery"), ("BL-2.1", "behind_delivery"), ("BL-9.1", "no_delivery_measure"),
        ("BL-1.1", "in_step")]
    for language, period, gap, burn in (("en", "Q3 2026", "+30.0", "130.0%"), ("fr", "T3 2026", "+30,0", "130,0\u202f%")):
        view = oversight.html_view(gathered, language)[1]
        assert ("by more than 20 percentage points" if language == "en" else "de plus de 20 points") in view["note"]
        first = {h["text"]: c["text"] for h, c in zip(view["headers"], view["rows"][0])}
        text = OVERSIGHT_TEXT[language]
        assert first[text["period"]] == period and first[text["gap_points"]] == gap
        assert first[text["burn_rate"]] == burn
        assert first[text["spending_flag"]] == text["statuses"]["ahead_of_delivery"]
        assert view["rows"][0][-1]["colours"] == oversight.TONES["bad"]
        assert first[text["budget_line_name"]] == ("Line BL-1.2" if language == "en" else "Ligne BL-1.2")


def test_partners_missing_reports_and_flagged_figures_come_first_in_both_languages(gathered):
    assert [(r["partner_code"], r["period"]) for r in gathered["partner_reporting"]] == [
        ("PRT-B", "2026-07"), ("PRT-A", "2026-07"), ("PRT-A", "2026-06")]
    assert [r["submission_id"] for r in gathered["partner_figures"]] == [3, 2]   # flagged only, largest first
    for language, month, share in (("en", "Jul 2026", "50.0%"), ("fr", "juillet 2026", "50,0\u202f%")):
        text = OVERSIGHT_TEXT[language]
        views = {v["key"]: v for v in oversight.html_view(gathered, language)}
        rates = views["partner_reporting"]
        assert rates["title"] == text["partner_reporting_title"]
        first = {h["text"]: c["text"] for h, c in zip(rates["headers"], rates["rows"][0])}
        assert first[text["month"]] == month and first[text["timeliness_rate"]] == share
        assert first[text["missing_reports"]] == "1" and first[text["missing_report_names"]] == "ACT-2.1 Bria"
        assert first[text["partner"]] == ("Partner PRT-B" if language == "en" else "Partenaire PRT-B")
        checked = views["partner_figures"]
        top = {h["text"]: c for h, c in zip(checked["headers"], checked["rows"][0])}
        assert top[text["finding"]]["text"] == text["statuses"]["partner_reports_more"]
        assert top[text["finding"]]["colours"] == oversight.TONES["bad"]

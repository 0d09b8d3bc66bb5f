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
from dtm_platform.reports.translations import OVERSIGHT_TEXT
from dtm_platform.reports.xlsx import WORKBOOK_OPTIONS, Formats

TIMELINE_COLUMNS = {
    "activity_code": "varchar",
    "activity_label_en": "varchar",
    "activity_label_fr": "varchar",
    "output_indicator_code": "varchar",
    "indicators_served": "varchar",
    "admin1_pcode": "varchar",
    "admin1_name": "varchar",
    "admin2_pcode": "varchar",
    "admin2_name": "varchar",
    "planned_start": "date",
    "planned_end": "date",
    "output_planned_start": "date",
    "output_planned_end": "date",
    "sessions_planned": "integer",
    "sessions_delivered": "integer",
    "actual_start": "date",
    "actual_end": "date",
    "start_slippage_days": "integer",
    "end_slippage_days": "integer",
    "timeline_status": "varchar",
    "as_of_date": "date",
}


def line(code, admin2, status, *, delivered, planned=4, start=None, end=None, slip_start=None, slip_end=None):
    return {
        "activity_code": code,
        "activity_label_en": f"Activity {code}",
        "activity_label_fr": f"Activité {code}",
        "output_indicator_code": "OP-2",
        "indicators_served": "OC-2 OP-2",
        "admin1_pcode": "CF43",
        "admin1_name": "Ouaka",
        "admin2_pcode": admin2,
        "admin2_name": f"Place {admin2}",
        "planned_start": date(2026, 6, 1),
        "planned_end": date(2026, 8, 31),
        "output_planned_start": date(2026, 6, 1),
        "output_planned_end": date(2026, 10, 31),
        "sessions_planned": planned,
        "sessions_delivered": delivered,
        "actual_start": start,
        "actual_end": end,
        "start_slippage_days": slip_start,
        "end_slippage_days": slip_end,
        "timeline_status": status,
        "as_of_date": date(2026, 9, 30),
    }


LINES = [
    line(
        "ACT-1.1",
        "CF431",
        "done",
        delivered=4,
        start=date(2026, 6, 3),
        end=date(2026, 8, 1),
        slip_start=2,
        slip_end=-30,
    ),
    line("ACT-1.2", "CF431", "late", delivered=1, start=date(2026, 6, 9), slip_start=8, slip_end=30),
    line("ACT-1.2", "CF421", "late", delivered=0, slip_start=121, slip_end=30),
    line("ACT-2.1", "CF431", "on_track", delivered=2, start=date(2026, 7, 1), slip_start=30),
    line("ACT-1.1", "CF421", "late", delivered=2, start=date(2026, 6, 2), slip_start=1, slip_end=45),
]


def create_timeline(con: duckdb.DuckDBPyConnection, lines: list[dict]) -> None:
    create_table(con, "marts.me_activity_timeline", TIMELINE_COLUMNS, lines)


BUDGET_COLUMNS = {
    "budget_line": "varchar",
    "budget_line_en": "varchar",
    "budget_line_fr": "varchar",
    "activity_code": "varchar",
    "output_indicator_code": "varchar",
    "currency": "varchar",
    "period": "varchar",
    "period_start": "date",
    "period_end": "date",
    "budget": "double",
    "spent": "decimal(18,2)",
    "payments": "bigint",
    "burn_rate": "double",
    "budget_to_date": "double",
    "spent_to_date": "decimal(18,2)",
    "burn_rate_to_date": "double",
    "is_overspent": "boolean",
    "output_percent_achieved": "double",
    "burn_delivery_gap_points": "double",
    "spending_flag": "varchar",
    "gap_threshold_points": "double",
}


def budget_line(code, period, flag, *, budget, spent, achieved, overspent=False):
    gap = None if achieved is None else round(100 * spent / budget - min(achieved, 100), 1)
    return {
        "budget_line": code,
        "budget_line_en": f"Line {code}",
        "budget_line_fr": f"Ligne {code}",
        "activity_code": "ACT-1.1",
        "output_indicator_code": "OP-2",
        "currency": "USD",
        "period": period,
        "period_start": None,
        "period_end": None,
        "budget": budget,
        "spent": spent,
        "payments": 3,
        "burn_rate": round(spent / budget, 4),
        "budget_to_date": budget,
        "spent_to_date": spent,
        "burn_rate_to_date": round(spent / budget, 4),
        "is_overspent": overspent,
        "output_percent_achieved": achieved,
        "burn_delivery_gap_points": gap,
        "spending_flag": flag,
        "gap_threshold_points": 20.0,
    }


BUDGET = [
    budget_line("BL-1.1", "2026-Q2", "in_step", budget=1000, spent=900, achieved=95),
    budget_line("BL-2.1", "2026-Q3", "behind_delivery", budget=1000, spent=350, achieved=128),
    budget_line("BL-1.2", "2026-Q3", "ahead_of_delivery", budget=1000, spent=1300, achieved=100, overspent=True),
    budget_line("BL-9.1", "2026-Q3", "no_delivery_measure", budget=500, spent=450, achieved=None),
]


FEEDBACK_COLUMNS = {
    "received_month": "date",
    "case_type": "varchar",
    "case_type_label_en": "varchar",
    "case_type_label_fr": "varchar",
    "channel": "varchar",
    "channel_label_en": "varchar",
    "channel_label_fr": "varchar",
    "as_of_date": "date",
    "cases": "bigint",
    "closed": "bigint",
    "still_open": "bigint",
    "closed_after_deadline": "bigint",
    "overdue": "bigint",
    "closed_median_days": "double",
}


def feedback_row(month, case_type, channel, *, cases, closed, late, overdue, median):
    return {
        "received_month": date(2026, month, 1),
        "case_type": case_type,
        "case_type_label_en": {"complaint": "Complaint", "suggestion": "Suggestion"}[case_type],
        "case_type_label_fr": {"complaint": "Plainte", "suggestion": "Suggestion"}[case_type],
        "channel": channel,
        "channel_label_en": f"Channel {channel}",
        "channel_label_fr": f"Canal {channel}",
        "as_of_date": date(2026, 12, 6),
        "cases": cases,
        "closed": closed,
        "still_open": cases - closed,
        "closed_after_deadline": late,
        "overdue": overdue,
        "closed_median_days": median,
    }


FEEDBACK = [
    feedback_row(7, "complaint", "hotline", cases=12, closed=12, late=5, overdue=0, median=9.5),
    feedback_row(9, "complaint", "hotline", cases=20, closed=12, late=0, overdue=8, median=6.0),
    feedback_row(9, "suggestion", "help_desk", cases=3, closed=1, late=0, overdue=2, median=30.0),  # withheld
    feedback_row(10, "suggestion", "hotline", cases=9, closed=9, late=2, overdue=0, median=12.0),
]
CATEGORY_COLUMNS = {
    "period": "varchar",
    "row_level": "varchar",
    "category": "varchar",
    "category_label_en": "varchar",
    "category_label_fr": "varchar",
    "is_sensitive": "boolean",
    "cases": "bigint",
}


def category_row(period, category, cases, sensitive=False):
    total = category is None
    return {
        "period": period,
        "row_level": "total" if total else "category",
        "category": category,
        "category_label_en": "All categories" if total else f"Category {category}",
        "category_label_fr": "Toutes catégories" if total else f"Catégorie {category}",
        "is_sensitive": sensitive,
        "cases": cases,
    }


CATEGORIES = [
    category_row("2026-Q3", None, 40),
    category_row("2026-Q3", "targeting", 22),
    category_row("2026-Q3", "payment_delay", 12),
    category_row("2026-Q3", "sexual_exploitation_abuse", 2, sensitive=True),  # small: withheld
    category_row("2026-Q3", "protection", 4, sensitive=True),  # small: withheld
]


VISIT_COLUMNS = {
    "visit_code": "varchar",
    "submission_id": "bigint",
    "is_planned": "boolean",
    "activity_code": "varchar",
    "activity_label_en": "varchar",
    "activity_label_fr": "varchar",
    "admin1_pcode": "varchar",
    "admin1_name": "varchar",
    "admin2_pcode": "varchar",
    "admin2_name": "varchar",
    "partner_code": "varchar",
    "monitoring_team": "varchar",
    "planned_date": "date",
    "made_date": "date",
    "visits_made": "integer",
    "days_late": "integer",
    "visit_status": "varchar",
    "findings": "integer",
    "findings_open": "integer",
    "findings_critical": "integer",
    "findings_high": "integer",
    "findings_medium": "integer",
    "findings_low": "integer",
    "grace_days": "integer",
    "as_of_date": "date",
}


def visit(code, status, *, planned=None, made=None, late=None, submission_id=None, findings=0):
    return {
        "visit_code": code,
        "submission_id": submission_id,
        "is_planned": status != "unplanned",
        "activity_code": "ACT-1.1",
        "activity_label_en": "Infrastructure",
        "activity_label_fr": "Infrastructures",
        "admin1_pcode": "CF43",
        "admin1_name": "Ouaka",
        "admin2_pcode": "CF431",
        "admin2_name": "Bambari",
        "partner_code": "IP-01",
        "monitoring_team": "MT-CENTRE",
        "planned_date": planned,
        "made_date": made,
        "visits_made": 1 if made else 0,
        "days_late": late,
        "visit_status": status,
        "findings": findings,
        "findings_open": findings,
        "findings_critical": 0,
        "findings_high": findings,
        "findings_medium": 0,
        "findings_low": 0,
        "grace_days": 7,
        "as_of_date": date(2026, 12, 6),
    }


VISITS = [
    visit("MV-001", "made", planned=date(2026, 7, 4), made=date(2026, 7, 6), late=2, findings=2),
    visit("unplanned", "unplanned", made=date(2026, 8, 1), submission_id=7),
    visit("MV-002", "missed", planned=date(2026, 9, 1), late=96),
    visit("MV-003", "upcoming", planned=date(2026, 12, 20)),
    visit("MV-004", "made_late", planned=date(2026, 7, 10), made=date(2026, 8, 1), late=22, findings=1),
    visit("MV-005", "missed", planned=date(2026, 11, 1), late=35),
]

FINDING_COLUMNS = {
    "partner_code": "varchar",
    "admin1_pcode": "varchar",
    "admin1_name": "varchar",
    "admin2_pcode": "varchar",
    "admin2_name": "varchar",
    "visits_made": "integer",
    "findings": "integer",
    "findings_open": "integer",
    "findings_overdue": "integer",
    "findings_closed": "integer",
    "findings_critical": "integer",
    "findings_high": "integer",
    "findings_medium": "integer",
    "findings_low": "integer",
    "overdue_high_or_critical": "integer",
    "oldest_overdue_days": "integer",
    "follow_up_status": "varchar",
    "as_of_date": "date",
}


def partner_place(partner, admin2, status, *, open_=0, overdue=0, closed=0, serious_overdue=0, oldest=None):
    return {
        "partner_code": partner,
        "admin1_pcode": "CF43",
        "admin1_name": "Ouaka",
        "admin2_pcode": admin2,
        "admin2_name": f"Place {admin2}",
        "visits_made": 3,
        "findings": open_ + closed,
        "findings_open": open_,
        "findings_overdue": overdue,
        "findings_closed": closed,
        "findings_critical": serious_overdue,
        "findings_high": 0,
        "findings_medium": 0,
        "findings_low": open_ + closed - serious_overdue,
        "overdue_high_or_critical": serious_overdue,
        "oldest_overdue_days": oldest,
        "follow_up_status": status,
        "as_of_date": date(2026, 12, 6),
    }


FINDINGS = [
    partner_place("IP-01", "CF431", "closed", closed=4),
    partner_place("IP-02", "CF431", "overdue", open_=3, overdue=2, oldest=40),
    partner_place("IP-03", "CF421", "no_findings"),
    partner_place("IP-01", "CF421", "overdue", open_=2, overdue=1, serious_overdue=1, oldest=12),
    partner_place("IP-02", "CF421", "open", open_=2, closed=1),
]


def create_table(con, name: str, columns: dict, rows: list[dict]) -> None:
    con.execute("create schema if not exists marts")
    con.execute(f"create table {name} (" + ", ".join(f"{c} {kind}" for c, kind in columns.items()) + ")")
    if rows:
        con.executemany(
            f"insert into {name} values ({', '.join('?' * len(columns))})", [[r[c] for c in columns] for r in rows]
        )


RATES_COLUMNS = {
    "partner_code": "varchar",
    "partner_name_en": "varchar",
    "partner_name_fr": "varchar",
    "reporting_month": "date",
    "period": "varchar",
    "due_date": "date",
    "expected_reports": "bigint",
    "received_reports": "bigint",
    "on_time_reports": "bigint",
    "late_reports": "bigint",
    "missing_reports": "bigint",
    "awaited_reports": "bigint",
    "missing_report_names": "varchar",
    "completeness_rate": "double",
    "timeliness_rate": "double",
}


def rates(partner, month, *, expected, on_time, late, missing=None):
    received = on_time + late
    return {
        "partner_code": partner,
        "partner_name_en": f"Partner {partner}",
        "partner_name_fr": f"Partenaire {partner}",
        "reporting_month": date(2026, month, 1),
        "period": f"2026-{month:02d}",
        "due_date": date(2026, month + 1, 10),
        "expected_reports": expected,
        "received_reports": received,
        "on_time_reports": on_time,
        "late_reports": late,
        "missing_reports": expected - received,
        "awaited_reports": 0,
        "missing_report_names": missing,
        "completeness_rate": received / expected,
        "timeliness_rate": on_time / expected,
    }


RATES = [
    rates("PRT-A", 6, expected=4, on_time=4, late=0),
    rates("PRT-B", 7, expected=4, on_time=2, late=1, missing="ACT-2.1 Bria"),
    rates("PRT-A", 7, expected=4, on_time=3, late=1),
]
FIGURES_COLUMNS = {
    "partner_code": "varchar",
    "partner_name_en": "varchar",
    "partner_name_fr": "varchar",
    "reporting_month": "date",
    "period": "varchar",
    "activity_code": "varchar",
    "activity_label_en": "varchar",
    "activity_label_fr": "varchar",
    "admin1_pcode": "varchar",
    "admin2_pcode": "varchar",
    "admin2_name": "varchar",
    "submission_id": "bigint",
    "sessions_reported": "integer",
    "sessions_monitored": "bigint",
    "sessions_difference": "bigint",
    "people_reported": "integer",
    "people_monitored": "bigint",
    "people_difference": "bigint",
    "people_difference_share": "double",
    "is_flagged": "boolean",
    "finding": "varchar",
}


def figures(submission_id, reported, monitored, finding=None):
    return {
        "partner_code": "PRT-A",
        "partner_name_en": "Partner A",
        "partner_name_fr": "Partenaire A",
        "reporting_month": date(2026, 7, 1),
        "period": "2026-07",
        "activity_code": "ACT-1.1",
        "activity_label_en": "Activity ACT-1.1",
        "activity_label_fr": "Activité ACT-1.1",
        "admin1_pcode": "CF43",
        "admin2_pcode": "CF431",
        "admin2_name": "Bambari",
        "submission_id": submission_id,
        "sessions_reported": 1,
        "sessions_monitored": 1,
        "sessions_difference": 0,
        "people_reported": reported,
        "people_monitored": monitored,
        "people_difference": reported - monitored,
        "people_difference_share": None,
        "is_flagged": finding is not None,
        "finding": finding,
    }


FIGURES = [figures(1, 20, 20), figures(2, 30, 20, "partner_reports_more"), figures(3, 40, 20, "partner_reports_more")]


def create_oversight_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Every section's mart, with the rows of this module."""
    create_timeline(con, LINES)
    create_table(con, "marts.me_budget_delivery", BUDGET_COLUMNS, BUDGET)
    create_table(con, "marts.me_partner_reporting_rates", RATES_COLUMNS, RATES)
    create_table(con, "marts.me_partner_figures_vs_monitoring", FIGURES_COLUMNS, FIGURES)
    create_table(con, "marts.me_feedback_cases_by_month", FEEDBACK_COLUMNS, FEEDBACK)
    create_table(con, "marts.me_feedback_cases_by_category", CATEGORY_COLUMNS, CATEGORIES)
    create_table(con, "marts.me_monitoring_visits", VISIT_COLUMNS, VISITS)
    create_table(con, "marts.me_monitoring_findings", FINDING_COLUMNS, FINDINGS)


@pytest.fixture
def gathered():
    with duckdb.connect(":memory:") as con:
        create_oversight_marts(con)
        return oversight.gather(con, min_cell_count=5)


def test_late_lines_come_first_the_latest_on_top(gathered):
    order = [(r["activity_code"], r["admin2_pcode"], r["timeline_status"]) for r in gathered["timeline"]]
    assert order == [
        ("ACT-1.1", "CF421", "late"),
        ("ACT-1.2", "CF421", "late"),
        ("ACT-1.2", "CF431", "late"),
        ("ACT-2.1", "CF431", "on_track"),
        ("ACT-1.1", "CF431", "done"),
    ]


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
    first = dict(zip(header, sheet[2]))
    assert first[text["activity"]].value == ("Activité ACT-1.1" if language == "fr" else "Activity ACT-1.1")
    assert first[text["status"]].value == text["statuses"]["late"]
    assert first[text["status"]].fill.fgColor.rgb.endswith("FFC7CE")  # late: Excel's "bad" style
    assert first[text["end_slippage"]].value == 45
    assert first[text["planned_end"]].value.date() == date(2026, 8, 31)  # a date, not a text
    assert first[text["actual_end"]].value is None  # not done: no end
    last = dict(zip(header, sheet[6]))
    assert last[text["status"]].value == text["statuses"]["done"]
    assert last[text["status"]].fill.fgColor.rgb.endswith("C6EFCE")
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref


def test_the_tracker_carries_the_section_in_both_languages(gathered):
    for language in ("en", "fr"):
        views = oversight.html_view(gathered, language)
        assert [v["key"] for v in views][:2] == ["timeline", "budget"]
        assert [v["key"] for v in views] == [
            "timeline",
            "budget",
            "feedback",
            "feedback_categories",
            "partner_reporting",
            "partner_figures",
            "visits",
            "findings",
        ]
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
            assert len(text[f"{section.key}_sheet"]) <= 31  # Excel's limit for a sheet's name
            for column in section.columns:
                assert text[column.header], (language, column.header)
            for status in section.tones or {}:
                assert status in text["statuses"]
    assert OVERSIGHT_TEXT["en"].keys() == OVERSIGHT_TEXT["fr"].keys()


def test_budget_lines_to_explain_come_first_with_the_threshold_in_the_note(gathered):
    assert [(r["budget_line"], r["spending_flag"]) for r in gathered["budget"]] == [
        ("BL-1.2", "ahead_of_delivery"),
        ("BL-2.1", "behind_delivery"),
        ("BL-9.1", "no_delivery_measure"),
        ("BL-1.1", "in_step"),
    ]
    for language, period, gap, burn in (
        ("en", "Q3 2026", "+30.0", "130.0%"),
        ("fr", "T3 2026", "+30,0", "130,0\u202f%"),
    ):
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
        ("PRT-B", "2026-07"),
        ("PRT-A", "2026-07"),
        ("PRT-A", "2026-06"),
    ]
    assert [r["submission_id"] for r in gathered["partner_figures"]] == [3, 2]  # flagged only, largest first
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


def test_feedback_sections_put_overdue_cases_first_and_show_no_small_count(gathered):
    """The complaints and feedback sections read the marts as they are published: a month's
    row of fewer cases than the minimum is blank, and so is a sensitive category's small count
    (with one more, the smallest other, so the period's total cannot give it back)."""
    assert [(r["received_month"].month, r["overdue"]) for r in gathered["feedback"]] == [
        (9, 8),
        (10, 0),
        (7, 0),
        (9, None),
    ]
    withheld = gathered["feedback"][-1]
    assert withheld["cases"] is None and withheld["closed_median_days"] is None and withheld["is_suppressed"]
    categories = {r["category"]: r["cases"] for r in gathered["feedback_categories"]}
    assert categories == {
        None: 40,
        "targeting": 22,
        "payment_delay": 12,
        "sexual_exploitation_abuse": None,
        "protection": None,
    }
    assert all(r["cases"] is None or r["cases"] >= 5 for r in gathered["feedback_categories"])
    for language, type_label, total, month in (
        ("en", "Complaint", "All categories", "1 Sep 2026"),
        ("fr", "Plainte", "Toutes catégories", "01/09/2026"),
    ):
        text = OVERSIGHT_TEXT[language]
        views = {v["key"]: v for v in oversight.html_view(gathered, language)}
        first = {h["text"]: c["text"] for h, c in zip(views["feedback"]["headers"], views["feedback"]["rows"][0])}
        assert first[text["case_type"]] == type_label and first[text["month_received"]] == month
        assert first[text["overdue"]] == "8" and first[text["cases_received"]] == "20"
        rows = views["feedback_categories"]["rows"]
        assert rows[0][1]["text"] == total and rows[-1][2]["text"] == ""
        assert views["feedback"]["title"] == text["feedback_title"]


def test_a_lone_withheld_sensitive_count_takes_the_smallest_other_category_with_it():
    """With one sensitive count withheld, the period's total minus the other categories would
    give it back: the smallest other category is withheld too."""
    rows = [
        category_row("2026-Q4", None, 41),
        category_row("2026-Q4", "targeting", 22),
        category_row("2026-Q4", "payment_delay", 12),
        category_row("2026-Q4", "fraud_corruption", 5, sensitive=True),
        category_row("2026-Q4", "sexual_exploitation_abuse", 2, sensitive=True),
    ]
    section = next(s for s in oversight.SECTIONS if s.key == "feedback_categories")
    with duckdb.connect(":memory:") as con:
        create_table(con, "marts.me_feedback_cases_by_category", CATEGORY_COLUMNS, rows)
        gathered = oversight.gather(con, min_cell_count=5, sections=(section,))
    assert {r["category"]: r["cases"] for r in gathered["feedback_categories"]} == {
        None: 41,
        "targeting": 22,
        "payment_delay": 12,
        "fraud_corruption": None,
        "sexual_exploitation_abuse": None,
    }


def test_missed_and_late_visits_come_first_and_overdue_findings_lead_their_section(gathered):
    assert [(r["visit_code"], r["visit_status"]) for r in gathered["visits"]] == [
        ("MV-002", "missed"),
        ("MV-005", "missed"),
        ("MV-004", "made_late"),
        ("MV-003", "upcoming"),
        ("unplanned", "unplanned"),
        ("MV-001", "made"),
    ]
    # the serious overdue action first, however few
    assert [(r["partner_code"], r["admin2_pcode"]) for r in gathered["findings"]] == [
        ("IP-01", "CF421"),
        ("IP-02", "CF431"),
        ("IP-02", "CF421"),
        ("IP-01", "CF431"),
        ("IP-03", "CF421"),
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_visit_sections_name_their_statuses_and_the_grace_in_the_language(gathered, language):
    text = OVERSIGHT_TEXT[language]
    views = {v["key"]: v for v in oversight.html_view(gathered, language)}
    visits, findings = views["visits"], views["findings"]
    assert visits["title"] == text["visits_title"] and findings["title"] == text["findings_title"]
    assert ("more than 7 days" if language == "en" else "plus de 7 jours") in visits["note"]
    first = {h["text"]: c for h, c in zip(visits["headers"], visits["rows"][0])}
    assert first[text["status"]]["text"] == ("Missed" if language == "en" else "Manquée")
    assert first[text["status"]]["colours"] == oversight.TONES["bad"]
    assert first[text["days_late"]]["text"] == "96"
    assert first[text["planned_date"]]["text"] == ("1 Sep 2026" if language == "en" else "01/09/2026")
    assert first[text["made_date"]]["text"] == ""  # never made
    late = {h["text"]: c for h, c in zip(visits["headers"], visits["rows"][2])}
    assert late[text["status"]]["text"] == ("Made late" if language == "en" else "Réalisée en retard")
    top = {h["text"]: c["text"] for h, c in zip(findings["headers"], findings["rows"][0])}
    assert top[text["follow_up"]] == ("Overdue" if language == "en" else "Actions en souffrance")
    assert top[text["findings_overdue"]] == "1" and top[text["oldest_overdue_days"]] == "12"

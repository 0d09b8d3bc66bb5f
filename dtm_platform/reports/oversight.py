"""The programme-oversight sections of the indicator tracker: the workplan's timeline, and
whatever else the M&E officer answers for each month (budget, partners' reporting, field
visits, complaints), each a mart shown as it is, in an HTML section and an XLSX sheet, in
English and French.

A section is declared, not programmed: the mart, the columns to show with their header's
text and how to format them, the order (what needs attention first). Its figures are the
mart's (computed and tested in dbt); this module only selects, orders and formats them. A
mart is read as serving/disclosure.py publishes it, so a section never shows a cell the
published tables withhold. Texts live in translations.OVERSIGHT_TEXT: a section ``key`` has
``{key}_title``, ``{key}_sheet`` (at most 31 characters, Excel's limit) and ``{key}_note``;
a column's ``header`` is a key there too, and a ``status`` column's values are looked up in
its ``statuses``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dtm_platform.reports.translations import OVERSIGHT_TEXT, day, number, period_label
from dtm_platform.reports.translations import percent as percent_text
from dtm_platform.reports.xlsx import Formats, row_height, write_text
from dtm_platform.serving.disclosure import plan_for
from dtm_platform.serving.marts import described

FORMATS = ("text", "count", "share", "percent", "points", "date", "period", "days", "money", "status")
# a status's tone: Excel's own "bad", "neutral" and "good" cell styles (background, font)
TONES = {"bad": ("#FFC7CE", "#9C0006"), "neutral": ("#FFEB9C", "#9C5700"), "good": ("#C6EFCE", "#006100")}


@dataclass(frozen=True)
class Column:
    name: str  # the mart's column; for a localized one, the name before _en / _fr
    header: str  # its header's key in OVERSIGHT_TEXT
    width: float  # in the XLSX, in characters
    format: str = "text"  # one of FORMATS; share: a 0-1 fraction shown as a percentage; percent:
    # already 0-100; points: percentage points; period: 2026-Q4 as Q4 2026
    localized: bool = False  # the mart has {name}_en and {name}_fr

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"column {self.name}: format {self.format!r} is not one of {FORMATS}")


@dataclass(frozen=True)
class Section:
    key: str  # data-section in the HTML; its texts' prefix
    mart: str  # schema.table
    columns: tuple[Column, ...]
    order_by: str  # SQL over the mart's columns: what needs attention first
    tones: dict[str, str] | None = None  # status value -> a key of TONES, for the status column
    note_values: tuple[str, ...] = ()  # mart columns (the same on every row) the note names
    where: str | None = None  # SQL: the rows a reader must act on, when the mart holds more


SECTIONS: tuple[Section, ...] = (
    Section(
        key="timeline",
        mart="marts.me_activity_timeline",
        columns=(
            Column("activity_code", "activity_code", 9),
            Column("activity_label", "activity", 30, localized=True),
            Column("admin2_name", "admin2", 14),
            Column("indicators_served", "indicators_served", 13),
            Column("planned_start", "planned_start", 11, "date"),
            Column("planned_end", "planned_end", 11, "date"),
            Column("actual_start", "actual_start", 11, "date"),
            Column("actual_end", "actual_end", 11, "date"),
            Column("sessions_delivered", "sessions_delivered", 10, "count"),
            Column("sessions_planned", "sessions_planned", 10, "count"),
            Column("end_slippage_days", "end_slippage", 11, "days"),
            Column("timeline_status", "status", 13, "status"),
        ),
        # late lines first, the latest of them on top; then what runs, then what is done
        order_by="""case timeline_status when 'late' then 0 when 'on_track' then 1 when 'not_started' then 2
                                         when 'not_in_workplan' then 3 else 4 end,
                    coalesce(end_slippage_days, start_slippage_days) desc nulls last, activity_code, admin2_name""",
        tones={"late": "bad", "on_track": "neutral", "done": "good"},
    ),
    Section(
        key="budget",
        mart="marts.me_budget_delivery",
        columns=(
            Column("budget_line", "budget_line", 9),
            Column("budget_line", "budget_line_name", 26, localized=True),
            Column("period", "period", 9, "period"),
            Column("output_indicator_code", "output", 8),
            Column("currency", "currency", 8),
            Column("budget", "budget", 11, "money"),
            Column("spent", "spent", 11, "money"),
            Column("burn_rate", "burn_rate", 10, "share"),
            Column("output_percent_achieved", "output_achieved", 11, "percent"),
            Column("burn_delivery_gap_points", "gap_points", 10, "points"),
            Column("spending_flag", "spending_flag", 16, "status"),
        ),
        # what the officer must explain first: spending out of step with delivery, overspending
        order_by="""case spending_flag when 'ahead_of_delivery' then 0 when 'unbudgeted' then 1
                                       when 'behind_delivery' then 2 else 3 end,
                    is_overspent desc, period desc, budget_line""",
        tones={"ahead_of_delivery": "bad", "unbudgeted": "bad", "behind_delivery": "neutral", "in_step": "good"},
        note_values=("gap_threshold_points",),
    ),
    Section(
        key="feedback",
        mart="marts.me_feedback_cases_by_month",
        columns=(
            Column("received_month", "month_received", 11, "date"),
            Column("case_type_label", "case_type", 18, localized=True),
            Column("channel_label", "channel", 22, localized=True),
            Column("cases", "cases_received", 9, "count"),
            Column("closed", "cases_closed", 9, "count"),
            Column("still_open", "cases_open", 9, "count"),
            Column("closed_after_deadline", "closed_late", 10, "count"),
            Column("overdue", "overdue", 9, "count"),
            Column("closed_median_days", "median_days", 11, "days"),
        ),
        # the overdue first, then the latest months; withheld counts (NULL) after the others
        order_by="overdue desc nulls last, received_month desc, case_type, channel",
    ),
    Section(
        key="feedback_categories",
        mart="marts.me_feedback_cases_by_category",
        columns=(
            Column("period", "period", 9, "period"),
            Column("category_label", "category", 30, localized=True),
            Column("cases", "cases_received", 9, "count"),
        ),
        # each period's total, then its categories, the most frequent first
        order_by="period desc, row_level = 'total' desc, cases desc nulls last, category",
    ),
)
SECTIONS += (
    Section(
        key="partner_reporting",
        mart="marts.me_partner_reporting_rates",
        columns=(
            Column("partner_code", "partner_code", 9),
            Column("partner_name", "partner", 26, localized=True),
            Column("period", "month", 10, "period"),
            Column("due_date", "due_date", 11, "date"),
            Column("expected_reports", "expected_reports", 9, "count"),
            Column("received_reports", "received_reports", 9, "count"),
            Column("on_time_reports", "on_time_reports", 9, "count"),
            Column("late_reports", "late_reports", 9, "count"),
            Column("missing_reports", "missing_reports", 9, "count"),
            Column("completeness_rate", "completeness_rate", 11, "share"),
            Column("timeliness_rate", "timeliness_rate", 11, "share"),
            Column("missing_report_names", "missing_report_names", 30),
        ),
        # partners to follow up first: reports missing, then late, the latest month on top
        order_by="missing_reports desc, late_reports desc, reporting_month desc, partner_code",
    ),
    Section(
        key="partner_figures",
        mart="marts.me_partner_figures_vs_monitoring",
        columns=(
            Column("partner_code", "partner_code", 9),
            Column("period", "month", 10, "period"),
            Column("activity_code", "activity_code", 9),
            Column("activity_label", "activity", 26, localized=True),
            Column("admin2_name", "admin2", 14),
            Column("sessions_reported", "sessions_reported", 10, "count"),
            Column("sessions_monitored", "sessions_monitored", 10, "count"),
            Column("people_reported", "people_reported", 10, "count"),
            Column("people_monitored", "people_monitored", 10, "count"),
            Column("finding", "finding", 18, "status"),
        ),
        # flagged reports first, the largest difference in people on top
        # only the flagged reports: the tracker is read for what to act on (every report is in the mart)
        where="is_flagged",
        order_by="abs(people_difference) desc, partner_code, reporting_month, activity_code",
        tones={"partner_reports_more": "bad", "partner_reports_less": "neutral", "not_monitored": "neutral"},
    ),
)

# The field monitoring visits (marts.me_monitoring_visits, me_monitoring_findings).
SECTIONS += (
    Section(
        key="visits",
        mart="marts.me_monitoring_visits",
        columns=(
            Column("visit_code", "visit_code", 10),
            Column("activity_label", "activity", 26, localized=True),
            Column("admin2_name", "admin2", 14),
            Column("partner_code", "partner", 9),
            Column("monitoring_team", "monitoring_team", 11),
            Column("planned_date", "planned_date", 11, "date"),
            Column("made_date", "made_date", 11, "date"),
            Column("days_late", "days_late", 9, "days"),
            Column("findings", "findings", 9, "count"),
            Column("findings_open", "findings_open", 8, "count"),
            Column("visit_status", "status", 14, "status"),
        ),
        # missed visits first, then late ones, the longest overdue on top; then what is due
        order_by="""case visit_status when 'missed' then 0 when 'made_late' then 1 when 'upcoming' then 2
                                      when 'unplanned' then 3 else 4 end,
                    days_late desc nulls last, coalesce(planned_date, made_date), visit_code, submission_id""",
        tones={"missed": "bad", "made_late": "neutral", "made": "good"},
        note_values=("grace_days",),
    ),
    Section(
        key="findings",
        mart="marts.me_monitoring_findings",
        columns=(
            Column("partner_code", "partner", 9),
            Column("admin2_name", "admin2", 14),
            Column("findings", "findings", 9, "count"),
            Column("findings_open", "findings_open", 8, "count"),
            Column("findings_overdue", "findings_overdue", 9, "count"),
            Column("findings_closed", "findings_closed", 9, "count"),
            Column("findings_critical", "findings_critical", 8, "count"),
            Column("findings_high", "findings_high", 8, "count"),
            Column("findings_medium", "findings_medium", 8, "count"),
            Column("findings_low", "findings_low", 8, "count"),
            Column("oldest_overdue_days", "oldest_overdue_days", 11, "days"),
            Column("follow_up_status", "follow_up", 16, "status"),
        ),
        # overdue actions first, the most serious and oldest on top
        order_by="""case follow_up_status when 'overdue' then 0 when 'open' then 1 when 'closed' then 2 else 3 end,
                    overdue_high_or_critical desc, findings_overdue desc, oldest_overdue_days desc nulls last,
                    partner_code, admin2_name""",
        tones={"overdue": "bad", "open": "neutral", "closed": "good"},
    ),
)


def gather(
    con: duckdb.DuckDBPyConnection, min_cell_count: int, sections: tuple[Section, ...] = SECTIONS
) -> dict[str, list[dict]]:
    """Each section's rows, in its order, as published."""
    gathered = {}
    for section in sections:
        columns = described(con, f"select * from {section.mart}")
        published = plan_for(section.mart.split(".")[-1], columns, min_cell_count).select_sql(columns, section.mart)
        where = f"where {section.where}" if section.where else ""
        cursor = con.execute(f"select * from ({published}) as mart {where} order by {section.order_by}")
        names = [c[0] for c in cursor.description]
        gathered[section.key] = [dict(zip(names, row)) for row in cursor.fetchall()]
    return gathered


def cell_value(row: dict, column: Column, language: str):
    return row[f"{column.name}_{language}"] if column.localized else row[column.name]


def cell_text(value, column: Column, language: str) -> str:
    """A value as the HTML shows it."""
    if value is None:
        return ""
    text = OVERSIGHT_TEXT[language]
    if column.format == "status":
        return text["statuses"].get(value, value)
    if column.format == "date":
        return day(value, language)
    if column.format == "period":
        return period_label(value, language)
    if column.format in ("share", "percent"):
        return percent_text(float(value) * (100 if column.format == "share" else 1), language, 1)
    if column.format == "points":
        return ("+" if value > 0 else "") + number(float(value), language, 1)
    if column.format == "text":
        return str(value)
    return number(float(value), language)  # count, days, money: whole numbers


def html_view(gathered: dict[str, list[dict]], language: str, sections: tuple[Section, ...] = SECTIONS) -> list[dict]:
    """The sections as the template renders them: titles, headers and formatted cells."""
    text = OVERSIGHT_TEXT[language]
    views = []
    for section in sections:
        rows = []
        for row in gathered[section.key]:
            cells = []
            for column in section.columns:
                value = cell_value(row, column, language)
                tone = (section.tones or {}).get(value) if column.format == "status" else None
                cells.append(
                    {"text": cell_text(value, column, language), "format": column.format, "colours": TONES.get(tone)}
                )
            rows.append(cells)
        views.append(
            {
                "key": section.key,
                "title": text[f"{section.key}_title"],
                "note": note(section, gathered[section.key], language),
                "headers": [{"text": text[c.header], "format": c.format} for c in section.columns],
                "rows": rows,
                "empty": text["empty"],
            }
        )
    return views


def note(section: Section, rows: list[dict], language: str) -> str:
    """The section's note, with the values it names (a threshold) from the mart."""
    values = {
        name: number(float(rows[0][name]), language) if rows and rows[0][name] is not None else "–"
        for name in section.note_values
    }
    return OVERSIGHT_TEXT[language][f"{section.key}_note"].format(**values)


def notes(
    gathered: dict[str, list[dict]], language: str, sections: tuple[Section, ...] = SECTIONS
) -> list[tuple[str, str]]:
    """(title, note) of every section, for the workbook's notes sheet."""
    return [(OVERSIGHT_TEXT[language][f"{s.key}_title"], note(s, gathered[s.key], language)) for s in sections]


def write_sheets(
    workbook,
    gathered: dict[str, list[dict]],
    language: str,
    formats: Formats,
    header,
    sections: tuple[Section, ...] = SECTIONS,
) -> None:
    """A sheet per section; ``header(sheet, columns, formats, rows)`` is the tracker's header row."""
    text = OVERSIGHT_TEXT[language]
    for section in sections:
        sheet = workbook.add_worksheet(text[f"{section.key}_sheet"])
        rows = gathered[section.key]
        header(sheet, [(text[c.header], c.width) for c in section.columns], formats, len(rows))
        for position, row in enumerate(rows, 1):
            wrapped = []
            for col, column in enumerate(section.columns):
                value = cell_value(row, column, language)
                _write_cell(sheet, position, col, value, column, section, language, formats)
                if column.format == "text":
                    wrapped.append((value, column.width))
            sheet.set_row(position, row_height(wrapped))


def _write_cell(
    sheet, row: int, col: int, value, column: Column, section: Section, language: str, formats: Formats
) -> None:
    top = {"valign": "top"}
    if value is None:
        sheet.write_blank(row, col, None, formats.get(**top))
    elif column.format == "text":
        write_text(sheet, row, col, value, formats, text_wrap=True, **top)
    elif column.format in ("status", "period"):
        tone = TONES.get((section.tones or {}).get(value))
        fill = {"bg_color": tone[0], "font_color": tone[1]} if tone else {}
        write_text(sheet, row, col, cell_text(value, column, language), formats, **fill, **top)
    elif column.format == "date":
        sheet.write_datetime(
            row, col, value, formats.get(num_format="dd/mm/yyyy" if language == "fr" else "d mmm yyyy", **top)
        )
    elif column.format in ("share", "percent"):  # the cell holds the fraction, Excel shows the %
        sheet.write_number(
            row, col, float(value) / (1 if column.format == "share" else 100), formats.get(num_format="0.0%", **top)
        )
    elif column.format == "points":
        sheet.write_number(row, col, float(value), formats.get(num_format="+0.0;-0.0;0.0", **top))
    else:  # count, days, money
        sheet.write_number(row, col, float(value), formats.get(num_format="#,##0", **top))

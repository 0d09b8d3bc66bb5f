"""The M&E indicator performance tracker of the community stabilization programme, from
marts.me_indicator_tracking: a donor-ready XLSX (a notes sheet, then one sheet per
results-framework level with every indicator, period and disaggregation) and a
self-contained HTML summary of progress against targets (inline CSS and SVG, no
JavaScript), in English and French.

Status of an indicator in a period: the band the marts give it (status of
marts.me_indicator_tracking and marts.me_indicator_targets_vs_actuals, from its % achieved to
date: on track at 90% or more, green; behind from 60% to under 90%, amber; off track under
60%, red: macros/indicator_status.sql), rendered here, never judged; without a band, why:
no target, not measured, or withheld (a score or share from fewer than ``min_cell_count``
respondents, or one that, with the total, would give such a figure away: both marts are read
as serving/disclosure.py publishes them, which withholds the band with the % it is read from).

Spreadsheet safety: every text cell is written with ``write_string`` (never ``write`` or
``write_formula``), the workbook turns off xlsxwriter's string-to-formula/URL/number
conversions, and a text starting with ``= + - @`` carries Excel's quote prefix, so editing
the cell does not turn it into a formula either."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jinja2
import xlsxwriter

from dtm_platform.reports import oversight
from dtm_platform.reports.charts import progress_chart
from dtm_platform.reports.files import write_atomically
from dtm_platform.reports.iati import IatiActivity, results_xml
from dtm_platform.reports.translations import LANGUAGES, TRACKER_TEXT, day, moment, number, period_label
from dtm_platform.reports.translations import percent as percent_text
from dtm_platform.reports.xlsx import WORKBOOK_OPTIONS, Formats, row_height, write_text
from dtm_platform.serving.disclosure import plan_for
from dtm_platform.serving.marts import described
from dtm_platform.warehouse import connect_duckdb

TEMPLATES = Path(__file__).parent / "templates"
MART = "marts.me_indicator_tracking"
TARGETS_MART = "marts.me_indicator_targets_vs_actuals"
FIGURES_TABLE = "reports.me_indicator_tracker"
LEVELS = ("impact", "outcome", "output")

STATUS_FILLS = {  # the marts' bands; background, font: Excel's own "bad", "neutral" and "good" styles
    "on_track": ("#C6EFCE", "#006100"),
    "behind": ("#FFEB9C", "#9C5700"),
    "off_track": ("#FFC7CE", "#9C0006"),
}
STATUS_COLOURS = {"on_track": "#2e8540", "behind": "#e5a000", "off_track": "#c0392b"}  # chart bars
COLUMNS = (  # (key, width): the level sheets' columns, headers from TRACKER_TEXT
    ("code", 9),
    ("parent", 12),
    ("indicator", 58),
    ("unit", 11),
    ("period", 10),
    ("disaggregation", 18),
    ("category", 24),
    ("baseline", 11),
    ("target", 11),
    ("actual", 11),
    ("percent_achieved", 13),
    ("percent_of_target", 12),
    ("status", 14),
    ("cumulative", 12),
    ("life_of_project_target", 13),
    ("percent_of_lop", 14),
    ("respondents", 13),
    ("data_source", 14),
    ("note", 34),
)
SUPPRESSION_NOTES = {"small": "suppressed_note", "complementary": "complementary_note", "carried": "carried_note"}
WRAPPED = ("indicator", "category", "note")  # long texts: wrapped, the row as high as they need
NOTES_WIDTHS = (26, 100)  # the notes sheet's label and text columns


def status_of(row: dict, *, suppressed: bool = False) -> str:
    """What the tracker says of a row's status: the mart's band (``status``), else why it has
    none: withheld, not measured (no actual) or no target."""
    if suppressed:
        return "suppressed"
    if row["status"]:
        return row["status"]
    return "not_measured" if row["actual"] is None else "no_target"


@dataclass(frozen=True)
class TrackerResult:
    xlsx: dict[str, Path]  # language -> workbook
    html: dict[str, Path] = field(default_factory=dict)
    period: str = ""
    indicators: int = 0
    with_target: int = 0
    on_track: int = 0
    iati: Path | None = None  # the IATI 2.03 results file, when an activity is given

    @property
    def share_on_track(self) -> float | None:
        return self.on_track / self.with_target if self.with_target else None


def build_indicator_tracker(
    warehouse: Path,
    reports_dir: Path,
    *,
    min_cell_count: int = 5,
    generated: datetime | None = None,
    iati: IatiActivity | None = None,
) -> TrackerResult:
    generated = generated or datetime.now(UTC)
    with connect_duckdb(warehouse) as con:
        data = gather(con, min_cell_count)
        _keep_figures(con, data["summary"])
    xlsx, html = {}, {}
    for language in LANGUAGES:
        xlsx[language] = reports_dir / f"me_indicator_tracker_{language}.xlsx"
        write_atomically(xlsx[language], workbook_bytes(data, language, generated))
        html[language] = reports_dir / f"me_indicator_tracker_{language}.html"
        write_atomically(html[language], render(data, language, generated))
    iati_path = None
    if iati is not None:
        iati_path = reports_dir / "me_results_iati.xml"
        write_atomically(iati_path, results_xml(data, iati, generated))  # validated before it is written
    summary = data["summary"]
    with_target = [r for r in summary if r["status"] in STATUS_FILLS]
    return TrackerResult(
        xlsx=xlsx,
        html=html,
        period=data["period"]["period"],
        indicators=len(summary),
        with_target=len(with_target),
        on_track=sum(r["status"] == "on_track" for r in with_target),
        iati=iati_path,
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def gather(con: duckdb.DuckDBPyConnection, min_cell_count: int = 5) -> dict:
    # read as published (serving/disclosure.py): a score or share of a few respondents
    # withheld, with whatever would give it back (the other categories beside their total,
    # the cumulative repeating it), suppression_reason saying why
    columns = described(con, f"select * from {MART}")
    published = plan_for(MART.split(".")[-1], columns, min_cell_count).select_sql(columns, MART, reason=True)
    rows = _rows(
        con,
        f"""
        select * from ({published}) as tracking
        order by indicator_code, period_start,
                 case disaggregation when 'total' then 0 when 'sex' then 1 when 'age_group' then 2
                      when 'displacement_status' then 3 else 4 end,
                 -- age groups in age order, not as text (6_17 after 0_5, not after 18_59)
                 case disaggregation_value when '0_5' then 0 when '6_17' then 1 when '18_59' then 2
                      when '60' then 3 end nulls last,
                 disaggregation_value""",
    )
    if not rows:
        raise ValueError(f"{MART} is empty: nothing to report")
    for row in rows:
        # only a cumulative withheld ("carried"): the period itself was not measured
        row["status"] = (
            status_of(row, suppressed=row["suppression_reason"] in ("small", "complementary"))
            if row["disaggregation"] == "total"
            else None
        )
    periods = _rows(con, f"select distinct period, period_start, period_end from {MART} order by period_start")
    # The reporting period: the latest one with anything measured on a total row.
    measured = {
        r["period"] for r in rows if r["disaggregation"] == "total" and r["actual"] is not None and r["actual"] != 0
    }
    period = [p for p in periods if p["period"] in measured or not measured][-1]
    summary = [r for r in rows if r["disaggregation"] == "total" and r["period"] == period["period"]]
    return {
        "rows": rows,
        "periods": periods,
        "period": period,
        "summary": summary,
        "targets": _targets(con, min_cell_count),
        "min_cell_count": min_cell_count,
        "oversight": oversight.gather(con, min_cell_count),
    }


def _targets(con: duckdb.DuckDBPyConnection, min_cell_count: int) -> list[dict]:
    """Every target beside its actual (TARGETS_MART), in the results framework's order, read as
    published (serving/disclosure.py): an actual taken from a withheld measurement is withheld,
    with its percentages and its band, and the row flagged. A milestone not yet due has no
    status: its figures are progress so far."""
    columns = described(con, f"select * from {TARGETS_MART}")
    published = plan_for(TARGETS_MART.split(".")[-1], columns, min_cell_count).select_sql(columns, TARGETS_MART)
    targets = _rows(
        con,
        f"""
        select * from ({published}) as targets
        order by case level when 'impact' then 0 when 'outcome' then 1 else 2 end, indicator_code,
                 target_order, due_date""",
    )
    for target in targets:
        target["status"] = (
            status_of(target, suppressed=target["is_suppressed"])
            if target["target_type"] == "period" or target["is_due"]
            else "not_due"
        )
    return targets


def _keep_figures(con: duckdb.DuckDBPyConnection, summary: list[dict]) -> None:
    """The figures the tracker's summary publishes, kept in the warehouse for its own gate."""
    con.execute("create schema if not exists reports")
    con.execute(f"""
        create or replace table {FIGURES_TABLE} (
            indicator_code varchar, parent_code varchar, level varchar, indicator_en varchar,
            indicator_fr varchar, unit varchar, period varchar, baseline double, target double,
            actual double, percent_achieved double, percent_of_target double, is_prorated boolean,
            percent_achieved_to_date double, cumulative double, life_of_project_target double,
            percent_of_life_of_project_target double, respondents bigint, is_suppressed boolean,
            status varchar)""")
    names = [
        "indicator_code",
        "parent_code",
        "level",
        "indicator_en",
        "indicator_fr",
        "unit",
        "period",
        "baseline",
        "target",
        "actual",
        "percent_achieved",
        "percent_of_target",
        "is_prorated",
        "percent_achieved_to_date",
        "cumulative",
        "life_of_project_target",
        "percent_of_life_of_project_target",
        "respondents",
        "is_suppressed",
        "status",
    ]
    con.executemany(
        f"insert into {FIGURES_TABLE} values ({', '.join('?' * len(names))})",
        [[row[n] for n in names] for row in summary],
    )


# --- XLSX ----------------------------------------------------------------------------------


def _value(sheet, row: int, col: int, value, unit: str, formats: Formats, **properties) -> None:
    if value is None:
        sheet.write_blank(row, col, None, formats.get(**properties))
    elif unit == "percent":  # shares in the mart are 0-100: the cell holds the fraction
        sheet.write_number(row, col, value / 100, formats.get(num_format="0.0%", **properties))
    elif unit == "score":
        sheet.write_number(row, col, value, formats.get(num_format="0.00", **properties))
    else:
        sheet.write_number(row, col, value, formats.get(num_format="#,##0", **properties))


def workbook_bytes(data: dict, language: str, generated: datetime) -> bytes:
    text = TRACKER_TEXT[language]
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties(
        {
            "title": f"{text['title']}: {text['subtitle'].split(',')[0]}",
            "author": "DTM CAR data platform",
            "created": generated.replace(tzinfo=None),
        }
    )
    formats = Formats(workbook)
    _notes_sheet(workbook.add_worksheet(text["notes_sheet"]), data, text, language, generated, formats)
    for level in LEVELS:
        rows = [r for r in data["rows"] if r["level"] == level]
        _level_sheet(workbook.add_worksheet(text["levels"][level]), rows, text, language, data, formats)
    _targets_sheet(workbook.add_worksheet(text["targets_sheet"]), data["targets"], text, language, formats)
    _by_period_sheet(workbook.add_worksheet(text["by_period_sheet"]), data, text, language, formats)
    oversight.write_sheets(workbook, data["oversight"], language, formats, _header)
    workbook.close()
    return buffer.getvalue()


def _notes_sheet(sheet, data: dict, text: dict, language: str, generated: datetime, formats: Formats) -> None:
    period, periods, summary = data["period"], data["periods"], data["summary"]
    with_target = [r for r in summary if r["status"] in STATUS_FILLS]
    on_track = sum(r["status"] == "on_track" for r in with_target)
    sheet.set_column(0, 0, NOTES_WIDTHS[0])
    sheet.set_column(1, 1, NOTES_WIDTHS[1])
    _print_setup(sheet, landscape=False)
    write_text(sheet, 0, 0, text["title"], formats, bold=True, font_size=14, font_color="#0033a0")
    subtitle = text["subtitle"].format(
        period=period_label(period["period"], language),
        start=day(period["period_start"], language),
        end=day(period["period_end"], language),
    )
    write_text(sheet, 1, 0, subtitle, formats, italic=True)
    lines = [
        (text["project"], text["title"]),
        (
            text["reporting_period"],
            f"{period_label(period['period'], language)} ({day(period['period_start'], language)} – "
            f"{day(period['period_end'], language)})"
            + (f". {text['in_progress']}" if period["period_end"] >= generated.date() else ""),
        ),
        (text["periods_covered"], ", ".join(period_label(p["period"], language) for p in periods)),
        (text["generated_at"], moment(generated, language)),
        (text["source"], text["source_text"]),
        (text["indicators"], str(len(summary))),
        (
            text["on_track"],
            f"{on_track} / {len(with_target)}"
            + (f" ({percent_text(100 * on_track / len(with_target), language)})" if with_target else ""),
        ),
        (text["thresholds_title"], text["thresholds"]),
        (text["method_title"], text["method"]),
        (text["disability_title"], text["disability_method"]),
        (text["disclosure_title"], text["disclosure"].format(min=data["min_cell_count"])),
        (text["sheets"], text["indicators_sheet_note"]),
        # each oversight sheet's note: what its rows are and how they are judged
        *oversight.notes(data["oversight"], language),
    ]
    row = 3
    for label, value in lines:
        write_text(sheet, row, 0, label, formats, bold=True, text_wrap=True, valign="top")
        write_text(sheet, row, 1, value, formats, text_wrap=True, valign="top")
        sheet.set_row(row, row_height([(label, NOTES_WIDTHS[0]), (value, NOTES_WIDTHS[1])]))
        row += 1
    row += 1
    write_text(sheet, row, 0, text["status_legend"], formats, bold=True)
    for status in STATUS_FILLS:
        background, font = STATUS_FILLS[status]
        write_text(sheet, row, 1, text["statuses"][status], formats, bg_color=background, font_color=font)
        row += 1


def _prorated_note(row: dict, text: dict, language: str) -> str | None:
    """Says that a total row's status was judged against its target pro-rated to date."""
    if not (row["is_prorated"] and row["disaggregation"] == "total" and row["target"] is not None):
        return None
    return text["prorated_note"].format(share=percent_text(100 * row["share_of_period_elapsed"], language))


def _print_setup(sheet, *, landscape: bool) -> None:
    """A4, every column on the page's width (as many pages down as it takes), centred."""
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def _level_sheet(sheet, rows: list[dict], text: dict, language: str, data: dict, formats: Formats) -> None:
    _header(sheet, [(text[key], width) for key, width in COLUMNS], formats, len(rows))
    units = text["units"]
    for position, r in enumerate(rows, 1):
        bold = {"bold": True} if r["disaggregation"] == "total" else {}
        unit = r["unit"]
        category = r[f"disaggregation_value_label_{language}"] or r["disaggregation_value"]
        cells = {
            "code": r["indicator_code"],
            "parent": r["parent_code"],
            "indicator": r[f"indicator_{language}"],
            "unit": units.get(unit, unit),
            "period": period_label(r["period"], language),
            "disaggregation": text["disaggregations"].get(r["disaggregation"], r["disaggregation"]),
            "category": category,
            "data_source": r["data_source"],
            "status": text["statuses"][r["status"]] if r["status"] else None,
            "note": (
                text[SUPPRESSION_NOTES[r["suppression_reason"]]].format(min=data["min_cell_count"])
                if r["suppression_reason"]
                else _prorated_note(r, text, language)
            ),
        }
        widths = dict(COLUMNS)
        sheet.set_row(position, row_height([(cells[key], widths[key]) for key in WRAPPED]))
        fill = {}
        if r["status"] in STATUS_FILLS:
            background, font = STATUS_FILLS[r["status"]]
            fill = {"bg_color": background, "font_color": font}
        for col, (key, _) in enumerate(COLUMNS):
            if key in cells:
                extra = {"text_wrap": True, "valign": "top"} if key in WRAPPED else {"valign": "top"}
                write_text(
                    sheet, position, col, cells[key], formats, **bold, **extra, **(fill if key == "status" else {})
                )
            elif key in ("baseline", "target", "actual", "cumulative", "life_of_project_target"):
                _value(sheet, position, col, r[key], unit, formats, valign="top", **bold)
            elif key == "percent_achieved":
                _value(sheet, position, col, r["percent_achieved"], "percent", formats, valign="top", **bold, **fill)
            elif key == "percent_of_target":
                _value(sheet, position, col, r["percent_of_target"], "percent", formats, valign="top", **bold)
            elif key == "percent_of_lop":
                _value(
                    sheet,
                    position,
                    col,
                    r["percent_of_life_of_project_target"],
                    "percent",
                    formats,
                    valign="top",
                    **bold,
                )
            elif key == "respondents":
                _value(sheet, position, col, r["respondents"], "people", formats, valign="top", **bold)


def target_name(target: dict, text: dict, language: str) -> str:
    """A target as readers name it: its period (Q4 2026 / T4 2026), or midline, endline, life of project."""
    if target["target_type"] == "period":
        return period_label(target["target_name"], language)
    return text["target_kinds"][target["target_type"]]


def _header(sheet, columns: list[tuple[str, float]], formats: Formats, rows: int) -> None:
    """A sheet's header row: frozen, filtered, repeated on every printed page; A4 landscape."""
    header = formats.get(
        bold=True,
        font_color="#FFFFFF",
        bg_color="#0033a0",
        text_wrap=True,
        valign="top",
        border=1,
        border_color="#FFFFFF",
    )
    for col, (title, width) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, header)
    sheet.set_row(0, row_height([(title, width) for title, width in columns]))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows, 1), len(columns) - 1)
    _print_setup(sheet, landscape=True)
    sheet.repeat_rows(0)


def _targets_sheet(sheet, targets: list[dict], text: dict, language: str, formats: Formats) -> None:
    """Every target beside its actual: one row per indicator and period, midline, endline and
    life of project."""
    columns = [
        (text["code"], 9),
        (text["indicator"], 50),
        (text["unit"], 11),
        (text["target_kind"], 16),
        (text["due_date"], 12),
        (text["baseline"], 11),
        (text["target_value"], 11),
        (text["value_to_date"], 11),
        (text["measured_through"], 13),
        (text["percent_achieved_any"], 14),
        (text["ratio_any"], 12),
        (text["status"], 16),
    ]
    _header(sheet, columns, formats, len(targets))
    units = text["units"]
    for position, t in enumerate(targets, 1):
        unit = t["unit"]
        texts = [
            t["indicator_code"],
            t[f"indicator_{language}"],
            units.get(unit, unit),
            target_name(t, text, language),
            day(t["due_date"], language) if t["due_date"] else None,
        ]
        for col, value in enumerate(texts):
            write_text(sheet, position, col, value, formats, valign="top", **({"text_wrap": True} if col == 1 else {}))
        for col, key in ((5, "baseline"), (6, "target"), (7, "actual")):
            _value(sheet, position, col, t[key], unit, formats, valign="top")
        write_text(
            sheet,
            position,
            8,
            period_label(t["measured_through"], language) if t["measured_through"] else None,
            formats,
            valign="top",
        )
        fill = {}
        if t["status"] in STATUS_FILLS:
            background, font = STATUS_FILLS[t["status"]]
            fill = {"bg_color": background, "font_color": font}
        _value(sheet, position, 9, t["percent_achieved"], "percent", formats, valign="top", **fill)
        _value(sheet, position, 10, t["percent_of_target"], "percent", formats, valign="top")
        status = text["not_due"] if t["status"] == "not_due" else text["statuses"][t["status"]]
        write_text(sheet, position, 11, status, formats, valign="top", **fill)
        sheet.set_row(position, row_height([(texts[1], columns[1][1])]))


def _by_period_sheet(sheet, data: dict, text: dict, language: str, formats: Formats) -> None:
    """Every indicator's total, period by period: the target and the actual of each period, then
    the cumulative against the life-of-project target."""
    periods = [p["period"] for p in data["periods"]]
    columns = [(text["code"], 9), (text["indicator"], 46), (text["unit"], 11), (text["baseline"], 11)]
    for period in periods:
        label = period_label(period, language)
        columns += [(text["period_target"].format(period=label), 11), (text["period_actual"].format(period=label), 11)]
    columns += [(text["cumulative"], 11), (text["life_of_project_target"], 12), (text["percent_of_lop"], 13)]
    totals = [r for r in data["rows"] if r["disaggregation"] == "total"]
    indicators = list(
        dict.fromkeys(
            r["indicator_code"] for r in sorted(totals, key=lambda r: (LEVELS.index(r["level"]), r["indicator_code"]))
        )
    )
    _header(sheet, columns, formats, len(indicators))
    units = text["units"]
    for position, code in enumerate(indicators, 1):
        by_period = {r["period"]: r for r in totals if r["indicator_code"] == code}
        latest = by_period[max(by_period, key=lambda p: by_period[p]["period_start"])]
        unit = latest["unit"]
        write_text(sheet, position, 0, code, formats, valign="top")
        write_text(sheet, position, 1, latest[f"indicator_{language}"], formats, valign="top", text_wrap=True)
        write_text(sheet, position, 2, units.get(unit, unit), formats, valign="top")
        _value(sheet, position, 3, latest["baseline"], unit, formats, valign="top")
        col = 4
        for period in periods:
            row = by_period.get(period, {})
            _value(sheet, position, col, row.get("target"), unit, formats, valign="top")
            _value(sheet, position, col + 1, row.get("actual"), unit, formats, valign="top", bold=True)
            col += 2
        _value(sheet, position, col, latest["cumulative"], unit, formats, valign="top")
        _value(sheet, position, col + 1, latest["life_of_project_target"], unit, formats, valign="top")
        _value(sheet, position, col + 2, latest["percent_of_life_of_project_target"], "percent", formats, valign="top")
        sheet.set_row(position, row_height([(latest[f"indicator_{language}"], columns[1][1])]))


# --- HTML ----------------------------------------------------------------------------------


def render(data: dict, language: str, generated: datetime) -> str:
    text = TRACKER_TEXT[language]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    percent = lambda value: percent_text(value, language, 1)  # noqa: E731

    def value(amount, unit):
        if amount is None:
            return ""
        if unit == "percent":
            return percent(amount)
        return number(amount, language, 2) if unit == "score" else number(amount, language)

    env.filters["value"] = value
    env.filters["percent"] = lambda amount: "" if amount is None else percent(amount)
    env.filters["n"] = lambda amount: number(amount, language)
    period, summary = data["period"], data["summary"]
    with_target = [r for r in summary if r["status"] in STATUS_FILLS]
    on_track = sum(r["status"] == "on_track" for r in with_target)
    grey = "#9aa5b8"
    achieved = progress_chart(
        [(r["indicator_code"], r["percent_achieved_to_date"], STATUS_COLOURS.get(r["status"], grey)) for r in summary],
        title=text["chart_achieved"],
        value_label=percent,
        target_label=percent_text(100, language),
    )
    lop = progress_chart(
        [(r["indicator_code"], r["percent_of_life_of_project_target"], "#0033a0") for r in summary],
        title=text["chart_lop"],
        value_label=percent,
        target_label=percent_text(100, language),
    )
    levels = [
        {
            "name": level,
            "label": text["levels"][level],
            "rows": [
                {
                    **r,
                    "indicator": r[f"indicator_{language}"],
                    "status_label": text["statuses"][r["status"]],
                    "prorated_note": _prorated_note(r, text, language),
                }
                for r in summary
                if r["level"] == level
            ],
        }
        for level in LEVELS
    ]
    subtitle = text["subtitle"].format(
        period=period_label(period["period"], language),
        start=day(period["period_start"], language),
        end=day(period["period_end"], language),
    )
    return env.get_template("me_indicator_tracker.html.j2").render(
        lang=language,
        t=text,
        subtitle=subtitle,
        generated=text["generated"].format(when=moment(generated, language)),
        in_progress=period["period_end"] >= generated.date(),
        key_figures=[
            {"name": "indicators", "label": text["indicators"], "value": number(len(summary), language)},
            {"name": "with_target", "label": text["with_target"], "value": number(len(with_target), language)},
            {"name": "on_track", "label": text["on_track"], "value": number(on_track, language)},
            {
                "name": "share_on_track",
                "label": text["share_on_track"],
                "value": percent(100 * on_track / len(with_target)) if with_target else "–",
            },
        ],
        achieved_chart=achieved,
        lop_chart=lop,
        levels=levels,
        fills=STATUS_FILLS,
        milestones=[
            {
                **t,
                "indicator": t[f"indicator_{language}"],
                "name": target_name(t, text, language),
                "due": day(t["due_date"], language) if t["due_date"] else "",
                "status_label": text["not_due"] if t["status"] == "not_due" else text["statuses"][t["status"]],
            }
            for t in data["targets"]
            if t["target_type"] != "period"
        ],
        by_period=_by_period_view(data, language),
        oversight=oversight.html_view(data["oversight"], language),
        disclosure=text["disclosure"].format(min=data["min_cell_count"]),
    )


def _by_period_view(data: dict, language: str) -> dict:
    """The indicators' totals period by period, for the HTML's by-period table."""
    periods = [p["period"] for p in data["periods"]]
    totals = [r for r in data["rows"] if r["disaggregation"] == "total"]
    cells = {(r["indicator_code"], r["period"]): r for r in totals}
    indicators = {
        r["indicator_code"]: r
        for r in sorted(totals, key=lambda r: (LEVELS.index(r["level"]), r["indicator_code"], r["period_start"]))
    }
    return {
        "periods": [period_label(p, language) for p in periods],
        "rows": [
            {
                "code": code,
                "indicator": latest[f"indicator_{language}"],
                "unit": latest["unit"],
                "cells": [cells.get((code, p), {}) for p in periods],
            }
            for code, latest in indicators.items()
        ],
    }

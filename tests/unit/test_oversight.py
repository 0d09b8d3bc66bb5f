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
    con.execute("create schema if not exists marts")
    con.execute("create table marts.me_activity_timeline ("
                + ", ".join(f"{name} {kind}" for name, kind in TIMELINE_COLUMNS.items()) + ")")
    if lines:
        con.executemany(f"insert into marts.me_activity_timeline values ({', '.join('?' * len(TIMELINE_COLUMNS))})",
                        [[r[c] for c in TIMELINE_COLUMNS] for r in lines])


@pytest.fixture()
def gathered():
    with duckdb.connect(":memory:") as con:
        create_timeline(con, LINES)
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
        assert [v["key"] for v in views] == ["timeline"]
        view = views[0]
        assert view["title"] == OVERSIGHT_TEXT[language]["timeline_title"]
        assert [cell["text"] for cell in view["rows"][0]][-1] == OVERSIGHT_TEXT[language]["statuses"]["late"]
        dates = [cell["text"] for cell in view["rows"][4] if cell["format"] == "date"]
        assert dates[:2] == (["01/06/2026", "31/08/2026"] if language == "fr" else ["1 Jun 2026", "31 Aug 2026"])


def test_an_empty_section_says_so():
    with duckdb.connect(":memory:") as con:
        create_timeline(con, [])
        gathered = oversight.gather(con, min_cell_count=5)
    view = oversight.html_view(gathered, "fr")[0]
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


"""The M&E indicator tracker from a small synthetic marts.me_indicator_tracking: the XLSX read
back with openpyxl (a sheet per level with the mart's rows and figures, frozen header,
percent formats, traffic-light fills of the mart's status bands, formula text kept as
text), the HTML summary's key figures, and the figures table its gate reads. The bands'
thresholds are the marts' (macros/indicator_status.sql, dbt unit tests in
_me__unit_tests.yml); ``band`` below gives the synthetic marts the bands the macro gives."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from html import escape

import duckdb
import openpyxl
import pytest

from dtm_platform.quality.checks import read_warehouse_frame
from dtm_platform.quality.runner import validate
from dtm_platform.quality.suites import load_suites
from dtm_platform.reports import oversight
from dtm_platform.reports.iati import IatiActivity
from dtm_platform.reports.indicator_tracker import FIGURES_TABLE, STATUS_FILLS, build_indicator_tracker, status_of
from dtm_platform.reports.translations import OVERSIGHT_TEXT, TRACKER_TEXT
from tests.unit.test_oversight import CATEGORIES, FEEDBACK, LINES, create_oversight_marts

Q1 = ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))
Q2 = ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30))
HYPERLINK = '=HYPERLINK("http://evil.example","click")'
FORMULA_TEXTS = {"en": {HYPERLINK, "+Women", "-Men"}, "fr": {"@SUM(1+1)", "+Femmes", "-Hommes"}}
GENERATED = datetime(2026, 7, 15, 8, 30, tzinfo=UTC)


def indicator(code, parent, level, en, fr, unit, source, lop):
    return {
        "indicator_code": code,
        "parent_code": parent,
        "level": level,
        "indicator_en": en,
        "indicator_fr": fr,
        "unit": unit,
        "data_source": source,
        "life_of_project_target": lop,
    }


IMP = indicator(
    "IMP-1",
    None,
    "impact",
    "Social cohesion index (1-5)",
    "Indice de cohésion sociale (1-5)",
    "score",
    "me_perception",
    3.2,
)
OC = indicator("OC-1", "IMP-1", "outcome", HYPERLINK, "@SUM(1+1)", "percent", "me_pdm", 75)
OP1 = indicator(
    "OP-1", "OC-1", "output", "People reached, counted once", "Personnes touchées", "people", "me_activity", 2000
)
OP2 = indicator("OP-2", "OC-1", "output", "Sessions held", "Séances tenues", "sessions", "me_activity", 40)


def band(percent: float | None) -> str | None:
    """The status band the marts give a % achieved (macros/indicator_status.sql)."""
    if percent is None:
        return None
    return "on_track" if percent >= 90 else "behind" if percent >= 60 else "off_track"


def row(
    ind,
    period,
    disaggregation="total",
    value="total",
    label_en="Total",
    label_fr="Total",
    *,
    baseline=None,
    target=None,
    actual=None,
    cumulative=None,
    percent=None,
    lop_percent=None,
    respondents=None,
    elapsed=1.0,
    to_date=None,
):
    """``percent``: % achieved from the baseline; ``to_date``: against the target pro-rated to
    ``elapsed`` of the period (a running count's), else the same."""
    total = disaggregation == "total"
    prorated = elapsed < 1 and ind["unit"] in ("people", "sessions")
    return {
        **ind,
        "period": period[0],
        "period_start": period[1],
        "period_end": period[2],
        "disaggregation": disaggregation,
        "disaggregation_value": value,
        "disaggregation_value_label_en": label_en,
        "disaggregation_value_label_fr": label_fr,
        "baseline": baseline,
        "target": target,
        "life_of_project_target": ind["life_of_project_target"] if total else None,
        "actual": actual,
        "cumulative": cumulative,
        "percent_achieved": percent,
        "percent_of_target": round(100 * actual / target, 1) if total and target and actual is not None else None,
        "share_of_period_elapsed": elapsed,
        "is_prorated": prorated,
        "percent_achieved_to_date": to_date if prorated else percent,
        "percent_of_life_of_project_target": lop_percent,
        "respondents": respondents,
        "status": band(to_date if prorated else percent) if total else None,
    }


# In the mart's order: indicator, period, total first, then the disaggregations.
ROWS = [
    row(
        IMP, Q1, baseline=2.5, target=3.0, actual=2.7, cumulative=2.7, percent=90.0, lop_percent=84.4, respondents=43
    ),  # exactly 90: on track
    row(IMP, Q1, "sex", "female", "Female", "Femme", actual=2.6, cumulative=2.6, respondents=40),  # withheld too
    row(IMP, Q1, "sex", "male", "Male", "Homme", actual=2.9, cumulative=2.9, respondents=3),  # withheld
    row(
        IMP, Q2, baseline=2.5, target=3.2, actual=None, cumulative=2.7, lop_percent=84.4, respondents=0
    ),  # not measured
    row(IMP, Q2, "sex", "female", "Female", "Femme", cumulative=2.6, respondents=0),  # repeats Q1's: withheld
    row(IMP, Q2, "sex", "male", "Male", "Homme", cumulative=2.9, respondents=0),
    row(
        OC, Q1, baseline=60, target=70, actual=41.3, cumulative=41.3, percent=59.0, lop_percent=55.1, respondents=120
    ),  # 59: off track
    row(
        OC, Q2, baseline=60, target=75, actual=45, cumulative=45, percent=60.0, lop_percent=60.0, respondents=80
    ),  # exactly 60: behind
    row(OC, Q2, "sex", "female", "+Women", "+Femmes", actual=47.5, cumulative=47.5, respondents=40),
    row(OC, Q2, "sex", "male", "-Men", "-Hommes", actual=42.5, cumulative=42.5, respondents=40),
    row(
        OP1, Q1, baseline=0, target=1000, actual=899, cumulative=899, percent=89.9, lop_percent=45.0, respondents=899
    ),  # 89.9: behind
    row(OP1, Q1, "disability", "yes", "Yes", "Oui", actual=2, cumulative=2, respondents=2),  # counts kept
    row(OP1, Q2, baseline=0, target=None, actual=120, cumulative=1019, lop_percent=51.0, respondents=120),  # no target
    row(OP2, Q1, baseline=0, target=10, actual=12, cumulative=12, percent=120.0, lop_percent=30.0),
    row(
        OP2,
        Q2,
        baseline=0,
        target=10,
        actual=4.5,
        cumulative=16.5,
        percent=45.0,
        lop_percent=41.3,
        elapsed=0.5,
        to_date=90.0,
    ),  # half the period: on track
]
COLUMNS = list(ROWS[0])
# Withheld, and why: IMP-1's 3 men; the 40 women beside them, whom the total (43) less the
# women would otherwise give away; and the cumulatives of the next quarter, which repeat both.
WITHHELD = {
    ("IMP-1", "2026-Q1", "sex", "male"): "small",
    ("IMP-1", "2026-Q1", "sex", "female"): "complementary",
    ("IMP-1", "2026-Q2", "sex", "male"): "carried",
    ("IMP-1", "2026-Q2", "sex", "female"): "carried",
}


def withheld(r: dict) -> str | None:
    return WITHHELD.get((r["indicator_code"], r["period"], r["disaggregation"], r["disaggregation_value"]))


def target(ind, kind, name, due, target_value, actual, through, *, baseline, order, is_due, respondents):
    """A row of marts.me_indicator_targets_vs_actuals; ``respondents``: those of the measurement
    its actual comes from, which decide whether it is published."""
    achieved = (
        round(100 * (actual - baseline) / (target_value - baseline), 1)
        if actual is not None and target_value != baseline
        else None
    )
    return {
        "indicator_code": ind["indicator_code"],
        "parent_code": ind["parent_code"],
        "level": ind["level"],
        "indicator_en": ind["indicator_en"],
        "indicator_fr": ind["indicator_fr"],
        "unit": ind["unit"],
        "baseline": baseline,
        "target_type": kind,
        "target_name": name,
        "target_order": order,
        "due_date": due,
        "is_due": is_due,
        "target": target_value,
        "actual": actual,
        "measured_through": through,
        "percent_of_target": round(100 * actual / target_value, 1) if actual is not None else None,
        "percent_achieved": achieved,
        "is_prorated": False,
        "percent_achieved_to_date": achieved,
        "respondents": respondents,
        "data_source": ind["data_source"],
        "status": band(achieved) if kind == "period" or is_due else None,
    }


# IMP-1's value to date in Q2 repeats Q1's score: Q1's 43 respondents. OC-1's milestones are
# synthetic: 3 respondents (the mart's own column decides, as the exports read it).
TARGETS = [
    target(IMP, "period", "2026-Q1", Q1[2], 3.0, 2.7, "2026-Q1", baseline=2.5, order=1, is_due=True, respondents=43),
    target(
        IMP,
        "midline",
        "midline",
        date(2026, 6, 30),
        2.9,
        2.7,
        "2026-Q2",
        baseline=2.5,
        order=2,
        is_due=True,
        respondents=43,
    ),  # 50%: off track
    target(
        IMP,
        "endline",
        "endline",
        date(2027, 6, 30),
        3.2,
        2.7,
        "2026-Q2",
        baseline=2.5,
        order=3,
        is_due=False,
        respondents=43,
    ),  # not due: no status
    target(
        IMP,
        "life_of_project",
        "life_of_project",
        None,
        3.2,
        2.7,
        "2026-Q2",
        baseline=2.5,
        order=4,
        is_due=False,
        respondents=43,
    ),
    target(
        OC, "midline", "midline", date(2026, 6, 30), 70, 65, "2026-Q2", baseline=60, order=2, is_due=True, respondents=3
    ),  # 50%, from 3 households: withheld, band and all
    target(
        OC,
        "endline",
        "endline",
        date(2027, 6, 30),
        75,
        65,
        "2026-Q2",
        baseline=60,
        order=3,
        is_due=False,
        respondents=3,
    ),  # withheld, and not due
    target(
        OP1,
        "midline",
        "midline",
        date(2026, 6, 30),
        1100,
        1019,
        "2026-Q2",
        baseline=0,
        order=2,
        is_due=True,
        respondents=120,
    ),  # 92.6%: on track
]


@pytest.fixture(scope="module")
def tracker(tmp_path_factory):
    home = tmp_path_factory.mktemp("tracker")
    warehouse = home / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        types = {"period_start": "date", "period_end": "date", "respondents": "bigint", "is_prorated": "boolean"}
        numeric = {
            "baseline",
            "target",
            "life_of_project_target",
            "actual",
            "cumulative",
            "percent_achieved",
            "percent_of_target",
            "share_of_period_elapsed",
            "percent_achieved_to_date",
            "percent_of_life_of_project_target",
        }
        con.execute(
            "create table marts.me_indicator_tracking ("
            + ", ".join(f"{c} {types.get(c, 'double' if c in numeric else 'varchar')}" for c in COLUMNS)
            + ")"
        )
        # inserted out of order: the tracker sorts
        con.executemany(
            f"insert into marts.me_indicator_tracking values ({', '.join('?' * len(COLUMNS))})",
            [[r[c] for c in COLUMNS] for r in reversed(ROWS)],
        )
        con.execute("""create table marts.me_indicator_targets_vs_actuals (
            indicator_code varchar, parent_code varchar, level varchar, indicator_en varchar, indicator_fr varchar,
            unit varchar, baseline double, target_type varchar, target_name varchar, target_order integer,
            due_date date, is_due boolean, target double, actual double, measured_through varchar,
            percent_of_target double, percent_achieved double, is_prorated boolean,
            percent_achieved_to_date double, respondents bigint, data_source varchar, status varchar)""")
        con.executemany(
            f"insert into marts.me_indicator_targets_vs_actuals values ({', '.join('?' * len(TARGETS[0]))})",
            [list(t.values()) for t in reversed(TARGETS)],
        )
        create_oversight_marts(con)
    result = build_indicator_tracker(
        warehouse,
        home / "reports",
        min_cell_count=5,
        generated=GENERATED,
        iati=IatiActivity("XM-DAC-47066-CF-TEST", "XM-DAC-47066", "IOM"),
    )
    return result, warehouse


def sheet_rows(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, cells)) for cells in sheet.iter_rows(min_row=2)]


@pytest.mark.parametrize(
    ("mart", "suppressed", "status"),
    [
        ({"status": "behind", "actual": 45.0}, False, "behind"),  # the mart's band, as it is
        ({"status": None, "actual": None}, False, "not_measured"),
        ({"status": None, "actual": 120.0}, False, "no_target"),
        ({"status": None, "actual": None}, True, "suppressed"),  # published blank with its %
    ],
)
def test_the_status_is_the_marts_band_or_why_there_is_none(mart, suppressed, status):
    assert status_of(mart, suppressed=suppressed) == status


def test_result_counts_the_reporting_period(tracker):
    result, _ = tracker
    assert result.period == "2026-Q2"  # the latest period with something measured
    assert (result.indicators, result.with_target, result.on_track) == (4, 2, 1)
    assert result.share_on_track == 0.5
    assert set(result.xlsx) == set(result.html) == {"en", "fr"}


def test_a_sheet_per_level_with_the_marts_rows_and_figures(tracker):
    result, _ = tracker
    text = TRACKER_TEXT["en"]
    book = openpyxl.load_workbook(result.xlsx["en"])
    assert book.sheetnames == [
        "Notes",
        "Impact",
        "Outcome",
        "Output",
        "Targets vs actuals",
        "By period",
        "Workplan timeline",
        "Budget vs delivery",
        "Complaints and feedback",
        "Feedback by category",
        "Partners' reporting",
        "Partners vs monitoring",
        "Monitoring visits",
        "Visit findings",
    ]
    for level, name in text["levels"].items():
        expected = [r for r in ROWS if r["level"] == level]
        got = sheet_rows(book[name])
        assert len(got) == len(expected), name
        for cells, r in zip(got, expected):
            assert cells[text["code"]].value == r["indicator_code"]
            assert cells[text["indicator"]].value == r["indicator_en"]
            assert cells[text["period"]].value == r["period"].replace("2026-Q", "Q") + " 2026"  # 2026-Q2: Q2 2026
            assert cells[text["disaggregation"]].value == text["disaggregations"][r["disaggregation"]]
            assert cells[text["category"]].value == r["disaggregation_value_label_en"]
            scale = 100 if r["unit"] == "percent" else 1  # a share is held as a fraction
            suppressed = withheld(r) in ("small", "complementary")
            for column, key in (
                ("baseline", "baseline"),
                ("target", "target"),
                ("actual", "actual"),
                ("cumulative", "cumulative"),
                ("life_of_project_target", "life_of_project_target"),
            ):
                value = cells[text[column]].value
                if r[key] is None or (withheld(r) and key in ("actual", "cumulative")):
                    assert value is None, (r["indicator_code"], r["period"], column)
                else:
                    assert value * scale == pytest.approx(r[key]), (r["indicator_code"], r["period"], column)
            if suppressed:  # the respondents too: with the total's, they would give the small count away
                assert cells[text["respondents"]].value is None
            elif r["respondents"] is not None:
                assert cells[text["respondents"]].value == r["respondents"]


def test_frozen_header_widths_and_number_formats(tracker):
    result, _ = tracker
    text = TRACKER_TEXT["en"]
    book = openpyxl.load_workbook(result.xlsx["en"])
    for name in text["levels"].values():
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.b
        assert sheet.column_dimensions["C"].width > 50  # the indicator's wording reads whole
    outcome = sheet_rows(book["Outcome"])
    assert outcome[0][text["percent_achieved"]].number_format == "0.0%"
    assert outcome[0][text["percent_achieved"]].value == pytest.approx(0.59)
    assert outcome[0][text["actual"]].number_format == "0.0%"  # a share indicator
    assert outcome[0][text["percent_of_lop"]].number_format == "0.0%"
    impact = sheet_rows(book["Impact"])
    assert impact[0][text["actual"]].number_format == "0.00"  # a score
    output = sheet_rows(book["Output"])
    assert output[0][text["actual"]].number_format == "#,##0"  # people


def test_percent_achieved_fills_follow_the_thresholds(tracker):
    result, _ = tracker
    text = TRACKER_TEXT["en"]
    book = openpyxl.load_workbook(result.xlsx["en"])
    seen = set()
    for level, name in text["levels"].items():
        for cells, r in zip(sheet_rows(book[name]), [r for r in ROWS if r["level"] == level]):
            cell = cells[text["percent_achieved"]]
            # judged to date: a running count against its pro-rated target
            status = r["status"]
            if status in STATUS_FILLS:
                assert cell.fill.fill_type == "solid"
                assert cell.fill.fgColor.rgb.endswith(STATUS_FILLS[status][0].lstrip("#").upper())
                assert cells[text["status"]].value == text["statuses"][status]
                seen.add(status)
            else:
                assert cell.fill.fill_type is None, (r["indicator_code"], r["period"], r["disaggregation"])
    assert seen == {"on_track", "behind", "off_track"}


def test_formula_text_stays_text(tracker):
    result, _ = tracker
    for language in ("en", "fr"):
        book = openpyxl.load_workbook(result.xlsx[language])
        found = set()
        for sheet in book.worksheets:
            for cells in sheet.iter_rows():
                for cell in cells:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate)
                    if isinstance(cell.value, str) and cell.value in FORMULA_TEXTS[language]:
                        assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate)
                        found.add(cell.value)
        assert found == FORMULA_TEXTS[language]
        with zipfile.ZipFile(result.xlsx[language]) as package:
            for member in package.namelist():
                if member.startswith("xl/worksheets/"):
                    assert b"<f>" not in package.read(member) and b"<f " not in package.read(member)


def test_small_bases_are_withheld(tracker):
    result, _ = tracker
    text = TRACKER_TEXT["en"]
    impact = sheet_rows(openpyxl.load_workbook(result.xlsx["en"])["Impact"])
    male = next(c for c in impact if c[text["category"]].value == "Male")
    assert male[text["actual"]].value is None and male[text["cumulative"]].value is None
    assert male[text["note"]].value == text["suppressed_note"].format(min=5)
    # the total less the women would give the men's score away: the women's is withheld too
    female = next(c for c in impact if c[text["category"]].value == "Female")
    assert female[text["actual"]].value is None and female[text["respondents"]].value is None
    assert female[text["note"]].value == text["complementary_note"].format(min=5)
    total = next(c for c in impact if c[text["disaggregation"]].value == "Total")
    assert (total[text["actual"]].value, total[text["respondents"]].value) == (2.7, 43)
    # a cumulative repeating a withheld score is withheld with it
    later = [c for c in impact if c[text["disaggregation"]].value == "Sex" and c[text["period"]].value == "Q2 2026"]
    assert [(c[text["cumulative"]].value, c[text["note"]].value) for c in later] == [(None, text["carried_note"])] * 2
    output = sheet_rows(openpyxl.load_workbook(result.xlsx["en"])["Output"])
    disabled = next(c for c in output if c[text["category"]].value == "Yes")
    assert disabled[text["actual"]].value == 2  # attendance counts are not interview answers


def test_notes_sheet(tracker):
    result, _ = tracker
    text = TRACKER_TEXT["en"]
    notes = {row[0]: row[1] for row in openpyxl.load_workbook(result.xlsx["en"])["Notes"].iter_rows(values_only=True)}
    assert notes[text["project"]] == text["title"]
    assert notes[text["reporting_period"]].startswith("Q2 2026 (1 Apr 2026")
    assert notes[text["periods_covered"]] == "Q1 2026, Q2 2026"
    assert notes[text["generated_at"]] == "15 Jul 2026 08:30 UTC"
    assert "marts.me_indicator_tracking" in notes[text["source"]]
    assert "90%" in notes[text["thresholds_title"]] and "60%" in notes[text["thresholds_title"]]
    assert "fewer than 5 respondents" in notes[text["disclosure_title"]]
    assert notes[text["on_track"]] == "1 / 2 (50%)"


def test_the_notes_say_which_disability_cut_off_the_disaggregation_uses(tracker):
    result, _ = tracker
    for language, words in {
        "en": ("Washington Group", "a lot of difficulty", "cannot do at all", "own answer"),
        "fr": ("Washington Group", "beaucoup de difficultés", "ne peut pas du tout", "propre réponse"),
    }.items():
        notes = {
            row[0]: row[1] for row in openpyxl.load_workbook(result.xlsx[language])["Notes"].iter_rows(values_only=True)
        }
        method = notes[TRACKER_TEXT[language]["disability_title"]]
        assert all(word in method for word in words), language


def test_html_summary_carries_the_key_figures(tracker):
    result, _ = tracker
    english = result.html["en"].read_text(encoding="utf-8")
    french = result.html["fr"].read_text(encoding="utf-8")
    for html in (english, french):
        assert html.count("<svg") == 2
        assert "<script" not in html and "<link" not in html  # self-contained, nothing fetched
        assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)  # formula text shown, escaped
        for figure, value in (("indicators", "4"), ("with_target", "2"), ("on_track", "1")):
            assert re.search(rf'data-figure="{figure}">\s*<div class="value">{value}</div>', html), figure
    assert "Q2 2026" in english and "Output" in english and "On track" in english
    assert "T2 2026" in french and "2026-Q2" not in french and "Q2 2026" not in french  # trimestre
    assert "Produits" in french and "En bonne voie" in french and "Output" not in french
    assert "50.0%" in english and "50,0\u202f%" in french  # share on track; French spacing in French only
    assert "90.0%" in english and "60.0%" in english  # OP-2 and OC-1 achieved
    assert "1,019".replace(",", "\u202f") in english  # OP-1 cumulative
    assert "45.0%" in english and "\u202f%" not in english  # OC-1 actual, a share
    assert "&#34;" in english or "&quot;" in english  # text escaped


def test_figures_table_and_its_gate(tracker):
    _, warehouse = tracker
    with duckdb.connect(str(warehouse), read_only=True) as con:
        figures = con.execute(
            f"select indicator_code, period, status, actual from {FIGURES_TABLE} order by indicator_code"
        ).fetchall()
    assert figures == [
        ("IMP-1", "2026-Q2", "not_measured", None),
        ("OC-1", "2026-Q2", "behind", 45.0),
        ("OP-1", "2026-Q2", "no_target", 120.0),
        ("OP-2", "2026-Q2", "on_track", 4.5),
    ]
    suite = load_suites()[("reports", "me_indicator_tracker")]
    outcome = validate(read_warehouse_frame(warehouse, suite.asset_path, suite.needed_columns()), suite)
    assert not outcome.blocking_failures, outcome.blocking_failures


def test_a_running_count_is_judged_against_its_target_pro_rated_and_says_so(tracker):
    """OP-2's period is half over with 45% of its target done from the baseline: on track
    against the pro-rated target, and both products say it was pro-rated."""
    result, _ = tracker
    for language in ("en", "fr"):
        text = TRACKER_TEXT[language]
        note = text["prorated_note"].format(share="50%" if language == "en" else "50\u202f%")
        book = openpyxl.load_workbook(result.xlsx[language])
        op2 = [
            c
            for c in sheet_rows(book[text["levels"]["output"]])
            if c[text["code"]].value == "OP-2" and c[text["disaggregation"]].value == text["disaggregations"]["total"]
        ]
        running = op2[-1]
        assert running[text["percent_achieved"]].value == pytest.approx(0.45)
        assert running[text["percent_of_target"]].value == pytest.approx(0.45)
        assert running[text["status"]].value == text["statuses"]["on_track"]
        assert running[text["note"]].value == note
        assert op2[0][text["note"]].value is None  # an ended period is not pro-rated
        assert note in result.html[language].read_text(encoding="utf-8")


def test_the_workbook_prints_on_a4_with_every_column_on_the_page(tracker):
    result, _ = tracker
    book = openpyxl.load_workbook(result.xlsx["en"])
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        # fit to page, one page wide (fitToWidth left out means 1 in OOXML)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1)
        assert sheet.page_setup.fitToHeight == 0  # as many pages down as needed
    levels = book.worksheets[1:]
    assert all(s.page_setup.orientation == "landscape" and s.print_title_rows == "$1:$1" for s in levels)


def test_the_iati_file_carries_the_results_framework_and_validates(tracker):
    """IATI 2.03: a result per indicator (impact 3, outcome 2, output 1), its baseline, a period
    per reporting period with the total's target and every actual, a category as a dimension;
    withheld values left out; the file validates against the IATI activity schema."""
    from lxml import etree

    from dtm_platform.reports.iati import IatiError, validate

    result, _ = tracker
    xml = result.iati.read_bytes()
    validate(xml)
    activity = etree.fromstring(xml).find("iati-activity")
    assert activity.findtext("iati-identifier") == "XM-DAC-47066-CF-TEST"
    results = activity.findall("result")
    assert [(r.get("type"), r.find("indicator/reference").get("code")) for r in results] == [
        ("3", "IMP-1"),
        ("2", "OC-1"),
        ("1", "OP-1"),
        ("1", "OP-2"),
    ]
    assert results[1].find("indicator").get("measure") == "2"  # a percentage
    assert results[1].findtext("title/narrative") == HYPERLINK  # text, escaped by XML
    published = set()
    for r in results:
        code = r.find("indicator/reference").get("code")
        for period in r.findall("indicator/period"):
            start = period.find("period-start").get("iso-date")
            target = period.find("target")
            total = next(
                x
                for x in ROWS
                if x["indicator_code"] == code
                and x["period_start"].isoformat() == start
                and x["disaggregation"] == "total"
            )
            assert (float(target.get("value")) if target is not None else None) == total["target"]
            for actual in period.findall("actual"):
                dimension = actual.find("dimension")
                key = (dimension.get("name"), dimension.get("value")) if dimension is not None else ("total", "total")
                published.add((code, start, *key, float(actual.get("value"))))
    expected = {
        (
            x["indicator_code"],
            x["period_start"].isoformat(),
            x["disaggregation"],
            x["disaggregation_value"],
            float(x["actual"]),
        )
        for x in ROWS
        if x["actual"] is not None and not withheld(x)
    }
    assert published == expected
    assert ("IMP-1", "2026-01-01", "sex", "male", 2.9) not in published  # 3 respondents: withheld
    assert ("IMP-1", "2026-01-01", "sex", "female", 2.6) not in published  # total minus it gives the men's
    assert float(results[0].find("indicator/baseline").get("value")) == 2.5
    broken = xml.replace(b"<iati-identifier>XM-DAC-47066-CF-TEST</iati-identifier>", b"")
    with pytest.raises(IatiError, match=r"iati-identifier|reporting-org"):
        validate(broken)


def test_rows_are_as_high_as_their_wrapped_text(tracker):
    """A wrapped cell is cut off in print and in LibreOffice unless its row is high enough:
    every row holding a long indicator name or note is set to the lines its text takes."""
    from dtm_platform.reports.indicator_tracker import COLUMNS, NOTES_WIDTHS
    from dtm_platform.reports.xlsx import LINE_HEIGHT, wrapped_lines

    result, _ = tracker
    for language in ("en", "fr"):
        book = openpyxl.load_workbook(result.xlsx[language])
        text = TRACKER_TEXT[language]
        for sheet in (book[text["levels"][level]] for level in ("impact", "outcome", "output")):
            headers = [cell.value for cell in sheet[1]]
            widths = {text[key]: width for key, width in COLUMNS}
            for row in sheet.iter_rows(min_row=2):
                lines = max(
                    wrapped_lines(cell.value, widths[header])
                    for header, cell in zip(headers, row)
                    if header in (text["indicator"], text["note"]) and cell.value
                )
                height = sheet.row_dimensions[row[0].row].height
                assert height is not None and height >= lines * LINE_HEIGHT, (sheet.title, row[0].row)
                assert all(
                    cell.alignment.wrap_text
                    for header, cell in zip(headers, row)
                    if header in (text["indicator"], text["note"])
                )
        notes = book.worksheets[0]
        method = next(row for row in notes.iter_rows() if row[0].value == TRACKER_TEXT[language]["method_title"])
        assert (
            notes.row_dimensions[method[0].row].height >= wrapped_lines(method[1].value, NOTES_WIDTHS[1]) * LINE_HEIGHT
        )
        assert wrapped_lines(method[1].value, NOTES_WIDTHS[1]) > 1  # the method is a paragraph


def test_every_target_stands_beside_its_actual(tracker):
    """Periods, midline, endline and life of project: a milestone due is judged like a period,
    one not yet due shows its progress without a status."""
    result, _ = tracker
    for language in ("en", "fr"):
        text = TRACKER_TEXT[language]
        sheet = sheet_rows(openpyxl.load_workbook(result.xlsx[language])[text["targets_sheet"]])
        got = [
            (
                r[text["code"]].value,
                r[text["target_kind"]].value,
                r[text["target_value"]].value,
                r[text["value_to_date"]].value,
                r[text["status"]].value,
            )
            for r in sheet
        ]
        kinds, statuses = text["target_kinds"], text["statuses"]
        q1 = "Q1 2026" if language == "en" else "T1 2026"
        assert got == [
            ("IMP-1", q1, 3.0, 2.7, statuses["off_track"]),  # 40% from the baseline
            ("IMP-1", kinds["midline"], 2.9, 2.7, statuses["off_track"]),
            ("IMP-1", kinds["endline"], 3.2, 2.7, text["not_due"]),
            ("IMP-1", kinds["life_of_project"], 3.2, 2.7, text["not_due"]),
            ("OC-1", kinds["midline"], 0.7, None, statuses["suppressed"]),  # 3 households: withheld
            ("OC-1", kinds["endline"], 0.75, None, text["not_due"]),  # withheld, not yet due
            ("OP-1", kinds["midline"], 1100, 1019, statuses["on_track"]),
        ]
        withheld = next(r for r in sheet if r[text["code"]].value == "OC-1")
        assert [withheld[text[k]].value for k in ("percent_achieved_any", "ratio_any", "baseline")] == [
            None,
            None,
            0.6,
        ]  # a percent's cell holds a fraction
        not_due = next(r for r in sheet if r[text["target_kind"]].value == kinds["endline"])
        assert not_due[text["status"]].fill.fgColor.rgb in (None, "00000000")  # no traffic light
        html = result.html[language].read_text(encoding="utf-8")
        assert 'data-target="midline"' in html and 'data-target="life_of_project"' in html
        assert text["not_due"] in html and kinds["endline"] in html
        withheld_row = re.search(r'<tr data-indicator="OC-1" data-target="midline">.*?</tr>', html, re.DOTALL).group(0)
        assert escape(statuses["suppressed"]) in withheld_row and "65" not in withheld_row


def test_the_by_period_view_puts_each_periods_target_beside_its_actual(tracker):
    result, _ = tracker
    for language in ("en", "fr"):
        text = TRACKER_TEXT[language]
        sheet = sheet_rows(openpyxl.load_workbook(result.xlsx[language])[text["by_period_sheet"]])
        assert [r[text["code"]].value for r in sheet] == ["IMP-1", "OC-1", "OP-1", "OP-2"]  # framework order
        op1 = next(r for r in sheet if r[text["code"]].value == "OP-1")
        q1, q2 = ("Q1 2026", "Q2 2026") if language == "en" else ("T1 2026", "T2 2026")
        assert op1[text["period_target"].format(period=q1)].value == 1000
        assert op1[text["period_actual"].format(period=q1)].value == 899
        assert op1[text["period_target"].format(period=q2)].value is None  # no target set
        assert op1[text["period_actual"].format(period=q2)].value == 120
        assert op1[text["cumulative"]].value == 1019 and op1[text["life_of_project_target"]].value == 2000
        assert 'data-section="by_period"' in result.html[language].read_text(encoding="utf-8")


def test_the_workplan_timeline_follows_the_indicators_late_lines_first(tracker):
    result, _ = tracker
    for language in ("en", "fr"):
        text = OVERSIGHT_TEXT[language]
        html = result.html[language].read_text(encoding="utf-8")
        section = html[html.index('data-section="timeline"') :]
        section = section[: section.index("</section>")]
        assert text["timeline_title"] in section
        statuses = re.findall(r'<span class="status"[^>]*>([^<]+)</span>', section)
        assert statuses == [text["statuses"][s] for s in ("late", "late", "late", "on_track", "done")]
        book = openpyxl.load_workbook(result.xlsx[language])
        assert book.sheetnames[-len(oversight.SECTIONS) :] == [text[f"{s.key}_sheet"] for s in oversight.SECTIONS]
        assert book[text["timeline_sheet"]].max_row == 1 + len(LINES)


def test_the_tracker_shows_complaints_and_feedback_without_a_small_count(tracker):
    """The complaints and feedback sections in the tracker's HTML and workbook, in both
    languages: every month's row, overdue first; a sensitive category's small count blank."""
    result, _ = tracker
    for language in ("en", "fr"):
        text = OVERSIGHT_TEXT[language]
        html = result.html[language].read_text(encoding="utf-8")
        for key in ("feedback", "feedback_categories"):
            section = html[html.index(f'data-section="{key}"') :]
            section = section[: section.index("</section>")]
            assert escape(text[f"{key}_title"]) in section
        book = openpyxl.load_workbook(result.xlsx[language])
        assert text["feedback_sheet"] in book.sheetnames and text["feedback_categories_sheet"] in book.sheetnames
        sheet = book[text["feedback_sheet"]]
        assert sheet.max_row == 1 + len(FEEDBACK)
        headers = [c.value for c in sheet[1]]
        overdue = [row[headers.index(text["overdue"])] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert overdue == [8, 0, 0, None]
        categories = book[text["feedback_categories_sheet"]]
        counts = {row[1]: row[2] for row in categories.iter_rows(min_row=2, values_only=True)}
        assert len(counts) == len(CATEGORIES)
        sensitive = "Category protection" if language == "en" else "Catégorie protection"
        assert counts[sensitive] is None
        assert all(n is None or n >= 5 for n in counts.values())

"""The report's bar charts: drawn at the width they print at, so their text prints at the
tables' size, and every label shown whole."""

import re
import xml.etree.ElementTree as ET

from dtm_platform.reports.charts import FONT_SIZE, HALF_COLUMN, horizontal_bar_chart, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    shown = []
    for text in root.iter(f"{SVG}text"):
        spans = [span.text for span in text.iter(f"{SVG}tspan")]
        shown.append(" ".join(spans) if spans else text.text)
    return shown


def test_charts_are_drawn_at_the_width_they_print_with_readable_text():
    svg = horizontal_bar_chart([("Ouham", 65356), ("Bangui", 11258)], title="IDPs")
    width = float(re.search(r'viewBox="0 0 (\S+) ', svg).group(1))
    assert width == HALF_COLUMN and f'font-size="{FONT_SIZE}"' in svg
    assert FONT_SIZE >= 10  # about 8 pt once printed, like the tables


def test_long_labels_wrap_onto_two_lines_and_stay_whole():
    rows = [
        ("Catastrophe naturelle (inondations)", 115292),
        ("Tensions liées à la transhumance", 105149),
        ("Bamingui-Bangoran", 35157),
        ("Autre", 127669),
    ]
    shown = _texts(horizontal_bar_chart(rows, title="Raisons"))
    assert "Catastrophe naturelle (inondations)" in shown
    assert "Tensions liées à la transhumance" in shown
    assert "Bamingui-Bangoran" in [label.replace("- ", "-") for label in shown]
    assert "Autre" in shown and "127\u202f669" in shown


def test_a_stacked_chart_names_its_series_and_totals_each_bar():
    svg = stacked_bar_chart(
        [("Béloko", [756, 371]), ("Tissi", [144, 62])],
        series=[("Entrants", "#0033a0"), ("Sortants", "#8fb1e3")],
        title="Flux",
    )
    shown = _texts(svg)
    assert {"Entrants", "Sortants", "Béloko", "Tissi", "1\u202f127", "206"} <= set(shown)
    assert "Béloko, Sortants: 371" in svg

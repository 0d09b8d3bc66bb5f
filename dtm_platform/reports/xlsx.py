"""Writing workbooks people open in Excel: formats made once, and text that stays text."""

from __future__ import annotations

import textwrap

import xlsxwriter

# A cell a spreadsheet would run as a formula when its text starts so (CSV/XLSX injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# xlsxwriter must never turn text into a formula, a link or a number by itself.
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


class Formats:
    """xlsxwriter formats, made once per combination."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook, self.cache = workbook, {}

    def get(self, **properties) -> xlsxwriter.format.Format:
        key = tuple(sorted(properties.items()))
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format({"font_name": "Arial", "font_size": 10, **properties})
        return self.cache[key]


def write_text(sheet, row: int, col: int, value, formats: Formats, **properties) -> None:
    """Text is always a string cell; one a spreadsheet would run as a formula gets the quote prefix."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, formats.get(**properties))
        return
    value = str(value)
    if value.startswith(FORMULA_PREFIXES):
        properties["quote_prefix"] = True
    sheet.write_string(row, col, value, formats.get(**properties))


# Neither xlsxwriter nor every spreadsheet sizes a row to its wrapped text (LibreOffice and
# print previews keep the default height, cutting the text off): the height is set from the
# text, wrapped the way the column's width lets it.
LINE_HEIGHT = 12.75  # points, a line of Arial 10
CHARS_PER_WIDTH = 1.1  # Arial 10 characters a unit of column width holds, on average


def wrapped_lines(text: str | None, width: float) -> int:
    """Lines ``text`` takes in a column ``width`` wide, wrapped at spaces."""
    if not text:
        return 1
    room = max(int(width * CHARS_PER_WIDTH), 1)
    return sum(max(len(textwrap.wrap(paragraph, room)), 1) for paragraph in str(text).split("\n"))


def row_height(cells) -> float:
    """The height a row needs for its wrapped cells, given as (text, column width) pairs."""
    return max((wrapped_lines(text, width) for text, width in cells), default=1) * LINE_HEIGHT + 3

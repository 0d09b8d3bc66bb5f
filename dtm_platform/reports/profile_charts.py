"""The profiles' charts, inline SVG in the style of charts.py (same font, sizes and colours):
a population pyramid and columns by round. Values arrive formatted for the page's language:
the charts draw, they compute no figure."""

from __future__ import annotations

from html import escape

from dtm_platform.reports.charts import _CHAR_WIDTH, FONT_SIZE, HALF_COLUMN, _open_svg

MALE, FEMALE = "#0033a0", "#e36f1e"


def _empty(title: str, width: int) -> str:
    return f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="20"></svg>'


def population_pyramid(
    rows: list[dict],
    *,
    title: str,
    male: str,
    female: str,
    width: int = HALF_COLUMN,
    bar_height: int = 22,
    gap: int = 6,
) -> str:
    """``rows``, youngest first: dicts with ``label`` (the age group), ``male`` and ``female``
    (counts, for the bars' lengths) and ``male_text`` / ``female_text`` (what is written at
    the bars' ends, e.g. their share). Drawn oldest on top, men to the left of the axis and
    women to the right, with a legend above."""
    if not rows:
        return _empty(title, width)
    label_width = int(max(len(r["label"]) for r in rows) * _CHAR_WIDTH) + 10
    text_room = int(max(len(r[k]) for r in rows for k in ("male_text", "female_text")) * _CHAR_WIDTH) + 8
    half = (width - label_width - 2 * text_room) / 2
    axis = label_width + text_room + half
    top = max(max(r["male"], r["female"]) for r in rows) or 1
    legend = 20
    height = legend + len(rows) * (bar_height + gap) + gap
    parts = [_open_svg(title, width, height)]
    parts.append(
        f'<rect x="{axis - 33 - len(male) * _CHAR_WIDTH:.1f}" y="4" width="11" height="11" fill="{MALE}"/>'
        f'<text x="{axis - 18:.1f}" y="14" text-anchor="end">{escape(male)}</text>'
        f'<rect x="{axis + 4:.1f}" y="4" width="11" height="11" fill="{FEMALE}"/>'
        f'<text x="{axis + 19:.1f}" y="14">{escape(female)}</text>'
    )
    for position, row in enumerate(reversed(rows)):
        y = legend + gap + position * (bar_height + gap)
        middle = y + bar_height / 2 + FONT_SIZE * 0.35
        left = row["male"] / top * half
        right = row["female"] / top * half
        parts.append(
            f'<text x="{label_width - 6}" y="{middle:.1f}" text-anchor="end">{escape(row["label"])}</text>'
            f'<rect class="male" x="{axis - left:.1f}" y="{y}" width="{left:.1f}" height="{bar_height}" fill="{MALE}">'
            f"<title>{escape(row['label'])}, {escape(male)}: {escape(row['male_text'])}</title></rect>"
            f'<rect class="female" x="{axis:.1f}" y="{y}" width="{right:.1f}" height="{bar_height}" fill="{FEMALE}">'
            f"<title>{escape(row['label'])}, {escape(female)}: {escape(row['female_text'])}</title></rect>"
            f'<text x="{axis - left - 4:.1f}" y="{middle:.1f}" text-anchor="end">{escape(row["male_text"])}</text>'
            f'<text x="{axis + right + 4:.1f}" y="{middle:.1f}">{escape(row["female_text"])}</text>'
        )
    parts.append(
        f'<line x1="{axis:.1f}" y1="{legend}" x2="{axis:.1f}" y2="{height}" stroke="#222" stroke-width="0.8"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def round_columns(
    rows: list[tuple[str, list[float], str]],
    *,
    title: str,
    series: list[tuple[str, str]],
    width: int = HALF_COLUMN,
    height: int = 170,
) -> str:
    """One column per round, oldest on the left: ``rows`` are (label under the column, the
    values of each of ``series`` (name, colour) stacked from the bottom, the total written
    on top). A legend above when there are several series."""
    if not rows:
        return _empty(title, width)
    legend = 20 if len(series) > 1 else 0
    head, foot = legend + FONT_SIZE + 6, FONT_SIZE + 8
    plot = height - head - foot
    slot = width / len(rows)
    column = min(46.0, slot * 0.6)
    top = max(sum(values) for _, values, _ in rows) or 1
    parts = [_open_svg(title, width, height)]
    x = 0.0
    for name, colour in series if legend else []:
        parts.append(
            f'<rect x="{x:.1f}" y="4" width="11" height="11" fill="{colour}"/>'
            f'<text x="{x + 15:.1f}" y="14">{escape(name)}</text>'
        )
        x += 16 + len(name) * _CHAR_WIDTH + 12
    base = head + plot
    for position, (label, values, total_text) in enumerate(rows):
        centre = slot * (position + 0.5)
        y = float(base)
        for value, (name, colour) in zip(values, series):
            length = value / top * plot
            if length > 0:
                y -= length
                parts.append(
                    f'<rect class="column" x="{centre - column / 2:.1f}" y="{y:.1f}" width="{column:.1f}" '
                    f'height="{length:.1f}" fill="{colour}"><title>{escape(label)}, {escape(name)}</title></rect>'
                )
        parts.append(
            f'<text x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle">{escape(total_text)}</text>'
            f'<text x="{centre:.1f}" y="{base + FONT_SIZE + 4:.1f}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#8d99ad" stroke-width="0.8"/>')
    parts.append("</svg>")
    return "".join(parts)

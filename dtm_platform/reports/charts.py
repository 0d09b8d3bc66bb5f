"""Charts as inline SVG: no JavaScript, no network, prints and opens anywhere."""

from __future__ import annotations

from html import escape


def thousands(value: float) -> str:
    """12 345, with a narrow no-break space: read the same in English and French."""
    return f"{value:,.0f}".replace(",", "\u202f")


# The report's charts sit in half an A4 column (about 340 CSS pixels once printed): drawn at
# that size, their text prints at the size of the tables' (11 px, about 8 pt) instead of
# being scaled down to half of it.
HALF_COLUMN = 340
FONT_SIZE = 11
_CHAR_WIDTH = 0.56 * FONT_SIZE  # Arial's average advance, to size the label column
_LABEL_SHARE = 0.42  # at most this share of the width for the labels


def _label_layout(labels: list[str], width: int) -> tuple[int, int]:
    """The label column's width and the characters a line of it holds: as wide as the longest
    label, at most _LABEL_SHARE of the chart; longer labels wrap onto a second line."""
    longest = max((len(label) for label in labels), default=0)
    if longest * _CHAR_WIDTH + 10 <= width * _LABEL_SHARE:
        return int(longest * _CHAR_WIDTH) + 11, longest
    column = int(width * _LABEL_SHARE)
    return column, max(int((column - 10) / _CHAR_WIDTH), 8)


def _wrapped(label: str, line_chars: int) -> list[str]:
    """The label on one line, or two split at a space (the second shortened with an ellipsis)."""
    if len(label) <= line_chars:
        return [label]
    space, hyphen = label.rfind(" ", 0, line_chars + 1), label.rfind("-", 0, line_chars)
    if space >= hyphen and space > 0:
        first, rest = label[:space], label[space + 1 :]
    elif hyphen > 0:  # Bamingui-Bangoran: keep the hyphen at the end of the first line
        first, rest = label[: hyphen + 1], label[hyphen + 1 :]
    else:
        first, rest = label[:line_chars], label[line_chars:]
    return [first, rest if len(rest) <= line_chars else rest[: line_chars - 1] + "\u2026"]


def _row_label(label: str, *, right: float, middle: float, line_chars: int) -> str:
    lines = _wrapped(label, line_chars)
    if len(lines) == 1:
        return f'<text x="{right}" y="{middle + FONT_SIZE * 0.35:.1f}" text-anchor="end">{escape(label)}</text>'
    top = middle - FONT_SIZE * 0.2
    return (
        f'<text x="{right}" y="{top:.1f}" text-anchor="end"><title>{escape(label)}</title>'
        f'<tspan x="{right}">{escape(lines[0])}</tspan>'
        f'<tspan x="{right}" dy="{FONT_SIZE:.0f}">{escape(lines[1])}</tspan></text>'
    )


def _open_svg(title: str, width: int, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="100%" viewBox="0 0 {width} {height}" style="max-width:{width}px" '
        f'font-family="Arial, sans-serif" font-size="{FONT_SIZE}"><title>{escape(title)}</title>'
    )


def horizontal_bar_chart(
    rows: list[tuple[str, float]],
    *,
    title: str,
    width: int = HALF_COLUMN,
    bar_height: int = 18,
    gap: int = 6,
    colour: str = "#0033a0",
) -> str:
    """Bars sorted as given; each labelled with its name on the left and its value on the right."""
    if not rows:
        return f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="20"></svg>'
    label_width, line_chars = _label_layout([label for label, _ in rows], width)
    if any(len(_wrapped(label, line_chars)) > 1 for label, _ in rows):
        bar_height = max(bar_height, 2 * FONT_SIZE + 2)
    top = max(value for _, value in rows) or 1
    plot_width = width - label_width - 50
    height = len(rows) * (bar_height + gap) + gap
    parts = [_open_svg(title, width, height)]
    for position, (label, value) in enumerate(rows):
        y = gap + position * (bar_height + gap)
        middle = y + bar_height / 2
        bar = max(value / top * plot_width, 1 if value else 0)
        parts.append(
            _row_label(label, right=label_width - 6, middle=middle, line_chars=line_chars)
            + f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" fill="{colour}"/>'
            f'<text x="{label_width + bar + 4:.1f}" y="{middle + FONT_SIZE * 0.35:.1f}">{thousands(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(
    rows: list[tuple[str, list[float]]],
    *,
    series: list[tuple[str, str]],
    title: str,
    width: int = HALF_COLUMN,
    bar_height: int = 18,
    gap: int = 6,
) -> str:
    """One bar per row, split into ``series`` (name, colour) in order, with a legend on top and
    the row's total on the right."""
    if not rows:
        return f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="20"></svg>'
    label_width, line_chars = _label_layout([label for label, _ in rows], width)
    if any(len(_wrapped(label, line_chars)) > 1 for label, _ in rows):
        bar_height = max(bar_height, 2 * FONT_SIZE + 2)
    # the legend: one entry a line when the names would not fit side by side
    entries = [16 + len(name) * _CHAR_WIDTH + 12 for name, _ in series]
    stacked = sum(entries) > width
    legend_height = 20 * (len(series) if stacked else 1)
    top = max(sum(values) for _, values in rows) or 1
    plot_width = width - label_width - 50
    height = legend_height + len(rows) * (bar_height + gap) + gap
    parts = [_open_svg(title, width, height)]
    x, y = 0.0, 4
    for (name, colour), entry in zip(series, entries):
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="11" height="11" fill="{colour}"/>'
            f'<text x="{x + 15:.1f}" y="{y + 10}">{escape(name)}</text>'
        )
        x, y = (0.0, y + 20) if stacked else (x + entry, y)
    for position, (label, values) in enumerate(rows):
        y = legend_height + gap + position * (bar_height + gap)
        middle = y + bar_height / 2
        parts.append(_row_label(label, right=label_width - 6, middle=middle, line_chars=line_chars))
        x = float(label_width)
        for value, (name, colour) in zip(values, series):
            bar = value / top * plot_width
            if bar > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{bar:.1f}" height="{bar_height}" fill="{colour}">'
                    f"<title>{escape(label)}, {escape(name)}: {thousands(value)}</title></rect>"
                )
            x += bar
        parts.append(f'<text x="{x + 4:.1f}" y="{middle + FONT_SIZE * 0.35:.1f}">{thousands(sum(values))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def progress_chart(
    rows: list[tuple[str, float | None, str]],
    *,
    title: str,
    target_label: str = "100%",
    value_label=lambda value: f"{value:.0f}%",
    width: int = HALF_COLUMN,
    bar_height: int = 16,
    gap: int = 5,
    label_width: int = 56,
) -> str:
    """Progress against a target: one bar per (label, percent, colour), a dashed line at 100%.
    A row without a value gets no bar (and no label on the right)."""
    if not rows:
        return f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="20"></svg>'
    head = 16
    top = max([100.0] + [value for _, value, _ in rows if value is not None]) * 1.05
    plot_width = width - label_width - 60
    height = head + len(rows) * (bar_height + gap) + gap
    target_x = label_width + 100 / top * plot_width
    parts = [_open_svg(title, width, height)]
    for position, (label, value, colour) in enumerate(rows):
        y = head + gap + position * (bar_height + gap)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        if value is None:
            continue
        bar = max(value / top * plot_width, 1 if value else 0)
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" fill="{colour}"/>'
            f'<text x="{label_width + bar + 4:.1f}" y="{y + bar_height * 0.7:.1f}">{escape(value_label(value))}</text>'
        )
    parts.append(
        f'<line x1="{target_x:.1f}" y1="{head - 2}" x2="{target_x:.1f}" y2="{height}" stroke="#222" '
        f'stroke-dasharray="4 3"/><text x="{target_x:.1f}" y="11" text-anchor="middle">{escape(target_label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)

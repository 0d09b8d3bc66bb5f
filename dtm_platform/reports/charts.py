"""Charts as inline SVG: no JavaScript, no network, prints and opens anywhere."""

from __future__ import annotations

from html import escape


def thousands(value: float) -> str:
    """12 345, with a narrow no-break space: read the same in English and French."""
    return f"{value:,.0f}".replace(",", "\u202f")


def horizontal_bar_chart(rows: list[tuple[str, float]], *, title: str, width: int = 640,
                         bar_height: int = 20, gap: int = 6, label_width: int = 170,
                         colour: str = "#0033a0") -> str:
    """Bars sorted as given; each labelled with its name on the left and its value on the right."""
    if not rows:
        return f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="20"></svg>'
    top = max(value for _, value in rows) or 1
    plot_width = width - label_width - 70
    height = len(rows) * (bar_height + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'width="100%" viewBox="0 0 {width} {height}" style="max-width:{width}px" font-family="Arial, sans-serif" '
             f'font-size="12"><title>{escape(title)}</title>']
    for position, (label, value) in enumerate(rows):
        y = gap + position * (bar_height + gap)
        bar = max(value / top * plot_width, 1 if value else 0)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" fill="{colour}"/>'
            f'<text x="{label_width + bar + 4:.1f}" y="{y + bar_height * 0.7:.1f}">{thousands(value)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(rows: list[tuple[str, list[float]]], *, series: list[tuple[str, str]], title: str,
                      width: int = 640, bar_height: int = 20, gap: int = 6, label_width: int = 170) -> str:
    """One bar per row, split into ``series`` (name, colour) in order, with a legend on top and
    the row's total on the right."""
    legend_height = 22
    if not rows:
        return f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="20"></svg>'
    top = max(sum(values) for _, values in rows) or 1
    plot_width = width - label_width - 70
    height = legend_height + len(rows) * (bar_height + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'width="100%" viewBox="0 0 {width} {height}" style="max-width:{width}px" font-family="Arial, sans-serif" '
             f'font-size="12"><title>{escape(title)}</title>']
    x = label_width
    for name, colour in series:
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="14">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    for position, (label, values) in enumerate(rows):
        y = legend_height + gap + position * (bar_height + gap)
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>')
        x = float(label_width)
        for value, (name, colour) in zip(values, series):
            bar = value / top * plot_width
            if bar > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{bar:.1f}" height="{bar_height}" fill="{colour}">'
                             f'<title>{escape(label)}, {escape(name)}: {thousands(value)}</title></rect>')
            x += bar
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_height * 0.7:.1f}">{thousands(sum(values))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def progress_chart(rows: list[tuple[str, float | None, str]], *, title: str, target_label: str = "100%",
                   value_label=lambda value: f"{value:.0f}%", width: int = 640, bar_height: int = 18,
                   gap: int = 6, label_width: int = 90) -> str:
    """Progress against a target: one bar per (label, percent, colour), a dashed line at 100%.
    A row without a value gets no bar (and no label on the right)."""
    if not rows:
        return f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="20"></svg>'
    head = 16
    top = max([100.0] + [value for _, value, _ in rows if value is not None]) * 1.05
    plot_width = width - label_width - 60
    height = head + len(rows) * (bar_height + gap) + gap
    target_x = label_width + 100 / top * plot_width
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'width="100%" viewBox="0 0 {width} {height}" style="max-width:{width}px" font-family="Arial, sans-serif" '
             f'font-size="12"><title>{escape(title)}</title>']
    for position, (label, value, colour) in enumerate(rows):
        y = head + gap + position * (bar_height + gap)
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>')
        if value is None:
            continue
        bar = max(value / top * plot_width, 1 if value else 0)
        parts.append(f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{bar_height}" fill="{colour}"/>'
                     f'<text x="{label_width + bar + 4:.1f}" y="{y + bar_height * 0.7:.1f}">{escape(value_label(value))}</text>')
    parts.append(f'<line x1="{target_x:.1f}" y1="{head - 2}" x2="{target_x:.1f}" y2="{height}" stroke="#222" '
                 f'stroke-dasharray="4 3"/><text x="{target_x:.1f}" y="11" text-anchor="middle">{escape(target_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)

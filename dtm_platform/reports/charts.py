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

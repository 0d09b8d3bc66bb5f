"""Maps as inline SVG: no tiles, no JavaScript, so they print and work offline.

The base is the country's outline and its prefectures (dtm_platform.boundaries, Natural
Earth), with sub-prefecture polygons on top when a COD-AB GeoJSON is configured. The
situation report's map shades prefectures by a figure and draws a circle per
sub-prefecture (area proportional to its figure), with a legend for each and labels that
do not collide; a profile's locator map marks one place.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from bisect import bisect_right
from dataclasses import dataclass
from html import escape
from pathlib import Path

from dtm_platform.boundaries import ATTRIBUTION, country_bounds, country_outline, prefectures
from dtm_platform.reports.translations import number

FONT_SIZE = 11
CHARACTER_WIDTH = 0.56 * FONT_SIZE  # Arial's average advance, for sizing labels before drawing them
SHADES = ("#eef2f9", "#cbd8ee", "#9db5de", "#6a8fca", "#3d67b0")  # light to dark: few to many
NO_FIGURE = "#ffffff"
CIRCLE = "#e36f1e"
MARGIN = 0.25  # degrees around the country
LOCATOR_STEP = 0.8  # pixels between the boundary points a locator map draws


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.right <= other.left or other.right <= self.left or self.bottom <= other.top or other.bottom <= self.top
        )

    def inside(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


class Projection:
    """Equirectangular, longitudes shrunk by cos(latitude) at the country's centre: at this
    latitude and scale the difference from a conformal projection does not show."""

    def __init__(self, width: float):
        min_lon, min_lat, max_lon, max_lat = country_bounds()
        self.west, self.north = min_lon - MARGIN, max_lat + MARGIN
        self.x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
        span_x = (max_lon - min_lon + 2 * MARGIN) * self.x_scale
        self.scale = width / span_x
        self.width = width
        self.height = (max_lat - min_lat + 2 * MARGIN) * self.scale

    def __call__(self, longitude: float, latitude: float) -> tuple[float, float]:
        return (longitude - self.west) * self.x_scale * self.scale, (self.north - latitude) * self.scale

    def path(self, rings, min_step: float = 0.0) -> str:
        """SVG path data of the rings. ``min_step``: a point closer than that many pixels to the
        last one drawn is left out (each ring's ends are kept): a small map needs a fraction
        of the boundaries' points."""
        drawn = []
        for ring in rings:
            points = [self(lon, lat) for lon, lat, *_ in ring]
            if min_step > 0 and len(points) > 2:
                kept = [points[0]]
                for x, y in points[1:-1]:
                    if math.hypot(x - kept[-1][0], y - kept[-1][1]) >= min_step:
                        kept.append((x, y))
                points = [*kept, points[-1]]
            drawn.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points))
        return " ".join(drawn)


def proportional_symbol_map(
    points: list[dict],
    *,
    title: str,
    language: str,
    size_title: str,
    shading: dict[str, float] | None = None,
    shading_title: str = "",
    boundaries: Path | None = None,
    width: int = 680,
    labelled: int = 12,
    max_radius: float = 24,
) -> str:
    """``points``: dicts with name, latitude, longitude, value (a circle each, area ~ value;
    the largest ``labelled`` carry their name where it fits without covering another label
    or circle). ``shading``: a figure per prefecture p-code, shown in five classes."""
    project = Projection(width)
    attribution_height = 2.6 * FONT_SIZE
    height = project.height + attribution_height
    parts = [_svg_open(title, project.width, height)]
    classes = _classes([value for value in (shading or {}).values() if value])
    parts += _prefectures(project, shading, classes)
    if boundaries is not None:
        parts += _admin2_polygons(boundaries, project)
    parts.append(_outline(project))

    placed = sorted(
        (p for p in points if p["latitude"] is not None and p["longitude"] is not None and p["value"]),
        key=lambda p: -p["value"],
    )
    top = placed[0]["value"] if placed else 1
    circles = []
    for point in placed:  # largest first, so the small ones are drawn on top
        x, y = project(point["longitude"], point["latitude"])
        radius = max(1.5, max_radius * math.sqrt(point["value"] / top))
        circles.append((point, x, y, radius))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{CIRCLE}" fill-opacity="0.55" '
            f'stroke="#8a3d0a" stroke-width="0.6"><title>{escape(point["name"])}: '
            f"{number(point['value'], language)}</title></circle>"
        )

    reserved = [_size_legend(parts, project, top, max_radius, size_title, language)]
    if classes:
        reserved.append(_shading_legend(parts, project, classes, shading_title, language))
    cores = [Box(x - r / 2, y - r / 2, x + r / 2, y + r / 2) for _, x, y, r in circles]
    parts += _labels(circles[:labelled], cores + reserved, project.width, project.height)
    parts.append(_attribution(language, project.height, project.width))
    parts.append("</svg>")
    return "".join(parts)


def locator_map(
    latitude: float | None,
    longitude: float | None,
    *,
    title: str,
    language: str = "en",
    width: int = 220,
    height: int = 160,
) -> str:
    """The country and its prefectures with one place marked (none when it has no coordinates)."""
    del language  # the marker needs no words; kept so every map is called alike
    project = Projection(width)
    parts = [_svg_open(title, project.width, project.height, display_height=height), _locator_base(width)]
    if latitude is not None and longitude is not None:
        x, y = project(longitude, latitude)
        parts.append(
            f'<circle class="marker" cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="#c8102e" '
            f'stroke="#ffffff" stroke-width="1.5"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


@functools.lru_cache(maxsize=8)
def _locator_base(width: int) -> str:
    """The prefectures and the country's outline of a locator map: the same for every place,
    drawn once per width (the profiles draw a few hundred locators)."""
    project = Projection(width)
    return "".join(_prefectures(project, None, [], min_step=LOCATOR_STEP)) + _outline(project, min_step=LOCATOR_STEP)


def _svg_open(title: str, width: float, height: float, display_height: float | None = None) -> str:
    size = f'height="{display_height}"' if display_height else 'width="100%"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" {size} '
        f'viewBox="0 0 {width:.0f} {height:.0f}" style="max-width:{width:.0f}px" '
        f'font-family="Arial, sans-serif" font-size="{FONT_SIZE}"><title>{escape(title)}</title>'
    )


def _prefectures(
    project: Projection, shading: dict[str, float] | None, classes: list[float], min_step: float = 0.0
) -> list[str]:
    shapes = []
    for pcode, prefecture in sorted(prefectures().items()):
        value = (shading or {}).get(pcode)
        fill = (
            SHADES[bisect_right(classes, value)] if value and classes else ("#f1f3f6" if shading is None else NO_FIGURE)
        )
        rings = [ring for polygon in prefecture.polygons for ring in polygon]
        shapes.append(
            f'<path class="prefecture" data-pcode="{pcode}" d="{project.path(rings, min_step)} Z" fill="{fill}" '
            f'stroke="#8d99ad" stroke-width="0.6"><title>{escape(prefecture.name)}</title></path>'
        )
    return shapes


def _outline(project: Projection, min_step: float = 0.0) -> str:
    lines = " ".join(project.path([line], min_step) for line in country_outline())
    return f'<path class="country-outline" d="{lines}" fill="none" stroke="#2b3a55" stroke-width="1.6"/>'


def _admin2_polygons(path: Path, project: Projection) -> list[str]:
    features = json.loads(Path(path).read_text(encoding="utf-8")).get("features", [])
    shapes = []
    for feature in features:
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        elif geometry.get("type") != "MultiPolygon":
            continue
        rings = [ring for polygon in polygons for ring in polygon]
        shapes.append(
            f'<path class="admin2" d="{project.path(rings)} Z" fill="none" stroke="#b3bccb" stroke-width="0.4"/>'
        )
    return shapes


def _classes(values: list[float]) -> list[float]:
    """Four upper bounds splitting ``values`` into five classes of about equal size (quantiles,
    rounded to two significant figures so that the legend reads)."""
    if len(values) < len(SHADES):
        return []
    ordered = sorted(values)
    bounds = []
    for k in range(1, len(SHADES)):
        bound = _round_figure(ordered[len(ordered) * k // len(SHADES)])
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def _round_figure(value: float) -> float:
    if value < 100:
        return round(value)
    magnitude = 10 ** (len(str(int(value))) - 2)
    return round(value / magnitude) * magnitude


def _nice_below(value: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``value``."""
    if value < 1:
        return value
    power = 10 ** math.floor(math.log10(value))
    return max(step * power for step in (1, 2, 5) if step * power <= value)


def _size_legend(
    parts: list[str], project: Projection, top: float, max_radius: float, title: str, language: str
) -> Box:
    """Three circles of round figures side by side, each with its figure below, in the empty
    north-west corner."""
    values = sorted({_nice_below(top), _nice_below(top / 4), _nice_below(top / 16)} - {0}, reverse=True)
    left, top_y = 8.0, 8.0
    base_y = top_y + FONT_SIZE + 6 + 2 * max_radius
    parts.append(
        f'<g class="legend size-legend"><text x="{left}" y="{top_y + FONT_SIZE}" font-weight="bold">'
        f"{escape(title)}</text>"
    )
    x = left
    for value in values:
        radius = max_radius * math.sqrt(value / top)
        label = number(value, language)
        slot = max(2 * radius, len(label) * CHARACTER_WIDTH)
        parts.append(
            f'<circle cx="{x + slot / 2:.1f}" cy="{base_y - radius:.1f}" r="{radius:.1f}" fill="{CIRCLE}" '
            f'fill-opacity="0.55" stroke="#8a3d0a" stroke-width="0.6"/>'
            f'<text x="{x + slot / 2:.1f}" y="{base_y + FONT_SIZE + 2:.1f}" text-anchor="middle">{label}</text>'
        )
        x += slot + 10
    parts.append("</g>")
    return Box(0, 0, max(x, left + len(title) * CHARACTER_WIDTH) + 4, base_y + FONT_SIZE + 6)


def _shading_legend(parts: list[str], project: Projection, classes: list[float], title: str, language: str) -> Box:
    """The five classes, in the empty south-east corner."""
    labels = [f"< {number(classes[0], language)}"]
    labels += [f"{number(low, language)} – {number(high, language)}" for low, high in itertools.pairwise(classes)]
    labels.append(f"≥ {number(classes[-1], language)}")
    row = FONT_SIZE + 5
    widest = max(len(title), *(len(label) + 4 for label in labels)) * CHARACTER_WIDTH
    left = project.width - widest - 8
    top = project.height - (len(labels) + 1) * row - 8
    parts.append(
        f'<g class="legend shading-legend"><text x="{left:.1f}" y="{top + FONT_SIZE:.1f}" '
        f'font-weight="bold">{escape(title)}</text>'
    )
    for index, (label, shade) in enumerate(zip(labels, SHADES)):
        y = top + (index + 1) * row
        parts.append(
            f'<rect x="{left:.1f}" y="{y + 2:.1f}" width="18" height="{FONT_SIZE}" fill="{shade}" '
            f'stroke="#8d99ad" stroke-width="0.6"/><text x="{left + 24:.1f}" y="{y + FONT_SIZE:.1f}">'
            f"{label}</text>"
        )
    parts.append("</g>")
    return Box(left - 4, top - 4, project.width, project.height)


def _labels(circles, obstacles: list[Box], width: float, height: float) -> list[str]:
    """A name beside each circle where it fits (right, left, above, below, then diagonally),
    never over another label, a legend or the middle of another circle (an edge may show
    through the label's halo); a name that fits nowhere is left out (the circle's tooltip
    still carries it)."""
    texts, taken = [], []
    for point, x, y, radius in circles:
        text_width = len(point["name"]) * CHARACTER_WIDTH
        slant = radius * 0.7
        candidates = (
            ("start", x + radius + 3, y + FONT_SIZE / 3),
            ("end", x - radius - 3, y + FONT_SIZE / 3),
            ("middle", x, y - radius - 3),
            ("middle", x, y + radius + FONT_SIZE),
            ("start", x + slant + 2, y - slant - 2),
            ("end", x - slant - 2, y - slant - 2),
            ("start", x + slant + 2, y + slant + FONT_SIZE),
            ("end", x - slant - 2, y + slant + FONT_SIZE),
        )
        own = Box(x - radius / 2, y - radius / 2, x + radius / 2, y + radius / 2)
        for anchor, tx, ty in candidates:
            left = {"start": tx, "end": tx - text_width, "middle": tx - text_width / 2}[anchor]
            box = Box(left, ty - FONT_SIZE * 0.8, left + text_width, ty + FONT_SIZE * 0.25)
            if (
                box.inside(width, height)
                and not any(box.overlaps(other) for other in taken)
                and not any(box.overlaps(other) for other in obstacles if other != own)
            ):
                taken.append(box)
                texts.append(
                    f'<text class="label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" '
                    f'fill="#1a1a1a" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
                    f'data-box="{box.left:.1f},{box.top:.1f},{box.right:.1f},{box.bottom:.1f}">'
                    f"{escape(point['name'])}</text>"
                )
                break
    return texts


def _attribution(language: str, top: float, width: float) -> str:
    return (
        f'<foreignObject x="0" y="{top:.1f}" width="{width:.0f}" height="{2.6 * FONT_SIZE:.0f}">'
        f'<div xmlns="http://www.w3.org/1999/xhtml" class="attribution" style="font-size:8.5px;'
        f'color:#4a4a4a;line-height:1.25">{escape(ATTRIBUTION[language])}</div></foreignObject>'
    )

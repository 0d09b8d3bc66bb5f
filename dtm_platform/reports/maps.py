"""A proportional-symbol map as inline SVG, with sub-prefecture polygons when a boundary
GeoJSON (such as OCHA's COD-AB) is configured. No tiles, no JavaScript: it prints."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

# The Central African Republic, with a margin: the map's frame.
BOUNDS = (14.2, 2.0, 27.7, 11.2)  # min lon, min lat, max lon, max lat


def _projector(width: int, height: int):
    min_lon, min_lat, max_lon, max_lat = BOUNDS
    # Equirectangular, with longitudes shrunk by cos(latitude) at the country's centre.
    x_scale = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x, span_y = (max_lon - min_lon) * x_scale, max_lat - min_lat
    scale = min(width / span_x, height / span_y)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - min_lon) * x_scale * scale, (max_lat - lat) * scale

    return project, span_x * scale, span_y * scale


def proportional_symbol_map(points: list[dict], *, title: str, boundaries: Path | None = None,
                            width: int = 640, height: int = 440, max_radius: float = 26,
                            labelled: int = 8) -> str:
    """``points``: dicts with name, latitude, longitude, value. Circle area ~ value; the
    ``labelled`` largest carry their name, so the map reads without a base layer."""
    project, map_width, map_height = _projector(width, height)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
             f'width="100%" viewBox="0 0 {map_width:.0f} {map_height:.0f}" style="max-width:{map_width:.0f}px" '
             f'font-family="Arial, sans-serif" font-size="10"><title>{escape(title)}</title>'
             f'<rect width="100%" height="100%" fill="#f4f6fa" stroke="#c8cfdb"/>']
    if boundaries is not None:
        parts.extend(_polygons(boundaries, project))
    top = max((p["value"] for p in points), default=0) or 1
    placed = [p for p in sorted(points, key=lambda p: -p["value"])  # small circles drawn on top
              if p["latitude"] is not None and p["longitude"] is not None and p["value"]]
    labels = []
    for rank, p in enumerate(placed):
        x, y = project(p["longitude"], p["latitude"])
        radius = max_radius * math.sqrt(p["value"] / top)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="#0033a0" fill-opacity="0.45" '
                     f'stroke="#0033a0"><title>{escape(p["name"])}: {p["value"]:,}</title></circle>')
        if rank < labelled:
            labels.append(f'<text x="{x:.1f}" y="{y + radius + 10:.1f}" text-anchor="middle" fill="#1a1a1a">'
                          f'{escape(p["name"])}</text>')
    parts.extend(labels)  # on top of every circle
    parts.append("</svg>")
    return "".join(parts)


def _polygons(path: Path, project) -> list[str]:
    features = json.loads(Path(path).read_text(encoding="utf-8")).get("features", [])
    shapes = []
    for feature in features:
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        elif geometry.get("type") != "MultiPolygon":
            continue
        d = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (project(lon, lat) for lon, lat, *_ in ring)) + " Z"
            for polygon in polygons for ring in polygon
        )
        shapes.append(f'<path d="{d}" fill="#ffffff" stroke="#9aa5b8" stroke-width="0.6"/>')
    return shapes

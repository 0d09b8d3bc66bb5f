"""The country's outline and its prefectures (admin 1), shipped with the platform so that
maps draw and localities are placed offline.

Natural Earth's 1:10m admin-1 boundaries (public domain), derived by
``scripts/derive_caf_boundaries.py`` and matched to OCHA's p-codes. Sub-prefecture (admin 2)
boundaries are not in Natural Earth: an office that has OCHA's COD-AB sets
DTM_BOUNDARIES_GEOJSON and the situation report's map draws them too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
ATTRIBUTION = {
    "en": (
        "Boundaries: Natural Earth (public domain). The boundaries and names shown do not imply "
        "official endorsement or acceptance by IOM."
    ),
    "fr": (
        "Limites : Natural Earth (domaine public). Les limites et les noms indiqués n'impliquent "
        "ni reconnaissance ni acceptation officielles de la part de l'OIM."
    ),
}

Ring = list[tuple[float, float]]  # (longitude, latitude), closed
Polygon = list[Ring]  # the outer ring, then its holes


@dataclass(frozen=True)
class Prefecture:
    pcode: str
    name: str
    polygons: tuple[Polygon, ...]

    def contains(self, longitude: float, latitude: float) -> bool:
        return any(_in_polygon(polygon, longitude, latitude) for polygon in self.polygons)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        points = [point for polygon in self.polygons for point in polygon[0]]
        return (
            min(x for x, _ in points),
            min(y for _, y in points),
            max(x for x, _ in points),
            max(y for _, y in points),
        )

    @property
    def geometry(self) -> dict:
        """As a GeoJSON geometry."""
        return {
            "type": "MultiPolygon",
            "coordinates": [[[list(point) for point in ring] for ring in polygon] for polygon in self.polygons],
        }


@cache
def prefectures() -> dict[str, Prefecture]:
    """The prefectures by OCHA p-code."""
    features = json.loads((HERE / "caf_admin1.geojson").read_text(encoding="utf-8"))["features"]
    return {
        f["properties"]["admin1_pcode"]: Prefecture(
            f["properties"]["admin1_pcode"],
            f["properties"]["admin1_name"],
            tuple([[tuple(point) for point in ring] for ring in polygon] for polygon in f["geometry"]["coordinates"]),
        )
        for f in features
    }


@cache
def country_outline() -> tuple[tuple[tuple[float, float], ...], ...]:
    """The international border, as lines (the prefectures' edges no other prefecture shares)."""
    feature = json.loads((HERE / "caf_admin0.geojson").read_text(encoding="utf-8"))["features"][0]
    return tuple(tuple(tuple(point) for point in line) for line in feature["geometry"]["coordinates"])


@cache
def country_bounds() -> tuple[float, float, float, float]:
    """min longitude, min latitude, max longitude, max latitude (every map projects with
    them: four passes over the prefectures' 7,000 outline points, about 9 ms, which every profile
    page paid before this cache)."""
    boxes = [prefecture.bounds for prefecture in prefectures().values()]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _in_polygon(polygon: Polygon, x: float, y: float) -> bool:
    """Inside the outer ring and outside its holes (ray casting)."""
    return _in_ring(polygon[0], x, y) and not any(_in_ring(hole, x, y) for hole in polygon[1:])


def _in_ring(ring: Ring, x: float, y: float) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside

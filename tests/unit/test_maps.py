"""The maps: the country drawn from the shipped boundaries, legends, labels that do not
collide, a locator's marker where the place is."""

from __future__ import annotations

import re

from dtm_platform.boundaries import country_bounds, prefectures
from dtm_platform.reports.maps import Box, Projection, locator_map, proportional_symbol_map


def _points(count: int) -> list[dict]:
    """Crowded on purpose: every point near Bangui, where labels fight for room."""
    return [
        {
            "name": f"Place number {i}",
            "latitude": 4.2 + 0.05 * i,
            "longitude": 18.3 + 0.04 * i,
            "value": 1000 * (count - i),
        }
        for i in range(count)
    ]


def test_the_map_has_the_country_its_prefectures_and_both_legends():
    shading = {pcode: 1000 * i for i, pcode in enumerate(sorted(prefectures()), 1)}
    svg = proportional_symbol_map(
        _points(5),
        title="IDPs",
        language="en",
        size_title="IDPs by sub-prefecture",
        shading=shading,
        shading_title="IDPs by prefecture",
    )
    assert 'class="country-outline"' in svg
    assert svg.count('class="prefecture"') == 17
    assert "IDPs by sub-prefecture" in svg and "IDPs by prefecture" in svg
    # five classes, light to dark: the prefecture with the most IDPs gets the darkest shade
    most = max(shading, key=shading.get)
    least = min(shading, key=shading.get)
    fill = dict(re.findall(r'data-pcode="(CF\d+)" d="[^"]*" fill="(#[0-9a-f]{6})"', svg))
    assert fill[most] == "#3d67b0" and fill[least] == "#eef2f9"
    assert "Natural Earth" in svg


def test_french_numbers_in_the_legends():
    svg = proportional_symbol_map(
        _points(3), title="PDI", language="fr", size_title="PDI", shading=None, shading_title=""
    )
    assert "2\u202f000" in svg and "2,000" not in svg


def test_labels_never_overlap_each_other():
    svg = proportional_symbol_map(_points(20), title="IDPs", language="en", size_title="IDPs", labelled=20)
    boxes = [Box(*map(float, found.split(","))) for found in re.findall(r'data-box="([^"]+)"', svg)]
    assert 2 <= len(boxes) < 20  # crowded: some names fit, some are left to their tooltips
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]
    # every circle still carries its name and figure as a tooltip
    assert svg.count("<title>Place number") == 20


def test_the_locator_marks_the_place_inside_the_frame():
    west, south, east, north = country_bounds()
    svg = locator_map(10.28, 22.79, title="Birao")  # the north-east
    x, y = (float(v) for v in re.search(r'class="marker" cx="([\d.]+)" cy="([\d.]+)"', svg).groups())
    project = Projection(220)
    assert (x, y) == (round(project(22.79, 10.28)[0], 1), round(project(22.79, 10.28)[1], 1))
    assert x > project.width / 2 and y < project.height / 2
    assert 'class="marker"' not in locator_map(None, None, title="unknown place")
    assert west < 22.79 < east and south < 10.28 < north

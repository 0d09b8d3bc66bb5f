"""The public DTM figures for HDX, as HXL-tagged CSV (https://hxlstandard.org), and the same
rows as GeoJSON for QGIS and ArcGIS users (dtm_platform.serving.gis).

DTM_HOME/exports/hdx/dtm_car_idps_returnees_admin2.csv: one row per round and
sub-prefecture (marts.dtm_idp_returnees_by_admin2), and dtm_car_idps_returnees_admin1.csv:
one row per round and prefecture (marts.dtm_idp_returnees_by_admin1). Every IDP (on sites
and with host families, the split beside the total) and the returnees, individuals and
households, as the marts computed them (nothing is added up here), with the round's last
day of data collection (reference.ref_dtm_rounds) as the reporting date. Each file is a
header row, then the HXL hashtag row, then the data, written atomically.

Hashtags are those of IOM DTM's datasets on HDX (the OCHA HDX DTM pipeline tags admin
names and p-codes #adm1+name/#adm1+code..., the reporting date #date+reported, the round
number #round+code, the country #country+name/#country+code) with HXL core attributes for
the population figures (#affected +idps/+returnees, +ind/+hh; where they live, +sites or
+host_families, beside the total that carries neither). ``#round`` is not an HXL
core hashtag: it is what HDX's DTM datasets use for the round, so HDX tools that read DTM
data find it; HXL tools accept any well-formed hashtag.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dtm_platform.reports.files import write_atomically
from dtm_platform.serving.disclosure import literal, quote
from dtm_platform.serving.gis import feature_collection
from dtm_platform.serving.inventory import Published, duckdb_query, refuse_if_unsafe, scan
from dtm_platform.serving.marts import FORMULA_CHARACTERS, described, discover_marts, relation
from dtm_platform.serving.personal import PersonalFields
from dtm_platform.warehouse import connect_duckdb

ROUNDS_TABLE = "reference.ref_dtm_rounds"
ROUNDS_FORM = "dtm_locality"
COUNTRY = ("Central African Republic", "CAF")

# (header, hashtag, expression over the mart m and the round calendar r)
_PLACE = [
    ("country_name", "#country+name", literal(COUNTRY[0])),
    ("country_iso3", "#country+code", literal(COUNTRY[1])),
    ("admin1_name", "#adm1+name", "m.admin1_name"),
    ("admin1_pcode", "#adm1+code", "m.admin1_pcode"),
]
_ADMIN2 = [
    ("admin2_name", "#adm2+name", "m.admin2_name"),
    ("admin2_pcode", "#adm2+code", "m.admin2_pcode"),
]
_WHEN = [
    ("round", "#round+code", "m.round"),
    ("reporting_date", "#date+reported", "r.collection_end"),
]
_FIGURES = [
    (column, tag, f"cast(m.{column} as bigint)")
    for column, tag in (
        ("idp_individuals", "#affected+idps+ind"),
        ("idp_households", "#affected+idps+hh"),
        ("idp_individuals_in_sites", "#affected+idps+ind+sites"),
        ("idp_individuals_in_host_families", "#affected+idps+ind+host_families"),
        ("returnee_individuals", "#affected+returnees+ind"),
        ("returnee_households", "#affected+returnees+hh"),
    )
]


# Where a row is on the map, in the GeoJSON beside the CSV: the prefecture's polygon, or the
# centre of the sub-prefecture's assessed localities (sub-prefecture polygons are not shipped).
_CENTRE = [("centre_longitude", "m.centre_longitude"), ("centre_latitude", "m.centre_latitude")]


@dataclass(frozen=True)
class HdxFile:
    name: str
    mart: str  # the mart whose rows the file publishes, one for one
    order_by: str
    columns: list[tuple[str, str, str]]
    geometry: str  # "prefecture" or "centre"

    @property
    def geometry_columns(self) -> list[tuple[str, str]]:
        return _CENTRE if self.geometry == "centre" else []

    @property
    def headers(self) -> list[str]:
        return [header for header, _, _ in self.columns]

    @property
    def hashtags(self) -> list[str]:
        return [tag for _, tag, _ in self.columns]


FILES = (
    HdxFile(
        "dtm_car_idps_returnees_admin2.csv",
        "dtm_idp_returnees_by_admin2",
        "m.round, m.admin1_pcode, m.admin2_pcode",
        _PLACE + _ADMIN2 + _WHEN + _FIGURES,
        "centre",
    ),
    HdxFile(
        "dtm_car_idps_returnees_admin1.csv",
        "dtm_idp_returnees_by_admin1",
        "m.round, m.admin1_pcode",
        _PLACE + _WHEN + _FIGURES,
        "prefecture",
    ),
)


class HdxError(ValueError):
    """The figures cannot be published as they are (a round without a calendar entry)."""


@dataclass
class HdxResult:
    paths: list[Path]
    published: list[Published]


def hdx_select(source: str, file: HdxFile) -> str:
    """The file's rows, then the columns that place them on a map: ``source`` is the file's
    mart as published (disclosure control applied)."""
    items = ", ".join(
        [f"{expression} as {quote(header)}" for header, _, expression in file.columns]
        + [f"{expression} as {quote(name)}" for name, expression in file.geometry_columns]
    )
    return (
        f"select {items} from ({source}) as m left join {ROUNDS_TABLE} as r "
        f"on r.form = {literal(ROUNDS_FORM)} and r.round = m.round order by {file.order_by}"
    )


def write_hdx(
    warehouse: Path, directory: Path, *, min_count: int, personal: PersonalFields, refreshed_at: datetime, run_id: str
) -> HdxResult:
    del refreshed_at, run_id  # the files carry the figures only; the inventory carries the run
    rendered, published = [], []
    with connect_duckdb(warehouse, read_only=True) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        marts, _ = discover_marts(con, catalog, min_count, only=[file.mart for file in FILES])
        by_name = {mart.name: mart for mart in marts}
        for file in FILES:
            source = by_name[file.mart].select_sql(relation(catalog, file.mart))
            select = hdx_select(source, file)
            undated = con.execute(f"select distinct round from ({select}) where reporting_date is null").fetchall()
            if undated:
                raise HdxError(
                    f"round(s) {', '.join(str(r) for (r,) in undated)} have no collection_end in "
                    f"{ROUNDS_TABLE} for {ROUNDS_FORM}: add them to the seed before publishing to HDX"
                )
            columns = described(con, select)
            item = scan(
                duckdb_query(con),
                f"({select}) as hdx",
                columns,
                target="hdx",
                table_name=file.mart,
                location=f"hdx/{file.name}",
                personal=personal,
                min_count=min_count,
            )
            item.extra = {"hashtags": ",".join(file.hashtags)}
            published.append(item)
            rows = con.execute(select).fetchall()
            rendered.append((directory / file.name, _csv(file, [row[: len(file.columns)] for row in rows])))
            rendered.append(
                (
                    directory / Path(file.name).with_suffix(".geojson").name,
                    feature_collection(file.headers, rows, file.geometry),
                )
            )
    refuse_if_unsafe(published)
    for path, text in rendered:
        write_atomically(path, text)
    return HdxResult([path for path, _ in rendered], published)


def _csv(file: HdxFile, rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(file.headers)
    writer.writerow(file.hashtags)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text[:1] and text[0] in FORMULA_CHARACTERS:
        return "'" + text  # a spreadsheet would run it as a formula
    return text

"""The public DTM figures for HDX, as HXL-tagged CSV (https://hxlstandard.org).

DTM_HOME/exports/hdx/dtm_car_idps_returnees_admin2.csv: one row per round and
sub-prefecture, and dtm_car_idps_returnees_admin1.csv: one row per round and prefecture.
IDP and returnee individuals and households, from marts.dtm_idp_returnees_by_admin2, with
the round's last day of data collection (reference.ref_dtm_rounds) as the reporting date.
Each file is a header row, then the HXL hashtag row, then the data, written atomically.

Hashtags are those of IOM DTM's datasets on HDX (the OCHA HDX DTM pipeline tags admin
names and p-codes #adm1+name/#adm1+code..., the reporting date #date+reported, the round
number #round+code, the country #country+name/#country+code) with HXL core attributes for
the population figures (#affected +idps/+returnees, +ind/+hh). ``#round`` is not an HXL
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
from dtm_platform.serving.inventory import Published, duckdb_query, refuse_if_unsafe, scan
from dtm_platform.serving.marts import FORMULA_CHARACTERS, described, discover_marts, relation
from dtm_platform.serving.personal import PersonalFields
from dtm_platform.warehouse import connect_duckdb

SOURCE_MART = "dtm_idp_returnees_by_admin2"
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
    ("idp_individuals", "#affected+idps+ind", "idp_individuals"),
    ("idp_households", "#affected+idps+hh", "idp_households"),
    ("returnee_individuals", "#affected+returnees+ind", "returnee_individuals"),
    ("returnee_households", "#affected+returnees+hh", "returnee_households"),
]


@dataclass(frozen=True)
class HdxFile:
    name: str
    admin_level: int
    columns: list[tuple[str, str, str]]

    @property
    def headers(self) -> list[str]:
        return [header for header, _, _ in self.columns]

    @property
    def hashtags(self) -> list[str]:
        return [tag for _, tag, _ in self.columns]


FILES = (
    HdxFile("dtm_car_idps_returnees_admin2.csv", 2, _PLACE + _ADMIN2 + _WHEN
            + [(h, t, f"cast(m.{e} as bigint)") for h, t, e in _FIGURES]),
    HdxFile("dtm_car_idps_returnees_admin1.csv", 1, _PLACE + _WHEN
            + [(h, t, f"cast(sum(m.{e}) as bigint)") for h, t, e in _FIGURES]),
)


class HdxError(ValueError):
    """The figures cannot be published as they are (a round without a calendar entry)."""


@dataclass
class HdxResult:
    paths: list[Path]
    published: list[Published]


def hdx_select(source: str, file: HdxFile) -> str:
    """The file's rows: ``source`` is the mart as published (disclosure control applied)."""
    items = ", ".join(f"{expression} as {quote(header)}" for header, _, expression in file.columns)
    joined = (f"from ({source}) as m left join {ROUNDS_TABLE} as r "
              f"on r.form = {literal(ROUNDS_FORM)} and r.round = m.round")
    if file.admin_level == 2:
        return f"select {items} {joined} order by m.round, m.admin1_pcode, m.admin2_pcode"
    return (f"select {items} {joined} group by all "
            f"order by m.round, m.admin1_pcode")


def write_hdx(warehouse: Path, directory: Path, *, min_count: int, personal: PersonalFields,
              refreshed_at: datetime, run_id: str) -> HdxResult:
    del refreshed_at, run_id  # the files carry the figures only; the inventory carries the run
    rendered, published = [], []
    with connect_duckdb(warehouse, read_only=True) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        [mart], _ = discover_marts(con, catalog, min_count, only=[SOURCE_MART])
        source = mart.select_sql(relation(catalog, SOURCE_MART))
        for file in FILES:
            select = hdx_select(source, file)
            undated = con.execute(f"select distinct round from ({select}) where reporting_date is null").fetchall()
            if undated:
                raise HdxError(f"round(s) {', '.join(str(r) for (r,) in undated)} have no collection_end in "
                               f"{ROUNDS_TABLE} for {ROUNDS_FORM}: add them to the seed before publishing to HDX")
            columns = described(con, select)
            item = scan(duckdb_query(con), f"({select}) as hdx", columns, target="hdx", table_name=SOURCE_MART,
                        location=f"hdx/{file.name}", personal=personal, min_count=min_count)
            item.extra = {"hashtags": ",".join(file.hashtags)}
            published.append(item)
            rendered.append((directory / file.name, _csv(file, con.execute(select).fetchall())))
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

"""Site and locality profiles: one A4 page per IDP site and per sub-prefecture of the latest
round, in English and French. A site's page: its place and p-codes, type and management, its
IDPs by sex and age and across rounds, its services and gaps beside its prefecture's sites,
the priority needs of its sub-prefecture and a locator map. A sub-prefecture's page: its IDPs
on sites and with host families, returnees, the trend across rounds, reasons for
displacement, priority needs, its sites and a locator map.

Built from the marts only (dtm_site_profiles, dtm_site_population_by_sex_age,
dtm_site_services_by_site, dtm_locality_profiles, dtm_idp_returnees_by_admin2,
dtm_priority_needs_by_admin2, dtm_displacement_reasons_by_admin2, dtm_key_figures): every
figure, share and change is computed and gated in dbt; this module selects rows and renders
them. Self-contained HTML (inline CSS and SVG) under DTM_HOME/reports/profiles/, and PDFs
printed from those pages by one Chromium.

Two steps, because they cost very differently. Rendering every page takes seconds and follows
every build (``build_profiles``). Printing takes about 90 ms a page on two cores (seven minutes
for 4,706 pages at a million submissions), and new assessments anywhere in a prefecture move
the shares every page of it shows, so a day's submissions change nearly every page: the PDFs
are printed on the reports' weekly schedule or on demand (``print_profiles``), and then only
the pages whose content changed since they were printed. ``pages.json`` in the folder keeps a
hash of each page's HTML, its "generated" line left out; ``printed.json`` the hash each PDF
was printed from. The index links each page's PDF as last printed and says when that was."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jinja2
import markupsafe

from dtm_platform.reports.charts import horizontal_bar_chart
from dtm_platform.reports.files import write_atomically
from dtm_platform.reports.maps import Projection, locator_map
from dtm_platform.reports.pdf import print_many_to_pdf
from dtm_platform.reports.profile_charts import MALE, population_pyramid, round_columns
from dtm_platform.reports.translations import LANGUAGES, PROFILE_TEXT, day, moment, number, percent
from dtm_platform.warehouse import connect_duckdb

TEMPLATES = Path(__file__).parent / "templates"
FIGURES_TABLE = "reports.dtm_site_profiles"
PDFS_TABLE = "reports.dtm_site_profile_pdfs"  # one row per PDF there is, for the printing's gate
FOLDER = "profiles"
KINDS = ("sites", "localities")
# In FOLDER, keyed by each page's HTML path under it (sites/<id>_<language>.html):
PAGES = "pages.json"  # the hash of what the page shows, as last rendered
PRINTED = "printed.json"  # {"content": the hash its PDF was printed from, "pages": the PDF's pages, "at": when}
TOP_NEEDS = 5  # priority needs listed on a page
TOP_REASONS = 5  # reasons for displacement charted
SITES_LISTED = 8  # a sub-prefecture's sites listed on its page, the most populated first
ROUNDS_SHOWN = 8  # the trend shows at most the latest this many rounds
LOCATOR_WIDTH = 260
LOCATOR_HEIGHT = round(Projection(LOCATOR_WIDTH).height)  # the country's shape decides
CHART_HEIGHT = 200
MARTS = (
    "dtm_key_figures",
    "dtm_site_profiles",
    "dtm_site_population_by_sex_age",
    "dtm_site_services_by_site",
    "dtm_priority_needs_by_admin2",
    "dtm_displacement_reasons_by_admin2",
    "dtm_locality_profiles",
    "dtm_idp_returnees_by_admin2",
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ProfilesResult:
    round: int
    folder: Path
    sites: int  # profiles of sites (each in every language)
    localities: int  # profiles of sub-prefectures
    index: dict[str, Path]  # language -> index page
    html_files: int = 0
    html_written: int = 0  # pages new or whose content changed; the others kept as they were
    pdf_files: int = 0  # PDFs the index links, as last printed
    pdfs_behind: int = 0  # pages whose content changed since their PDF was printed, or that have none
    render_seconds: float = 0.0


@dataclass(frozen=True)
class PrintedProfiles:
    folder: Path
    pdf_files: int  # every page's PDF, those kept from an earlier printing included
    pdfs_printed: int  # printed now: the pages whose content changed or that had none
    pages_over_one: list[str] = field(default_factory=list)  # PDFs longer than one A4 page
    pdf_seconds: float = 0.0


def build_profiles(
    warehouse: Path, reports_dir: Path, generated: datetime | None = None, with_pdf: bool = True
) -> ProfilesResult:
    """Every page of the latest round as HTML (a page whose content did not change keeps its
    file and the moment it was generated), the index per language, and the figures the pages
    publish in FIGURES_TABLE. ``with_pdf``: the index links the PDFs printed so far."""
    started = time.monotonic()
    with connect_duckdb(warehouse) as con:
        data = gather(con)
        keep_figures(con, data["round"])
    generated = generated or datetime.now(UTC)
    folder = reports_dir / FOLDER
    files = _file_names(data)
    rendered_before = _read_record(folder / PAGES)
    pages: dict[str, str] = {}
    written = 0
    for language in LANGUAGES:
        stamp = str(markupsafe.escape(_generated_line(language, generated)))  # as the template escapes it
        for kind in KINDS:
            render = render_site if kind == "sites" else render_locality
            for profile in data[kind]:
                page = _page(files, kind, profile, language)
                html = render(profile, data, language, generated, files)
                pages[page] = hashlib.sha256(html.replace(stamp, "").encode()).hexdigest()
                if rendered_before.get(page) == pages[page] and (folder / page).exists():
                    continue
                write_atomically(folder / page, html)
                written += 1
    _write_record(folder / PAGES, pages)
    printed = _printed_pages(folder, pages) if with_pdf else {}
    _remove_stale(folder, pages, with_pdf)
    _write_indexes(folder, data, files, generated, printed if with_pdf else None)
    return ProfilesResult(
        round=data["round"],
        folder=folder,
        sites=len(data["sites"]),
        localities=len(data["localities"]),
        index={language: folder / f"index_{language}.html" for language in LANGUAGES},
        html_files=len(pages),
        html_written=written,
        pdf_files=len(printed),
        pdfs_behind=sum(printed.get(page, {}).get("content") != content for page, content in pages.items())
        if with_pdf
        else 0,
        render_seconds=round(time.monotonic() - started, 1),
    )


def print_profiles(
    warehouse: Path, reports_dir: Path, chromium: str, generated: datetime | None = None
) -> PrintedProfiles:
    """The PDF of every page ``build_profiles`` last rendered whose content changed since it was
    printed, or that has none; then the index again, linking them."""
    folder = reports_dir / FOLDER
    generated = generated or datetime.now(UTC)
    pages = _read_record(folder / PAGES)
    printed_before = _printed_pages(folder, pages)
    record: dict[str, dict] = {}
    to_print: list[tuple[Path, Path]] = []
    for page, content in pages.items():
        before = printed_before.get(page, {})
        if before.get("content") == content:
            record[page] = before  # what it shows has not changed since it was printed
            continue
        record[page] = {"content": content, "at": generated.isoformat()}
        to_print.append((folder / page, (folder / page).with_suffix(".pdf")))
    started = time.monotonic()
    for pdf, count in print_many_to_pdf(to_print, chromium).items():
        record[pdf.with_suffix(".html").relative_to(folder).as_posix()]["pages"] = count
    pdf_seconds = time.monotonic() - started
    # written after the printing: a printing stopped half-way leaves the last record, whose
    # hashes do not match the pages rendered since, so those are printed again
    printed = {page: entry for page, entry in record.items() if "pages" in entry}
    _write_record(folder / PRINTED, printed)
    with connect_duckdb(warehouse) as con:
        keep_printed(con, printed)
        data = gather(con)
    files = _file_names(data)
    rendered = {_page(files, kind, p, language) for language in LANGUAGES for kind in KINDS for p in data[kind]}
    if rendered == set(pages):
        _write_indexes(folder, data, files, generated, printed)
    # else the marts moved on since the pages were rendered: the index stays as that build wrote
    # it, and the next one links what was printed now
    return PrintedProfiles(
        folder=folder,
        pdf_files=len(printed),
        pdfs_printed=len(to_print),
        pages_over_one=sorted(
            Path(page).with_suffix(".pdf").name for page, entry in printed.items() if entry["pages"] != 1
        ),
        pdf_seconds=round(pdf_seconds, 1),
    )


def _page(files: dict, kind: str, profile: dict, language: str) -> str:
    """A page's HTML path under the folder, the key of its records."""
    return f"{kind}/{files[kind][profile['id']]}_{language}.html"


def _generated_line(language: str, generated: datetime) -> str:
    """The line saying when a page was generated, the one part of a page that changes on every build."""
    return PROFILE_TEXT[language]["generated"].format(when=moment(generated, language))


def _read_record(path: Path) -> dict:
    """A record of the pages (PAGES, PRINTED); empty if it is missing or unreadable, and then
    every page is rendered or printed again."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(path: Path, record: dict) -> None:
    write_atomically(path, json.dumps(record, indent=0, sort_keys=True))


def _printed_pages(folder: Path, pages: dict[str, str]) -> dict[str, dict]:
    """The printed record of the pages rendered now whose PDF is there."""
    return {
        page: entry
        for page, entry in _read_record(folder / PRINTED).items()
        if page in pages
        and isinstance(entry, dict)
        and "pages" in entry
        and (folder / page).with_suffix(".pdf").exists()
    }


def _write_indexes(folder: Path, data: dict, files: dict, generated: datetime, printed: dict[str, dict] | None) -> None:
    for language in LANGUAGES:
        write_atomically(
            folder / f"index_{language}.html", render_index(data, language, generated, files, printed=printed)
        )


# --- selecting from the marts -----------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _grouped(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return grouped


def gather(con: duckdb.DuckDBPyConnection) -> dict:
    """The latest round's sites and sub-prefectures with everything their pages show, as the
    marts hold it (it only reads)."""
    latest = _rows(con, "select * from marts.dtm_key_figures order by round desc limit 1")
    if not latest:
        raise ValueError("marts.dtm_key_figures is empty: no round to profile")
    totals = latest[0]
    round_number = totals["round"]
    first_round = round_number - ROUNDS_SHOWN + 1

    sites = _rows(
        con,
        "select * from marts.dtm_site_profiles where round = ? order by admin1_pcode, admin2_pcode, site_name, site_id",
        [round_number],
    )
    site_history = _grouped(
        _rows(
            con,
            """
        select site_id, round, individuals, households from marts.dtm_site_profiles
        where round between ? and ? order by site_id, round""",
            [first_round, round_number],
        ),
        "site_id",
    )
    pyramids = _grouped(
        _rows(
            con,
            """
        select * from marts.dtm_site_population_by_sex_age where round = ? order by site_id, age_group_order""",
            [round_number],
        ),
        "site_id",
    )
    services = _grouped(
        _rows(
            con,
            """
        select * from marts.dtm_site_services_by_site where round = ?
        order by site_id, is_available desc, prefecture_share_of_sites desc, service""",
            [round_number],
        ),
        "site_id",
    )
    needs = _grouped(
        _rows(
            con,
            """
        select * from marts.dtm_priority_needs_by_admin2 where round = ? and need_rank <= ?
        order by admin2_pcode, need_rank""",
            [round_number, TOP_NEEDS],
        ),
        "admin2_pcode",
    )
    reasons = _grouped(
        _rows(
            con,
            """
        select * from marts.dtm_displacement_reasons_by_admin2 where round = ? and reason_rank <= ?
        order by admin2_pcode, reason_rank""",
            [round_number, TOP_REASONS],
        ),
        "admin2_pcode",
    )
    localities = _rows(
        con,
        """
        select admin2.*, profiles.map_latitude, profiles.map_longitude, profiles.map_position_source,
               profiles.rounds_assessed
        from marts.dtm_idp_returnees_by_admin2 as admin2
        join marts.dtm_locality_profiles as profiles using (round, admin2_pcode)
        where admin2.round = ? order by admin2.admin1_pcode, admin2.admin2_pcode""",
        [round_number],
    )
    locality_history = _grouped(
        _rows(
            con,
            """
        select admin2_pcode, round, idp_individuals, idp_individuals_in_sites, idp_individuals_in_host_families,
               returnee_individuals
        from marts.dtm_idp_returnees_by_admin2 where round between ? and ? order by admin2_pcode, round""",
            [first_round, round_number],
        ),
        "admin2_pcode",
    )
    sites_by_admin2 = _grouped(
        sorted(sites, key=lambda s: (-s["individuals"], s["site_name"] or "", s["site_id"])), "admin2_pcode"
    )

    return {
        "round": round_number,
        "totals": totals,
        "sites": [
            {
                **site,
                "id": site["site_id"],
                "history": site_history.get(site["site_id"], []),
                "pyramid": pyramids.get(site["site_id"], []),
                "services": services.get(site["site_id"], []),
                "needs": needs.get(site["admin2_pcode"], []),
            }
            for site in sites
        ],
        "localities": [
            {
                **admin2,
                "id": admin2["admin2_pcode"],
                "history": locality_history.get(admin2["admin2_pcode"], []),
                "reasons": reasons.get(admin2["admin2_pcode"], []),
                "needs": needs.get(admin2["admin2_pcode"], []),
                "site_list": sites_by_admin2.get(admin2["admin2_pcode"], []),
            }
            for admin2 in localities
        ],
    }


def keep_figures(con: duckdb.DuckDBPyConnection, round_number: int) -> None:
    """What the profiles publish, kept in the warehouse for the asset's gate: one row per
    profile, the marts' rows for the round, nothing recomputed."""
    con.execute("create schema if not exists reports")
    con.execute(
        f"""
        create or replace table {FIGURES_TABLE} as
        select 'site' as profile_kind, site_id as profile_id, round, site_name as name, admin1_pcode, admin2_pcode,
               individuals as idp_individuals, households as idp_households,
               null::bigint as returnee_individuals, map_latitude is not null as has_map_position
        from marts.dtm_site_profiles where round = $1
        union all
        select 'locality', admin2.admin2_pcode, admin2.round, admin2.admin2_name, admin2.admin1_pcode,
               admin2.admin2_pcode, admin2.idp_individuals, admin2.idp_households, admin2.returnee_individuals,
               profiles.map_latitude is not null
        from marts.dtm_idp_returnees_by_admin2 as admin2
        join marts.dtm_locality_profiles as profiles using (round, admin2_pcode)
        where admin2.round = $1""",
        [round_number],
    )


def record_unprinted(warehouse: Path, reports_dir: Path) -> int:
    """When nothing is printed (PDFs off, no Chromium): the PDFs there are, as they were last
    printed (none when they are off), recorded for the gate; returns how many."""
    folder = reports_dir / FOLDER
    printed = _printed_pages(folder, _read_record(folder / PAGES))
    with connect_duckdb(warehouse) as con:
        keep_printed(con, printed)
    return len(printed)


def keep_printed(con: duckdb.DuckDBPyConnection, printed: dict[str, dict]) -> None:
    """The PDFs there are (none when they are not printed), one row each, for the printing's
    gate: the profile and language of each and its pages, which should be one."""
    rows = [
        (
            str(Path(page).with_suffix(".pdf")),
            "site" if page.startswith("sites/") else "locality",
            page.rsplit("_", 1)[-1].removesuffix(".html"),
            entry["pages"],
            entry.get("at"),
        )
        for page, entry in sorted(printed.items())
    ]
    con.execute("create schema if not exists reports")
    con.execute(
        f"""create or replace table {PDFS_TABLE} (
            pdf varchar, profile_kind varchar, language varchar, pdf_pages integer, printed_at timestamptz)"""
    )
    if rows:
        con.executemany(f"insert into {PDFS_TABLE} values (?, ?, ?, ?, ?)", rows)


def _file_names(data: dict) -> dict[str, dict[str, str]]:
    """A file name per profile: the p-code, or the site's code with anything but letters,
    digits, - and _ replaced (a site code is typed in the field: it must not reach outside
    the folder); two codes that would share a name are told apart by a hash."""
    names: dict[str, dict[str, str]] = {"sites": {}, "localities": {}}
    for kind in names:
        taken: set[str] = set()
        for profile in data[kind]:
            name = _UNSAFE.sub("_", str(profile["id"])).strip("_") or "profile"
            if name in taken:
                name = f"{name}-{hashlib.sha1(str(profile['id']).encode()).hexdigest()[:8]}"
            taken.add(name)
            names[kind][profile["id"]] = name
    return names


def _remove_stale(folder: Path, pages: dict[str, str], with_pdf: bool) -> None:
    """Profiles of sites or sub-prefectures no longer in the latest round go, their HTML and
    PDF: the folder holds this round's profiles only; and every PDF when they are not wanted."""
    for kind in KINDS:
        for path in (folder / kind).glob("*"):
            if path.is_file() and path.suffix in (".html", ".pdf"):
                current = path.with_suffix(".html").relative_to(folder).as_posix() in pages
                if not current or (path.suffix == ".pdf" and not with_pdf):
                    path.unlink(missing_ok=True)
    if not with_pdf:
        (folder / PRINTED).unlink(missing_ok=True)


# --- rendering -------------------------------------------------------------------------------


@functools.cache
def _environment(language: str) -> jinja2.Environment:
    """One per language, its templates compiled once for every profile."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["n"] = lambda value, decimals=0: "–" if value is None else number(value, language, decimals)
    env.filters["percent"] = lambda share: "–" if share is None else percent(100 * share, language)
    env.filters["signed"] = lambda value: _signed(value, language)
    return env


def _signed(value: float, language: str) -> str:
    return ("+" if value > 0 else "\u2212" if value < 0 else "\u00b1") + number(abs(value), language)


def _change(row: dict, value: str, text: dict, language: str) -> str:
    if row.get("previous_round") is None:
        return text["first_round"]
    return text["since_round"].format(change=_signed(row[value], language), round=row["previous_round"])


def _common(data: dict, language: str, generated: datetime) -> dict:
    text, totals = PROFILE_TEXT[language], data["totals"]
    period = (
        text["collection_period"].format(
            start=day(totals["collection_start"], language), end=day(totals["collection_end"], language)
        )
        if totals.get("collection_start") and totals.get("collection_end")
        else ""
    )
    return {
        "lang": language,
        "t": text,
        "round": data["round"],
        "period": period,
        "generated": _generated_line(language, generated),
        "other_language": next(other for other in LANGUAGES if other != language),
    }


def render_site(site: dict, data: dict, language: str, generated: datetime, files: dict) -> str:
    text, label = PROFILE_TEXT[language], f"label_{language}"
    if not site["is_managed"]:
        management = text["not_managed"]
    else:
        management = site[f"management_agency_{label}"] or text["agency_not_given"]
    eviction = {True: text["yes"], False: text["no"], None: text["not_asked"]}[site["is_at_risk_of_eviction"]]
    gps = (
        text["gps_value"].format(
            latitude=number(site["map_latitude"], language, 4), longitude=number(site["map_longitude"], language, 4)
        )
        if site["map_latitude"] is not None
        else text["gps_none"]
    )
    pyramid = population_pyramid(
        [
            {
                "label": g[f"age_group_{label}"],
                "male": g["male_individuals"],
                "female": g["female_individuals"],
                "male_text": percent(100 * g["share_male"], language),
                "female_text": percent(100 * g["share_female"], language),
            }
            for g in site["pyramid"]
        ],
        title=text["pyramid_title"],
        male=text["male"],
        female=text["female"],
    )
    trend = round_columns(
        [(f"R{r['round']}", [r["individuals"]], number(r["individuals"], language)) for r in site["history"]],
        title=text["trend_title"],
        series=[(text["individuals"], MALE)],
        height=CHART_HEIGHT,
    )
    return (
        _environment(language)
        .get_template("site_profile.html.j2")
        .render(
            **_common(data, language, generated),
            site=site,
            subtitle=text["assessed_on"].format(day=day(site["assessed_on"], language)) if site["assessed_on"] else "",
            site_type=site[f"site_type_{label}"] or site["site_type"],
            management=management,
            eviction=eviction,
            gps=gps,
            change=_change(site, "individuals_change", text, language),
            water_points=number(site["water_points"], language)
            if site["water_points"] is not None
            else text["not_asked"],
            map=locator_map(
                site["map_latitude"],
                site["map_longitude"],
                title=text["map_title"],
                language=language,
                width=LOCATOR_WIDTH,
                height=LOCATOR_HEIGHT,
            ),
            pyramid=pyramid if site["pyramid"] else None,
            trend=trend,
            services=[{**s, "label": s[f"service_{label}"]} for s in site["services"]],
            services_title=text["services_title"].format(count=site["services_count"], listed=site["services_listed"]),
            needs=[{**n, "label": n[f"priority_need_{label}"]} for n in site["needs"]],
            needs_note=text["site_needs_note"].format(admin2=site["admin2_name"]),
            other_file=f"{files['sites'][site['id']]}_{next(o for o in LANGUAGES if o != language)}.html",
        )
    )


def render_locality(admin2: dict, data: dict, language: str, generated: datetime, files: dict) -> str:
    text, label = PROFILE_TEXT[language], f"label_{language}"
    trend = round_columns(
        [
            (
                f"R{r['round']}",
                [r["idp_individuals_in_sites"], r["idp_individuals_in_host_families"]],
                number(r["idp_individuals"], language),
            )
            for r in admin2["history"]
        ],
        title=text["locality_trend_title"],
        series=[(text["in_sites"], MALE), (text["in_host_families"], "#8fb1e3")],
        height=CHART_HEIGHT,
    )
    reasons = [{**r, "label": r[f"displacement_reason_{label}"]} for r in admin2["reasons"]]
    position = {"localities": text["map_from_localities"], "sites": text["map_from_sites"]}.get(
        admin2["map_position_source"], text["map_none"]
    )
    listed = admin2["site_list"][:SITES_LISTED]
    return (
        _environment(language)
        .get_template("locality_profile.html.j2")
        .render(
            **_common(data, language, generated),
            admin2=admin2,
            idp_split=text["idp_split"].format(
                in_sites=number(admin2["idp_individuals_in_sites"], language),
                in_families=number(admin2["idp_individuals_in_host_families"], language),
            ),
            idp_change=_change(admin2, "idp_individuals_change", text, language),
            returnee_change=_change(admin2, "returnee_individuals_change", text, language),
            map=locator_map(
                admin2["map_latitude"],
                admin2["map_longitude"],
                title=text["map_title"],
                language=language,
                width=LOCATOR_WIDTH,
                height=LOCATOR_HEIGHT,
            ),
            map_position=position,
            trend=trend,
            history=admin2["history"],
            reasons=reasons,
            reasons_chart=horizontal_bar_chart(
                [(r["label"], r["idp_individuals_in_host_families"]) for r in reasons],
                title=text["reasons_title"],
                colour="#4a78c2",
            )
            if reasons
            else None,
            needs=[{**n, "label": n[f"priority_need_{label}"]} for n in admin2["needs"]],
            sites=[
                {
                    **s,
                    "type": s[f"site_type_{label}"],
                    "file": f"../sites/{files['sites'][s['site_id']]}_{language}.html",
                }
                for s in listed
            ],
            more_sites=(
                text["more_sites"].format(count=len(admin2["site_list"]) - len(listed))
                if len(admin2["site_list"]) > len(listed)
                else ""
            ),
            other_file=f"{files['localities'][admin2['id']]}_{next(o for o in LANGUAGES if o != language)}.html",
        )
    )


def render_index(
    data: dict, language: str, generated: datetime, files: dict, printed: dict[str, dict] | None = None
) -> str:
    """The index of the round's pages; ``printed``: the PDFs there are to link (None: none are printed)."""
    text, label = PROFILE_TEXT[language], f"label_{language}"
    last_printed = max((entry.get("at", "") for entry in (printed or {}).values()), default="")
    if printed is None:
        pdf_note = ""
    elif last_printed:
        pdf_note = text["index_pdfs"].format(when=moment(datetime.fromisoformat(last_printed), language))
    else:
        pdf_note = text["index_pdfs_none"]

    def row(profile: dict, kind: str) -> dict:
        page = _page(files, kind, profile, language)
        return {**profile, "file": page.removesuffix(".html"), "has_pdf": page in (printed or {})}

    return (
        _environment(language)
        .get_template("profiles_index.html.j2")
        .render(
            **_common(data, language, generated),
            pdf_note=pdf_note,
            sites=[{**row(s, "sites"), "type": s[f"site_type_{label}"]} for s in data["sites"]],
            localities=[row(a, "localities") for a in data["localities"]],
        )
    )

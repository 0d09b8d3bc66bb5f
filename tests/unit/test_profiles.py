"""Site and locality profiles from a small warehouse holding only the marts they read: every
figure on a page is the mart's, formatted for its language; French pages carry no English;
file names stay inside their folder; the figures table passes its gate; printed, each
profile is one A4 page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path

import duckdb
import pytest

from dtm_platform.quality.checks import read_warehouse_frame
from dtm_platform.quality.runner import validate
from dtm_platform.quality.suites import load_suites
from dtm_platform.reports.pdf import find_chromium
from dtm_platform.reports.profiles import FIGURES_TABLE, build_profiles, print_profiles, record_unprinted
from dtm_platform.reports.translations import PROFILE_TEXT

GENERATED = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
NNBSP = "\u202f"
UNSAFE_ID = "../../evil/ST 7"  # a site code as typed in the field


def site(
    round_,
    site_id,
    name,
    individuals,
    households,
    *,
    previous=None,
    breakdown=True,
    gps=(4.36, 18.55),
    managed=True,
    agency=("iom", "IOM", "OIM"),
    eviction=False,
    water=3,
    admin2=("CF111", "Bimbo"),
):
    female, children = (individuals * 52 // 100, individuals * 56 // 100) if breakdown else (None, None)
    return {
        "round": round_,
        "site_id": site_id,
        "site_name": name,
        "admin1_pcode": "CF11",
        "admin1_name": "Ombella M'Poko",
        "admin2_pcode": admin2[0],
        "admin2_name": admin2[1],
        "map_latitude": gps[0] if gps else None,
        "map_longitude": gps[1] if gps else None,
        "site_type": "collective_centre",
        "site_type_label_en": "Collective centre",
        "site_type_label_fr": "Centre collectif",
        "is_managed": managed,
        "management_agency": agency[0] if agency else None,
        "management_agency_label_en": agency[1] if agency else None,
        "management_agency_label_fr": agency[2] if agency else None,
        "is_at_risk_of_eviction": eviction,
        "households": households,
        "individuals": individuals,
        "previous_round": previous[0] if previous else None,
        "previous_individuals": previous[1] if previous else None,
        "individuals_change": individuals - previous[1] if previous else None,
        "rounds_assessed": 2 if previous else 1,
        "breakdown_matches_total": breakdown,
        "female_individuals": female,
        "male_individuals": individuals - female if breakdown else None,
        "children_individuals": children,
        "share_female": round(female / individuals, 4) if breakdown else None,
        "share_children": round(children / individuals, 4) if breakdown else None,
        "services_count": 2,
        "services_listed": 3,
        "water_points": water,
        "assessed_on": date(2026, 10, 15),
    }


SITES = [
    site(18, "ST-CF111-002", "Site Baou", 2816, 600),
    site(19, "ST-CF111-002", "Site Baou", 2239, 532, previous=(18, 2816)),
    site(
        19,
        UNSAFE_ID,
        "Église Tatokou",
        513,
        120,
        breakdown=False,
        gps=None,
        managed=False,
        agency=None,
        eviction=None,
        water=None,
    ),
]
AGE_GROUPS = [
    ("0_5", 1, "0-5 years", "0-5 ans"),
    ("6_17", 2, "6-17 years", "6-17 ans"),
    ("18_59", 3, "18-59 years", "18-59 ans"),
    ("60", 4, "60 years and over", "60 ans et plus"),
]
PYRAMID = [
    {
        "round": 19,
        "site_id": "ST-CF111-002",
        "admin2_pcode": "CF111",
        "age_group": code,
        "age_group_order": order,
        "age_group_label_en": en,
        "age_group_label_fr": fr,
        "female_individuals": f,
        "male_individuals": m,
        "individuals": f + m,
        "site_individuals": 2239,
        "share_female": round(f / 2239, 4),
        "share_male": round(m / 2239, 4),
    }
    for (code, order, en, fr), (f, m) in zip(AGE_GROUPS, [(269, 358), (291, 336), (179, 134), (378, 294)])
]
SERVICES = [
    {
        "round": 19,
        "site_id": site_id,
        "admin1_pcode": "CF11",
        "service": code,
        "service_label_en": en,
        "service_label_fr": fr,
        "is_available": available,
        "prefecture_sites_with_service": with_it,
        "prefecture_sites_assessed": 5,
        "prefecture_share_of_sites": with_it / 5,
    }
    for site_id in ("ST-CF111-002", UNSAFE_ID)
    for code, en, fr, available, with_it in [
        ("water", "Water", "Eau", True, 4),
        ("health", "Health", "Santé", True, 3),
        ("food_distribution", "Food distribution", "Distribution de vivres", False, 2),
    ]
]
NEEDS = [
    {
        "round": 19,
        "admin1_pcode": "CF11",
        "admin1_name": "Ombella M'Poko",
        "admin2_pcode": "CF111",
        "admin2_name": "Bimbo",
        "priority_need": code,
        "priority_need_label_en": en,
        "priority_need_label_fr": fr,
        "localities_reporting": n,
        "localities_assessed": 12,
        "share_of_localities": round(n / 12, 4),
        "need_rank": rank,
    }
    for rank, (code, en, fr, n) in enumerate(
        [
            ("protection", "Protection", "Protection", 6),
            ("nfi", "Non-food items", "Articles non alimentaires", 5),
            ("livelihoods", "Livelihoods", "Moyens de subsistance", 3),
        ],
        1,
    )
]
REASONS = [
    {
        "round": 19,
        "admin1_pcode": "CF11",
        "admin1_name": "Ombella M'Poko",
        "admin2_pcode": "CF111",
        "admin2_name": "Bimbo",
        "displacement_reason": code,
        "displacement_reason_label_en": en,
        "displacement_reason_label_fr": fr,
        "localities": n,
        "idp_individuals_in_host_families": idps,
        "idp_households_in_host_families": idps // 5,
        "share_of_idps_in_host_families": share,
        "reason_rank": rank,
    }
    for rank, (code, en, fr, n, idps, share) in enumerate(
        [
            ("armed_conflict", "Armed conflict", "Conflit armé", 5, 4300, 0.5944),
            (
                "transhumance_tension",
                "Transhumance-related tension",
                "Tensions liées à la transhumance",
                4,
                2936,
                0.4056,
            ),
        ],
        1,
    )
]


def admin2(round_, pcode, name, in_sites, in_families, returnees, *, localities, sites, previous=None):
    total = in_sites + in_families
    return {
        "round": round_,
        "admin1_pcode": "CF11",
        "admin1_name": "Ombella M'Poko",
        "admin2_pcode": pcode,
        "admin2_name": name,
        "localities_assessed": localities,
        "sites_assessed": sites,
        "idp_households": total // 5,
        "idp_individuals": total,
        "idp_households_in_sites": in_sites // 5,
        "idp_individuals_in_sites": in_sites,
        "idp_households_in_host_families": in_families // 5,
        "idp_individuals_in_host_families": in_families,
        "share_in_sites": round(in_sites / total, 4) if total else None,
        "returnee_households": returnees // 5,
        "returnee_individuals": returnees,
        "centre_latitude": 4.4 if localities else None,
        "centre_longitude": 18.4 if localities else None,
        "previous_round": previous[0] if previous else None,
        "idp_individuals_change": total - previous[1] if previous else None,
        "returnee_individuals_change": returnees - previous[2] if previous else None,
    }


ADMIN2 = [
    admin2(18, "CF111", "Bimbo", 2816, 24919, 5116, localities=12, sites=1),
    admin2(19, "CF111", "Bimbo", 2752, 7236, 2057, localities=12, sites=2, previous=(18, 27735, 5116)),
    admin2(19, "CF112", "Bégoua", 0, 0, 0, localities=0, sites=0),  # nothing reported there
]
LOCATIONS = [
    {
        "round": r["round"],
        "admin1_pcode": "CF11",
        "admin1_name": "Ombella M'Poko",
        "admin2_pcode": r["admin2_pcode"],
        "admin2_name": r["admin2_name"],
        "map_latitude": r["centre_latitude"],
        "map_longitude": r["centre_longitude"],
        "map_position_source": "localities" if r["centre_latitude"] else None,
        "rounds_assessed": 2 if r["previous_round"] else 1,
    }
    for r in ADMIN2
]
KEY_FIGURES = [
    {
        "round": 19,
        "previous_round": 18,
        "collection_start": date(2026, 10, 5),
        "collection_end": date(2026, 10, 30),
        "idp_individuals": 9988,
    }
]


def _table(con, name: str, rows: list[dict]) -> None:
    types = {bool: "boolean", int: "bigint", float: "double", str: "varchar", date: "date"}
    columns = {
        column: next((types[type(r[column])] for r in rows if r[column] is not None), "varchar") for column in rows[0]
    }
    con.execute(f"create table marts.{name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    con.executemany(
        f"insert into marts.{name} values ({', '.join('?' for _ in columns)})", [list(r.values()) for r in rows]
    )


def make_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        for name, rows in [
            ("dtm_key_figures", KEY_FIGURES),
            ("dtm_site_profiles", SITES),
            ("dtm_site_population_by_sex_age", PYRAMID),
            ("dtm_site_services_by_site", SERVICES),
            ("dtm_priority_needs_by_admin2", NEEDS),
            ("dtm_displacement_reasons_by_admin2", REASONS),
            ("dtm_idp_returnees_by_admin2", ADMIN2),
            ("dtm_locality_profiles", LOCATIONS),
        ]:
            _table(con, name, rows)
    return path


@pytest.fixture(scope="module")
def profiles(tmp_path_factory):
    home = tmp_path_factory.mktemp("profiles")
    warehouse = make_warehouse(home / "warehouse.duckdb")
    stale = home / "reports" / "profiles" / "sites" / "ST-GONE-001_en.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("a site no longer assessed")
    result = build_profiles(warehouse, home / "reports", generated=GENERATED, with_pdf=False)
    return result, warehouse, home / "reports" / "profiles"


def page(folder: Path, kind: str, name: str, language: str) -> str:
    return (folder / kind / f"{name}_{language}.html").read_text(encoding="utf-8")


def visible(html: str) -> str:
    body = re.sub(r"<(style|script|title)[^>]*>.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", body))).strip()  # keeps narrow spaces


def figure(html: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}"><div class="value">([^<]*)</div>', html)
    assert found, name
    return found.group(1)


def test_every_site_and_sub_prefecture_of_the_latest_round_has_a_page_in_each_language(profiles):
    result, _, folder = profiles
    assert (result.round, result.sites, result.localities) == (19, 2, 2)
    names = sorted(p.name for p in folder.rglob("*.html"))
    assert names == sorted(
        [
            "index_en.html",
            "index_fr.html",
            "CF111_en.html",
            "CF111_fr.html",
            "CF112_en.html",
            "CF112_fr.html",
            "ST-CF111-002_en.html",
            "ST-CF111-002_fr.html",
            "evil_ST_7_en.html",
            "evil_ST_7_fr.html",
        ]
    )
    # the site code typed in the field never leads outside the folder; last round's page is gone
    assert all(p.resolve().is_relative_to(folder.resolve()) for p in folder.rglob("*"))
    assert not (folder / "sites" / "ST-GONE-001_en.html").exists()
    for language in ("en", "fr"):
        index = (folder / f"index_{language}.html").read_text(encoding="utf-8")
        for link in ("sites/ST-CF111-002", "sites/evil_ST_7", "localities/CF111", "localities/CF112"):
            assert f'href="{link}_{language}.html"' in index
        assert ".pdf" not in index  # no PDFs wanted, none linked


def test_a_site_page_shows_the_marts_figures_in_english(profiles):
    _, _, folder = profiles
    html = page(folder, "sites", "ST-CF111-002", "en")
    text = visible(html)
    assert "IDP site profile" in text and "Site Baou" in text and "Bimbo (CF111)" in text
    assert "Ombella M'Poko (CF11)" in text and "Collective centre" in text and "IOM" in text
    assert figure(html, "individuals") == f"2{NNBSP}239" and figure(html, "households") == "532"
    assert "\u2212577 since round 18" in text
    assert figure(html, "share_female") == "52%" and figure(html, "share_children") == "56%"
    assert "collected 5 Oct 2026 to 30 Oct 2026" in text and "site assessed on 15 Oct 2026" in text
    assert "4.3600° N, 18.5500° E" in text
    # the pyramid (every age group, oldest on top) and the trend across rounds
    assert html.count('class="male"') == 4 and "60 years and over" in html and "16%" in text
    assert f">2{NNBSP}816<" in html and ">R18<" in html and ">R19<" in html
    # services and gaps beside the prefecture's sites, the sub-prefecture's needs
    assert "Services and gaps (2 of 3 available)" in text
    assert re.search(r"Food distribution</td>\s*<td class=\"status\"><span class=\"gap\">", html)
    assert "2 / 5 (40%)" in text
    assert "Protection 6 50%" in text and "Non-food items 5 42%" in text
    assert html.count('class="marker"') == 1 and 'class="country-outline"' in html
    assert "<script" not in html and not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)


def test_a_site_page_in_french(profiles):
    _, _, folder = profiles
    html = page(folder, "sites", "ST-CF111-002", "fr")
    text = visible(html)
    assert "Profil de site de PDI" in text and "Centre collectif" in text and "OIM" in text
    assert figure(html, "individuals") == f"2{NNBSP}239"
    assert "\u2212577 depuis le round 18" in text
    assert figure(html, "share_female") == f"52{NNBSP}%"
    assert "collecte du 05/10/2026 au 30/10/2026" in text and "site évalué le 15/10/2026" in text
    assert "4,3600° N, 18,5500° E" in text
    assert "60 ans et plus" in html and "Distribution de vivres" in text and f"2 / 5 (40{NNBSP}%)" in text
    assert "Services et lacunes (2 sur 3 disponibles)" in text and "Articles non alimentaires" in text


def test_a_site_without_a_breakdown_or_gps_says_so_instead(profiles):
    _, _, folder = profiles
    for language in ("en", "fr"):
        html = page(folder, "sites", "evil_ST_7", language)
        text, words = visible(html), PROFILE_TEXT[language]
        assert words["no_breakdown"] in text and 'class="male"' not in html
        assert words["gps_none"] in text and 'class="marker"' not in html
        assert words["not_managed"] in text and words["not_asked"] in text
        assert figure(html, "share_female") == "–" and words["first_round"] in text


def test_a_sub_prefecture_page_shows_the_marts_figures(profiles):
    _, _, folder = profiles
    english, french = page(folder, "localities", "CF111", "en"), page(folder, "localities", "CF111", "fr")
    assert figure(english, "idp_individuals") == figure(french, "idp_individuals") == f"9{NNBSP}988"
    assert figure(english, "returnee_individuals") == f"2{NNBSP}057"
    assert figure(english, "share_in_sites") == "28%" and figure(french, "share_in_sites") == f"28{NNBSP}%"
    text_en, text_fr = visible(english), visible(french)
    assert f"2{NNBSP}752 on sites, 7{NNBSP}236 with host families" in text_en
    assert f"2{NNBSP}752 sur sites, 7{NNBSP}236 en familles d'accueil" in text_fr
    assert f"\u221217{NNBSP}747 since round 18" in text_en and f"\u221217{NNBSP}747 depuis le round 18" in text_fr
    assert f"18 2{NNBSP}816 24{NNBSP}919 27{NNBSP}735 5{NNBSP}116" in text_en  # the trend's table, round 18
    assert "Armed conflict" in english and "Conflit armé" in french and "Conflit armé" not in english
    assert "Moyens de subsistance 3 25" in text_fr
    # its sites, linked to their pages in the same language
    assert 'href="../sites/ST-CF111-002_fr.html"' in french and "Site Baou" in text_fr
    assert PROFILE_TEXT["en"]["map_from_localities"] in text_en


def test_a_sub_prefecture_with_nothing_reported_renders_its_notes(profiles):
    _, _, folder = profiles
    for language in ("en", "fr"):
        text, words = visible(page(folder, "localities", "CF112", language)), PROFILE_TEXT[language]
        assert words["reasons_none"] in text and words["needs_none"] in text and words["sites_none"] in text
        assert words["map_none"] in text


def test_french_pages_carry_no_english(profiles):
    _, _, folder = profiles
    english = {
        value for key, value in PROFILE_TEXT["en"].items() if value != PROFILE_TEXT["fr"][key] and len(value) >= 12
    }
    phrases = {
        part.strip(" .,;:()")
        for value in english
        for part in re.split(r"\{[^}]*\}", value)
        if len(part.strip(" .,;:()")) >= 12
    }
    labels = {
        "Collective centre",
        "Food distribution",
        "Non-food items",
        "Armed conflict",
        "60 years and over",
        "Transhumance-related tension",
    }
    for path in folder.rglob("*_fr.html"):
        text = visible(path.read_text(encoding="utf-8"))
        assert not [p for p in phrases | labels if p in text], path.name
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), path.name  # dates the French way
    index = visible((folder / "index_fr.html").read_text(encoding="utf-8"))
    assert not [p for p in phrases | labels if p in index]


def test_the_figures_table_holds_the_marts_rows_and_passes_its_gate(profiles):
    _, warehouse, _ = profiles
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"select profile_kind, profile_id, idp_individuals from {FIGURES_TABLE} order by 1, 2"
        ).fetchall()
    assert rows == [
        ("locality", "CF111", 9988),
        ("locality", "CF112", 0),
        ("site", UNSAFE_ID, 513),
        ("site", "ST-CF111-002", 2239),
    ]
    suite = load_suites()[("reports", "dtm_site_profiles")]
    outcome = validate(read_warehouse_frame(warehouse, suite.asset_path, suite.needed_columns()), suite)
    assert not outcome.blocking_failures, outcome.blocking_failures
    assert [w.expectation for w in outcome.warnings] == ["expect_column_values_to_be_in_set(has_map_position)"]


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_each_profile_prints_on_one_a4_page_with_one_chromium(tmp_path):
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    build_profiles(warehouse, tmp_path / "reports", generated=GENERATED)
    result = print_profiles(warehouse, tmp_path / "reports", find_chromium(), generated=GENERATED)
    pdfs = sorted(result.folder.rglob("*.pdf"))
    assert len(pdfs) == result.pdf_files == result.pdfs_printed == 8 and not result.pages_over_one
    for pdf in pdfs:
        content = pdf.read_bytes()
        assert content.startswith(b"%PDF")
        boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", content))
        assert boxes and all(round(float(w)) in (595, 596) and round(float(h)) in (842, 843) for w, h in boxes)
    assert 'href="sites/ST-CF111-002_fr.pdf"' in (result.folder / "index_fr.html").read_text(encoding="utf-8")


def test_pdfs_are_printed_apart_from_the_pages_and_again_only_where_a_page_changed(tmp_path, monkeypatch):
    """Seven minutes of printing at a million submissions: building the pages prints nothing
    (the index links each PDF as last printed and says when); printing prints the pages whose
    content changed since, and keeps the others' HTML and PDF as they were, their generation
    moment included."""
    asked: list[list[str]] = []

    def fake_printer(pages, chromium):
        asked.append(sorted(html.name for html, _ in pages))
        for html, pdf in pages:
            pdf.write_bytes(b"%PDF printed from " + html.read_bytes()[-40:])
        return {pdf: 1 for _, pdf in pages}

    monkeypatch.setattr("dtm_platform.reports.profiles.print_many_to_pdf", fake_printer)
    warehouse, reports = make_warehouse(tmp_path / "warehouse.duckdb"), tmp_path / "reports"
    built = build_profiles(warehouse, reports, generated=GENERATED)
    folder = built.folder
    assert asked == [] and (built.html_written, built.pdf_files, built.pdfs_behind) == (8, 0, 8)
    index = visible((folder / "index_en.html").read_text(encoding="utf-8"))
    assert "not printed yet" in index and ".pdf" not in (folder / "index_en.html").read_text(encoding="utf-8")
    first = print_profiles(warehouse, reports, "chromium", generated=GENERATED)
    assert (first.pdf_files, first.pdfs_printed) == (8, 8) and len(asked[0]) == 8
    assert "PDFs: last printed 2 Nov 2026 09:15 UTC" in visible((folder / "index_en.html").read_text(encoding="utf-8"))
    assert 'href="localities/CF112_fr.pdf"' in (folder / "index_fr.html").read_text(encoding="utf-8")
    suite = load_suites()[("reports", "dtm_site_profile_pdfs")]  # the printing's gate: each PDF listed
    listed = read_warehouse_frame(warehouse, suite.asset_path, suite.needed_columns())
    assert sorted(listed["pdf"])[:2] == ["localities/CF111_en.pdf", "localities/CF111_fr.pdf"] and len(listed) == 8
    assert not validate(listed, suite).blocking_failures
    kept_pdf = (folder / "sites" / "evil_ST_7_en.pdf").read_bytes()
    old_pdf = (folder / "sites" / "ST-CF111-002_en.pdf").read_bytes()

    with duckdb.connect(str(warehouse)) as con:  # one site's IDPs change; its sub-prefecture lists it
        con.execute("update marts.dtm_site_profiles set individuals = 2300 where site_id = 'ST-CF111-002'")
    later = datetime(2026, 11, 3, 9, 15, tzinfo=UTC)
    second = build_profiles(warehouse, reports, generated=later)
    assert len(asked) == 1 and (second.html_written, second.pdf_files, second.pdfs_behind) == (4, 8, 4)
    assert figure(page(folder, "sites", "ST-CF111-002", "en"), "individuals") == f"2{NNBSP}300"
    assert (folder / "sites" / "ST-CF111-002_en.pdf").read_bytes() == old_pdf  # as last printed, until the next
    unchanged = page(folder, "sites", "evil_ST_7", "en")
    assert "2 Nov 2026" in visible(unchanged) and "3 Nov 2026" not in visible(unchanged)
    reprinted = print_profiles(warehouse, reports, "chromium", generated=later)
    assert asked[1] == ["CF111_en.html", "CF111_fr.html", "ST-CF111-002_en.html", "ST-CF111-002_fr.html"]
    assert (reprinted.pdf_files, reprinted.pdfs_printed) == (8, 4)
    assert (folder / "sites" / "evil_ST_7_en.pdf").read_bytes() == kept_pdf
    index = visible((folder / "index_fr.html").read_text(encoding="utf-8"))
    assert "PDF : imprimés le 03/11/2026 09:15 UTC" in index, index

    (folder / "localities" / "CF112_fr.pdf").unlink()  # a PDF lost is printed again
    third = print_profiles(warehouse, reports, "chromium", generated=later)
    assert asked[2] == ["CF112_fr.html"] and (third.pdf_files, third.pdfs_printed) == (8, 1)
    assert print_profiles(warehouse, reports, "chromium", generated=later).pdfs_printed == 0

    html_only = build_profiles(warehouse, reports, generated=later, with_pdf=False)
    assert html_only.pdf_files == 0 and not list(folder.rglob("*.pdf"))  # PDFs turned off: none left behind
    assert record_unprinted(warehouse, reports) == 0
    build_profiles(warehouse, reports, generated=later)
    assert print_profiles(warehouse, reports, "chromium", generated=later).pdfs_printed == 8  # all, once back

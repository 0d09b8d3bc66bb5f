"""The DTM situation report for the latest round, in English and French from one template:
key figures, IDPs by prefecture (chart, table, change since the previous round), a map of
IDPs by sub-prefecture, displacement reasons, priority needs, and the methodology,
data-quality and disclosure notes. Self-contained HTML (inline CSS and SVG) and, where
Chromium is available, PDF.

Built from the marts only: every published figure (totals, the split between sites and
host families, shares, changes since the previous round, the data-quality note's counts) is
computed and gated in dbt (dtm_key_figures, dtm_idp_returnees_by_admin1 and _admin2,
dq_locality_rounds); this module selects rows and renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jinja2

from dtm_platform.reports.charts import horizontal_bar_chart, stacked_bar_chart
from dtm_platform.reports.files import write_atomically
from dtm_platform.reports.maps import proportional_symbol_map
from dtm_platform.reports.pdf import print_to_pdf
from dtm_platform.reports.translations import LANGUAGES, TEXT, day, moment, number, percent
from dtm_platform.warehouse import connect_duckdb

TEMPLATES = Path(__file__).parent / "templates"
KEY_FIGURES = "marts.dtm_key_figures"
BY_ADMIN1 = "marts.dtm_idp_returnees_by_admin1"
BY_ADMIN2 = "marts.dtm_idp_returnees_by_admin2"
QUALITY = "marts.dq_locality_rounds"
FIGURES_TABLE = "reports.dtm_situation_report"
TOP_CATEGORIES = 5  # reasons for travel, means of transport
KEY_FIGURES_SHOWN = ("idp_individuals", "idp_households", "returnee_individuals", "localities_assessed")


@dataclass(frozen=True)
class ReportResult:
    paths: dict[str, Path]  # language -> HTML
    pdfs: dict[str, Path] = field(default_factory=dict)
    round: int = 0
    idp_individuals: int = 0
    returnee_individuals: int = 0
    prefectures: int = 0

    @property
    def path(self) -> Path:
        return self.paths["en"]


def build_situation_report(
    warehouse: Path, reports_dir: Path, boundaries: Path | None = None, chromium: str | None = None
) -> ReportResult:
    with connect_duckdb(warehouse) as con:
        data = _gather(con)
    generated = datetime.now(UTC)
    paths, pdfs = {}, {}
    for language in LANGUAGES:
        html = render(data, language, generated, boundaries)
        path = reports_dir / f"dtm_situation_report_{language}.html"
        write_atomically(path, html)
        paths[language] = path
        if chromium:
            pdfs[language] = print_to_pdf(path, path.with_suffix(".pdf"), chromium)
    totals = data["totals"]
    return ReportResult(
        paths=paths,
        pdfs=pdfs,
        round=data["round"],
        idp_individuals=totals["idp_individuals"],
        returnee_individuals=totals["returnee_individuals"],
        prefectures=len(data["prefectures"]),
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _gather(con: duckdb.DuckDBPyConnection) -> dict:
    latest = _rows(con, f"select * from {KEY_FIGURES} order by round desc limit 1")
    if not latest:
        raise ValueError(f"{KEY_FIGURES} is empty: nothing to report")
    totals = latest[0]
    round_number = totals["round"]
    # The prefectures' figures the report publishes, kept in the warehouse so that its own
    # gate checks them: the mart's rows for the round, nothing recomputed.
    con.execute("create schema if not exists reports")
    con.execute(f"create or replace table {FIGURES_TABLE} as select * from {BY_ADMIN1} where round = ?", [round_number])
    return {
        "round": round_number,
        "previous_round": totals["previous_round"],
        "prefectures": _rows(con, f"select * from {FIGURES_TABLE} order by idp_individuals desc, admin1_pcode"),
        "totals": totals,
        "admin2": _rows(
            con,
            f"""select admin2_name as name, centre_latitude as latitude,
                                        centre_longitude as longitude, idp_individuals as value
                                 from {BY_ADMIN2} where round = ?""",
            [round_number],
        ),
        "reasons": _rows(
            con,
            """
            select displacement_reason_label_en as label_en, displacement_reason_label_fr as label_fr,
                   localities, idp_individuals_in_host_families
            from marts.dtm_displacement_reasons_by_round where round = ?
            order by idp_individuals_in_host_families desc, displacement_reason""",
            [round_number],
        ),
        "needs": _rows(
            con,
            """
            select priority_need_label_en as label_en, priority_need_label_fr as label_fr,
                   localities_reporting as localities, share_of_localities as share
            from marts.dtm_priority_needs_by_round where round = ?
            order by localities_reporting desc, priority_need""",
            [round_number],
        ),
        # a round the mart does not list received no submission of the locality assessment
        "quality": _rows(
            con,
            f"""
            select coalesce(quality.submissions, 0) as submissions,
                   coalesce(quality.submissions_excluded, 0) as excluded,
                   coalesce(quality.submissions_with_warning, 0) as flagged,
                   coalesce(quality.submissions_corrected, 0) as corrected
            from (select ?::integer as round) as reported
            left join {QUALITY} as quality using (round)""",
            [round_number],
        )[0],
        "flows": _gather_flows(con),
        "site_types": _rows(
            con,
            """
            select site_type, site_type_label_en as label_en, site_type_label_fr as label_fr,
                   sites, managed_sites, households, individuals
            from marts.dtm_site_types_by_round where round = ?
            order by individuals desc, site_type""",
            [round_number],
        ),
    }


def _gather_flows(con: duckdb.DuckDBPyConnection) -> dict | None:
    """Flow monitoring over the latest weeks of counts (dtm_flow_recent_weeks): travellers by
    point and direction (dtm_flow_recent_points), and the main reasons for travel and means
    of transport (dtm_flow_recent_profiles)."""
    window = _rows(con, "select * from marts.dtm_flow_recent_weeks")
    if not window:
        return None

    def top(breakdown: str) -> list[dict]:
        return _rows(
            con,
            """
            select category, category_label_en as label_en, category_label_fr as label_fr,
                   travellers, share_of_travellers as share
            from marts.dtm_flow_recent_profiles where breakdown = ? and rank_in_breakdown <= ?
            order by rank_in_breakdown""",
            [breakdown, TOP_CATEGORIES],
        )

    totals = window[0]
    return {
        "weeks": totals["weeks"],
        "start": totals["first_count_date"],
        "end": totals["last_count_date"],
        "points": _rows(
            con,
            """
            select fmp_id, fmp_name, fmp_label_en as label_en, fmp_label_fr as label_fr, admin1_name,
                   flows, incoming, outgoing, travellers
            from marts.dtm_flow_recent_points order by travellers desc, fmp_id""",
        ),
        "totals": totals,
        "reasons": top("travel_reason"),
        "transport": top("transport_mode"),
    }


def render(data: dict, language: str, generated: datetime, boundaries: Path | None = None) -> str:
    text = TEXT[language]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["n"] = lambda value, decimals=0: number(value, language, decimals)
    env.filters["signed"] = lambda value: (
        ("+" if value > 0 else "\u2212" if value < 0 else "\u00b1") + number(abs(value), language)
    )
    env.filters["percent"] = lambda share: percent(100 * share, language)
    totals = data["totals"]
    key_figures = [
        {"name": m, "label": text[m], "value": totals[m], "change": totals[f"{m}_change"]} for m in KEY_FIGURES_SHOWN
    ]
    label = f"label_{language}"
    return env.get_template("situation_report.html.j2").render(
        lang=language,
        t=text,
        round=data["round"],
        previous_round=data["previous_round"],
        period=text["collection_period"].format(
            start=day(totals["collection_start"], language), end=day(totals["collection_end"], language)
        )
        if totals["collection_start"]
        else "",
        key_figures=key_figures,
        prefectures=data["prefectures"],
        totals=totals,
        idp_split=text["idp_split"].format(
            in_sites=number(totals["idp_individuals_in_sites"], language),
            in_families=number(totals["idp_individuals_in_host_families"], language),
        ),
        chart=horizontal_bar_chart(
            [(p["admin1_name"], p["idp_individuals"]) for p in data["prefectures"]], title=text["chart_idps"]
        ),
        map=proportional_symbol_map(
            data["admin2"],
            title=text["map_title"],
            language=language,
            size_title=text["map_size_legend"],
            shading={p["admin1_pcode"]: p["idp_individuals"] for p in data["prefectures"]},
            shading_title=text["map_shading_legend"],
            boundaries=boundaries,
        ),
        reasons=[{**r, "label": r[label]} for r in data["reasons"]],
        reasons_chart=horizontal_bar_chart(
            [(r[label], r["idp_individuals_in_host_families"]) for r in data["reasons"]],
            title=text["reasons_title"],
            colour="#4a78c2",
        ),
        needs=[{**n, "label": n[label]} for n in data["needs"]],
        quality=text["quality"].format(**{k: number(v, language) for k, v in data["quality"].items()}),
        flows=_flows_view(data["flows"], text, language),
        sites=_sites_view(data, text, language),
        generated=text["generated"].format(when=moment(generated, language)),
    )


def _flows_view(flows: dict | None, text: dict, language: str) -> dict | None:
    if flows is None:
        return None
    label = f"label_{language}"
    return {
        **flows,
        "intro": text["flow_period"].format(
            points=len(flows["points"]),
            weeks=flows["weeks"],
            start=day(flows["start"], language),
            end=day(flows["end"], language),
        ),
        "points": [{**p, "label": p[label]} for p in flows["points"]],
        "reasons": [{**r, "label": r[label]} for r in flows["reasons"]],
        "transport": [{**r, "label": r[label]} for r in flows["transport"]],
        "chart": stacked_bar_chart(
            [(p["fmp_name"], [p["incoming"], p["outgoing"]]) for p in flows["points"]],
            series=[(text["incoming"], "#0033a0"), (text["outgoing"], "#8fb1e3")],
            title=text["chart_flows"],
        ),
    }


def _sites_view(data: dict, text: dict, language: str) -> dict:
    totals, label = data["totals"], f"label_{language}"
    share = percent(100 * totals["share_in_sites"], language) if totals["share_in_sites"] is not None else "–"
    return {
        "intro": (
            text["sites_intro"].format(
                sites=number(totals["sites_assessed"], language),
                round=data["round"],
                in_sites=number(totals["idp_individuals_in_sites"], language),
                share=share,
                in_families=number(totals["idp_individuals_in_host_families"], language),
            )
            if totals["sites_assessed"]
            else text["sites_none"].format(round=data["round"])
        ),
        "types": [{**t, "label": t[label]} for t in data["site_types"]],
        "chart": stacked_bar_chart(
            [
                (p["admin1_name"], [p["idp_individuals_in_sites"], p["idp_individuals_in_host_families"]])
                for p in data["prefectures"]
            ],
            series=[(text["idps_in_sites"], "#0033a0"), (text["idps_in_host_families"], "#8fb1e3")],
            title=text["chart_sites"],
        ),
    }

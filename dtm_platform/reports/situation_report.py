"""The DTM situation report: key figures, a chart and a table by prefecture, as one
self-contained HTML file (inline CSS and SVG), built from the marts only."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import jinja2

from dtm_platform.reports.charts import horizontal_bar_chart, thousands

TEMPLATES = Path(__file__).parent / "templates"
MART = "marts.dtm_idp_returnees_by_admin2"
FIGURES_TABLE = "reports.dtm_situation_report"
MEASURES = ("localities_assessed", "idp_households", "idp_individuals",
            "returnee_households", "returnee_individuals")


@dataclass(frozen=True)
class ReportResult:
    path: Path
    round: int
    idp_individuals: int
    returnee_individuals: int
    prefectures: int


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined)
    env.filters["thousands"] = thousands
    env.filters["signed"] = lambda n: ("+" if n > 0 else "\u2212" if n < 0 else "\u00b1") + thousands(abs(n))
    return env


def build_situation_report(warehouse: Path, reports_dir: Path) -> ReportResult:
    with duckdb.connect(str(warehouse)) as con:
        round_number, previous_round = con.execute(
            f"select max(round), max(round) filter (where round < (select max(round) from {MART})) from {MART}"
        ).fetchone()
        if round_number is None:
            raise ValueError(f"{MART} is empty: nothing to report")
        sums = ", ".join(f"sum({m})::bigint as {m}" for m in MEASURES)
        # The figures the report publishes, kept in the warehouse so its own gate can check them.
        con.execute("create schema if not exists reports")
        con.execute(f"""
            create or replace table {FIGURES_TABLE} as
            select round, admin1_pcode, admin1_name, {sums}
            from {MART} where round = ?
            group by round, admin1_pcode, admin1_name
            order by idp_individuals desc, admin1_pcode
        """, [round_number])
        cursor = con.execute(f"select * from {FIGURES_TABLE} order by idp_individuals desc, admin1_pcode")
        names = [c[0] for c in cursor.description]
        prefectures = [dict(zip(names, row)) for row in cursor.fetchall()]
        previous = None
        if previous_round is not None:
            previous = dict(zip(MEASURES, con.execute(
                f"select {sums} from {MART} where round = ?", [previous_round]).fetchone()))
        quality = _quality_summary(con, round_number)

    totals = {m: sum(p[m] for p in prefectures) for m in MEASURES}
    key_figures = [
        {"name": m, "label": label, "value": totals[m],
         "change": (totals[m] - previous[m]) if previous else None}
        for m, label in (("idp_individuals", "IDP individuals"), ("idp_households", "IDP households"),
                         ("returnee_individuals", "Returnee individuals"),
                         ("localities_assessed", "Localities assessed"))
    ]
    chart = horizontal_bar_chart([(p["admin1_name"], p["idp_individuals"]) for p in prefectures],
                                 title=f"IDP individuals by prefecture, round {round_number}")
    html = _environment().get_template("situation_report.html.j2").render(
        round=round_number, previous_round=previous_round, key_figures=key_figures,
        prefectures=prefectures, totals=totals, chart=chart, quality=quality,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
    path = reports_dir / "dtm_situation_report.html"
    write_atomically(path, html)
    return ReportResult(path=path, round=round_number, idp_individuals=totals["idp_individuals"],
                        returnee_individuals=totals["returnee_individuals"], prefectures=len(prefectures))


def _quality_summary(con: duckdb.DuckDBPyConnection, round_number: int) -> dict:
    submissions, excluded, flagged = con.execute("""
        select count(*),
               count(*) filter (where has_blocking_issue),
               count(*) filter (where not has_blocking_issue and len(dq_rules_failed) > 0)
        from cleaned.cln_dtm_locality_assessments where round = ?
    """, [round_number]).fetchone()
    return {"submissions": submissions, "excluded": excluded, "flagged": flagged}


def write_atomically(path: Path, text: str) -> None:
    """Readers (a browser, a file share) see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

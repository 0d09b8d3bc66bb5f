"""The supervisors' page: each team's enumerators over the last days of collection, so a
supervisor sees in one look whom to call (marts.dq_enumerator_summary, rendered; nothing
is computed here). Self-contained HTML, inline SVG, English and French."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2

from dtm_platform.reports.files import write_atomically
from dtm_platform.reports.translations import LANGUAGES, number
from dtm_platform.warehouse import connect_duckdb

SUMMARY = "marts.dq_enumerator_summary"
TEMPLATES = Path(__file__).resolve().parent.parent / "reports" / "templates"
BAR_WIDTH = 160  # px of the widest issues-per-100 bar

TEXT = {
    "en": {
        "title": "Enumerators: issues and productivity",
        "subtitle": "The last {days} days of each form's collection, per team (worst first)",
        "generated": "Generated {when} UTC",
        "team": "Team",
        "supervisor": "Supervisor",
        "enumerator": "Enumerator",
        "form": "Form",
        "days": "Days",
        "submissions": "Submissions",
        "per_100": "Issues per 100 submissions",
        "blocking": "Blocking",
        "duration": "Median duration (min)",
        "outliers": "Outlier days",
        "rules": "Most frequent issues",
        "form_rate": "form average {rate}",
        "legend": (
            "The bar shows the enumerator's issues per 100 submissions; the line, the form's average. "
            "An outlier day has more submissions than 95% of the form's enumerator-days and well above "
            "the median (twice it, and three median absolute deviations): interviews too quick to be "
            "real, or several people submitting under one code."
        ),
        "none": "No submissions in the period.",
    },
    "fr": {
        "title": "Enquêteurs : problèmes et productivité",
        "subtitle": (
            "Les {days} derniers jours de collecte de chaque formulaire, par équipe (les plus concernés d'abord)"
        ),
        "generated": "Produit le {when} UTC",
        "team": "Équipe",
        "supervisor": "Superviseur",
        "enumerator": "Enquêteur",
        "form": "Formulaire",
        "days": "Jours",
        "submissions": "Soumissions",
        "per_100": "Problèmes pour 100 soumissions",
        "blocking": "Bloquants",
        "duration": "Durée médiane (min)",
        "outliers": "Jours atypiques",
        "rules": "Problèmes les plus fréquents",
        "form_rate": "moyenne du formulaire {rate}",
        "legend": (
            "La barre montre les problèmes pour 100 soumissions de l'enquêteur ; le trait, la moyenne du "
            "formulaire. Un jour atypique compte plus de soumissions que 95 % des journées d'enquêteur du "
            "formulaire, bien au-dessus de la médiane (le double, et trois écarts absolus médians) : des "
            "entretiens trop rapides pour être réels, ou plusieurs personnes sous un même code."
        ),
        "none": "Aucune soumission dans la période.",
    },
}


@dataclass
class EnumeratorPages:
    paths: dict[str, Path]
    enumerators: int
    teams: int


def write_enumerator_pages(warehouse: Path, directory: Path, generated: datetime) -> EnumeratorPages:
    with connect_duckdb(warehouse, read_only=True) as con:
        cursor = con.execute(
            f"select * from {SUMMARY} order by team, issues_per_100_submissions desc, enumerator_id, form"
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    window_days = rows[0]["window_days"] if rows else 0
    paths = {}
    for language in LANGUAGES:
        paths[language] = directory / f"enumerators_{language}.html"
        write_atomically(paths[language], render(rows, language, window_days, generated))
    return EnumeratorPages(paths, len({r["enumerator_id"] for r in rows}), len({r["team"] for r in rows}))


def render(rows: list[dict], language: str, window_days: int, generated: datetime) -> str:
    t = TEXT[language]
    # each team's bars on its own scale: a supervisor compares their own enumerators
    widest: dict[str, float] = {}
    for r in rows:
        widest[r["team"]] = max(
            widest.get(r["team"], 1), r["issues_per_100_submissions"] or 0, r["form_issues_per_100_submissions"] or 0
        )
    teams: dict[str, dict] = {}
    for r in rows:
        team = teams.setdefault(r["team"], {"name": r["team"], "supervisor": r["supervisor"], "rows": []})
        team["rows"].append(
            {
                **r,
                "per_100": number(r["issues_per_100_submissions"], language, 1),
                "duration": number(r["median_duration_minutes"], language, 0)
                if r["median_duration_minutes"] is not None
                else "–",
                "submissions_text": number(r["submissions"], language),
                "bar": round(BAR_WIDTH * (r["issues_per_100_submissions"] or 0) / widest[r["team"]]),
                "mark": round(BAR_WIDTH * (r["form_issues_per_100_submissions"] or 0) / widest[r["team"]]),
                "form_rate": t["form_rate"].format(rate=number(r["form_issues_per_100_submissions"], language, 1)),
            }
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html", "j2"])
    )
    return env.get_template("enumerators.html.j2").render(
        lang=language,
        t=t,
        teams=list(teams.values()),
        bar_width=BAR_WIDTH,
        subtitle=t["subtitle"].format(days=window_days),
        generated=t["generated"].format(
            when=generated.strftime("%d/%m/%Y %H:%M" if language == "fr" else "%Y-%m-%d %H:%M")
        ),
    )

"""Partners' monthly reports of the community stabilization programme: one submission per
partner, month, activity and sub-prefecture the partner implements, entered by the M&E
officer from the report the partner sends (so the report's own submission date, not the
day it was keyed in, says whether it came on time).

The partners and what each implements are the office's reference data
(``dbt_project/seeds/ref_partners.csv`` and ``ref_partner_activities.csv``; ``PARTNERS`` and
``ASSIGNMENTS`` here, which a unit test holds equal to the seeds). A report is expected for
every assignment in every month of the activity's planned period in the workplan
(``dbt_project/seeds/ref_workplan.csv``, read as the office keeps it); it is due
``deadline_days`` after the month's end.

A partner's figures are what truly happened: the sessions of the activity monitoring's
truth (``me_activity``) for that activity, sub-prefecture and month, and the people who
attended them, once each, by sex, age group and disability. Activity monitoring itself
counts fewer where one of its sessions carries a blocking error, so such a month differs
without a partner being wrong.

Seeded, each drawn from a generator of its own (the activity form's draws do not move),
in exact numbers (a share of the eligible reports, rounded):
  missing      no report at all (not served: the truth lists it)
  late         submitted after the deadline: counted as received, not on time
  misreported  sessions and people over-reported (MISREPORT_FACTOR): differs from the
               activity monitoring beyond the tolerance of rule partner_figures_differ
  duplicate    the report keyed in twice: the second copy (higher _id) is dropped
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.forms import me_activity
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource
from dtm_platform.settings import PROJECT_ROOT

FORM_UID = "aMePtr5Hd8Kx3Wn7Qc2VbJ"
DATASET = "me_partner_report"
FORM_NAME = "PSC RCA - Rapport mensuel des partenaires / Partners' monthly report"
VERSIONS = [c.Version("vMP1rT6yU3iO8pA2sD5fGh", "2026-06-25"), c.Version("vMP2jK4lZ7xC1vB9nM3qWe", "2026-09-01")]
WORKPLAN_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "ref_workplan.csv"
FIRST_ID = 41_700_001
# shares of the eligible reports (exact numbers: round(share x eligible))
ERROR_RATES = {"late": 0.12, "misreported": 0.1, "duplicate": 0.04}
MISSING_SHARE = 0.06  # of the expected reports
MISREPORT_FACTOR = 1.5  # people and sessions a misreport claims, against the true ones
LATE_DAYS = (1, 15)  # how late a late report is
ERRORS_DRAWN_EXACTLY = True
BLOCKING_ERRORS: tuple[str, ...] = ()  # the duplicate's copy is dropped, its original counts

# (code, name in English, name in French, days after the month's end a report is due)
PARTNERS = [
    ("PRT-ADC", "Community Development Association", "Association pour le développement communautaire", 10),
    ("PRT-RPR", "Peace and Reconciliation Network", "Réseau paix et réconciliation", 10),
    ("PRT-CPE", "Centre for Peace Education", "Centre d'éducation à la paix", 15),
    ("PRT-GAM", "Livelihoods Support Group", "Groupe d'appui aux moyens d'existence", 15),
]
# (partner, activity, sub-prefecture): one implementer per activity and sub-prefecture
ASSIGNMENTS = sorted(
    [("PRT-ADC", a, p) for a in ("ACT-1.1", "ACT-1.2") for p in c.PROGRAMME_ADMIN2]
    + [("PRT-RPR", a, p) for a in ("ACT-2.1", "ACT-2.2") for p in ("CF321", "CF314", "CF711")]
    + [("PRT-CPE", a, p) for a in ("ACT-2.1", "ACT-2.2") for p in ("CF431", "CF421", "CF521")]
    + [("PRT-GAM", a, p) for a in ("ACT-3.1", "ACT-3.2") for p in c.PROGRAMME_ADMIN2]
)
DEADLINE_DAYS = {code: days for code, _, _, days in PARTNERS}
# people reached: the DTM sex/age cells, and of them the people with a disability by sex
CELLS = [cell for cell, _, _ in c.SEX_AGE_CELLS]
DISABILITY_CELLS = ("disability_m", "disability_f")
CHOICE_LISTS = {
    "partner": [(code, en, fr) for code, en, fr, _ in PARTNERS],
    "activity": c.WORKPLAN,
    "activity_status": [
        ("ongoing", "Ongoing", "En cours"),
        ("completed", "Completed", "Terminée"),
        ("suspended", "Suspended", "Suspendue"),
    ],
}


def survey(version: c.Version) -> list[dict]:
    cell_rows = [
        c.row(
            "integer",
            f"grp_reached/reached_{cell}",
            f"People reached: {en}",
            f"Personnes atteintes : {fr}",
            required=True,
        )
        for cell, en, fr in c.SEX_AGE_CELLS
    ]
    return [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group(
            "grp_report",
            "Report",
            "Rapport",
            [
                c.row(
                    "select_one",
                    "grp_report/partner_code",
                    "Partner",
                    "Partenaire",
                    select_from_list_name="partner",
                    required=True,
                ),
                c.row(
                    "date",
                    "grp_report/reporting_month",
                    "Month reported on",
                    "Mois du rapport",
                    appearance="month-year",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_report/activity_code",
                    "Activity (workplan)",
                    "Activité (plan de travail)",
                    select_from_list_name="activity",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_report/admin1",
                    "Prefecture",
                    "Préfecture",
                    select_from_list_name="admin1",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_report/admin2",
                    "Sub-prefecture",
                    "Sous-préfecture",
                    select_from_list_name="admin2",
                    choice_filter="admin1=${admin1}",
                    required=True,
                ),
                c.row(
                    "date",
                    "grp_report/submission_date",
                    "Date the partner submitted the report",
                    "Date de soumission du rapport par le partenaire",
                    required=True,
                ),
                *(
                    [
                        c.row(
                            "select_one",
                            "grp_report/activity_status",
                            "Status of the activity",
                            "État de l'activité",
                            select_from_list_name="activity_status",
                        )
                    ]
                    if version is not VERSIONS[0]
                    else []
                ),
            ],
        ),
        *c.group(
            "grp_reached",
            "Sessions and people reached",
            "Séances et personnes atteintes",
            [
                c.row(
                    "integer",
                    "grp_reached/sessions_held",
                    "Sessions held in the month",
                    "Séances tenues dans le mois",
                    required=True,
                ),
                c.row(
                    "integer",
                    "grp_reached/people_reached",
                    "People reached (each once in the month)",
                    "Personnes atteintes (chacune une fois dans le mois)",
                    required=True,
                ),
                *cell_rows,
                c.row(
                    "integer",
                    "grp_reached/reached_disability_m",
                    "Of them, men and boys with a disability",
                    "Dont hommes et garçons en situation de handicap",
                    required=True,
                ),
                c.row(
                    "integer",
                    "grp_reached/reached_disability_f",
                    "Of them, women and girls with a disability",
                    "Dont femmes et filles en situation de handicap",
                    required=True,
                ),
            ],
        ),
    ]


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS), version.uid)


def planned_months(activity: str, admin2: str) -> list[str]:
    """The months (YYYY-MM) the workplan plans the activity in the sub-prefecture, first to last."""
    with WORKPLAN_SEED.open(encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if (r["activity_code"], r["admin2_pcode"]) == (activity, admin2))
    month, last = row["planned_start"][:7], row["planned_end"][:7]
    months = []
    while month <= last:
        months.append(month)
        year, number = int(month[:4]), int(month[5:])
        month = f"{year + number // 12}-{number % 12 + 1:02d}"
    return months


def month_end(month: str) -> date:
    first = date.fromisoformat(f"{month}-01")
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def due_date(partner: str, month: str) -> date:
    return month_end(month) + timedelta(days=DEADLINE_DAYS[partner])


@dataclass
class Report:
    """The truth about one expected report."""

    partner: str
    activity: str
    admin2: str
    month: str
    sessions: int  # held, as activity monitoring's truth has them
    people: Counter  # cell (m_18_59...) -> people reached, once each in the month
    disability: Counter  # disability_m / disability_f -> people with a disability
    status: str = "on_time"  # on_time | late | missing
    submitted_on: date | None = None
    misreported: bool = False
    duplicated: bool = False
    reported: dict = field(default_factory=dict)  # the figures as the partner reports them

    @property
    def received(self) -> bool:
        return self.status != "missing"

    @property
    def people_reached(self) -> int:
        return sum(self.people.values())


@dataclass(frozen=True)
class PartnerReportTruth:
    reports: list[Report]  # every expected report, missing ones included

    def received(self) -> list[Report]:
        return [r for r in self.reports if r.received]

    def rates(self) -> dict[tuple[str, str], dict[str, int]]:
        """(partner, month) -> expected, received, on time, late and missing reports."""
        rates: dict[tuple[str, str], Counter] = {}
        for r in self.reports:
            row = rates.setdefault((r.partner, r.month), Counter())
            row["expected"] += 1
            row["received"] += r.received
            row[r.status] += 1
        return {
            k: {n: v[n] for n in ("expected", "received", "on_time", "late", "missing")}
            for k, v in sorted(rates.items())
        }


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    activity = me_activity.build(seed, scale).truth
    rng = random.Random(f"{seed}:{DATASET}")
    reports = [
        _true_report(activity, partner, act, admin2, month)
        for partner, act, admin2 in ASSIGNMENTS
        for month in planned_months(act, admin2)
    ]
    for r in _exactly(rng, reports, MISSING_SHARE):
        r.status = "missing"
    received = [r for r in reports if r.received]
    for r in _exactly(rng, received, ERROR_RATES["late"]):
        r.status = "late"
    for r in _exactly(rng, [r for r in received if r.sessions], ERROR_RATES["misreported"]):
        r.misreported = True
    # a copy of a report carrying no other error, so that its original is the one counted as it is
    plain = [r for r in received if r.status == "on_time" and not r.misreported]
    for r in rng.sample(plain, round(ERROR_RATES["duplicate"] * len(received))):
        r.duplicated = True
    served: list[tuple[dict, str | None]] = []
    for r in received:
        submission = _submission(rng, r)
        kind = "late" if r.status == "late" else "misreported" if r.misreported else None
        served.append((submission, kind))
        if r.duplicated:
            served.append((c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(10, 600)), "duplicate"))
    submissions, errors = c.number(served, f"{seed}:{DATASET}", FIRST_ID)
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions))
    return SyntheticForm(form=form, dataset=DATASET, truth=PartnerReportTruth(reports), errors=errors)


def _exactly(rng: random.Random, reports: list[Report], share: float) -> list[Report]:
    return rng.sample(reports, round(share * len(reports)))


def _true_report(activity: me_activity.MeActivityTruth, partner: str, act: str, admin2: str, month: str) -> Report:
    """Every session held (a session whose monitoring submission is broken was held all the same)."""
    sessions = [
        s
        for s in activity.sessions
        if s.activity == act and s.admin2 == admin2 and s.activity_date.isoformat()[:7] == month
    ]
    people = {p.person_id: p for s in sessions for p in s.participants}.values()
    return Report(
        partner=partner,
        activity=act,
        admin2=admin2,
        month=month,
        sessions=len(sessions),
        people=Counter(c.sex_age_cell(p.sex, p.age) for p in people),
        disability=Counter(f"disability_{p.sex[0]}" for p in people if p.disability),
    )


def _submission(rng: random.Random, r: Report) -> dict:
    due = due_date(r.partner, r.month)
    if r.status == "late":
        r.submitted_on = due + timedelta(days=rng.randint(*LATE_DAYS))
    else:
        r.submitted_on = due - timedelta(days=rng.randint(0, DEADLINE_DAYS[r.partner] - 1))
    factor = MISREPORT_FACTOR if r.misreported else 1
    cells = {cell: math.ceil(r.people[cell] * factor) for cell in CELLS}
    disability = {cell: math.ceil(r.disability[cell] * factor) for cell in DISABILITY_CELLS}
    sessions = math.ceil(r.sessions * factor)
    r.reported = {"sessions": sessions, "people": sum(cells.values()), **cells, **disability}
    keyed_in = r.submitted_on + timedelta(days=rng.randint(0, 1))
    started = c.working_hours(rng, keyed_in, 8, 15)
    ended = started + timedelta(minutes=rng.randint(4, 15))
    version = c.version_for(VERSIONS, keyed_in)
    answers = {
        "grp_report/partner_code": r.partner,
        "grp_report/reporting_month": f"{r.month}-01",
        "grp_report/activity_code": r.activity,
        "grp_report/admin1": c.admin1_of(r.admin2),
        "grp_report/admin2": r.admin2,
        "grp_report/submission_date": r.submitted_on.isoformat(),
        **(
            {
                "grp_report/activity_status": "ongoing"
                if r.month != planned_months(r.activity, r.admin2)[-1]
                else "completed"
            }
            if version is not VERSIONS[0]
            else {}
        ),
        "grp_reached/sessions_held": str(sessions),
        "grp_reached/people_reached": str(r.reported["people"]),
        **{f"grp_reached/reached_{cell}": str(n) for cell, n in cells.items()},
        **{f"grp_reached/reached_{cell}": str(n) for cell, n in disability.items()},
    }
    return c.envelope(
        form_uid=FORM_UID,
        version=version.uid,
        instance=c.new_instance_uuid(rng),
        answers=answers,
        started=started,
        ended=ended,
        received=ended + timedelta(minutes=rng.randint(1, 120)),
        submitted_by="me_officer_partners",
    )

"""M&E field monitoring visits: the M&E officer's teams visit the programme's activities as
the monitoring plan (the seed ``dbt_project/seeds/ref_monitoring_plan.csv``) sets out, or
unplanned, and record what they found, each finding with its severity, the follow-up action
asked of the partner, its due date and whether it is done.

Personal data (declared in forms.yml): ``grp_visit/observations`` and
``findings/action_text`` (free texts that name the people met: drop).

Version 1 until 14 September 2026; version 2 adds ``grp_visit/people_met`` (how many
beneficiaries and committee members the team spoke to).

What the generator does with the plan (its own random stream, so no other form moves):
  - a planned visit due by LAST_VISIT_DAY is made by its team, a few days either side of
    the planned date; MISSED_RATE of them are never made, LATE_RATE made LATE_DAYS after
    it; a planned visit due later is not made yet (upcoming, or missed once its day passed);
  - UNPLANNED_VISITS visits are made outside the plan (visit code ``unplanned``);
  - each visit records 0 to 4 findings, due SEVERITY_DUE_DAYS after the visit (plus a few
    days); CLOSED_AT_VISIT_RATE are put right during the visit (closed that day), and
    CLOSED_BY_EDIT_RATE of the others are closed later, by an edit of the same submission
    in Kobo (same ``_id``, a new ``_uuid``: raw keeps the edited payload, its history the
    replaced one), by LAST_EDIT_DAY at the latest; the rest stay open.
Error kinds (share of visits):
  duplicate   the visit sent twice: the second copy (higher _id) is not counted; a visit
              sent twice is never edited, so the two copies stay the same
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource
from dtm_platform.settings import PROJECT_ROOT

FORM_UID = "aMeFvs2Kp7Wd4Rt9Xq3LbN"
DATASET = "me_field_visit"
FORM_NAME = "PSC RCA - Visites de suivi terrain / Field monitoring visits"
VERSIONS = [c.Version("vFV1aQ9sW3dE7rT2yU5iOp", "2026-07-01"), c.Version("vFV2zX4cV8bN1mL6kJ3hGf", "2026-09-15")]
PLAN_SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "ref_monitoring_plan.csv"
FIRST_ID = 41_900_001
LAST_VISIT_DAY = date(2026, 11, 20)  # the last day the synthetic teams went out
LAST_EDIT_DAY = date(2026, 11, 30)  # the last day a finding was closed by an edit
MISSED_RATE = 0.10
LATE_RATE = 0.12
LATE_DAYS = (10, 30)  # past the planned date; the grace in the seed is 7
EARLY_OR_LATE_DAYS = (-3, 5)  # a visit made "on time"
UNPLANNED_VISITS = 8  # each time through the plan
FINDINGS_PER_VISIT = ((0, 1, 2, 3, 4), (20, 30, 25, 15, 10))
SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_WEIGHTS = (35, 35, 20, 10)
SEVERITY_DUE_DAYS = {"critical": 7, "high": 14, "medium": 30, "low": 45}
CLOSED_AT_VISIT_RATE = 0.10
CLOSED_BY_EDIT_RATE = 0.5
ERROR_RATES = {"duplicate": 0.05}
BLOCKING_ERRORS: tuple[str, ...] = ()
UNPLANNED = "unplanned"

CHOICE_LISTS = {
    "activity": c.WORKPLAN,
    "team": [
        ("MT-CENTRE", "Centre team (Bambari, Kaga-Bandoro)", "Équipe Centre (Bambari, Kaga-Bandoro)"),
        ("MT-EST", "East team (Bria)", "Équipe Est (Bria)"),
        ("MT-OUEST", "West team (Bossangoa, Paoua)", "Équipe Ouest (Bossangoa, Paoua)"),
        ("MT-BANGUI", "Bangui team", "Équipe Bangui"),
    ],
    "partner": [
        ("IP-01", "Implementing partner 1", "Partenaire de mise en œuvre 1"),
        ("IP-02", "Implementing partner 2", "Partenaire de mise en œuvre 2"),
        ("IP-03", "Implementing partner 3", "Partenaire de mise en œuvre 3"),
        ("IP-04", "Implementing partner 4", "Partenaire de mise en œuvre 4"),
        ("IP-05", "Implementing partner 5", "Partenaire de mise en œuvre 5"),
    ],
    "finding_category": [
        ("quality", "Quality of works or services", "Qualité des travaux ou services"),
        ("targeting", "Beneficiary selection", "Sélection des bénéficiaires"),
        ("safeguarding", "Safeguarding and protection", "Protection et sauvegarde"),
        ("finance", "Financial management", "Gestion financière"),
        ("timeliness", "Delays", "Retards"),
        ("accountability", "Feedback and accountability", "Redevabilité et retours"),
        ("other", "Other", "Autre"),
    ],
    "severity": [
        ("low", "Low", "Faible"),
        ("medium", "Medium", "Moyenne"),
        ("high", "High", "Élevée"),
        ("critical", "Critical", "Critique"),
    ],
    "action_status": [("open", "Open", "En cours"), ("closed", "Closed", "Clôturée")],
}
CATEGORIES = [code for code, *_ in CHOICE_LISTS["finding_category"]]


@dataclass(frozen=True)
class PlannedVisit:
    """A row of the monitoring plan seed."""

    code: str
    activity: str
    admin2: str
    partner: str
    team: str
    planned: date


@cache
def monitoring_plan() -> tuple[PlannedVisit, ...]:
    """The plan the officer keeps (the seed the dbt models read too)."""
    with PLAN_SEED.open(encoding="utf-8") as handle:
        return tuple(
            PlannedVisit(
                r["visit_code"],
                r["activity_code"],
                r["admin2_pcode"],
                r["partner_code"],
                r["monitoring_team"],
                date.fromisoformat(r["planned_date"]),
            )
            for r in csv.DictReader(handle)
        )


def visit_choices() -> list[tuple[str, str, str]]:
    return [
        (v.code, f"{v.code} ({v.activity}, {v.planned:%d/%m/%Y})", f"{v.code} ({v.activity}, {v.planned:%d/%m/%Y})")
        for v in monitoring_plan()
    ] + [(UNPLANNED, "Not in the plan", "Hors plan")]


def survey(version: c.Version) -> list[dict]:
    visit = [
        c.row(
            "select_one",
            "grp_visit/visit_code",
            "Visit of the monitoring plan",
            "Visite du plan de suivi",
            select_from_list_name="visit",
            required=True,
        ),
        c.row("date", "grp_visit/visit_date", "Date of the visit", "Date de la visite", required=True),
        c.row(
            "select_one",
            "grp_visit/team",
            "Monitoring team",
            "Équipe de suivi",
            select_from_list_name="team",
            required=True,
        ),
        c.row("text", "grp_visit/monitor_id", "Monitor code", "Code du chargé de suivi", required=True),
        c.row(
            "select_one",
            "grp_visit/activity_code",
            "Activity visited",
            "Activité visitée",
            select_from_list_name="activity",
            required=True,
        ),
        c.row(
            "select_one", "grp_visit/admin1", "Prefecture", "Préfecture", select_from_list_name="admin1", required=True
        ),
        c.row(
            "select_one",
            "grp_visit/admin2",
            "Sub-prefecture",
            "Sous-préfecture",
            select_from_list_name="admin2",
            choice_filter="admin1=${admin1}",
            required=True,
        ),
        c.row(
            "select_one",
            "grp_visit/partner",
            "Implementing partner",
            "Partenaire de mise en œuvre",
            select_from_list_name="partner",
            required=True,
        ),
        c.row("text", "grp_visit/observations", "Observations", "Observations"),
    ]
    if version is not VERSIONS[0]:
        visit.append(
            c.row(
                "integer",
                "grp_visit/people_met",
                "People met (beneficiaries, committee members)",
                "Personnes rencontrées (bénéficiaires, membres de comités)",
            )
        )
    return [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group("grp_visit", "Visit", "Visite", visit),
        *c.repeat(
            "findings",
            "Findings",
            "Constats",
            [
                c.row(
                    "select_one",
                    "findings/category",
                    "Category",
                    "Catégorie",
                    select_from_list_name="finding_category",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "findings/severity",
                    "Severity",
                    "Gravité",
                    select_from_list_name="severity",
                    required=True,
                ),
                c.row(
                    "text",
                    "findings/action_text",
                    "Follow-up action asked of the partner",
                    "Action de suivi demandée au partenaire",
                ),
                c.row("date", "findings/due_date", "Action due by", "Action à réaliser avant le", required=True),
                c.row(
                    "select_one",
                    "findings/action_status",
                    "Action status",
                    "État de l'action",
                    select_from_list_name="action_status",
                    required=True,
                ),
                c.row("date", "findings/closed_date", "Closed on", "Clôturée le", relevant="${action_status}='closed'"),
            ],
        ),
    ]


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows({"visit": visit_choices(), **CHOICE_LISTS}), version.uid)


@dataclass
class Finding:
    category: str
    severity: str
    due_date: date
    closed_date: date | None = None  # the final state, after any edit
    closed_by_edit: bool = False

    @property
    def is_closed(self) -> bool:
        return self.closed_date is not None


@dataclass
class Visit:
    """The truth about one visit made."""

    code: str  # a plan's visit code, or "unplanned"
    visit_date: date
    team: str
    monitor: str
    activity: str
    admin1: str
    admin2: str
    partner: str
    people_met: int | None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def version(self) -> c.Version:
        return c.version_for(VERSIONS, self.visit_date)


@dataclass(frozen=True)
class MeFieldVisitTruth:
    plan: tuple[PlannedVisit, ...]
    visits: list[Visit]  # one per visit made (a duplicate's second copy is not listed)

    def visits_by_code(self) -> dict[str, Visit]:
        return {v.code: v for v in self.visits if v.code != UNPLANNED}

    def unplanned(self) -> list[Visit]:
        return [v for v in self.visits if v.code == UNPLANNED]

    def planned_visit_status(self, planned: PlannedVisit, as_of: date, grace_days: int) -> tuple[str, int | None]:
        """(status, days late) of a planned visit on ``as_of``, ``grace_days`` after its date
        before a visit counts as late."""
        visit = self.visits_by_code().get(planned.code)
        deadline = planned.planned + timedelta(days=grace_days)
        if visit:
            late = max((visit.visit_date - planned.planned).days, 0)
            return ("made_late" if visit.visit_date > deadline else "made"), late
        if as_of > deadline:
            return "missed", (as_of - planned.planned).days
        return "upcoming", None

    def findings_by_partner_and_admin2(self, as_of: date) -> dict[tuple[str, str], dict]:
        """(partner, admin2) -> findings, open, overdue (open, due before as_of), closed, and
        findings per severity; every pair the plan or a visit names (zeros where none)."""
        groups: dict[tuple[str, str], dict] = defaultdict(
            lambda: {
                "findings": 0,
                "findings_open": 0,
                "findings_overdue": 0,
                "findings_closed": 0,
                **{f"findings_{s}": 0 for s in SEVERITIES},
            }
        )
        for planned in self.plan:
            groups[(planned.partner, planned.admin2)]
        for visit in self.visits:
            group = groups[(visit.partner, visit.admin2)]
            for finding in visit.findings:
                group["findings"] += 1
                group[f"findings_{finding.severity}"] += 1
                if finding.is_closed:
                    group["findings_closed"] += 1
                else:
                    group["findings_open"] += 1
                    group["findings_overdue"] += finding.due_date < as_of
        return dict(groups)


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    """The demo's visits follow the plan once; a larger ``scale`` (to measure the seeded rates)
    goes through the plan again, as another year would, with its visit codes suffixed."""
    rng = random.Random(f"{seed}:{DATASET}")
    plan = monitoring_plan()
    visits: list[Visit] = []
    for cycle in range(max(1, round(scale))):
        suffix = "" if cycle == 0 else f"-{cycle + 1}"
        for planned in plan:
            made = _planned_visit(rng, planned)
            if made:
                made.code += suffix
                visits.append(made)
        for _ in range(UNPLANNED_VISITS):
            visits.append(_unplanned_visit(rng))
    received: list[tuple[dict, str | None]] = []
    edits: list[tuple[dict, Visit]] = []
    for visit in visits:
        visit.error = c.draw_error(rng, ERROR_RATES)
        visit.findings = _findings(rng, visit)
        submission = _submission(rng, visit)
        if visit.error == "duplicate":
            received.append((submission, None))
            received.append((c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(5, 600)), "duplicate"))
        else:
            received.append((submission, None))
            if any(f.closed_by_edit for f in visit.findings):
                edits.append((submission, visit))
    submissions, errors = c.number(received, f"{seed}:{DATASET}", FIRST_ID)
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions))
    # the findings closed since the visit: the officer edits the submission in Kobo
    ids = {s["_uuid"]: s["_id"] for s in submissions}
    for submission, visit in edits:
        form.store.edit(ids[submission["_uuid"]], {"findings": _findings_answers(visit, after_edits=True)})
    return SyntheticForm(form=form, dataset=DATASET, truth=MeFieldVisitTruth(plan, visits), errors=errors)


def _planned_visit(rng: random.Random, planned: PlannedVisit) -> Visit | None:
    draw = rng.random()
    if planned.planned > LAST_VISIT_DAY or draw < MISSED_RATE:
        return None
    if draw < MISSED_RATE + LATE_RATE:
        day = planned.planned + timedelta(days=rng.randint(*LATE_DAYS))
    else:
        day = planned.planned + timedelta(days=rng.randint(*EARLY_OR_LATE_DAYS))
    return Visit(
        code=planned.code,
        visit_date=min(day, LAST_VISIT_DAY),
        team=planned.team,
        monitor=_monitor(rng, planned.team),
        activity=planned.activity,
        admin1=c.admin1_of(planned.admin2),
        admin2=planned.admin2,
        partner=planned.partner,
        people_met=None,
    )


def _unplanned_visit(rng: random.Random) -> Visit:
    planned = rng.choice(monitoring_plan())  # a place and partner the programme works with
    return Visit(
        code=UNPLANNED,
        visit_date=c.day_between(rng, "2026-07-01", LAST_VISIT_DAY.isoformat()),
        team=planned.team,
        monitor=_monitor(rng, planned.team),
        activity=planned.activity,
        admin1=c.admin1_of(planned.admin2),
        admin2=planned.admin2,
        partner=planned.partner,
        people_met=None,
    )


def _monitor(rng: random.Random, team: str) -> str:
    return f"MON-{team.removeprefix('MT-')[:3]}-{rng.randint(1, 3)}"


def _findings(rng: random.Random, visit: Visit) -> list[Finding]:
    if visit.version is not VERSIONS[0]:
        visit.people_met = rng.randint(3, 40)
    findings = []
    for _ in range(rng.choices(*FINDINGS_PER_VISIT)[0]):
        severity = rng.choices(SEVERITIES, weights=SEVERITY_WEIGHTS)[0]
        finding = Finding(
            category=rng.choice(CATEGORIES),
            severity=severity,
            due_date=visit.visit_date + timedelta(days=SEVERITY_DUE_DAYS[severity] + rng.randint(0, 7)),
        )
        draw = rng.random()
        if draw < CLOSED_AT_VISIT_RATE:
            finding.closed_date = visit.visit_date
        elif draw < CLOSED_AT_VISIT_RATE + CLOSED_BY_EDIT_RATE and visit.error != "duplicate":
            closed = max(finding.due_date + timedelta(days=rng.randint(-15, 20)), visit.visit_date + timedelta(days=1))
            if closed <= LAST_EDIT_DAY:
                finding.closed_date, finding.closed_by_edit = closed, True
        findings.append(finding)
    return findings


def _findings_answers(visit: Visit, after_edits: bool) -> list[dict]:
    """The repeat as the form holds it: at the visit (closed only what was put right then),
    or after the edits that closed the others."""
    entries = []
    for position, f in enumerate(visit.findings, 1):
        closed = f.is_closed and (after_edits or not f.closed_by_edit)
        entry = {
            "findings/category": f.category,
            "findings/severity": f.severity,
            "findings/action_text": _action_text(visit, position),
            "findings/due_date": f.due_date.isoformat(),
            "findings/action_status": "closed" if closed else "open",
        }
        if closed:
            entry["findings/closed_date"] = f.closed_date.isoformat()
        entries.append(entry)
    return entries


def _action_text(visit: Visit, position: int) -> str:
    """A follow-up action naming the person responsible (personal: dropped below raw). Its own
    generator, so that the texts move no other draw."""
    rng = random.Random(f"{DATASET}:action:{visit.code}:{visit.visit_date}:{position}")
    return rng.choice(
        (
            "{name} doit compléter la liste des bénéficiaires avant la prochaine distribution",
            "{name} to repair the water point's pump and send photos",
            "Le comité, avec {name}, doit afficher les numéros de plainte sur le site",
        )
    ).format(name=c.person_name(rng, rng.choice(c.SEXES)))


def _observations(visit: Visit) -> str:
    rng = random.Random(f"{DATASET}:observations:{visit.code}:{visit.visit_date}:{visit.admin2}")
    return rng.choice(
        (
            "Rencontré {name}, président du comité local ; travaux avancés à environ {share} %",
            "Met {name} (site supervisor); about {share}% of the works done",
            "Entretien avec {name} et les bénéficiaires ; {share} % des kits distribués",
        )
    ).format(name=c.person_name(rng, rng.choice(c.SEXES)), share=rng.randint(20, 95))


def _submission(rng: random.Random, v: Visit) -> dict:
    started = c.working_hours(rng, v.visit_date, 8, 14)
    ended = started + timedelta(minutes=rng.randint(40, 180), seconds=rng.randint(0, 59))
    received = ended + timedelta(hours=rng.randint(2, 72))
    answers: dict = {
        "grp_visit/visit_code": v.code[:6] if v.code != UNPLANNED else v.code,  # MV-001-2: the plan's MV-001
        "grp_visit/visit_date": v.visit_date.isoformat(),
        "grp_visit/team": v.team,
        "grp_visit/monitor_id": v.monitor,
        "grp_visit/activity_code": v.activity,
        "grp_visit/admin1": v.admin1,
        "grp_visit/admin2": v.admin2,
        "grp_visit/partner": v.partner,
        "grp_visit/observations": _observations(v),
    }
    if v.people_met is not None:
        answers["grp_visit/people_met"] = str(v.people_met)
    if v.findings:
        answers["findings"] = _findings_answers(v, after_edits=False)
    return c.envelope(
        form_uid=FORM_UID,
        version=v.version.uid,
        instance=c.new_instance_uuid(rng),
        answers=answers,
        started=started,
        ended=ended,
        received=received,
        submitted_by=v.monitor.lower().replace("-", "_"),
    )

"""M&E complaints and feedback (accountability to affected populations): the programme's case
log. Each submission is one case, recorded by a staff member when it comes in (hotline, help
desk, suggestion box, community meeting, a partner's staff): its type, category, whether it
is sensitive, where it comes from, and then what was done: referral, response, status and the
day it was closed.

A case is recorded open and closed later by editing the same submission in Kobo (same
``_id``, new instance uuid, ``meta/deprecatedID`` naming the replaced one): the server
serves the edited version, and raw keeps what an edit replaced (``kobo/reconcile.py``). A
case settled on the spot (information given at the help desk) is recorded closed at once.

Sensitive categories (protection, sexual exploitation and abuse, fraud or corruption) are
sensitive whatever the flag says: the staff member sometimes leaves the flag at "no"
(MISFLAGGED_RATE); other cases (a complaint about a staff member's conduct) may be flagged
sensitive by hand. Some cases are closed after their deadline (LATE_RATE), some are never
closed (STILL_OPEN_RATE): those received long enough ago are overdue.

Personal data (declared in forms.yml): ``grp_complainant/complainant_name`` (drop),
``grp_complainant/complainant_phone`` (hash), ``grp_case/description`` (free text that names
people: drop).

Version 1 until 31 August 2026; version 2 (from 1 September) adds
``grp_followup/complainant_informed`` (the complainant was told of the response).

Data-entry errors are seeded at known rates (ERROR_RATES), each drawn among the cases it can
happen to: a case recorded twice (the tablet sent it again, or a follow-up was recorded as a
new form instead of an edit: a second submission with the same case number and answers), a
date received in the future (the year typed wrong), and, among closed cases, a closing date
before the date received, none at all, or no response recorded; among referred cases, no
one named to refer to. The truth keeps the true case and what was entered
(``FeedbackCase.entered_received``, ``entered_closed``).
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource

FORM_UID = "aMeFbk5Qp8Wr2Ty7Ui3OpA"
DATASET = "me_feedback"
FORM_NAME = "PSC RCA - Plaintes et retours / Complaints and feedback"
VERSIONS = [c.Version("vFB1zQ2xW3cE4vR5bT6nYm", "2026-07-01"), c.Version("vFB2uJ7iK8oL9pA1sD2fGh", "2026-09-01")]
PERIOD = ("2026-07-01", "2026-10-30")
# The last day the log covers: a case whose closing would fall later is still open in it, so
# the served data never depends on the clock (what is overdue does: the marts' as_of_date)
LOG_END = date(2026, 11, 30)
CASES_AT_SCALE_1 = 420
FIRST_ID = 41_600_001
# The share of the cases each error can happen to (``error_applies``) that carry it
ERROR_RATES: dict[str, float] = {
    "duplicate": 0.02,
    "future_date": 0.02,
    "closed_before_received": 0.03,
    "closed_without_date": 0.03,
    "closed_without_response": 0.03,
    "referred_without_target": 0.06,
}
BLOCKING_ERRORS: tuple[str, ...] = ("future_date",)  # and the copies ("duplicate"): the first counts
CLOSED = "${status}='closed'"
REFERRED = "${referred}='yes'"

# The deadline of each case: ref_feedback_deadlines.csv says the same (the tests read the seed)
DEADLINE_DAYS_BY_TYPE = {"complaint": 14, "suggestion": 30, "request_information": 7, "appreciation": 30}
DEADLINE_DAYS_BY_CATEGORY = {"protection": 3, "sexual_exploitation_abuse": 3, "fraud_corruption": 10}
SENSITIVE_CATEGORIES = ("protection", "sexual_exploitation_abuse", "fraud_corruption")
LATE_RATE = 0.12  # closed after the deadline
STILL_OPEN_RATE = 0.10  # never closed (yet)
ON_THE_SPOT_RATE = 0.5  # of requests for information: answered and closed when received
MISFLAGGED_RATE = 0.15  # of cases of a sensitive category: the flag left at "no"
FLAGGED_BY_HAND_RATE = 0.3  # of complaints about staff conduct: flagged sensitive

CHOICE_LISTS = {
    "activity": c.WORKPLAN,
    "yes_no": c.YES_NO,
    "sex": c.SEX,
    "channel": [
        ("hotline", "Hotline (free phone number)", "Ligne verte (numéro gratuit)"),
        ("help_desk", "Help desk at a distribution or activity", "Guichet lors d'une distribution ou activité"),
        ("suggestion_box", "Suggestion box", "Boîte à suggestions"),
        ("community_meeting", "Community meeting", "Réunion communautaire"),
        ("partner_staff", "Partner staff", "Personnel d'un partenaire"),
    ],
    "case_type": [
        ("complaint", "Complaint", "Plainte"),
        ("suggestion", "Suggestion or feedback", "Suggestion ou avis"),
        ("request_information", "Request for information", "Demande d'information"),
        ("appreciation", "Appreciation", "Remerciement"),
    ],
    "category": [
        ("targeting", "Selection of participants", "Sélection des participants"),
        ("assistance_quality", "Quality or quantity of assistance", "Qualité ou quantité de l'assistance"),
        ("payment_delay", "Payment delay", "Retard de paiement"),
        ("staff_conduct", "Conduct of staff (not abuse)", "Comportement du personnel (hors abus)"),
        ("programme_information", "Information on the programme", "Information sur le programme"),
        ("protection", "Protection concern", "Préoccupation de protection"),
        ("sexual_exploitation_abuse", "Sexual exploitation and abuse", "Exploitation et abus sexuels"),
        ("fraud_corruption", "Fraud or corruption", "Fraude ou corruption"),
        ("other", "Other", "Autre"),
    ],
    "referral": [
        ("programme_team", "Programme team", "Équipe du programme"),
        ("protection_partner", "Protection partner", "Partenaire de protection"),
        ("psea_focal_point", "PSEA focal point", "Point focal PEAS"),
        ("oversight_office", "Oversight and audit office", "Bureau de contrôle et d'audit"),
        ("local_authority", "Local authority", "Autorité locale"),
    ],
    "response": [
        ("information_given", "Information given", "Information donnée"),
        ("assistance_adjusted", "Assistance corrected or adjusted", "Assistance corrigée ou ajustée"),
        ("referred_handled", "Handled by the service referred to", "Traité par le service référé"),
        ("explained_no_change", "Explained, no change possible", "Expliqué, aucun changement possible"),
        ("acknowledged", "Acknowledged and shared with the team", "Accusé de réception, partagé avec l'équipe"),
    ],
    "status": [
        ("open", "Open", "Ouvert"),
        ("referred", "Referred, awaiting an answer", "Référé, en attente de réponse"),
        ("closed", "Closed", "Clôturé"),
    ],
}
CHANNELS = [code for code, *_ in CHOICE_LISTS["channel"]]
TYPES = [code for code, *_ in CHOICE_LISTS["case_type"]]
# the categories a case of each type falls in, with their weights
CATEGORIES_OF_TYPE = {
    "complaint": {
        "targeting": 22,
        "assistance_quality": 20,
        "payment_delay": 18,
        "staff_conduct": 10,
        "protection": 9,
        "sexual_exploitation_abuse": 3,
        "fraud_corruption": 8,
        "other": 10,
    },
    "suggestion": {"assistance_quality": 40, "programme_information": 30, "other": 30},
    "request_information": {"programme_information": 60, "targeting": 25, "payment_delay": 15},
    "appreciation": {"assistance_quality": 60, "other": 40},
}
REFERRAL_OF_CATEGORY = {
    "protection": "protection_partner",
    "sexual_exploitation_abuse": "psea_focal_point",
    "fraud_corruption": "oversight_office",
}
DESCRIPTIONS = (
    "{name} dit que sa famille n'a pas été retenue pour l'argent contre travail",
    "{name} asks when the next payment will be made",
    "{name} signale un problème avec le superviseur du chantier",
    "{name} thanks the team for the rehabilitated water point",
)


def survey(version: c.Version) -> list[dict]:
    followup = [
        c.row(
            "select_one",
            "grp_followup/referred",
            "Was the case referred?",
            "Le cas a-t-il été référé ?",
            select_from_list_name="yes_no",
            required=True,
        ),
        c.row(
            "select_one",
            "grp_followup/referred_to",
            "Referred to",
            "Référé à",
            select_from_list_name="referral",
            relevant=REFERRED,
        ),
        c.row(
            "select_one", "grp_followup/response", "Response given", "Réponse donnée", select_from_list_name="response"
        ),
        c.row(
            "select_one",
            "grp_followup/status",
            "Status of the case",
            "Statut du cas",
            select_from_list_name="status",
            required=True,
        ),
        c.row("date", "grp_followup/date_closed", "Date closed", "Date de clôture", relevant=CLOSED),
    ]
    if version is not VERSIONS[0]:
        followup.append(
            c.row(
                "select_one",
                "grp_followup/complainant_informed",
                "Was the complainant told of the response?",
                "La personne a-t-elle été informée de la réponse ?",
                select_from_list_name="yes_no",
                relevant=CLOSED,
            )
        )
    return [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group(
            "grp_case",
            "The case",
            "Le cas",
            [
                c.row("text", "grp_case/case_id", "Case number", "Numéro du cas", required=True),
                c.row("date", "grp_case/date_received", "Date received", "Date de réception", required=True),
                c.row(
                    "select_one", "grp_case/channel", "Channel", "Canal", select_from_list_name="channel", required=True
                ),
                c.row(
                    "select_one",
                    "grp_case/case_type",
                    "Type of case",
                    "Type de cas",
                    select_from_list_name="case_type",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_case/category",
                    "Category",
                    "Catégorie",
                    select_from_list_name="category",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_case/sensitive",
                    "Sensitive case (handled confidentially)",
                    "Cas sensible (traité de manière confidentielle)",
                    select_from_list_name="yes_no",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_case/admin1",
                    "Prefecture",
                    "Préfecture",
                    select_from_list_name="admin1",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_case/admin2",
                    "Sub-prefecture",
                    "Sous-préfecture",
                    select_from_list_name="admin2",
                    choice_filter="admin1=${admin1}",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_case/activity_code",
                    "Activity concerned (if any)",
                    "Activité concernée (le cas échéant)",
                    select_from_list_name="activity",
                ),
                c.row("text", "grp_case/description", "What the person said", "Ce que la personne a dit"),
                c.row(
                    "text",
                    "grp_case/enumerator_id",
                    "Code of the staff member recording the case",
                    "Code de l'agent qui enregistre le cas",
                    required=True,
                ),
            ],
        ),
        *c.group(
            "grp_complainant",
            "The person",
            "La personne",
            [
                c.row(
                    "text",
                    "grp_complainant/complainant_name",
                    "Name (if the person agrees)",
                    "Nom (si la personne accepte)",
                ),
                c.row("text", "grp_complainant/complainant_phone", "Phone number", "Numéro de téléphone"),
                c.row("select_one", "grp_complainant/complainant_sex", "Sex", "Sexe", select_from_list_name="sex"),
            ],
        ),
        *c.group("grp_followup", "Follow-up", "Suivi", followup),
    ]


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS), version.uid)


def deadline_days(case_type: str, category: str) -> int:
    return DEADLINE_DAYS_BY_CATEGORY.get(category, DEADLINE_DAYS_BY_TYPE[case_type])


@dataclass
class FeedbackCase:
    """The truth about one case, as it stands once every edit is made."""

    case_id: str
    received: date
    channel: str
    case_type: str
    category: str
    flagged_sensitive: bool
    admin1: str
    admin2: str
    activity: str | None
    enumerator: str
    name: str | None
    phone: str | None
    sex: str | None
    description: str | None
    referred_to: str | None
    response: str | None
    closed: date | None  # None: still open
    closed_on_receipt: bool  # recorded closed at once (no edit)
    informed: bool | None  # version 2, closed cases only
    error: str | None = None  # a kind of ERROR_RATES ("duplicate": a second submission of it)
    entered_received: date | None = None  # future_date: the date received as typed
    entered_closed: date | None = None  # closed_before_received: the closing date as typed

    @property
    def sensitive(self) -> bool:
        return self.flagged_sensitive or self.category in SENSITIVE_CATEGORIES

    @property
    def blocked(self) -> bool:
        """A blocking error keeps the case out of the marts until it is fixed in Kobo."""
        return self.error in BLOCKING_ERRORS

    @property
    def served_received(self) -> date:
        """The date received as the served submission says it."""
        return self.entered_received or self.received

    @property
    def served_closed(self) -> date | None:
        """The closing date as the served submission says it (None: none entered)."""
        if not self.closed or self.error == "closed_without_date":
            return None
        return self.entered_closed or self.closed

    @property
    def days_to_resolution(self) -> int | None:
        """Days from receipt to closing, as the served dates tell them: none from a closing
        date missing or before the date received."""
        closed = self.served_closed
        if closed is None or closed < self.served_received:
            return None
        return (closed - self.served_received).days

    @property
    def version(self) -> c.Version:
        return c.version_for(VERSIONS, self.received)


@dataclass(frozen=True)
class MeFeedbackTruth:
    cases: list[FeedbackCase]
    submission_ids: dict[str, int]  # case_id -> the submission's _id

    def sensitive_case_ids(self) -> set[str]:
        return {case.case_id for case in self.cases if case.sensitive}

    def counted(self) -> list[FeedbackCase]:
        """The cases the marts count: every case without a blocking error (a second submission
        of a case is not a case)."""
        return [case for case in self.cases if not case.blocked]

    def errors_by_case(self) -> dict[str, str]:
        """case_id -> the error seeded on the case's own submission (not on a second copy)."""
        return {case.case_id: case.error for case in self.cases if case.error and case.error != "duplicate"}

    def by_month_type_channel(self, as_of: date, deadlines: dict[tuple[str, str], int]) -> dict[tuple, dict]:
        """(first day of the month received, type, channel) -> cases, closed, still_open,
        closed_after_deadline, overdue (open past the deadline on ``as_of``) and
        closed_median_days, over the counted cases as entered (a closed case without a usable
        closing date counts closed, neither late nor in the median). ``deadlines``: (type or
        "*", category or "*") -> days."""
        groups: dict[tuple, list[FeedbackCase]] = defaultdict(list)
        for case in self.counted():
            groups[(case.received.replace(day=1), case.case_type, case.channel)].append(case)
        rows = {}
        for key, cases in groups.items():
            closed = [case for case in cases if case.closed]
            due = {case.case_id: case.received + timedelta(days=deadline_of(case, deadlines)) for case in cases}
            days = [case.days_to_resolution for case in closed if case.days_to_resolution is not None]
            rows[key] = {
                "cases": len(cases),
                "closed": len(closed),
                "still_open": len(cases) - len(closed),
                "closed_after_deadline": sum(
                    case.served_closed is not None and case.served_closed > due[case.case_id] for case in closed
                ),
                "overdue": sum(not case.closed and as_of > due[case.case_id] for case in cases),
                "closed_median_days": statistics.median(days) if days else None,
            }
        return rows

    def by_period_category(self, periods: dict[str, tuple[date, date]]) -> dict[tuple[str, str], int]:
        """(reporting period, category, or "total") -> cases received (the counted ones)."""
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for case in self.counted():
            period = next(p for p, (start, end) in periods.items() if start <= case.received <= end)
            counts[(period, case.category)] += 1
            counts[(period, "total")] += 1
        return dict(counts)


def deadline_of(case: FeedbackCase, deadlines: dict[tuple[str, str], int]) -> int:
    """The most specific deadline: the type's and category's, the category's, the type's."""
    for key in ((case.case_type, case.category), ("*", case.category), (case.case_type, "*")):
        if key in deadlines:
            return deadlines[key]
    raise KeyError(f"no deadline for {case.case_type}/{case.category}")


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    rng = random.Random(f"{seed}:{DATASET}")
    mistakes = random.Random(f"{seed}:{DATASET}:errors")  # the cases are drawn as without errors
    cases: list[FeedbackCase] = []
    received: list[tuple[dict, str | None]] = []
    for number in range(1, c.scaled(CASES_AT_SCALE_1, scale, minimum=20) + 1):
        case = _case(rng, number)
        _draw_error(mistakes, case)
        cases.append(case)
        first = _submission(rng, case, final=case.closed_on_receipt)
        received.append((first, case.error if case.error != "duplicate" else None))
        if case.error == "duplicate":
            # the same case number and answers again: the copy as the case stands now
            again = first if not _edited_later(case) else {**first, **_follow_up(case)}
            received.append((c.with_copy(again, c.new_instance_uuid(mistakes), mistakes.randint(5, 600)), "duplicate"))
    submissions, errors = c.number(received, f"{seed}:{DATASET}", FIRST_ID)
    ids: dict[str, int] = {}
    for s in submissions:  # in the order received: a case's own submission before its copy
        ids.setdefault(s["grp_case/case_id"], s["_id"])
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions))
    for case in cases:
        if _edited_later(case):
            # the case as it stands now: an edit of the submission recorded when it came in
            form.store.edit(ids[case.case_id], _follow_up(case))
    return SyntheticForm(form=form, dataset=DATASET, truth=MeFeedbackTruth(cases, ids), errors=errors)


def _edited_later(case: FeedbackCase) -> bool:
    return not case.closed_on_receipt and bool(case.closed or case.referred_to)


def error_applies(kind: str, case: FeedbackCase) -> bool:
    """Whether an error of ``kind`` can be seeded on ``case`` (ERROR_RATES are shares of these)."""
    if kind in ("closed_before_received", "closed_without_date", "closed_without_response"):
        return case.closed is not None
    if kind == "referred_without_target":
        return case.referred_to is not None
    return True


def _draw_error(rng: random.Random, case: FeedbackCase) -> None:
    """Draws the case's error, each kind at its rate among the cases it applies to."""
    case.error = c.draw_error(rng, {kind: rate for kind, rate in ERROR_RATES.items() if error_applies(kind, case)})
    if case.error == "future_date":  # the year typed one too many
        case.entered_received = case.received.replace(year=case.received.year + 1)
    elif case.error == "closed_before_received":
        case.entered_closed = case.received - timedelta(days=rng.randint(1, 30))


def _case(rng: random.Random, number: int) -> FeedbackCase:
    admin2 = rng.choice(c.PROGRAMME_ADMIN2)
    received = c.day_between(rng, *PERIOD)
    case_type = rng.choices(TYPES, weights=(45, 20, 25, 10))[0]
    weights = CATEGORIES_OF_TYPE[case_type]
    category = rng.choices(list(weights), weights=list(weights.values()))[0]
    if category in SENSITIVE_CATEGORIES:
        flagged = rng.random() >= MISFLAGGED_RATE
    else:
        flagged = category == "staff_conduct" and rng.random() < FLAGGED_BY_HAND_RATE
    channel = rng.choices(CHANNELS, weights=(30, 25, 15, 20, 10))[0]
    sex = rng.choice(c.SEXES) if rng.random() < 0.85 else None
    named = sex is not None and rng.random() < 0.6
    deadline = deadline_days(case_type, category)
    on_the_spot = case_type == "request_information" and rng.random() < ON_THE_SPOT_RATE
    outcome = rng.random()
    if on_the_spot:
        days = 0
    elif outcome < STILL_OPEN_RATE:
        days = None
    elif outcome < STILL_OPEN_RATE + LATE_RATE:
        days = deadline + rng.randint(1, 20)
    else:
        days = rng.randint(0, deadline)
    closed = received + timedelta(days=days) if days is not None else None
    referred_to = REFERRAL_OF_CATEGORY.get(category) or (
        rng.choice(("programme_team", "local_authority")) if case_type == "complaint" and rng.random() < 0.4 else None
    )
    response = None
    if closed:
        response = (
            "referred_handled"
            if referred_to
            else "information_given"
            if case_type == "request_information"
            else "acknowledged"
            if case_type == "appreciation"
            else rng.choice(("assistance_adjusted", "explained_no_change", "information_given"))
        )
    version = c.version_for(VERSIONS, received)
    return FeedbackCase(
        case_id=f"FB-{received:%Y%m}-{number:04d}",
        received=received,
        channel=channel,
        case_type=case_type,
        category=category,
        flagged_sensitive=flagged,
        admin1=c.admin1_of(admin2),
        admin2=admin2,
        activity=rng.choice(c.WORKPLAN)[0] if rng.random() < 0.6 else None,
        enumerator=f"STAFF-AAP-{rng.randint(1, 6):02d}",
        name=c.person_name(rng, sex) if named else None,
        phone=c.phone_number(rng) if channel == "hotline" or rng.random() < 0.3 else None,
        sex=sex,
        description=rng.choice(DESCRIPTIONS).format(name=c.person_name(rng, rng.choice(c.SEXES))),
        referred_to=referred_to,
        response=response if closed and closed <= LOG_END else None,
        closed=closed if closed and closed <= LOG_END else None,
        closed_on_receipt=on_the_spot,
        informed=(rng.random() < 0.8) if closed and closed <= LOG_END and version is not VERSIONS[0] else None,
    )


def _follow_up(case: FeedbackCase) -> dict:
    """The follow-up answers of the case as it stands now."""
    answers = {
        "grp_followup/referred": "yes" if case.referred_to else "no",
        "grp_followup/status": "closed" if case.closed else "referred" if case.referred_to else "open",
    }
    if case.referred_to and case.error != "referred_without_target":
        answers["grp_followup/referred_to"] = case.referred_to
    if case.response and case.error != "closed_without_response":
        answers["grp_followup/response"] = case.response
    if case.served_closed:
        answers["grp_followup/date_closed"] = case.served_closed.isoformat()
    if case.informed is not None:
        answers["grp_followup/complainant_informed"] = "yes" if case.informed else "no"
    return answers


def _submission(rng: random.Random, case: FeedbackCase, final: bool) -> dict:
    """The case as recorded the day it came in: open (or, ``final``, closed at once)."""
    started = c.working_hours(rng, case.received, 8, 16)
    ended = started + timedelta(minutes=rng.randint(4, 15), seconds=rng.randint(0, 59))
    sent = ended + timedelta(hours=rng.randint(1, 30))
    answers: dict = {
        "grp_case/case_id": case.case_id,
        "grp_case/date_received": case.served_received.isoformat(),
        "grp_case/channel": case.channel,
        "grp_case/case_type": case.case_type,
        "grp_case/category": case.category,
        "grp_case/sensitive": "yes" if case.flagged_sensitive else "no",
        "grp_case/admin1": case.admin1,
        "grp_case/admin2": case.admin2,
    }
    if case.activity:
        answers["grp_case/activity_code"] = case.activity
    answers["grp_case/description"] = case.description
    answers["grp_case/enumerator_id"] = case.enumerator
    if case.name:
        answers["grp_complainant/complainant_name"] = case.name
    if case.phone:
        answers["grp_complainant/complainant_phone"] = case.phone
    if case.sex:
        answers["grp_complainant/complainant_sex"] = case.sex
    answers.update(_follow_up(case) if final else {"grp_followup/referred": "no", "grp_followup/status": "open"})
    return c.envelope(
        form_uid=FORM_UID,
        version=case.version.uid,
        instance=c.new_instance_uuid(rng),
        answers=answers,
        started=started,
        ended=ended,
        received=sent,
        submitted_by=case.enumerator.lower().replace("-", "_"),
    )

"""M&E post-distribution monitoring (PDM): household interviews a few weeks after cash for
work or a livelihood-kit distribution: was the assistance received, how satisfied the
household is (Likert 1-5), what it was used for, problems and safety concerns.

Personal data (declared in forms.yml): ``grp_respondent/resp_name`` (drop),
``grp_respondent/resp_phone`` (hash), and ``grp_assistance/problems_other`` (free text that
can name people: drop).

Version 1 until 31 August 2026; version 2 (from 1 September) renames
``grp_assistance/satisfaction`` to ``grp_assistance/satisfaction_level`` (same choices) and
adds ``grp_aap/knows_feedback_channel``. Version 3 (from 1 October) adds the Washington Group
short set about the respondent (group ``grp_wg``), asked of WG_ASKED of the respondents; its
answers are drawn from a stream of their own and added after the audit log, so that no
earlier draw or audit finding moves.

Error kinds (share of interviews), and what a correct cleaning makes of each:
  duplicate            the interview sent twice: the second copy (higher _id) is dropped
  interview_too_short  a consented interview under MIN_INTERVIEW_MINUTES: blocking, kept out
  outlier              household size x10 (40 people or more): blocking, kept out
  rushed_audit         the audit log shows every question on screen for a second or two while
                       the interview's start and end look normal: flagged (audit_too_fast),
                       the interview counts
  short_for_household  a household of SHORT_HOUSEHOLD_MIN_SIZE people or more whose audit log
                       shows each question on screen a few seconds: not too fast a question,
                       yet too little time for that many people (audit_short_for_household,
                       a warning), the interview counts
Every consented interview carries Kobo's audit log (the ``audit`` question, an
``audit.csv`` attachment): each question on screen for several seconds.
Refusals (consent "no") carry no answers past the consent and are left out of the figures.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from dtm_platform.kobo_mock.audit_logs import AUDIT_FILE, AUDIT_MIMETYPE, AUDIT_XPATH, audit_csv
from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.forms import washington_group
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource

FORM_UID = "aMePdm3Vb7Xs2Qf9Jh5KtR"
DATASET = "me_pdm"
FORM_NAME = "PSC RCA - Suivi post-distribution / Post-distribution monitoring"
VERSIONS = [
    c.Version("vPD1qW2eR3tY4uI5oP6aSd", "2026-07-01"),
    c.Version("vPD2fG7hJ8kL9zX1cV2bNm", "2026-09-01"),
    c.Version("vPD3sW4dE5rT6yU7iO8pLk", "2026-10-01"),
]
PERIOD = ("2026-07-06", "2026-10-30")
INTERVIEWS_AT_SCALE_1 = 300
FIRST_ID = 41_400_001
MIN_INTERVIEW_MINUTES = 10
REFUSAL_RATE = 0.03
ERROR_RATES = {
    "duplicate": 0.02,
    "interview_too_short": 0.04,
    "outlier": 0.01,
    "rushed_audit": 0.04,
    "short_for_household": 0.04,
}
SECONDS_PER_QUESTION = (6, 40)  # on screen, as the audit log records it
RUSHED_SECONDS_PER_QUESTION = (1, 2)
SHORT_SECONDS_PER_QUESTION = (3, 4)  # above audit_too_fast's floor, too little for a large household
SHORT_HOUSEHOLD_MIN_SIZE = 9
BANGUI = timezone(timedelta(hours=1))  # the devices' clock (c.LOCAL_TIME)
BLOCKING_ERRORS = ("interview_too_short", "outlier")
PDM_ACTIVITIES = ("ACT-3.1", "ACT-3.2")
CONSENTED = "${consent}='yes'"
RECEIVED = "${received_assistance}='yes'"
WG_ASKED = 0.85  # of the respondents interviewed with version 3
WG_DISABILITY = 0.15  # of those asked, answers meeting the WG-SS cut-off

CHOICE_LISTS = {
    "activity": c.WORKPLAN,
    "yes_no": c.YES_NO,
    "sex": c.SEX,
    washington_group.LIST_NAME: washington_group.DIFFICULTY,
    "satisfaction": [
        ("1", "Very dissatisfied", "Très insatisfait"),
        ("2", "Dissatisfied", "Insatisfait"),
        ("3", "Neither satisfied nor dissatisfied", "Ni satisfait ni insatisfait"),
        ("4", "Satisfied", "Satisfait"),
        ("5", "Very satisfied", "Très satisfait"),
    ],
    "assistance_use": [
        ("food", "Food", "Nourriture"),
        ("rent_shelter", "Rent or shelter repairs", "Loyer ou réparation de l'abri"),
        ("health", "Health care", "Soins de santé"),
        ("education", "School fees and supplies", "Frais et fournitures scolaires"),
        ("debt", "Paying back debts", "Remboursement de dettes"),
        ("livelihood", "Livelihood inputs (seeds, tools, stock)", "Intrants (semences, outils, stock)"),
        ("savings", "Savings", "Épargne"),
        ("other", "Other", "Autre"),
    ],
    "problem": [
        ("none", "No problem", "Aucun problème"),
        ("long_wait", "Long waiting time", "Longue attente"),
        ("distance", "Distribution point too far", "Point de distribution trop éloigné"),
        ("less_than_announced", "Received less than announced", "Reçu moins que prévu"),
        ("payment_delay", "Payment delayed", "Paiement en retard"),
        ("asked_to_pay", "Asked to pay or give something", "Obligé de payer ou de donner quelque chose"),
        ("other", "Other", "Autre"),
    ],
    "safety_issue": [
        ("travel_risk", "Unsafe journey to or from the site", "Trajet dangereux vers ou depuis le site"),
        ("theft_after", "Theft or robbery afterwards", "Vol ou braquage après la distribution"),
        ("harassment", "Harassment at the site", "Harcèlement sur le site"),
        ("household_tension", "Tension in the household", "Tensions dans le ménage"),
    ],
}
USES = [code for code, *_ in CHOICE_LISTS["assistance_use"]]
PROBLEMS = [code for code, *_ in CHOICE_LISTS["problem"] if code != "none"]
SAFETY_ISSUES = [code for code, *_ in CHOICE_LISTS["safety_issue"]]


def satisfaction_field(version: c.Version) -> str:
    return "grp_assistance/satisfaction" if version is VERSIONS[0] else "grp_assistance/satisfaction_level"


def survey(version: c.Version) -> list[dict]:
    rows = [
        c.row("start", "start"),
        c.row("end", "end"),
        c.row("audit", AUDIT_XPATH),
        *c.group(
            "grp_general",
            "General information",
            "Informations générales",
            [
                c.row(
                    "select_one",
                    "grp_general/activity_code",
                    "Activity monitored",
                    "Activité suivie",
                    select_from_list_name="activity",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_general/admin1",
                    "Prefecture",
                    "Préfecture",
                    select_from_list_name="admin1",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_general/admin2",
                    "Sub-prefecture",
                    "Sous-préfecture",
                    select_from_list_name="admin2",
                    choice_filter="admin1=${admin1}",
                    required=True,
                ),
                c.row(
                    "date", "grp_general/interview_date", "Date of the interview", "Date de l'entretien", required=True
                ),
                c.row("text", "grp_general/enumerator_id", "Enumerator code", "Code de l'enquêteur", required=True),
            ],
        ),
        *c.group(
            "grp_consent",
            "Consent",
            "Consentement",
            [
                c.row(
                    "select_one",
                    "grp_consent/consent",
                    "Does the respondent agree to be interviewed?",
                    "La personne accepte-t-elle l'entretien ?",
                    select_from_list_name="yes_no",
                    required=True,
                ),
            ],
        ),
        *c.group(
            "grp_respondent",
            "Respondent",
            "Répondant",
            [
                c.row("text", "grp_respondent/resp_name", "Name of the respondent", "Nom du répondant"),
                c.row("text", "grp_respondent/resp_phone", "Phone number", "Numéro de téléphone"),
                c.row(
                    "select_one", "grp_respondent/resp_sex", "Sex", "Sexe", select_from_list_name="sex", required=True
                ),
                c.row("integer", "grp_respondent/resp_age", "Age", "Âge", required=True),
                c.row("integer", "grp_respondent/hh_size", "Household size", "Taille du ménage", required=True),
            ],
            relevant=CONSENTED,
        ),
        *c.group(
            "grp_assistance",
            "Assistance",
            "Assistance",
            [
                c.row(
                    "select_one",
                    "grp_assistance/received_assistance",
                    "Did your household receive the assistance?",
                    "Votre ménage a-t-il reçu l'assistance ?",
                    select_from_list_name="yes_no",
                    required=True,
                ),
                c.row(
                    "select_one",
                    satisfaction_field(version),
                    "How satisfied are you with the assistance?",
                    "Êtes-vous satisfait de l'assistance ?",
                    select_from_list_name="satisfaction",
                    relevant=RECEIVED,
                ),
                c.row(
                    "select_multiple",
                    "grp_assistance/assistance_use",
                    "What was the assistance used for?",
                    "À quoi l'assistance a-t-elle servi ?",
                    select_from_list_name="assistance_use",
                    relevant=RECEIVED,
                ),
                c.row(
                    "select_multiple",
                    "grp_assistance/problems",
                    "Problems encountered",
                    "Problèmes rencontrés",
                    select_from_list_name="problem",
                    relevant=RECEIVED,
                ),
                c.row(
                    "text",
                    "grp_assistance/problems_other",
                    "Other problem (specify)",
                    "Autre problème (préciser)",
                    relevant="selected(${problems}, 'other')",
                ),
                c.row(
                    "select_one",
                    "grp_assistance/safety_concerns",
                    "Did you feel unsafe because of the assistance?",
                    "Vous êtes-vous senti en insécurité à cause de l'assistance ?",
                    select_from_list_name="yes_no",
                    relevant=RECEIVED,
                ),
                c.row(
                    "select_multiple",
                    "grp_assistance/safety_issues",
                    "What happened?",
                    "Que s'est-il passé ?",
                    select_from_list_name="safety_issue",
                    relevant="${safety_concerns}='yes'",
                ),
            ],
            relevant=CONSENTED,
        ),
    ]
    if version is not VERSIONS[0]:
        rows += c.group(
            "grp_aap",
            "Accountability",
            "Redevabilité",
            [
                c.row(
                    "select_one",
                    "grp_aap/knows_feedback_channel",
                    "Do you know how to give feedback or complain about the programme?",
                    "Savez-vous comment donner votre avis ou vous plaindre du programme ?",
                    select_from_list_name="yes_no",
                ),
            ],
            relevant=CONSENTED,
        )
    if version is VERSIONS[2]:
        rows += washington_group.questions("grp_wg", relevant=CONSENTED)
    return rows


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS), version.uid)


@dataclass
class PdmInterview:
    """The truth about one interview."""

    activity: str
    admin1: str
    admin2: str
    interview_date: date
    enumerator: str
    consent: bool
    name: str | None = None
    phone: str | None = None
    sex: str | None = None
    age: int | None = None
    hh_size: int | None = None
    received: bool = False
    satisfaction: int | None = None
    uses: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    problems_other: str | None = None
    safety_concerns: bool = False
    safety_issues: list[str] = field(default_factory=list)
    knows_feedback_channel: bool | None = None
    error: str | None = None
    wg: dict[str, str] | None = None  # the respondent's WG answers (version 3, when asked)
    wg_disability: bool | None = None  # whether they meet the WG-SS cut-off, as drawn to

    @property
    def disability(self) -> str:
        """yes | no by the WG answers, not_known when not asked (the form has no other question)."""
        return "not_known" if self.wg_disability is None else "yes" if self.wg_disability else "no"

    @property
    def version(self) -> c.Version:
        return c.version_for(VERSIONS, self.interview_date)


@dataclass(frozen=True)
class MePdmTruth:
    interviews: list[PdmInterview]  # one per interview (a duplicate's second copy is not listed)

    def counted(self) -> list[PdmInterview]:
        return [i for i in self.interviews if i.consent and i.error not in BLOCKING_ERRORS]

    def refusals(self) -> int:
        return sum(not i.consent for i in self.interviews)

    def by_activity(self) -> list[dict]:
        """Per activity: interviews, received (households that received the assistance),
        satisfied (4 or 5, of those who received), satisfaction_mean (of those who received),
        with_problems (any problem other than "none"), with_safety_concerns, mean_hh_size."""
        rows = []
        groups: dict[str, list[PdmInterview]] = defaultdict(list)
        for i in self.counted():
            groups[i.activity].append(i)
        for activity, kept in sorted(groups.items()):
            received = [i for i in kept if i.received]
            rows.append(
                {
                    "activity_code": activity,
                    "interviews": len(kept),
                    "received": len(received),
                    "satisfied": sum(i.satisfaction >= 4 for i in received),
                    "satisfaction_mean": sum(i.satisfaction for i in received) / len(received) if received else None,
                    "with_problems": sum(bool(i.problems) for i in received),
                    "with_safety_concerns": sum(i.safety_concerns for i in received),
                    "mean_hh_size": sum(i.hh_size for i in kept) / len(kept),
                }
            )
        return rows

    def problems(self) -> dict[str, int]:
        """Problem -> households that met it."""
        return dict(Counter(p for i in self.counted() if i.received for p in i.problems))

    def knows_feedback_channel(self) -> dict[str, int]:
        """yes/no -> respondents asked (version 2 only)."""
        return dict(
            Counter(
                "yes" if i.knows_feedback_channel else "no"
                for i in self.counted()
                if i.knows_feedback_channel is not None
            )
        )


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    rng = random.Random(f"{seed}:{DATASET}")
    wg_rng = random.Random(f"{seed}:{DATASET}:wg")
    interviews: list[PdmInterview] = []
    received: list[tuple[dict, str | None]] = []
    audits: dict[str, bytes] = {}
    for _ in range(c.scaled(INTERVIEWS_AT_SCALE_1, scale, minimum=10)):
        interview = _interview(rng)
        interviews.append(interview)
        submission = _submission(rng, interview)
        if interview.consent:
            _add_audit(submission, interview, audits, random.Random(f"{seed}:{DATASET}:audit:{submission['_uuid']}"))
            _add_wg(submission, interview, wg_rng)
        if interview.error == "duplicate":
            received.append((submission, None))
            copy = c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(1, 120))
            audits.update(
                {
                    again["uid"]: audits[first["uid"]]  # the copy sends the same file
                    for first, again in zip(submission["_attachments"], copy["_attachments"])
                }
            )
            received.append((copy, "duplicate"))
        else:
            received.append((submission, interview.error))
    submissions, errors = c.number(received, f"{seed}:{DATASET}", FIRST_ID)
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions), attachment_bodies=audits)
    return SyntheticForm(form=form, dataset=DATASET, truth=MePdmTruth(interviews), errors=errors)


def _interview(rng: random.Random) -> PdmInterview:
    admin2 = rng.choice(c.PROGRAMME_ADMIN2)
    i = PdmInterview(
        activity=rng.choice(PDM_ACTIVITIES),
        admin1=c.admin1_of(admin2),
        admin2=admin2,
        interview_date=c.day_between(rng, *PERIOD),
        enumerator=f"ENUM-ME-{rng.randint(1, 12):02d}",
        consent=rng.random() >= REFUSAL_RATE,
    )
    if not i.consent:
        i.error = "duplicate" if rng.random() < ERROR_RATES["duplicate"] else None
        return i
    i.error = c.draw_error(rng, ERROR_RATES)
    i.sex = rng.choices(c.SEXES, weights=(40, 60))[0]
    i.age = rng.randint(18, 70)
    i.name = c.person_name(rng, i.sex)
    i.phone = c.phone_number(rng) if rng.random() < 0.8 else None
    i.hh_size = rng.randint(4 if i.error == "outlier" else 1, 12)  # an extra zero makes 40 or more
    if i.error == "short_for_household" and i.hh_size < SHORT_HOUSEHOLD_MIN_SIZE:
        i.error = None  # decided after the size, so that no other draw moves
    i.received = rng.random() < 0.92
    if i.received:
        i.satisfaction = rng.choices((1, 2, 3, 4, 5), weights=(5, 10, 20, 40, 25))[0]
        i.uses = sorted(rng.sample(USES, rng.randint(1, 3)), key=USES.index)
        if rng.random() < 0.3:
            i.problems = sorted(rng.sample(PROBLEMS, rng.randint(1, 2)), key=PROBLEMS.index)
            if "other" in i.problems:
                i.problems_other = rng.choice(
                    (
                        "Le chef de quartier a retenu une partie de l'argent de {name}",
                        "The distribution list left out {name}'s family",
                        "{name} a dû revenir deux fois au site",
                    )
                ).format(name=c.person_name(rng, rng.choice(c.SEXES)))
        i.safety_concerns = rng.random() < 0.08
        if i.safety_concerns:
            i.safety_issues = sorted(rng.sample(SAFETY_ISSUES, rng.randint(1, 2)), key=SAFETY_ISSUES.index)
    if i.version is not VERSIONS[0]:
        i.knows_feedback_channel = rng.random() < 0.65
    return i


def _add_wg(submission: dict, i: PdmInterview, rng: random.Random) -> None:
    """The respondent's WG answers, when version 3 asked them."""
    if i.version is not VERSIONS[2] or rng.random() >= WG_ASKED:
        return
    i.wg_disability = rng.random() < WG_DISABILITY
    i.wg = washington_group.answers(rng, i.wg_disability)
    submission.update({f"grp_wg/{name}": answer for name, answer in i.wg.items()})


def _add_audit(submission: dict, i: PdmInterview, audits: dict[str, bytes], rng: random.Random) -> None:
    """The interview's audit log, as an attachment of the submission (its own generator, so
    that the other draws do not move)."""
    attachment = c.photo_attachment(
        rng,
        form_uid=FORM_UID,
        submitted_by=submission["_submitted_by"],
        instance=submission["_uuid"],
        question_xpath=AUDIT_XPATH,
        basename=AUDIT_FILE,
    )
    attachment["mimetype"] = AUDIT_MIMETYPE
    submission["_attachments"].append(attachment)
    submission[AUDIT_XPATH] = AUDIT_FILE
    answered = [k for k in submission if "/" in k and not k.startswith(("_", "meta/", "formhub/"))]
    pace = {"rushed_audit": RUSHED_SECONDS_PER_QUESTION, "short_for_household": SHORT_SECONDS_PER_QUESTION}.get(
        i.error, SECONDS_PER_QUESTION
    )
    started, ended = (datetime.strptime(submission[k], c.LOCAL_TIME).replace(tzinfo=BANGUI) for k in ("start", "end"))
    audits[attachment["uid"]] = audit_csv(FORM_UID, answered, started, ended, seconds_per_question=pace, rng=rng)


def _submission(rng: random.Random, i: PdmInterview) -> dict:
    started = c.working_hours(rng, i.interview_date, 7, 16)
    if not i.consent:
        minutes = rng.randint(1, 3)
    elif i.error == "interview_too_short":
        minutes = rng.randint(2, MIN_INTERVIEW_MINUTES - 2)
    else:
        minutes = rng.randint(MIN_INTERVIEW_MINUTES + 2, 40)
    ended = started + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
    received = ended + timedelta(hours=rng.randint(1, 48))
    answers: dict = {
        "grp_general/activity_code": i.activity,
        "grp_general/admin1": i.admin1,
        "grp_general/admin2": i.admin2,
        "grp_general/interview_date": i.interview_date.isoformat(),
        "grp_general/enumerator_id": i.enumerator,
        "grp_consent/consent": "yes" if i.consent else "no",
    }
    if i.consent:
        answers["grp_respondent/resp_name"] = i.name
        if i.phone:
            answers["grp_respondent/resp_phone"] = i.phone
        answers.update(
            {
                "grp_respondent/resp_sex": i.sex,
                "grp_respondent/resp_age": str(i.age),
                "grp_respondent/hh_size": str(i.hh_size * 10 if i.error == "outlier" else i.hh_size),
                "grp_assistance/received_assistance": "yes" if i.received else "no",
            }
        )
        if i.received:
            answers[satisfaction_field(i.version)] = str(i.satisfaction)
            answers["grp_assistance/assistance_use"] = " ".join(i.uses)
            answers["grp_assistance/problems"] = " ".join(i.problems) or "none"
            if i.problems_other:
                answers["grp_assistance/problems_other"] = i.problems_other
            answers["grp_assistance/safety_concerns"] = "yes" if i.safety_concerns else "no"
            if i.safety_issues:
                answers["grp_assistance/safety_issues"] = " ".join(i.safety_issues)
        if i.knows_feedback_channel is not None:
            answers["grp_aap/knows_feedback_channel"] = "yes" if i.knows_feedback_channel else "no"
    return c.envelope(
        form_uid=FORM_UID,
        version=i.version.uid,
        instance=c.new_instance_uuid(rng),
        answers=answers,
        started=started,
        ended=ended,
        received=received,
        submitted_by=i.enumerator.lower().replace("-", "_"),
    )

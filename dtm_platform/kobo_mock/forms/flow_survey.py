"""DTM flow monitoring survey: individual interviews of travellers at the flow monitoring
points, with the people travelling with them (repeat ``travel_group``) and each member's
documents (nested repeat ``travel_group/documents``).

Personal data (declared in forms.yml): the respondent's name (drop), phone (hash) and the
exact GPS of the household's shelter (coarsen_gps). ``_geolocation`` is the flow monitoring
point's GPS (the form's first geopoint), not the household's.

Version 1 until 30 September 2026; version 2 (from 1 October) adds ``grp_needs/main_need``.

Error kinds (share of interviews), and what a correct cleaning makes of each:
  duplicate            the interview sent twice: the second copy (higher _id) is dropped
  interview_too_short  a consented interview that took under MIN_INTERVIEW_MINUTES (end - start):
                       blocking, kept out of the figures
  implausible_age      respondent aged over 120: blocking
  future_date          grp_point/survey_date after the day the server received it: blocking
  outdated_version     collected on version 1 more than OUTDATED_AFTER_DAYS after version 2
                       was deployed (a tablet not updated): flagged (outdated_form_version),
                       the interview counts; it has no main_need, which version 1 lacks
  member_age_typo      the age of the first member aged 12 or more typed twice (35 -> 3535):
                       blocking (implausible_member_age) until the cleaning log corrects the
                       answer inside the repeat, travel_group[n]/member_age
Refusals (consent "no") are data, not errors: they carry no answers beyond the point and the
consent question and are left out of the figures (``refusals()`` counts them).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.forms.flow_counts import CHOICE_LISTS as COUNT_LISTS
from dtm_platform.kobo_mock.forms.flow_counts import POINTS, FlowPoint
from dtm_platform.kobo_mock.reference import admin_areas
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource

FORM_UID = "aFlowSrv5Tg9Kd2Hx7Pw4B"
DATASET = "dtm_flow_survey"
FORM_NAME = "DTM RCA - Enquête individuelle de suivi des flux / Flow monitoring survey"
VERSIONS = [c.Version("vFS1bN6mQ3wR8tY2uI5oPa", "2026-08-25"), c.Version("vFS2zX4cV7bN1mA9sD3fGh", "2026-10-01")]
PERIOD = ("2026-09-01", "2026-10-31")
INTERVIEWS_AT_SCALE_1 = 400
FIRST_ID = 41_200_001
MIN_INTERVIEW_MINUTES = 10
REFUSAL_RATE = 0.04
ERROR_RATES = {
    "duplicate": 0.02,
    "interview_too_short": 0.03,
    "implausible_age": 0.01,
    "future_date": 0.01,
    "member_age_typo": 0.015,
    "outdated_version": 0.03,
}
OUTDATED_AFTER_DAYS = 3  # past the rules seed's grace (outdated_form_version's min_value, 2 days)
BLOCKING_ERRORS = ("interview_too_short", "implausible_age", "future_date", "member_age_typo")
TYPO_MIN_AGE = 12  # from 12, an age typed twice (1212) is past any plausible age

CHOICE_LISTS = {
    "fmp": COUNT_LISTS["fmp"],
    "yes_no": c.YES_NO,
    "sex": c.SEX,
    "nationality": c.NATIONALITY,
    "country": [
        ("CAF", "Central African Republic", "République centrafricaine"),
        ("CMR", "Cameroon", "Cameroun"),
        ("TCD", "Chad", "Tchad"),
        ("COD", "Democratic Republic of the Congo", "République démocratique du Congo"),
        ("SDN", "Sudan", "Soudan"),
        ("SSD", "South Sudan", "Soudan du Sud"),
        ("other", "Other country", "Autre pays"),
    ],
    "travel_reason": COUNT_LISTS["travel_reason"],
    "intended_duration": [
        ("lt_1_week", "Less than a week", "Moins d'une semaine"),
        ("1_4_weeks", "One to four weeks", "Une à quatre semaines"),
        ("1_6_months", "One to six months", "Un à six mois"),
        ("gt_6_months", "More than six months", "Plus de six mois"),
        ("permanent", "Permanently", "Définitivement"),
        ("dont_know", "Don't know", "Ne sait pas"),
    ],
    "vulnerability": [
        ("pregnant_lactating", "Pregnant or lactating woman", "Femme enceinte ou allaitante"),
        ("disability", "Person with a disability", "Personne en situation de handicap"),
        ("chronic_illness", "Chronic illness", "Maladie chronique"),
        ("unaccompanied_child", "Unaccompanied or separated child", "Enfant non accompagné ou séparé"),
        ("elderly_alone", "Elderly person travelling alone", "Personne âgée voyageant seule"),
        ("none", "None", "Aucune"),
    ],
    "relationship": [
        ("spouse", "Spouse", "Conjoint(e)"),
        ("child", "Child", "Enfant"),
        ("parent", "Parent", "Parent"),
        ("sibling", "Brother or sister", "Frère ou sœur"),
        ("other_relative", "Other relative", "Autre parent"),
        ("non_relative", "Not related", "Sans lien de parenté"),
    ],
    "document": [
        ("national_id", "National identity card", "Carte nationale d'identité"),
        ("birth_certificate", "Birth certificate", "Acte de naissance"),
        ("passport", "Passport", "Passeport"),
        ("refugee_card", "Refugee or asylum-seeker card", "Carte de réfugié ou de demandeur d'asile"),
        ("laissez_passer", "Laissez-passer or travel document", "Laissez-passer ou document de voyage"),
    ],
    "priority_need": locality_form.CHOICE_LISTS["priority_need"],
}
REASONS = [code for code, *_ in CHOICE_LISTS["travel_reason"]]
# What respondents answer to "other, specify", and the choice each text means when it
# means one (the officer recodes those through the cleaning log) or None when it is
# really another reason.
OTHER_REASONS = [
    ("Visite à la famille", "family_visit"),
    ("visite famille", "family_visit"),
    ("Chercher du travail", "economic"),
    ("Funérailles d'un parent", None),
    ("Mariage", None),
    ("Pèlerinage", None),
]
DURATIONS = [code for code, *_ in CHOICE_LISTS["intended_duration"]]
VULNERABILITIES = [code for code, *_ in CHOICE_LISTS["vulnerability"] if code != "none"]
RELATIONSHIPS = [code for code, *_ in CHOICE_LISTS["relationship"]]
DOCUMENTS = [code for code, *_ in CHOICE_LISTS["document"]]
CONSENTED = "${consent}='yes'"


def survey(version: c.Version) -> list[dict]:
    rows = [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group(
            "grp_point",
            "Interview",
            "Entretien",
            [
                c.row(
                    "select_one",
                    "grp_point/fmp_id",
                    "Flow monitoring point",
                    "Point de suivi des flux",
                    select_from_list_name="fmp",
                    required=True,
                ),
                c.row("date", "grp_point/survey_date", "Date of the interview", "Date de l'entretien", required=True),
                c.row("text", "grp_point/enumerator_id", "Enumerator code", "Code de l'enquêteur", required=True),
                c.row(
                    "geopoint",
                    "grp_point/point_gps",
                    "GPS of the flow monitoring point",
                    "GPS du point de suivi des flux",
                ),
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
                c.row(
                    "text", "grp_respondent/resp_phone", "Phone number (optional)", "Numéro de téléphone (facultatif)"
                ),
                c.row(
                    "select_one", "grp_respondent/resp_sex", "Sex", "Sexe", select_from_list_name="sex", required=True
                ),
                c.row("integer", "grp_respondent/resp_age", "Age", "Âge", required=True, constraint=". >= 18"),
                c.row(
                    "select_one",
                    "grp_respondent/resp_nationality",
                    "Nationality",
                    "Nationalité",
                    select_from_list_name="nationality",
                    required=True,
                ),
                c.row(
                    "geopoint",
                    "grp_respondent/hh_gps",
                    "GPS of the household's current shelter",
                    "GPS de l'abri actuel du ménage",
                ),
            ],
            relevant=CONSENTED,
        ),
        *c.group(
            "grp_journey",
            "Journey",
            "Voyage",
            [
                c.row(
                    "select_one",
                    "grp_journey/origin_country",
                    "Country of departure",
                    "Pays de départ",
                    select_from_list_name="country",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_journey/origin_admin2",
                    "Sub-prefecture of departure",
                    "Sous-préfecture de départ",
                    select_from_list_name="admin2",
                    relevant="${origin_country}='CAF'",
                ),
                c.row(
                    "select_one",
                    "grp_journey/destination_country",
                    "Country of destination",
                    "Pays de destination",
                    select_from_list_name="country",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_journey/destination_admin2",
                    "Sub-prefecture of destination",
                    "Sous-préfecture de destination",
                    select_from_list_name="admin2",
                    relevant="${destination_country}='CAF'",
                ),
                c.row(
                    "select_one",
                    "grp_journey/travel_reason",
                    "Main reason for travel",
                    "Raison principale du voyage",
                    select_from_list_name="travel_reason",
                    required=True,
                ),
                c.row(
                    "text",
                    "grp_journey/travel_reason_other",
                    "Other reason for travel (specify)",
                    "Autre raison du voyage (préciser)",
                    relevant="${travel_reason}='other'",
                ),
                c.row(
                    "select_one",
                    "grp_journey/intended_duration",
                    "How long do you intend to stay at destination?",
                    "Combien de temps comptez-vous rester à destination ?",
                    select_from_list_name="intended_duration",
                ),
            ],
            relevant=CONSENTED,
        ),
        *c.group(
            "grp_vulnerability",
            "Vulnerabilities",
            "Vulnérabilités",
            [
                c.row(
                    "select_multiple",
                    "grp_vulnerability/vulnerabilities",
                    "Vulnerable persons in the group",
                    "Personnes vulnérables dans le groupe",
                    select_from_list_name="vulnerability",
                    constraint="not(selected(., 'none') and count-selected(.) > 1)",
                ),
            ],
            relevant=CONSENTED,
        ),
        *c.group(
            "grp_group",
            "Travel group",
            "Groupe de voyage",
            [
                c.row(
                    "integer",
                    "grp_group/group_size",
                    "How many people travel with you (yourself excluded)?",
                    "Combien de personnes voyagent avec vous (vous exclu) ?",
                    required=True,
                ),
            ],
            relevant=CONSENTED,
        ),
        *c.repeat(
            "travel_group",
            "Members of the travel group",
            "Membres du groupe de voyage",
            [
                c.row("select_one", "travel_group/member_sex", "Sex", "Sexe", select_from_list_name="sex"),
                c.row("integer", "travel_group/member_age", "Age", "Âge"),
                c.row(
                    "select_one",
                    "travel_group/member_relationship",
                    "Relationship to the respondent",
                    "Lien avec le répondant",
                    select_from_list_name="relationship",
                ),
                *c.repeat(
                    "travel_group/documents",
                    "Identity documents the member carries",
                    "Documents d'identité que le membre porte sur lui",
                    [
                        c.row(
                            "select_one",
                            "travel_group/documents/doc_type",
                            "Document",
                            "Document",
                            select_from_list_name="document",
                        ),
                    ],
                ),
            ],
            repeat_count="${group_size}",
            relevant=CONSENTED,
        ),
    ]
    if version is not VERSIONS[0]:
        rows += c.group(
            "grp_needs",
            "Needs",
            "Besoins",
            [
                c.row(
                    "select_one",
                    "grp_needs/main_need",
                    "Main need of the group",
                    "Principal besoin du groupe",
                    select_from_list_name="priority_need",
                ),
            ],
            relevant=CONSENTED,
        )
    return rows


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS), version.uid)


@dataclass
class Member:
    sex: str
    age: int
    relationship: str
    documents: list[str]


@dataclass
class Interview:
    """The truth about one interview."""

    point: FlowPoint
    survey_date: date
    enumerator: str
    consent: bool
    name: str | None = None
    phone: str | None = None
    sex: str | None = None
    age: int | None = None
    nationality: str | None = None
    hh_gps: str | None = None
    origin_country: str | None = None
    origin_admin2: str | None = None
    destination_country: str | None = None
    destination_admin2: str | None = None
    reason: str | None = None
    intended_duration: str | None = None
    vulnerabilities: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    main_need: str | None = None
    error: str | None = None

    @property
    def version(self) -> c.Version:
        return VERSIONS[0] if self.error == "outdated_version" else c.version_for(VERSIONS, self.survey_date)

    @property
    def other_reason(self) -> tuple[str, str | None] | None:
        """(text, the choice it means) of an "other" reason; chosen from the interview's
        answers, not drawn, so that the other random draws do not move."""
        if self.reason != "other":
            return None
        return OTHER_REASONS[(self.age + len(self.members)) % len(OTHER_REASONS)]

    @property
    def typo_member(self) -> int | None:
        """The 1-based position in travel_group of the member whose age was typed twice."""
        if self.error != "member_age_typo":
            return None
        return next(n for n, m in enumerate(self.members, 1) if m.age >= TYPO_MIN_AGE)


@dataclass(frozen=True)
class FlowSurveyTruth:
    interviews: list[Interview]  # one per interview (a duplicate's second copy is not listed)

    def counted(self) -> list[Interview]:
        """Consented interviews a correct cleaning keeps (each once, no blocking error)."""
        return [i for i in self.interviews if i.consent and i.error not in BLOCKING_ERRORS]

    def refusals(self) -> int:
        return sum(not i.consent for i in self.interviews)

    def respondents_by_point(self) -> list[dict]:
        """Per fmp_id: respondents, female_respondents, travellers (respondents and their groups)."""
        rows: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for i in self.counted():
            row = rows[i.point.code]
            row["respondents"] += 1
            row["female_respondents"] += i.sex == "female"
            row["travellers"] += 1 + len(i.members)
        return [
            {
                "fmp_id": point,
                "respondents": row["respondents"],
                "female_respondents": row["female_respondents"],
                "travellers": row["travellers"],
            }
            for point, row in sorted(rows.items())
        ]

    def travellers_by_sex_age(self) -> dict[str, int]:
        """DTM cell (m_0_5 ... f_60) -> respondents and group members."""
        cells: Counter = Counter()
        for i in self.counted():
            cells[c.sex_age_cell(i.sex, i.age)] += 1
            cells.update(c.sex_age_cell(m.sex, m.age) for m in i.members)
        return dict(cells)

    def reasons(self) -> dict[tuple[str, str], int]:
        """(fmp_id, travel_reason) -> respondents."""
        return dict(Counter((i.point.code, i.reason) for i in self.counted()))

    def routes(self) -> dict[tuple[str, str], int]:
        """(origin, destination) -> respondents; a place is an admin2 p-code in CAR, else the country code."""
        return dict(
            Counter(
                (i.origin_admin2 or i.origin_country, i.destination_admin2 or i.destination_country)
                for i in self.counted()
            )
        )

    def vulnerabilities(self) -> dict[str, int]:
        """Vulnerability -> respondents whose group has it ("none" not counted)."""
        return dict(Counter(v for i in self.counted() for v in i.vulnerabilities))

    def documents(self) -> dict[str, int]:
        """Document type -> group members carrying one; ``"none"`` counts members with none."""
        return dict(Counter(d for i in self.counted() for m in i.members for d in (m.documents or ["none"])))


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    rng = random.Random(f"{seed}:{DATASET}")
    _, admin2 = admin_areas()
    admin2_codes = [a.pcode for a in admin2]
    interviews: list[Interview] = []
    received: list[tuple[dict, str | None]] = []
    for _ in range(c.scaled(INTERVIEWS_AT_SCALE_1, scale, minimum=10)):
        interview = _interview(rng, admin2_codes)
        interviews.append(interview)
        submission = _submission(rng, interview)
        if interview.error == "duplicate":
            received.append((submission, None))
            received.append((c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(1, 90)), "duplicate"))
        else:
            received.append((submission, interview.error))
    submissions, errors = c.number(received, f"{seed}:{DATASET}", FIRST_ID)
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions))
    return SyntheticForm(form=form, dataset=DATASET, truth=FlowSurveyTruth(interviews), errors=errors)


def _interview(rng: random.Random, admin2_codes: list[str]) -> Interview:
    point = rng.choices(POINTS, weights=[p.weight for p in POINTS])[0]
    i = Interview(
        point=point,
        survey_date=c.day_between(rng, *PERIOD),
        enumerator=f"ENUM-{point.code}-{rng.randint(1, 2)}",
        consent=rng.random() >= REFUSAL_RATE,
    )
    if not i.consent:
        i.error = "duplicate" if rng.random() < ERROR_RATES["duplicate"] else None
        return i
    i.error = c.draw_error(rng, ERROR_RATES)
    i.sex = rng.choice(c.SEXES)
    i.age = rng.randint(18, 75)
    i.name = c.person_name(rng, i.sex)
    i.phone = c.phone_number(rng) if rng.random() < 0.75 else None
    i.hh_gps = c.geopoint(rng, point.lat, point.lon, 0.03)
    incoming = rng.random() < 0.55
    abroad = point.border if point.border and rng.random() < 0.5 else None
    here = point.admin2
    elsewhere = rng.choice(admin2_codes)
    origin, destination = (abroad or elsewhere, here) if incoming else (here, abroad or elsewhere)
    i.origin_country, i.origin_admin2 = ("CAF", origin) if origin.startswith("CF") else (origin, None)
    i.destination_country, i.destination_admin2 = (
        ("CAF", destination) if destination.startswith("CF") else (destination, None)
    )
    i.nationality = i.origin_country if i.origin_country != "CAF" and rng.random() < 0.7 else "CAF"
    i.reason = rng.choices(REASONS, weights=(30, 15, 18, 12, 10, 5, 7, 3))[0]
    i.intended_duration = rng.choices(DURATIONS, weights=(25, 25, 20, 10, 12, 8))[0]
    i.vulnerabilities = sorted(
        {rng.choice(VULNERABILITIES) for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))}, key=VULNERABILITIES.index
    )
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4, 6))):
        relationship = rng.choice(RELATIONSHIPS)
        age = rng.randint(0, 17) if relationship == "child" else rng.randint(0, 80)
        documents = sorted(
            {rng.choice(DOCUMENTS[:3] if age >= 18 else DOCUMENTS[1:2]) for _ in range(rng.choice((0, 1, 1, 2)))},
            key=DOCUMENTS.index,
        )
        i.members.append(Member(rng.choice(c.SEXES), age, relationship, documents))
    if i.error == "member_age_typo" and not any(m.age >= TYPO_MIN_AGE for m in i.members):
        i.error = None  # no member whose age a typo would make implausible
    if i.error == "outdated_version" and not outdated_possible(i.survey_date):
        i.error = None  # no newer version was deployed long enough before
    if i.version is not VERSIONS[0]:
        i.main_need = rng.choice(locality_form.PRIORITY_NEEDS)
    return i


def outdated_possible(day: date) -> bool:
    """A newer version than the first had been out OUTDATED_AFTER_DAYS by ``day``."""
    return day >= date.fromisoformat(VERSIONS[1].deployed) + timedelta(days=OUTDATED_AFTER_DAYS)


def _submission(rng: random.Random, i: Interview) -> dict:
    started = c.working_hours(rng, i.survey_date, 7, 16)
    if not i.consent:
        minutes = rng.randint(1, 3)
    elif i.error == "interview_too_short":
        minutes = rng.randint(2, MIN_INTERVIEW_MINUTES - 2)
    else:
        minutes = rng.randint(MIN_INTERVIEW_MINUTES + 2, 45)
    ended = started + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
    received = ended + timedelta(hours=rng.randint(1, 48))
    reported_date = i.survey_date
    if i.error == "future_date":
        reported_date += timedelta(days=rng.randint(30, 200))
    point_gps = c.geopoint(rng, i.point.lat, i.point.lon, 0.0005)
    answers: dict = {
        "grp_point/fmp_id": i.point.code,
        "grp_point/survey_date": reported_date.isoformat(),
        "grp_point/enumerator_id": i.enumerator,
        "grp_point/point_gps": point_gps,
        "grp_consent/consent": "yes" if i.consent else "no",
    }
    if i.consent:
        age = rng.choice((130, 150, 199, 999)) if i.error == "implausible_age" else i.age
        answers.update(
            {
                "grp_respondent/resp_name": i.name,
                **({"grp_respondent/resp_phone": i.phone} if i.phone else {}),
                "grp_respondent/resp_sex": i.sex,
                "grp_respondent/resp_age": str(age),
                "grp_respondent/resp_nationality": i.nationality,
                "grp_respondent/hh_gps": i.hh_gps,
                "grp_journey/origin_country": i.origin_country,
                **({"grp_journey/origin_admin2": i.origin_admin2} if i.origin_admin2 else {}),
                "grp_journey/destination_country": i.destination_country,
                **({"grp_journey/destination_admin2": i.destination_admin2} if i.destination_admin2 else {}),
                "grp_journey/travel_reason": i.reason,
                **({"grp_journey/travel_reason_other": i.other_reason[0]} if i.other_reason else {}),
                "grp_journey/intended_duration": i.intended_duration,
                "grp_vulnerability/vulnerabilities": " ".join(i.vulnerabilities) or "none",
                "grp_group/group_size": str(len(i.members)),
            }
        )
        if i.members:
            answers["travel_group"] = [_member(m, typo=n == i.typo_member) for n, m in enumerate(i.members, 1)]
        if i.main_need:
            answers["grp_needs/main_need"] = i.main_need
    return c.envelope(
        form_uid=FORM_UID,
        version=i.version.uid,
        instance=c.new_instance_uuid(rng),
        answers=answers,
        started=started,
        ended=ended,
        received=received,
        submitted_by=i.enumerator.lower().replace("-", "_"),
        geopoint=point_gps,
    )


def _member(m: Member, typo: bool = False) -> dict:
    member = {
        "travel_group/member_sex": m.sex,
        "travel_group/member_age": str(m.age) * (2 if typo else 1),
        "travel_group/member_relationship": m.relationship,
    }
    if m.documents:
        member["travel_group/documents"] = [{"travel_group/documents/doc_type": d} for d in m.documents]
    return member

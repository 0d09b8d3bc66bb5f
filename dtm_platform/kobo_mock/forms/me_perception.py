"""M&E perception survey of the community stabilization programme: social cohesion and trust
in local authorities, asked of residents (IDPs, returnees, host community) of the programme
areas at baseline (round 1) and follow-up (round 2), as Likert items 1-5 (plus "don't know").

Anonymous: no personal field. Version 1 (round 1); version 2 (round 2) adds
``grp_trust/ta_security_forces`` (reported as an item, not part of the domain indices).
Version 3, from 14 September (half way through round 2), adds the Washington Group short set
about the respondent (group ``grp_wg``), asked of WG_ASKED of them; its answers are drawn
from a stream of their own, so that no earlier draw moves.

Error kinds (share of interviews), and what a correct cleaning makes of each:
  duplicate            the interview sent twice: the second copy (higher _id) is dropped
  interview_too_short  a consented interview under MIN_INTERVIEW_MINUTES: blocking, kept out
  dont_know            one to three core items answered "dk" (don't know): not blocking; "dk"
                       is not a score, so those items are left out of that respondent's means
  soft_duplicate       the interview sent again by the same enumerator, later the same day,
                       with one or two scores changed (a copy passed off as another interview):
                       the copy (higher _id) is blocking (soft_duplicate), the original counts
Refusals (consent "no") carry no answers past the consent and are left out of the figures.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.forms import washington_group
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource

FORM_UID = "aMePrc8Lk2Vn6Tz4Wy9GsE"
DATASET = "me_perception"
FORM_NAME = "PSC RCA - Enquête de perception (cohésion sociale) / Perception survey"
ROUNDS = {1: ("2026-04-06", "2026-04-24"), 2: ("2026-09-07", "2026-09-25")}
VERSIONS = [
    c.Version("vPC1aZ2sX3dC4fV5gB6hNj", "2026-04-01"),
    c.Version("vPC2mK7jU8yH9tG1rF2eDw", "2026-09-01"),
    c.Version("vPC3nB4vC5xZ6lK7jH8gFq", "2026-09-14"),
]
VERSION_OF_ROUND = {1: VERSIONS[0], 2: VERSIONS[1]}  # the questionnaire of the round's items
WG_ASKED = 0.85  # of the respondents interviewed with version 3
WG_DISABILITY = 0.12  # of those asked, answers meeting the WG-SS cut-off
RESPONDENTS_PER_ADMIN2_AT_SCALE_1 = 50
FIRST_ID = 41_500_001
MIN_INTERVIEW_MINUTES = 8
REFUSAL_RATE = 0.04
ERROR_RATES = {"duplicate": 0.02, "interview_too_short": 0.03, "dont_know": 0.08, "soft_duplicate": 0.03}
BLOCKING_ERRORS = ("interview_too_short",)
DONT_KNOW = "dk"
CONSENTED = "${consent}='yes'"

DOMAINS = {
    "social_cohesion": (
        "grp_cohesion",
        [
            (
                "sc_trust_other_groups",
                "I trust people from other communities living in this area.",
                "Je fais confiance aux personnes des autres communautés vivant dans cette zone.",
            ),
            (
                "sc_accept_neighbour",
                "I would accept a member of another community as my neighbour.",
                "J'accepterais un membre d'une autre communauté comme voisin.",
            ),
            (
                "sc_joint_activities",
                "People from different communities here take part in activities together.",
                "Ici, les personnes des différentes communautés participent ensemble à des activités.",
            ),
            (
                "sc_disputes_peaceful",
                "Disputes between communities here are settled peacefully.",
                "Ici, les différends entre communautés sont réglés pacifiquement.",
            ),
        ],
    ),
    "trust_local_authorities": (
        "grp_trust",
        [
            (
                "ta_trust_local",
                "I trust the local authorities (mayor, sub-prefect, chiefs).",
                "Je fais confiance aux autorités locales (maire, sous-préfet, chefs).",
            ),
            (
                "ta_responsive",
                "The local authorities respond to the needs of the community.",
                "Les autorités locales répondent aux besoins de la communauté.",
            ),
            (
                "ta_fair",
                "The local authorities treat all communities fairly.",
                "Les autorités locales traitent toutes les communautés équitablement.",
            ),
        ],
    ),
}
ADDED_IN_V2 = (
    "ta_security_forces",
    "I trust the internal security forces (police, gendarmerie).",
    "Je fais confiance aux forces de sécurité intérieure (police, gendarmerie).",
)
# item -> (group, domain); the core items make up the domain indices
ITEMS = {name: (grp, domain) for domain, (grp, items) in DOMAINS.items() for name, _, _ in items}
ALL_ITEMS = {**ITEMS, ADDED_IN_V2[0]: ("grp_trust", None)}

CHOICE_LISTS = {
    "yes_no": c.YES_NO,
    "sex": c.SEX,
    "displacement_status": c.DISPLACEMENT_STATUS,
    washington_group.LIST_NAME: washington_group.DIFFICULTY,
    "agree5": [*c.LIKERT_AGREE, (DONT_KNOW, "Don't know", "Ne sait pas")],
}
DISPLACEMENT = [code for code, *_ in c.DISPLACEMENT_STATUS]


def item_path(item: str) -> str:
    return f"{ALL_ITEMS[item][0]}/{item}"


def survey(version: c.Version) -> list[dict]:
    def likert(group: str, items: list[tuple]) -> list[dict]:
        return [
            c.row("select_one", f"{group}/{name}", en, fr, select_from_list_name="agree5", required=True)
            for name, en, fr in items
        ]

    trust_items = DOMAINS["trust_local_authorities"][1] + ([ADDED_IN_V2] if version is not VERSIONS[0] else [])
    return [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group(
            "grp_general",
            "General information",
            "Informations générales",
            [
                c.row("integer", "grp_general/round", "Survey round", "Passage de l'enquête", required=True),
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
                c.row(
                    "select_one", "grp_respondent/resp_sex", "Sex", "Sexe", select_from_list_name="sex", required=True
                ),
                c.row("integer", "grp_respondent/resp_age", "Age", "Âge", required=True, constraint=". >= 18"),
                c.row(
                    "select_one",
                    "grp_respondent/resp_displacement",
                    "Displacement status",
                    "Statut de déplacement",
                    select_from_list_name="displacement_status",
                    required=True,
                ),
            ],
            relevant=CONSENTED,
        ),
        *c.group(
            "grp_cohesion",
            "Social cohesion",
            "Cohésion sociale",
            likert("grp_cohesion", DOMAINS["social_cohesion"][1]),
            relevant=CONSENTED,
        ),
        *c.group(
            "grp_trust",
            "Trust in local authorities",
            "Confiance envers les autorités locales",
            likert("grp_trust", trust_items),
            relevant=CONSENTED,
        ),
        *(washington_group.questions("grp_wg", relevant=CONSENTED) if version is VERSIONS[2] else []),
    ]


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS), version.uid)


@dataclass
class PerceptionInterview:
    """The truth about one interview: ``answers`` maps item -> 1..5 or "dk"."""

    round: int
    admin1: str
    admin2: str
    interview_date: date
    enumerator: str
    consent: bool
    sex: str | None = None
    age: int | None = None
    displacement: str | None = None
    answers: dict[str, int | str] = field(default_factory=dict)
    error: str | None = None
    wg: dict[str, str] | None = None  # the respondent's WG answers (version 3, when asked)
    wg_disability: bool | None = None  # whether they meet the WG-SS cut-off, as drawn to

    @property
    def version(self) -> c.Version:
        return c.version_for(VERSIONS, self.interview_date)

    @property
    def disability(self) -> str:
        """yes | no by the WG answers, not_known when not asked (the form has no other question)."""
        return "not_known" if self.wg_disability is None else "yes" if self.wg_disability else "no"

    def scores(self, items) -> list[int]:
        return [self.answers[i] for i in items if isinstance(self.answers.get(i), int)]


@dataclass(frozen=True)
class MePerceptionTruth:
    interviews: list[PerceptionInterview]  # one per interview (a duplicate's second copy is not listed)

    def counted(self) -> list[PerceptionInterview]:
        return [i for i in self.interviews if i.consent and i.error not in BLOCKING_ERRORS]

    def mean_scores(self) -> list[dict]:
        """Per round, admin2 and item (every item, ta_security_forces in round 2 only):
        respondents (who gave a score; "dk" is not one) and their mean score (1-5)."""
        scores: dict[tuple, list[int]] = defaultdict(list)
        for i in self.counted():
            for item, answer in i.answers.items():
                if isinstance(answer, int):
                    scores[(i.round, i.admin2, item)].append(answer)
        return [
            {
                "round": r,
                "admin2_pcode": a2,
                "item": item,
                "respondents": len(values),
                "mean": sum(values) / len(values),
            }
            for (r, a2, item), values in sorted(scores.items())
        ]

    def domain_means(self) -> list[dict]:
        """Per round, admin2 and domain (social_cohesion, trust_local_authorities): the mean,
        over respondents, of each respondent's mean score on the domain's core items they
        scored (respondents who scored none of them are left out)."""
        means: dict[tuple, list[float]] = defaultdict(list)
        for i in self.counted():
            for domain, (_, items) in DOMAINS.items():
                scored = i.scores([name for name, _, _ in items])
                if scored:
                    means[(i.round, i.admin2, domain)].append(sum(scored) / len(scored))
        return [
            {
                "round": r,
                "admin2_pcode": a2,
                "domain": domain,
                "respondents": len(values),
                "mean": sum(values) / len(values),
            }
            for (r, a2, domain), values in sorted(means.items())
        ]

    def respondents(self) -> dict[tuple[int, str, str, str], int]:
        """(round, admin2, sex, displacement status) -> respondents counted."""
        out: dict[tuple, int] = defaultdict(int)
        for i in self.counted():
            out[(i.round, i.admin2, i.sex, i.displacement)] += 1
        return dict(out)


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    rng = random.Random(f"{seed}:{DATASET}")
    wg_rng = random.Random(f"{seed}:{DATASET}:wg")
    # Each area's underlying level of cohesion and trust, which improves a little by round 2.
    levels = {(a2, domain): rng.uniform(2.2, 3.6) for a2 in c.PROGRAMME_ADMIN2 for domain in (*DOMAINS, None)}
    progress = {a2: rng.uniform(0.0, 0.6) for a2 in c.PROGRAMME_ADMIN2}
    interviews: list[PerceptionInterview] = []
    received: list[tuple[dict, str | None]] = []
    per_admin2 = c.scaled(RESPONDENTS_PER_ADMIN2_AT_SCALE_1, scale, minimum=5)
    for round_number in sorted(ROUNDS):
        for admin2 in c.PROGRAMME_ADMIN2:
            for _ in range(per_admin2):
                interview = _interview(rng, round_number, admin2, levels, progress[admin2])
                interviews.append(interview)
                submission = _submission(rng, interview)
                _add_wg(submission, interview, wg_rng)
                if interview.error == "duplicate":
                    received.append((submission, None))
                    received.append(
                        (c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(1, 120)), "duplicate")
                    )
                elif interview.error == "soft_duplicate":
                    # its own generator, so that the rest of the data does not move with this error
                    received.append((submission, None))
                    received.append(
                        (
                            _soft_copy(submission, random.Random(f"{seed}:{DATASET}:soft:{len(received)}")),
                            "soft_duplicate",
                        )
                    )
                else:
                    received.append((submission, interview.error))
    submissions, errors = c.number(received, f"{seed}:{DATASET}", FIRST_ID)
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions))
    return SyntheticForm(form=form, dataset=DATASET, truth=MePerceptionTruth(interviews), errors=errors)


def _interview(
    rng: random.Random, round_number: int, admin2: str, levels: dict, progress: float
) -> PerceptionInterview:
    i = PerceptionInterview(
        round=round_number,
        admin1=c.admin1_of(admin2),
        admin2=admin2,
        interview_date=c.day_between(rng, *ROUNDS[round_number]),
        enumerator=f"ENUM-ME-{rng.randint(1, 12):02d}",
        consent=rng.random() >= REFUSAL_RATE,
    )
    if not i.consent:
        i.error = "duplicate" if rng.random() < ERROR_RATES["duplicate"] else None
        return i
    i.error = c.draw_error(rng, ERROR_RATES)
    i.sex = rng.choice(c.SEXES)
    i.age = rng.randint(18, 80)
    i.displacement = rng.choices(DISPLACEMENT, weights=(30, 25, 45))[0]
    outlook = rng.gauss(0, 0.6)  # a respondent's general disposition
    items = [
        (item, domain)
        for item, (_, domain) in ALL_ITEMS.items()
        if domain is not None or VERSION_OF_ROUND[round_number] is not VERSIONS[0]
    ]
    for item, domain in items:
        mean = levels[(admin2, domain)] + (progress if round_number > 1 else 0.0) + outlook
        i.answers[item] = min(5, max(1, round(rng.gauss(mean, 0.8))))
    if i.error == "dont_know":
        for item in rng.sample(sorted(ITEMS), rng.randint(1, 3)):
            i.answers[item] = DONT_KNOW
    return i


def _add_wg(submission: dict, i: PerceptionInterview, rng: random.Random) -> None:
    """The respondent's WG answers, when version 3 asked them."""
    if not i.consent or i.version is not VERSIONS[2] or rng.random() >= WG_ASKED:
        return
    i.wg_disability = rng.random() < WG_DISABILITY
    i.wg = washington_group.answers(rng, i.wg_disability)
    submission.update({f"grp_wg/{name}": answer for name, answer in i.wg.items()})


def _soft_copy(submission: dict, rng: random.Random) -> dict:
    """The submission sent again later the same day with one or two scores changed."""
    copy = c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(20, 90))
    scored = sorted(path for path in (item_path(item) for item in ITEMS) if path in copy)
    for path in rng.sample(scored, rng.randint(1, 2)):
        copy[path] = str(rng.choice([score for score in range(1, 6) if str(score) != copy[path]]))
    return copy


def _submission(rng: random.Random, i: PerceptionInterview) -> dict:
    started = c.working_hours(rng, i.interview_date, 7, 16)
    if not i.consent:
        minutes = rng.randint(1, 3)
    elif i.error == "interview_too_short":
        minutes = rng.randint(2, MIN_INTERVIEW_MINUTES - 2)
    else:
        minutes = rng.randint(MIN_INTERVIEW_MINUTES + 2, 30)
    ended = started + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
    received = ended + timedelta(hours=rng.randint(1, 48))
    answers: dict = {
        "grp_general/round": str(i.round),
        "grp_general/admin1": i.admin1,
        "grp_general/admin2": i.admin2,
        "grp_general/interview_date": i.interview_date.isoformat(),
        "grp_general/enumerator_id": i.enumerator,
        "grp_consent/consent": "yes" if i.consent else "no",
    }
    if i.consent:
        answers.update(
            {
                "grp_respondent/resp_sex": i.sex,
                "grp_respondent/resp_age": str(i.age),
                "grp_respondent/resp_displacement": i.displacement,
            }
        )
        answers.update({item_path(item): str(answer) for item, answer in i.answers.items()})
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

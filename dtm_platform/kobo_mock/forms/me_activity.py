"""M&E activity monitoring of the community stabilization programme: one submission per
activity session (a workplan activity delivered at a place on a day) with its attendance
list, the repeat ``beneficiaries``.

Beneficiaries recur: each programme area has a pool of people who take part in several
activities, and a person always gives the same identifiers (national ID and/or phone; at
least one; no two people share one), so "beneficiaries reached, counted once across
activities" is answered by keying people on coalesce(hash(national ID), hash(phone)).

Personal data (declared in forms.yml): ``beneficiaries/ben_name`` (drop),
``beneficiaries/ben_national_id`` and ``beneficiaries/ben_phone`` (hash).

Version 1 until 31 July 2026; version 2 (from 1 August) adds the Washington Group short set
(group ``beneficiaries/grp_wg``, six questions, asked of about 70% of beneficiaries) inside
the repeat, beside the self-reported ``ben_disability``. Most people's WG answers agree with
their own answer; WG_DISAGREEMENT of them (drawn from a stream of their own, so that no
other draw moves) call themselves disabled while no domain reaches the WG-SS cut-off, or
the reverse. The marts count a person by their WG answers where an attendance carried them,
by their own answer otherwise (``disability_status``).

Error kinds (share of sessions), and what a correct cleaning makes of each:
  duplicate      the session sent twice: the second copy (higher _id) is dropped
  unknown_pcode  admin2 not in the OCHA reference: blocking, the session is kept out
  future_date    grp_activity/activity_date after the day the server received it: blocking
  name_variant   one beneficiary's name spelled differently (identifiers unchanged): not an
                 error for the figures; a count by name would count that person twice
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.forms import washington_group
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource

FORM_UID = "aMeActv6Nc4Wq8Zr3Ls7Yd"
DATASET = "me_activity"
FORM_NAME = "PSC RCA - Suivi des activités et listes de bénéficiaires / Activity monitoring"
VERSIONS = [c.Version("vMA1gT5hY8jU2kI6oL9pQw", "2026-05-25"), c.Version("vMA2eR4tY7uI1oP3aS6dFg", "2026-08-01")]
PERIOD = ("2026-06-01", "2026-10-31")
SESSIONS_AT_SCALE_1 = 150
PEOPLE_PER_ADMIN2_AT_SCALE_1 = 60
FIRST_ID = 41_300_001
ERROR_RATES = {"duplicate": 0.03, "unknown_pcode": 0.02, "future_date": 0.02, "name_variant": 0.06}
BLOCKING_ERRORS = ("unknown_pcode", "future_date")
WG_DISAGREEMENT = 0.08  # share of people whose WG answers and own answer disagree
CHOICE_LISTS = {
    "activity": c.WORKPLAN,
    "yes_no": c.YES_NO,
    "sex": c.SEX,
    "displacement_status": c.DISPLACEMENT_STATUS,
    washington_group.LIST_NAME: washington_group.DIFFICULTY,
}
ACTIVITIES = [code for code, *_ in c.WORKPLAN]
DISPLACEMENT = [code for code, *_ in c.DISPLACEMENT_STATUS]
# how many people attend one session of each activity
ATTENDANCE = {
    "ACT-1.1": (10, 25),
    "ACT-1.2": (6, 15),
    "ACT-2.1": (15, 35),
    "ACT-2.2": (8, 20),
    "ACT-3.1": (10, 30),
    "ACT-3.2": (10, 30),
}


def survey(version: c.Version) -> list[dict]:
    wg = washington_group.questions("beneficiaries/grp_wg")
    return [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group(
            "grp_activity",
            "Activity",
            "Activité",
            [
                c.row(
                    "select_one",
                    "grp_activity/activity_code",
                    "Activity (workplan)",
                    "Activité (plan de travail)",
                    select_from_list_name="activity",
                    required=True,
                ),
                c.row(
                    "date", "grp_activity/activity_date", "Date of the activity", "Date de l'activité", required=True
                ),
                c.row(
                    "select_one",
                    "grp_activity/admin1",
                    "Prefecture",
                    "Préfecture",
                    select_from_list_name="admin1",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_activity/admin2",
                    "Sub-prefecture",
                    "Sous-préfecture",
                    select_from_list_name="admin2",
                    choice_filter="admin1=${admin1}",
                    required=True,
                ),
                c.row("text", "grp_activity/venue", "Venue (village or neighbourhood)", "Lieu (village ou quartier)"),
                c.row("text", "grp_activity/facilitator_id", "Facilitator code", "Code de l'animateur", required=True),
            ],
        ),
        *c.repeat(
            "beneficiaries",
            "Beneficiaries (attendance list)",
            "Bénéficiaires (liste de présence)",
            [
                c.row("text", "beneficiaries/ben_name", "Full name", "Nom complet", required=True),
                c.row("text", "beneficiaries/ben_national_id", "National ID number", "Numéro de la carte d'identité"),
                c.row(
                    "text",
                    "beneficiaries/ben_phone",
                    "Phone number",
                    "Numéro de téléphone",
                    constraint="${ben_national_id} != '' or . != ''",
                ),
                c.row("select_one", "beneficiaries/ben_sex", "Sex", "Sexe", select_from_list_name="sex", required=True),
                c.row("integer", "beneficiaries/ben_age", "Age", "Âge", required=True),
                c.row(
                    "select_one",
                    "beneficiaries/ben_displacement",
                    "Displacement status",
                    "Statut de déplacement",
                    select_from_list_name="displacement_status",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "beneficiaries/ben_disability",
                    "Person with a disability?",
                    "Personne en situation de handicap ?",
                    select_from_list_name="yes_no",
                    required=True,
                ),
                *(wg if version is not VERSIONS[0] else []),
            ],
        ),
    ]


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS), version.uid)


@dataclass(frozen=True)
class Person:
    person_id: int
    admin2: str
    name: str
    sex: str
    age: int
    displacement: str
    disability: bool
    national_id: str | None
    phone: str | None
    wg: dict = field(default_factory=dict, hash=False, compare=False)
    wg_disability: bool | None = field(default=None, compare=False)  # by the WG answers, as drawn to be

    @property
    def self_reported(self) -> str:
        return "yes" if self.disability else "no"

    @property
    def age_group(self) -> str:
        return c.age_group(self.age)

    @property
    def key(self) -> str:
        """What identifies the person across activities: the national ID, else the phone."""
        return self.national_id or self.phone


@dataclass
class Session:
    """The truth about one activity session."""

    activity: str
    activity_date: date
    admin1: str
    admin2: str
    venue: str
    facilitator: str
    participants: list[Person]
    error: str | None = None
    wg_asked: set[int] = field(default_factory=set)  # the participants whose WG answers were sent

    @property
    def version(self) -> c.Version:
        return c.version_for(VERSIONS, self.activity_date)


@dataclass(frozen=True)
class MeActivityTruth:
    people: list[Person]
    sessions: list[Session]  # one per session (a duplicate's second copy is not listed)

    def counted(self) -> list[Session]:
        return [s for s in self.sessions if s.error not in BLOCKING_ERRORS]

    def reached(self) -> list[Person]:
        """Everyone who attended at least one counted session, once."""
        seen: dict[int, Person] = {}
        for s in self.counted():
            for p in s.participants:
                seen.setdefault(p.person_id, p)
        return sorted(seen.values(), key=lambda p: p.person_id)

    def unique_beneficiaries(self) -> int:
        return len(self.reached())

    def unique_beneficiaries_by(self) -> dict[tuple[str, str, str, str], int]:
        """(sex, age group [0_5|6_17|18_59|60], displacement status, disability yes|no) ->
        people reached, each counted once across activities."""
        return dict(
            Counter((p.sex, p.age_group, p.displacement, "yes" if p.disability else "no") for p in self.reached())
        )

    def beneficiaries_by_activity(self) -> dict[str, int]:
        """Activity code -> people reached by it (once each within the activity)."""
        people: dict[str, set[int]] = defaultdict(set)
        for s in self.counted():
            people[s.activity].update(p.person_id for p in s.participants)
        return {activity: len(ids) for activity, ids in sorted(people.items())}

    def beneficiaries_by_admin2(self) -> dict[str, int]:
        """admin2 p-code -> people reached there."""
        people: dict[str, set[int]] = defaultdict(set)
        for s in self.counted():
            people[s.admin2].update(p.person_id for p in s.participants)
        return {admin2: len(ids) for admin2, ids in sorted(people.items())}

    def participations(self) -> int:
        """Attendance entries over counted sessions (a person attending twice counts twice)."""
        return sum(len(s.participants) for s in self.counted())


def disability_status(sessions: list[Session]) -> dict[int, tuple[str, str]]:
    """person_id -> (disability yes|no, source) over ``sessions``: by the person's WG answers
    (source washington_group) when any of these sessions sent them, else by their own answer
    (self_reported)."""
    asked = {person_id for s in sessions for person_id in s.wg_asked}
    return {
        p.person_id: (
            ("yes" if p.wg_disability else "no", "washington_group")
            if p.person_id in asked
            else (p.self_reported, "self_reported")
        )
        for s in sessions
        for p in s.participants
    }


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    rng = random.Random(f"{seed}:{DATASET}")
    people = _people(rng, c.scaled(PEOPLE_PER_ADMIN2_AT_SCALE_1, scale, minimum=40))
    people = _disagreeing(random.Random(f"{seed}:{DATASET}:wg"), people)
    pools: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        pools[person.admin2].append(person)
    sessions: list[Session] = []
    received: list[tuple[dict, str | None]] = []
    for _ in range(c.scaled(SESSIONS_AT_SCALE_1, scale, minimum=10)):
        admin2 = rng.choice(c.PROGRAMME_ADMIN2)
        activity = rng.choice(ACTIVITIES)
        low, high = ATTENDANCE[activity]
        session = Session(
            activity=activity,
            activity_date=c.day_between(rng, *PERIOD),
            admin1=c.admin1_of(admin2),
            admin2=admin2,
            venue=_venue(rng),
            facilitator=f"FAC-{admin2[2:]}-{rng.randint(1, 3)}",
            participants=rng.sample(pools[admin2], rng.randint(low, high)),
            error=c.draw_error(rng, ERROR_RATES),
        )
        sessions.append(session)
        submission = _submission(rng, session)
        if session.error == "duplicate":
            received.append((submission, None))
            received.append((c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(10, 2000)), "duplicate"))
        else:
            received.append((submission, session.error))
    submissions, errors = c.number(received, f"{seed}:{DATASET}", FIRST_ID)
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions))
    return SyntheticForm(form=form, dataset=DATASET, truth=MeActivityTruth(people, sessions), errors=errors)


def _people(rng: random.Random, per_admin2: int) -> list[Person]:
    people: list[Person] = []
    phones: set[str] = set()
    ids: set[str] = set()
    for admin2 in c.PROGRAMME_ADMIN2:
        for _ in range(per_admin2):
            sex = rng.choice(c.SEXES)
            has_id = rng.random() < 0.6
            has_phone = not has_id or rng.random() < 0.6
            phone = national = None
            while has_phone and (phone is None or phone in phones):
                phone = c.phone_number(rng)
            while has_id and (national is None or national in ids):
                national = c.national_id(rng)
            phones.add(phone)
            ids.add(national)
            disability = rng.random() < 0.12
            people.append(
                Person(
                    person_id=len(people) + 1,
                    admin2=admin2,
                    name=c.person_name(rng, sex),
                    sex=sex,
                    age=rng.choices(
                        (rng.randint(15, 17), rng.randint(18, 59), rng.randint(60, 80)), weights=(8, 80, 12)
                    )[0],
                    displacement=rng.choices(DISPLACEMENT, weights=(35, 25, 40))[0],
                    disability=disability,
                    national_id=national,
                    phone=phone,
                    wg=washington_group.answers(rng, disability),
                    wg_disability=disability,
                )
            )
    return people


def _disagreeing(rng: random.Random, people: list[Person]) -> list[Person]:
    """WG_DISAGREEMENT of the people with WG answers at odds with their own answer: someone who
    says they have a disability while no domain reaches the cut-off, or who says they have none
    while one domain is a lot of difficulty (an answer people often keep to themselves)."""
    out = []
    for p in people:
        if rng.random() >= WG_DISAGREEMENT:
            out.append(p)
        elif p.disability:
            out.append(replace(p, wg=washington_group.below_cutoff(p.wg), wg_disability=False))
        else:
            out.append(
                replace(p, wg={**p.wg, rng.choice(washington_group.NAMES): "a_lot_of_difficulty"}, wg_disability=True)
            )
    return out


def _venue(rng: random.Random) -> str:
    place = "".join(rng.choice(c.SYLLABLES) for _ in range(2)).capitalize()
    return rng.choice((f"Quartier {place}", f"Village {place}", f"École de {place}", f"Marché de {place}"))


def _misspell(rng: random.Random, name: str) -> str:
    first, surname = name.split(" ", 1)
    variants = [
        f"{surname} {first}",
        f"{first} {surname[:-1]}",
        f"{first} {surname.capitalize()}",
        f"{first.replace('é', 'e').replace('ï', 'i').replace('â', 'a')} {surname}",
    ]
    return rng.choice([v for v in variants if v != name] or [f"{first} {surname}A"])


def _submission(rng: random.Random, s: Session) -> dict:
    reported_date = s.activity_date
    if s.error == "future_date":
        reported_date += timedelta(days=rng.randint(30, 200))
    started = c.working_hours(rng, s.activity_date, 8, 14)
    ended = started + timedelta(minutes=len(s.participants) * rng.randint(1, 3) + rng.randint(3, 10))
    received = ended + timedelta(hours=rng.randint(1, 72))
    misspelled = rng.randrange(len(s.participants)) if s.error == "name_variant" else None
    v2 = s.version is not VERSIONS[0]
    beneficiaries = []
    for position, p in enumerate(s.participants):
        entry = {"beneficiaries/ben_name": _misspell(rng, p.name) if position == misspelled else p.name}
        if p.national_id:
            entry["beneficiaries/ben_national_id"] = p.national_id
        if p.phone:
            entry["beneficiaries/ben_phone"] = p.phone
        entry.update(
            {
                "beneficiaries/ben_sex": p.sex,
                "beneficiaries/ben_age": str(p.age),
                "beneficiaries/ben_displacement": p.displacement,
                "beneficiaries/ben_disability": "yes" if p.disability else "no",
            }
        )
        if v2 and rng.random() < 0.7:
            entry.update({f"beneficiaries/grp_wg/{name}": answer for name, answer in p.wg.items()})
            s.wg_asked.add(p.person_id)
        beneficiaries.append(entry)
    answers = {
        "grp_activity/activity_code": s.activity,
        "grp_activity/activity_date": reported_date.isoformat(),
        "grp_activity/admin1": s.admin1,
        "grp_activity/admin2": c.unknown_pcode(s.admin1) if s.error == "unknown_pcode" else s.admin2,
        "grp_activity/venue": s.venue,
        "grp_activity/facilitator_id": s.facilitator,
        "beneficiaries": beneficiaries,
    }
    return c.envelope(
        form_uid=FORM_UID,
        version=s.version.uid,
        instance=c.new_instance_uuid(rng),
        answers=answers,
        started=started,
        ended=ended,
        received=received,
        submitted_by=f"me_{s.facilitator.lower().replace('-', '_')}",
    )

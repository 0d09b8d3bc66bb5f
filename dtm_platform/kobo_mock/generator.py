"""A deterministic synthetic dataset for the DTM locality assessment form, with ground truth.

Each locality of each round has *true* figures. The submissions served to the platform are
built from them, then a known share is corrupted the way field data goes wrong (a form sent
twice, an extra zero, an unknown p-code, latitude and longitude swapped, a sex/age breakdown
that does not add up). Every corruption is recorded, so tests can compare the marts with
what the cleaned layer should make of the data, not with a copy of the platform's own logic.

Error kinds, and what the cleaned layer documents for each (models/cleaned/_cleaned.yml):
  duplicate           a second, identical submission: dropped, the first one is kept
  outlier             IDP individuals x10: blocking, kept out of the marts
  unknown_pcode       admin2 not in the OCHA reference: blocking, kept out of the marts
  gps_outside_car     latitude and longitude swapped: flagged, still counted
  breakdown_mismatch  one sex/age cell off: flagged, the totals still counted
  ki_disagreement     of two key informants or more, the last one estimates three times the
                      IDPs the others do: flagged (key_informants_disagree), still counted
  sites_misreported   round 19: the locality holding its sub-prefecture's IDP sites reports
                      SITES_MISREPORTED times the IDPs the sites hold: its sub-prefecture is
                      inconsistent in marts.dq_site_triangulation, the figures still counted

Every key informant of a locality with IDPs gives an estimate of its IDP individuals, within
15% of the assessment's figure.

From round 19 the form asks for the IDPs living on displacement sites in the locality. Given
the site assessment's true population per round and sub-prefecture (``idps_on_sites``), the
first locality of each sub-prefecture (by name) reports its sites' IDPs within
SITES_SPREAD, every other locality none.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby

from dtm_platform.boundaries import Prefecture, prefectures
from dtm_platform.kobo_mock import locality_form as form
from dtm_platform.kobo_mock.reference import admin_areas

BLOCKING_ERRORS = ("outlier", "unknown_pcode")
ERROR_RATES = {  # share of locality assessments carrying each kind of error
    "duplicate": 0.03,
    "outlier": 0.01,
    "unknown_pcode": 0.01,
    "gps_outside_car": 0.01,
    "breakdown_mismatch": 0.02,
    "ki_disagreement": 0.03,
}
KI_SPREAD = 0.15  # key informants' estimates around the assessment's IDP individuals
KI_DISAGREEMENT = 3  # the disagreeing informant's factor
SITES_SPREAD = 0.1  # the locality's report of its sites' IDPs around the sites' count
SITES_MISREPORTED = 3  # the misreporting locality's factor
SITES_MISREPORTED_SHARE = 0.15  # of the localities holding sites in a round that asks
FIRST_ID = 41_000_001
SYLLABLES = [
    "ba",
    "bo",
    "da",
    "ga",
    "ka",
    "ko",
    "la",
    "li",
    "ma",
    "mbo",
    "nda",
    "ngo",
    "ou",
    "pa",
    "sa",
    "se",
    "ta",
    "to",
    "ya",
    "za",
    "zi",
    "be",
    "kou",
    "gba",
]


@dataclass(frozen=True)
class Locality:
    admin1: str
    admin2: str
    name: str
    lat: float
    lon: float


@dataclass
class Assessment:
    """The true answers for one locality in one round."""

    round: int
    locality: Locality
    enumerator: str
    idp_hh: int = 0
    idp_ind: int = 0
    idp_cells: dict[str, int] = field(default_factory=dict)
    ret_internal_hh: int = 0
    ret_internal_ind: int = 0
    ret_abroad_hh: int = 0
    ret_abroad_ind: int = 0
    reason: str | None = None
    arrival: str | None = None
    needs: list[str] = field(default_factory=list)
    idp_on_sites: int | None = None  # as reported (None: the form did not ask, or no site figures)
    error: str | None = None


@dataclass(frozen=True)
class Dataset:
    submissions: list[dict]  # as the server returns them, sorted by _id
    assessments: list[Assessment]  # the true figures, with the error each one carries
    errors: dict[int, str]  # _id -> error kind, for every corrupted submission

    def ground_truth(self) -> list[dict]:
        """IDP and returnee figures by round and admin2, over assessments without a blocking error."""
        admin1, admin2 = admin_areas()
        names = {a.pcode: a.name for a in (*admin1, *admin2)}
        totals: dict[tuple[int, str, str], dict] = {}
        for a in self.assessments:
            if a.error in BLOCKING_ERRORS:
                continue
            key = (a.round, a.locality.admin1, a.locality.admin2)
            row = totals.setdefault(key, defaultdict(int))
            row["localities_assessed"] += 1
            for name in ("idp_hh", "idp_ind", "ret_internal_hh", "ret_internal_ind", "ret_abroad_hh", "ret_abroad_ind"):
                row[name] += getattr(a, name)
        return [
            {
                "round": r,
                "admin1_pcode": a1,
                "admin1_name": names[a1],
                "admin2_pcode": a2,
                "admin2_name": names[a2],
                **dict(values),
            }
            for (r, a1, a2), values in sorted(totals.items())
        ]


def generate(
    seed: int = 2026,
    localities_per_admin2: int = 12,
    bad_batch: int = 0,
    idps_on_sites: Mapping[tuple[int, str], int] | None = None,
) -> Dataset:
    """Build the dataset. ``bad_batch`` appends that many submissions a bulk import broke
    (no form version, an epoch submission time), which the raw gate must stop.
    ``idps_on_sites`` ((round, admin2) -> the IDP individuals its sites truly hold) fills
    the question on sites the second version asks; without it the question is left blank."""
    rng = random.Random(seed)
    localities = draw_localities(rng, localities_per_admin2)
    enumerators = [f"ENUM-{n:02d}" for n in range(1, 31)]

    assessments: list[Assessment] = []
    for round_number in sorted(form.ROUNDS):
        for locality in localities:
            assessment = _assess(rng, round_number, locality, rng.choice(enumerators))
            assessment.error = _draw_error(rng, assessment)
            assessments.append(assessment)
    if idps_on_sites is not None:
        _report_sites(random.Random(f"{seed}:idp_on_sites"), assessments, idps_on_sites)

    # Build every submission, then number them in the order the server received them.
    received: list[tuple[dict, str | None]] = []
    for assessment in assessments:
        answers = _answers(rng, assessment)
        started = _start_time(rng, assessment.round)
        copies = [
            _envelope(rng, assessment, answers, started + timedelta(minutes=copy * 7))
            for copy in range(2 if assessment.error == "duplicate" else 1)
        ]
        # The duplicate is the copy the server received second (the higher _id): the one the
        # cleaned layer drops. Devices sync late, so that is not always the copy sent second.
        second = max(range(len(copies)), key=lambda i: (copies[i]["_submission_time"], i))
        for copy, submission in enumerate(copies):
            corrupted = assessment.error and (assessment.error != "duplicate" or copy == second)
            received.append((submission, assessment.error if corrupted else None))
    for _ in range(bad_batch):
        broken = _envelope(rng, assessments[0], _answers(rng, assessments[0]), _start_time(rng, 19))
        broken.pop("__version__")
        broken["_submission_time"] = "1970-01-01T00:00:00"
        received.append((broken, "bad_batch"))
    received.sort(key=lambda item: item[0]["_submission_time"] if item[1] != "bad_batch" else "9")

    submissions: list[dict] = []
    errors: dict[int, str] = {}
    next_id = FIRST_ID
    id_gaps = random.Random(seed + 1)  # its own stream, so a bad batch leaves the other ids alone
    for submission, error in received:
        submissions.append({"_id": next_id, **submission})
        if error:
            errors[next_id] = error
        next_id += id_gaps.choice((1, 1, 1, 2, 3))  # ids are global on a server: gaps are normal
    return Dataset(submissions=submissions, assessments=assessments, errors=errors)


def draw_localities(rng: random.Random, per_admin2: int) -> list[Locality]:
    """``per_admin2`` localities in each sub-prefecture: ``generate``'s first draws from ``rng``."""
    _, admin2 = admin_areas()
    localities = []
    for area in admin2:
        prefecture = prefectures()[area.parent_pcode]
        centre = _point_inside(prefecture, rng.random(), rng.random())
        names: set[str] = set()
        while len(names) < per_admin2:
            names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
        for name in sorted(names):
            lon, lat = _towards(
                prefecture, centre, (centre[0] + rng.uniform(-0.25, 0.25), centre[1] + rng.uniform(-0.25, 0.25))
            )
            localities.append(
                Locality(admin1=area.parent_pcode, admin2=area.pcode, name=name, lat=round(lat, 5), lon=round(lon, 5))
            )
    return localities


def _point_inside(prefecture: Prefecture, u: float, v: float) -> tuple[float, float]:
    """A sub-prefecture's centre (longitude, latitude) inside its real prefecture: the two
    draws place it in the prefecture's bounding box and, where that falls outside, seed the
    search for a point inside (sub-prefecture boundaries are not shipped: see boundaries)."""
    min_lon, min_lat, max_lon, max_lat = prefecture.bounds
    search = random.Random(f"{u}-{v}")  # its own stream: the dataset's other draws stay as they were
    while not prefecture.contains(lon := min_lon + u * (max_lon - min_lon), lat := min_lat + v * (max_lat - min_lat)):
        u, v = search.random(), search.random()
    return lon, lat


def _towards(prefecture: Prefecture, centre: tuple[float, float], point: tuple[float, float]) -> tuple[float, float]:
    """``point``, or where it falls outside the prefecture, half way to the centre, again until inside."""
    while not prefecture.contains(*point):
        point = ((point[0] + centre[0]) / 2, (point[1] + centre[1]) / 2)
    return point


def _assess(rng: random.Random, round_number: int, locality: Locality, enumerator: str) -> Assessment:
    a = Assessment(round=round_number, locality=locality, enumerator=enumerator)
    if rng.random() < 0.7:
        a.idp_hh = rng.randint(3, 400)
        a.idp_ind = sum(rng.randint(2, 8) for _ in range(a.idp_hh))
        a.idp_cells = split_cells(rng, a.idp_ind, len(form.SEX_AGE_CELLS))
        a.reason = rng.choice(form.DISPLACEMENT_REASONS)
        a.arrival = rng.choice(form.ARRIVAL_PERIODS)
    if rng.random() < 0.5:
        a.ret_internal_hh = rng.randint(1, 250)
        a.ret_internal_ind = sum(rng.randint(2, 8) for _ in range(a.ret_internal_hh))
        if rng.random() < 0.3:
            a.ret_abroad_hh = rng.randint(1, 60)
            a.ret_abroad_ind = sum(rng.randint(2, 8) for _ in range(a.ret_abroad_hh))
    a.needs = rng.sample(form.PRIORITY_NEEDS, rng.randint(1, 3))
    return a


def _report_sites(
    rng: random.Random, assessments: list[Assessment], idps_on_sites: Mapping[tuple[int, str], int]
) -> None:
    """Each locality's report of the IDPs on sites, in the rounds whose form asks (a
    generator of its own, so that the other draws do not move)."""
    asked = sorted(
        (a for a in assessments if a.round >= form.SITES_QUESTION_ROUND),
        key=lambda a: (a.round, a.locality.admin2, a.locality.name),
    )
    holders: list[Assessment] = []
    for key, group in groupby(asked, key=lambda a: (a.round, a.locality.admin2)):
        holder, *others = group
        holder.idp_on_sites = round(idps_on_sites.get(key, 0) * rng.uniform(1 - SITES_SPREAD, 1 + SITES_SPREAD))
        holders.append(holder)
        for a in others:
            a.idp_on_sites = 0
    candidates = [a for a in holders if a.idp_on_sites and a.error is None]
    for a in rng.sample(candidates, max(1, round(SITES_MISREPORTED_SHARE * len(candidates))) if candidates else 0):
        a.error = "sites_misreported"
        a.idp_on_sites *= SITES_MISREPORTED


def split_cells(rng: random.Random, total: int, parts: int) -> dict[str, int]:
    """Split ``total`` into the sex/age cells so that they add up exactly."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    shares = [int(total * w / sum(weights)) for w in weights]
    shares[rng.randrange(parts)] += total - sum(shares)
    return {cell: share for (cell, _, _), share in zip(form.SEX_AGE_CELLS, shares)}


def _draw_error(rng: random.Random, a: Assessment) -> str | None:
    draw, threshold = rng.random(), 0.0
    for kind, rate in ERROR_RATES.items():
        threshold += rate
        if draw < threshold:
            # These two corrupt IDP figures, so they need a locality that has IDPs.
            if kind in ("outlier", "breakdown_mismatch") and a.idp_ind == 0:
                return None
            return kind
    return None


def _answers(rng: random.Random, a: Assessment) -> dict:
    """The answers as Kobo stores them: strings, group paths, absent when blank."""
    lat, lon = a.locality.lat, a.locality.lon
    admin2 = a.locality.admin2
    if a.error == "gps_outside_car":
        lat, lon = lon, lat
    if a.error == "unknown_pcode":
        admin2 = f"{a.locality.admin1}9"  # no admin2 code ends in 9 in the 2015 set
    answers: dict = {
        "grp_general/round": str(a.round),
        "grp_general/enumerator_id": a.enumerator,
        "grp_location/admin1": a.locality.admin1,
        "grp_location/admin2": admin2,
        "grp_location/locality_name": a.locality.name,
        "grp_location/gps": f"{lat} {lon} {rng.randint(350, 650)}.0 {rng.randint(3, 15)}.0",
        "grp_idp/idp_present": "yes" if a.idp_ind else "no",
        "grp_ret/ret_present": "yes" if a.ret_internal_ind or a.ret_abroad_ind else "no",
        "grp_needs/priority_needs": " ".join(a.needs),
    }
    if a.idp_ind:
        idp_ind = a.idp_ind * 10 if a.error == "outlier" else a.idp_ind
        answers.update(
            {
                "grp_idp/idp_hh": str(a.idp_hh),
                "grp_idp/idp_ind": str(idp_ind),
                "grp_idp/displacement_reason": a.reason,
                "grp_idp/arrival_period": a.arrival,
            }
        )
        cells = dict(a.idp_cells)
        if a.error == "breakdown_mismatch":
            cells["f_18_59"] += rng.randint(3, 40)
        answers.update({f"grp_idp/idp_{cell}": str(n) for cell, n in cells.items()})
    if a.idp_on_sites is not None:
        answers["grp_idp/idp_on_sites"] = str(a.idp_on_sites)
    if answers["grp_ret/ret_present"] == "yes":
        answers.update(
            {
                "grp_ret/ret_internal_hh": str(a.ret_internal_hh),
                "grp_ret/ret_internal_ind": str(a.ret_internal_ind),
                "grp_ret/ret_abroad_hh": str(a.ret_abroad_hh),
                "grp_ret/ret_abroad_ind": str(a.ret_abroad_ind),
            }
        )
    if a.round >= 19 and rng.random() < 0.3:
        answers["grp_needs/access_comment"] = rng.choice(
            ["Road cut in the rainy season", "Accessible by motorbike only", "Bridge damaged"]
        )
    answers["key_informants"] = [
        {
            "key_informants/ki_name": (
                f"{rng.choice(SYLLABLES).capitalize()}{rng.choice(SYLLABLES)} "
                f"{rng.choice(SYLLABLES).upper()}{rng.choice(SYLLABLES).upper()}"
            ),
            "key_informants/ki_role": rng.choice(form.KI_ROLES),
            "key_informants/ki_sex": rng.choice(("male", "female")),
            "key_informants/ki_phone": (
                f"+236 7{rng.randint(0, 9)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            ),
        }
        for _ in range(rng.randint(1, 3))
    ]
    _add_estimates(a, answers["key_informants"])
    return answers


def _add_estimates(a: Assessment, informants: list[dict]) -> None:
    """Each informant's estimate of the IDP individuals (a generator of its own, so that the
    other draws do not move); ki_disagreement needs two informants of a locality with IDPs."""
    if a.error == "ki_disagreement" and (len(informants) < 2 or not a.idp_ind):
        a.error = None
    if not a.idp_ind:
        return
    estimates = random.Random(f"ki:{a.round}:{a.locality.admin2}:{a.locality.name}")
    for position, informant in enumerate(informants, 1):
        estimate = round(a.idp_ind * estimates.uniform(1 - KI_SPREAD, 1 + KI_SPREAD))
        if a.error == "ki_disagreement" and position == len(informants):
            estimate *= KI_DISAGREEMENT
        informant["key_informants/ki_idp_estimate"] = str(estimate)


def _start_time(rng: random.Random, round_number: int) -> datetime:
    first, last = (date.fromisoformat(d) for d in form.ROUNDS[round_number])
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    return datetime(day.year, day.month, day.day, rng.randint(7, 15), rng.randint(0, 59), rng.randint(0, 59))


def _envelope(rng: random.Random, a: Assessment, answers: dict, started: datetime) -> dict:
    """Wrap answers in the metadata KPI adds (ARCHITECTURE.md, Kobo); the caller numbers it (``_id``)."""
    instance = f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
    ended = started + timedelta(minutes=rng.randint(12, 55), seconds=rng.randint(0, 59))
    received = ended + timedelta(hours=rng.randint(1, 30))  # synced when back in network
    local = "%Y-%m-%dT%H:%M:%S.000+01:00"  # Bangui is UTC+1; devices record local time
    lat, lon = (float(part) for part in answers["grp_location/gps"].split()[:2])
    return {
        "formhub/uuid": "f3c1d2b4a5e6478f9a0b1c2d3e4f5a6b",
        "start": started.strftime(local),
        "end": ended.strftime(local),
        **answers,
        "__version__": form.VERSIONS[a.round],
        "meta/instanceID": instance,
        "meta/rootUuid": instance,
        "_xform_id_string": form.FORM_UID,
        "_uuid": instance.removeprefix("uuid:"),
        "_attachments": [],
        "_status": "submitted_via_web",
        "_geolocation": [lat, lon],
        "_submission_time": (received - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S"),
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": a.enumerator.lower().replace("-", ""),
    }

"""DTM site assessment: the IDP sites (planned camps, spontaneous sites, collective centres)
assessed in rounds 18 and 19, with their population by sex and age, management, services and
a photo of the site (an image answer with its ``_attachments`` entry).

Version 1 (round 18); version 2 (round 19) adds ``grp_site/eviction_risk`` and
``grp_services/water_points``.

Error kinds (share of site assessments), and what a correct cleaning makes of each:
  duplicate           the assessment sent twice: the second copy (higher _id) is dropped
  outlier             individuals x10: blocking, kept out of the figures
  unknown_pcode       admin2 not in the OCHA reference: blocking, kept out of the figures
  breakdown_mismatch  the women 18-59 cell too high: flagged; the site counts in the totals
                      (sites, households, individuals) but not in the sex/age breakdown
  agency_missing      a managed site whose managing agency was left unanswered: flagged by
                      the officer's logical check managed_site_without_agency (ref_dq_rules);
                      the site counts (an unmanaged site drawn this error has none)
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta, timezone

from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.generator import SYLLABLES, split_cells
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import ListSource

FORM_UID = "aDtmSite4Hq8wZ5nV2cL7x"
DATASET = "dtm_site"
FORM_NAME = "DTM RCA - Evaluation des sites de déplacés / IDP site assessment"
ROUNDS = locality_form.ROUNDS  # collected alongside the locality assessment
VERSIONS = [c.Version("vS18mT4qWcX8bN2yKp6RzH", "2026-08-03"), c.Version("vS19jD7fLsQ3gVa9EuMn5C", "2026-10-05")]
VERSION_OF_ROUND = {18: VERSIONS[0], 19: VERSIONS[1]}
FIRST_ID = 41_100_001
SITES_AT_SCALE_1 = 60
ERROR_RATES = {
    "duplicate": 0.03,
    "outlier": 0.02,
    "unknown_pcode": 0.02,
    "breakdown_mismatch": 0.03,
    "agency_missing": 0.03,
}
BLOCKING_ERRORS = ("outlier", "unknown_pcode")

# Sub-prefectures with IDP sites: Bangui, Bimbo, Bambari, Kaga-Bandoro, Bria, Batangafo,
# Alindao, Kabo, Bossangoa, Ndele, Obo, Zemio, Bangassou, Paoua, Birao.
SITE_ADMIN2 = (
    "CF711",
    "CF111",
    "CF431",
    "CF421",
    "CF521",
    "CF326",
    "CF612",
    "CF327",
    "CF321",
    "CF511",
    "CF631",
    "CF633",
    "CF621",
    "CF314",
    "CF531",
)

CHOICE_LISTS = {
    "yes_no": c.YES_NO,
    "site_type": [
        ("planned_camp", "Planned camp", "Camp planifié"),
        ("spontaneous_site", "Spontaneous site", "Site spontané"),
        ("collective_centre", "Collective centre", "Centre collectif"),
    ],
    "agency": [
        ("iom", "IOM", "OIM"),
        ("unhcr", "UNHCR", "HCR"),
        ("intl_ngo", "International NGO", "ONG internationale"),
        ("natl_ngo", "National NGO", "ONG nationale"),
        (
            "government",
            "Government (Ministry of Humanitarian Action)",
            "Gouvernement (Ministère de l'Action humanitaire)",
        ),
        ("site_committee", "Site committee only", "Comité de site seulement"),
    ],
    "service": [
        ("water", "Water", "Eau"),
        ("latrines", "Latrines", "Latrines"),
        ("health", "Health", "Santé"),
        ("education", "Education", "Éducation"),
        ("food_distribution", "Food distribution", "Distribution de vivres"),
    ],
}
SITE_TYPES = [code for code, *_ in CHOICE_LISTS["site_type"]]
AGENCIES = [code for code, *_ in CHOICE_LISTS["agency"]]
SERVICES = [code for code, *_ in CHOICE_LISTS["service"]]
CELLS = [cell for cell, _, _ in c.SEX_AGE_CELLS]


def survey(version: c.Version) -> list[dict]:
    v2 = version is VERSIONS[1]
    rows = [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group(
            "grp_general",
            "General information",
            "Informations générales",
            [
                c.row("integer", "grp_general/round", "DTM round", "Round DTM", required=True),
                c.row("text", "grp_general/enumerator_id", "Enumerator code", "Code de l'enquêteur", required=True),
            ],
        ),
        *c.group(
            "grp_location",
            "Location",
            "Localisation",
            [
                c.row(
                    "select_one",
                    "grp_location/admin1",
                    "Prefecture",
                    "Préfecture",
                    select_from_list_name="admin1",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_location/admin2",
                    "Sub-prefecture",
                    "Sous-préfecture",
                    select_from_list_name="admin2",
                    choice_filter="admin1=${admin1}",
                    required=True,
                ),
                c.row(
                    "text",
                    "grp_location/site_id",
                    "Site code (DTM site list)",
                    "Code du site (liste DTM des sites)",
                    required=True,
                ),
                c.row("text", "grp_location/site_name", "Site name", "Nom du site", required=True),
                c.row("geopoint", "grp_location/gps", "GPS of the site entrance", "GPS de l'entrée du site"),
            ],
        ),
        *c.group(
            "grp_site",
            "The site",
            "Le site",
            [
                c.row(
                    "select_one",
                    "grp_site/site_type",
                    "Type of site",
                    "Type de site",
                    select_from_list_name="site_type",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_site/site_managed",
                    "Is the site managed?",
                    "Le site est-il géré ?",
                    select_from_list_name="yes_no",
                    required=True,
                ),
                c.row(
                    "select_one",
                    "grp_site/management_agency",
                    "Site management agency",
                    "Agence de gestion du site",
                    select_from_list_name="agency",
                    relevant="${site_managed}='yes'",
                ),
                c.row(
                    "image", "grp_site/site_photo", "Photo of the site", "Photo du site", parameters="max-pixels=1024"
                ),
                *(
                    [
                        c.row(
                            "select_one",
                            "grp_site/eviction_risk",
                            "Is the site at risk of eviction?",
                            "Le site est-il menacé d'expulsion ?",
                            select_from_list_name="yes_no",
                        )
                    ]
                    if v2
                    else []
                ),
            ],
        ),
        *c.group(
            "grp_population",
            "Population",
            "Population",
            [
                c.row("integer", "grp_population/households", "Households", "Ménages", required=True),
                c.row("integer", "grp_population/individuals", "Individuals", "Individus", required=True),
                *[c.row("integer", f"grp_population/ind_{cell}", en, fr) for cell, en, fr in c.SEX_AGE_CELLS],
            ],
        ),
        *c.group(
            "grp_services",
            "Services",
            "Services",
            [
                c.row(
                    "select_multiple",
                    "grp_services/services_available",
                    "Services available on the site",
                    "Services disponibles sur le site",
                    select_from_list_name="service",
                ),
                *(
                    [
                        c.row(
                            "integer",
                            "grp_services/water_points",
                            "Functioning water points",
                            "Points d'eau fonctionnels",
                            relevant="selected(${services_available}, 'water')",
                        )
                    ]
                    if v2
                    else []
                ),
            ],
        ),
    ]
    return rows


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS), version.uid)


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    site_type: str
    admin1: str
    admin2: str
    lat: float
    lon: float


@dataclass
class SiteAssessment:
    """The true answers for one site in one round."""

    round: int
    site: Site
    enumerator: str
    managed: bool
    agency: str | None
    households: int
    individuals: int
    cells: dict[str, int]
    services: list[str]
    water_points: int | None = None
    eviction_risk: str | None = None
    has_photo: bool = True
    error: str | None = None


@dataclass(frozen=True)
class SiteTruth:
    sites: list[Site]
    assessments: list[SiteAssessment]  # one per site and round, with the error it carries

    def counted(self) -> list[SiteAssessment]:
        """Assessments a correct cleaning keeps (each once; blocking errors left out)."""
        return [a for a in self.assessments if a.error not in BLOCKING_ERRORS]

    def population_by_admin2(self) -> list[dict]:
        """Per round and admin2: sites_assessed, households, individuals, and the sex/age
        breakdown (ind_m_0_5 ... ind_f_60) over ``sites_with_breakdown`` (the sites whose
        breakdown adds up)."""
        totals: dict[tuple, dict] = {}
        for a in self.counted():
            row = totals.setdefault((a.round, a.site.admin1, a.site.admin2), defaultdict(int))
            row["sites_assessed"] += 1
            row["households"] += a.households
            row["individuals"] += a.individuals
            if a.error != "breakdown_mismatch":
                row["sites_with_breakdown"] += 1
                for cell in CELLS:
                    row[f"ind_{cell}"] += a.cells[cell]
        return [
            {
                "round": r,
                "admin1_pcode": a1,
                "admin2_pcode": a2,
                **{k: row[k] for k in ("sites_assessed", "households", "individuals", "sites_with_breakdown")},
                **{f"ind_{cell}": row[f"ind_{cell}"] for cell in CELLS},
            }
            for (r, a1, a2), row in sorted(totals.items())
        ]

    def idps_on_sites(self) -> dict[tuple[int, str], int]:
        """(round, admin2) -> the IDP individuals its sites truly hold (every site, whatever
        its assessment's error: what the locality assessment's key informants see)."""
        totals: dict[tuple[int, str], int] = defaultdict(int)
        for a in self.assessments:
            totals[(a.round, a.site.admin2)] += a.individuals
        return dict(totals)

    def sites_by_type(self) -> list[dict]:
        """Per round and site type: sites, managed_sites, individuals."""
        totals: dict[tuple, dict] = {}
        for a in self.counted():
            row = totals.setdefault((a.round, a.site.site_type), defaultdict(int))
            row["sites"] += 1
            row["managed_sites"] += a.managed
            row["individuals"] += a.individuals
        return [
            {
                "round": r,
                "site_type": t,
                "sites": row["sites"],
                "managed_sites": row["managed_sites"],
                "individuals": row["individuals"],
            }
            for (r, t), row in sorted(totals.items())
        ]

    def sites_with_service(self) -> list[dict]:
        """Per round and service: how many sites have it (and of how many assessed)."""
        rows = []
        for round_number in sorted(ROUNDS):
            kept = [a for a in self.counted() if a.round == round_number]
            for service in SERVICES:
                rows.append(
                    {
                        "round": round_number,
                        "service": service,
                        "sites_assessed": len(kept),
                        "sites": sum(service in a.services for a in kept),
                    }
                )
        return rows


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    rng = random.Random(f"{seed}:{DATASET}")
    sites = _sites(rng, c.scaled(SITES_AT_SCALE_1, scale, minimum=5))
    base = {s.code: _base_households(rng, s.site_type) for s in sites}
    enumerators = [f"ENUM-{n:02d}" for n in range(1, 31)]
    assessments: list[SiteAssessment] = []
    received: list[tuple[dict, str | None]] = []
    for round_number in sorted(ROUNDS):
        for site in sites:
            a = _assess(rng, round_number, site, base[site.code], rng.choice(enumerators))
            a.error = c.draw_error(rng, ERROR_RATES)
            if a.error == "agency_missing" and not a.managed:
                a.error = None
            assessments.append(a)
            submission = _submission(rng, a)
            if a.error == "duplicate":
                received.append((submission, None))
                received.append((c.with_copy(submission, c.new_instance_uuid(rng), rng.randint(5, 600)), "duplicate"))
            else:
                received.append((submission, a.error))
    submissions, errors = c.number(received, f"{seed}:{DATASET}", FIRST_ID)
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, ListSource(submissions))
    return SyntheticForm(form=form, dataset=DATASET, truth=SiteTruth(sites, assessments), errors=errors)


def _sites(rng: random.Random, count: int) -> list[Site]:
    centres = {a2: (rng.uniform(3.6, 9.4), rng.uniform(15.6, 25.4)) for a2 in SITE_ADMIN2}
    sites, names = [], set()
    for number in range(1, count + 1):
        # every sub-prefecture with sites has one, then the rest fall anywhere among them
        admin2 = SITE_ADMIN2[number - 1] if number <= len(SITE_ADMIN2) else rng.choice(SITE_ADMIN2)
        site_type = rng.choices(SITE_TYPES, weights=(2, 5, 3))[0]
        while True:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
            prefix = {"planned_camp": "Camp", "spontaneous_site": "Site"}.get(
                site_type, rng.choice(("École", "Église", "Mosquée", "Centre"))
            )
            name = f"{prefix} {word}"
            if name not in names:
                names.add(name)
                break
        lat, lon = centres[admin2]
        sites.append(
            Site(
                code=f"ST-{admin2}-{number:03d}",
                name=name,
                site_type=site_type,
                admin1=c.admin1_of(admin2),
                admin2=admin2,
                lat=round(lat + rng.uniform(-0.2, 0.2), 5),
                lon=round(lon + rng.uniform(-0.2, 0.2), 5),
            )
        )
    return sites


def _base_households(rng: random.Random, site_type: str) -> int:
    low, high = {"planned_camp": (300, 3000), "spontaneous_site": (20, 800)}.get(site_type, (10, 200))
    return rng.randint(low, high)


def _assess(rng: random.Random, round_number: int, site: Site, households: int, enumerator: str) -> SiteAssessment:
    if round_number > min(ROUNDS):  # sites grow and shrink between rounds
        households = max(5, round(households * rng.uniform(0.8, 1.2)))
    individuals = round(households * rng.uniform(4.2, 5.8))
    managed = site.site_type == "planned_camp" or rng.random() < 0.5
    services = [s for s in SERVICES if rng.random() < (0.85 if site.site_type == "planned_camp" else 0.45)]
    a = SiteAssessment(
        round=round_number,
        site=site,
        enumerator=enumerator,
        managed=managed,
        agency=rng.choice(AGENCIES[:3] if site.site_type == "planned_camp" else AGENCIES) if managed else None,
        households=households,
        individuals=individuals,
        cells=split_cells(rng, individuals, len(CELLS)),
        services=services,
        has_photo=rng.random() < 0.85,
    )
    if VERSION_OF_ROUND[round_number] is VERSIONS[1]:
        a.eviction_risk = "yes" if site.site_type == "collective_centre" and rng.random() < 0.4 else "no"
        if "water" in services:
            a.water_points = rng.randint(1, 12)
    return a


def _submission(rng: random.Random, a: SiteAssessment) -> dict:
    first, last = ROUNDS[a.round]
    started = c.working_hours(rng, c.day_between(rng, first, last))
    ended = started + timedelta(minutes=rng.randint(15, 50), seconds=rng.randint(0, 59))
    received = ended + timedelta(hours=rng.randint(1, 30))
    instance = c.new_instance_uuid(rng)
    submitted_by = a.enumerator.lower().replace("-", "")
    gps = f"{a.site.lat} {a.site.lon} {rng.randint(350, 650)}.0 {rng.randint(3, 15)}.0"
    answers: dict = {
        "grp_general/round": str(a.round),
        "grp_general/enumerator_id": a.enumerator,
        "grp_location/admin1": a.site.admin1,
        "grp_location/admin2": c.unknown_pcode(a.site.admin1) if a.error == "unknown_pcode" else a.site.admin2,
        "grp_location/site_id": a.site.code,
        "grp_location/site_name": a.site.name,
        "grp_location/gps": gps,
        "grp_site/site_type": a.site.site_type,
        "grp_site/site_managed": "yes" if a.managed else "no",
    }
    if a.agency and a.error != "agency_missing":
        answers["grp_site/management_agency"] = a.agency
    attachments = []
    if a.has_photo:
        taken = (started + timedelta(minutes=rng.randint(2, 10))).replace(tzinfo=timezone(timedelta(hours=1)))
        basename = f"{int(taken.timestamp() * 1000)}.jpg"
        answers["grp_site/site_photo"] = basename
        attachments.append(
            c.photo_attachment(
                rng,
                form_uid=FORM_UID,
                submitted_by=submitted_by,
                instance=instance,
                question_xpath="grp_site/site_photo",
                basename=basename,
            )
        )
    if a.eviction_risk:
        answers["grp_site/eviction_risk"] = a.eviction_risk
    cells = dict(a.cells)
    if a.error == "breakdown_mismatch":
        cells["f_18_59"] += rng.randint(3, 40)
    answers["grp_population/households"] = str(a.households)
    answers["grp_population/individuals"] = str(a.individuals * 10 if a.error == "outlier" else a.individuals)
    answers.update({f"grp_population/ind_{cell}": str(n) for cell, n in cells.items()})
    if a.services:
        answers["grp_services/services_available"] = " ".join(a.services)
    if a.water_points is not None:
        answers["grp_services/water_points"] = str(a.water_points)
    return c.envelope(
        form_uid=FORM_UID,
        version=VERSION_OF_ROUND[a.round].uid,
        instance=instance,
        answers=answers,
        started=started,
        ended=ended,
        received=received,
        submitted_by=submitted_by,
        geopoint=gps,
        attachments=attachments,
    )

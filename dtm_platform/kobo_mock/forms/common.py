"""Building blocks the synthetic forms share: survey rows and choices in KPI's shapes, the
metadata envelope KPI wraps around answers, attachments, server-side numbering, people.

The survey row builder and the sex/age cells are the locality form's, so every form is
described the same way (ARCHITECTURE.md, Kobo).
"""

from __future__ import annotations

import random
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dtm_platform.kobo_mock.generator import SYLLABLES
from dtm_platform.kobo_mock.locality_form import SEX_AGE_CELLS, TRANSLATIONS, row  # noqa: F401 (for the forms)
from dtm_platform.kobo_mock.reference import admin_areas
from dtm_platform.kobo_mock.served import MockForm
from dtm_platform.kobo_mock.store import FormVersion, LazySource, ListSource, SubmissionStore

KOBO_BASE = "https://kf.kobotoolbox.org"
LOCAL_TIME = "%Y-%m-%dT%H:%M:%S.000+01:00"  # Bangui is UTC+1; devices record local time
SERVER_TIME = "%Y-%m-%dT%H:%M:%S"  # _submission_time: UTC, no zone

SEXES = ("male", "female")

# Where the community stabilization programme works (and M&E forms are collected):
# Bambari, Kaga-Bandoro, Bria, Bossangoa, Paoua, Bangui.
PROGRAMME_ADMIN2 = ("CF431", "CF421", "CF521", "CF321", "CF314", "CF711")

# The programme's workplan: the activities M&E forms refer to.
WORKPLAN = [
    ("ACT-1.1", "Rehabilitation of community infrastructure", "Réhabilitation d'infrastructures communautaires"),
    ("ACT-1.2", "Rehabilitation of water points", "Réhabilitation de points d'eau"),
    ("ACT-2.1", "Social cohesion dialogue", "Dialogue de cohésion sociale"),
    ("ACT-2.2", "Training of local peace committees", "Formation des comités locaux de paix"),
    ("ACT-3.1", "Cash for work", "Argent contre travail"),
    ("ACT-3.2", "Distribution of livelihood kits", "Distribution de kits de moyens de subsistance"),
]

YES_NO = [("yes", "Yes", "Oui"), ("no", "No", "Non")]
SEX = [("male", "Male", "Homme"), ("female", "Female", "Femme")]
DISPLACEMENT_STATUS = [
    ("idp", "Internally displaced person", "Personne déplacée interne"),
    ("returnee", "Returnee", "Retourné(e)"),
    ("host", "Host community", "Communauté hôte"),
]
LIKERT_AGREE = [
    ("1", "Strongly disagree", "Pas du tout d'accord"),
    ("2", "Disagree", "Pas d'accord"),
    ("3", "Neither agree nor disagree", "Ni d'accord ni pas d'accord"),
    ("4", "Agree", "D'accord"),
    ("5", "Strongly agree", "Tout à fait d'accord"),
]
NATIONALITY = [
    ("CAF", "Central African", "Centrafricaine"),
    ("CMR", "Cameroonian", "Camerounaise"),
    ("TCD", "Chadian", "Tchadienne"),
    ("COD", "Congolese (DRC)", "Congolaise (RDC)"),
    ("SDN", "Sudanese", "Soudanaise"),
    ("SSD", "South Sudanese", "Sud-soudanaise"),
    ("other", "Other", "Autre"),
]

FIRST_NAMES = {
    "male": [
        "Jean",
        "Pierre",
        "Mahamat",
        "Blaise",
        "Rodrigue",
        "Ousmane",
        "Thierry",
        "Abdel",
        "Brice",
        "Serge",
        "Ibrahim",
        "Guy-Roger",
        "Faustin",
        "Didier",
        "Hamadou",
        "Aristide",
        "Noël",
        "Jérôme",
    ],
    "female": [
        "Marie",
        "Aïcha",
        "Fatimé",
        "Clarisse",
        "Grâce",
        "Josiane",
        "Hawa",
        "Espérance",
        "Prisca",
        "Nadège",
        "Zénabou",
        "Chantal",
        "Odette",
        "Mariam",
        "Solange",
        "Bernadette",
        "Falmata",
        "Irène",
    ],
}


# --- form content ---------------------------------------------------------------------------


def group(xpath: str, en: str, fr: str, rows: Iterable[dict], **extra: Any) -> list[dict]:
    return [row("begin_group", xpath, en, fr, **extra), *rows, row("end_group", xpath)]


def repeat(xpath: str, en: str, fr: str, rows: Iterable[dict], **extra: Any) -> list[dict]:
    return [row("begin_repeat", xpath, en, fr, **extra), *rows, row("end_repeat", xpath)]


def choice_rows(lists: Mapping[str, Iterable[tuple]], admin: bool = True) -> list[dict]:
    """KPI's ``choices``: the OCHA admin1/admin2 lists (admin2 filtered by admin1) when
    ``admin``, then each list's options ``(code, en, fr)`` or ``(code, en, fr, {extra columns})``."""
    choices: list[dict] = []
    if admin:
        admin1, admin2 = admin_areas()
        choices += [{"list_name": "admin1", "name": a.pcode, "label": [a.name, a.name]} for a in admin1]
        choices += [
            {"list_name": "admin2", "name": a.pcode, "label": [a.name, a.name], "admin1": a.parent_pcode}
            for a in admin2
        ]
    for list_name, options in lists.items():
        for code, en, fr, *extra in options:
            choices.append({"list_name": list_name, "name": code, "label": [en, fr], **(extra[0] if extra else {})})
    for position, choice in enumerate(choices):
        key = f"{choice['list_name']}/{choice['name']}/{position}"
        choice["$kuid"] = f"c{zlib.crc32(key.encode()):08x}"
        choice["$autovalue"] = choice["name"]
    return choices


def form_content(survey: list[dict], choices: list[dict], version_uid: str) -> dict:
    return {
        "schema": "1",
        "survey": survey,
        "choices": choices,
        "settings": {"default_language": "English (en)", "version": version_uid},
        "translated": ["label"],
        "translations": TRANSLATIONS,
    }


@dataclass(frozen=True)
class Version:
    """One deployed version of a form: its uid (``__version__``) and the day it went live."""

    uid: str
    deployed: str  # YYYY-MM-DD


def version_for(versions: list[Version], day: date) -> Version:
    """The version a device had on ``day``: the last one deployed by then."""
    live = [v for v in versions if date.fromisoformat(v.deployed) <= day]
    return live[-1] if live else versions[0]


def mock_form(
    uid: str,
    name: str,
    versions: list[Version],
    content_for: Callable[[Version], dict],
    source: ListSource | LazySource,
    attachment_bodies: dict[str, bytes] | None = None,
) -> MockForm:
    deployed = [FormVersion(v.uid, content_for(v), f"{v.deployed}T06:00:00.000000Z") for v in versions]
    return MockForm(
        uid=uid, name=name, versions=deployed, store=SubmissionStore(source), attachment_bodies=attachment_bodies or {}
    )


# --- submissions ----------------------------------------------------------------------------


def formhub_uuid(form_uid: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{KOBO_BASE}/{form_uid}").hex


def new_instance_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def envelope(
    *,
    form_uid: str,
    version: str,
    instance: str,
    answers: dict,
    started: datetime,
    ended: datetime,
    received: datetime,
    submitted_by: str,
    geopoint: str | None = None,
    attachments: list[dict] | None = None,
) -> dict:
    """Answers wrapped in the metadata KPI adds (ARCHITECTURE.md, Kobo), as the locality generator's
    envelope; times are local (UTC+1) datetimes; the caller numbers it (``_id``).
    ``geopoint`` is the first geopoint question's answer: KPI copies it to ``_geolocation``."""
    if geopoint:
        lat, lon = (float(part) for part in geopoint.split()[:2])
        geolocation: list = [lat, lon]
    else:
        geolocation = [None, None]
    return {
        "formhub/uuid": formhub_uuid(form_uid),
        "start": started.strftime(LOCAL_TIME),
        "end": ended.strftime(LOCAL_TIME),
        **answers,
        "__version__": version,
        "meta/instanceID": f"uuid:{instance}",
        "meta/rootUuid": f"uuid:{instance}",
        "_xform_id_string": form_uid,
        "_uuid": instance,
        "_attachments": attachments or [],
        "_status": "submitted_via_web",
        "_geolocation": geolocation,
        "_submission_time": (received - timedelta(hours=1)).strftime(SERVER_TIME),
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": submitted_by,
    }


def photo_attachment(
    rng: random.Random, *, form_uid: str, submitted_by: str, instance: str, question_xpath: str, basename: str
) -> dict:
    """An ``_attachments`` entry as KPI lists it, without the parts that need the ``_id``
    (``number`` fills them in)."""
    attachment_uid = _attachment_uid(rng)
    return {
        "mimetype": "image/jpeg",
        "filename": f"{submitted_by}/attachments/{formhub_uuid(form_uid)}/{instance}/{basename}",
        "media_file_basename": basename,
        "id": rng.randint(10_000_000, 99_999_999),
        "uid": attachment_uid,
        "question_xpath": question_xpath,
        "is_deleted": False,
    }


def _attachment_uid(rng: random.Random) -> str:
    return "att" + "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(19))


def _finish_attachments(submission: dict) -> None:
    for attachment in submission["_attachments"]:
        url = (
            f"{KOBO_BASE}/api/v2/assets/{submission['_xform_id_string']}/data/{submission['_id']}"
            f"/attachments/{attachment['uid']}/"
        )
        attachment.update(
            {
                "download_url": url,
                "download_large_url": f"{url}large/",
                "download_medium_url": f"{url}medium/",
                "download_small_url": f"{url}small/",
                "instance": submission["_id"],
            }
        )


def number(
    received: list[tuple[dict, str | None]], seed: int | str, first_id: int
) -> tuple[list[dict], dict[int, str]]:
    """Number submissions in the order the server received them (``_submission_time``), with
    the gaps a shared server leaves between one form's ids; returns them and ``_id -> error``."""
    ordered = sorted(received, key=lambda item: item[0]["_submission_time"])
    gaps = random.Random(f"{seed}:ids")
    submissions: list[dict] = []
    errors: dict[int, str] = {}
    next_id = first_id
    for submission, error in ordered:
        numbered = {"_id": next_id, **submission}
        _finish_attachments(numbered)
        submissions.append(numbered)
        if error:
            errors[next_id] = error
        next_id += gaps.choice((1, 1, 1, 2, 3))
    return submissions, errors


def with_copy(submission: dict, instance: str, minutes_later: int) -> dict:
    """The same answers sent a second time (a form filled twice, or a device re-sending):
    a new instance, received later."""
    received = datetime.strptime(submission["_submission_time"], SERVER_TIME) + timedelta(minutes=minutes_later)
    started = datetime.strptime(submission["start"], LOCAL_TIME) + timedelta(minutes=minutes_later)
    ended = datetime.strptime(submission["end"], LOCAL_TIME) + timedelta(minutes=minutes_later)
    return {
        **submission,
        "start": started.strftime(LOCAL_TIME),
        "end": ended.strftime(LOCAL_TIME),
        "meta/instanceID": f"uuid:{instance}",
        "meta/rootUuid": f"uuid:{instance}",
        "_uuid": instance,
        "_attachments": [
            dict(
                a,
                filename=a["filename"].replace(submission["_uuid"], instance),
                uid=_attachment_uid(random.Random(instance)),
            )
            for a in submission["_attachments"]
        ],
        "_submission_time": received.strftime(SERVER_TIME),
    }


# --- drawing values -------------------------------------------------------------------------


def draw_error(rng: random.Random, rates: Mapping[str, float]) -> str | None:
    """One error kind with the given probabilities, or None."""
    draw, threshold = rng.random(), 0.0
    for kind, rate in rates.items():
        threshold += rate
        if draw < threshold:
            return kind
    return None


def age_group(age: int) -> str:
    return "0_5" if age <= 5 else "6_17" if age <= 17 else "18_59" if age <= 59 else "60"


def sex_age_cell(sex: str, age: int) -> str:
    """The DTM cell code (``m_18_59``...) of one person."""
    return f"{sex[0]}_{age_group(age)}"


def person_name(rng: random.Random, sex: str) -> str:
    surname = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).upper()
    return f"{rng.choice(FIRST_NAMES[sex])} {surname}"


def phone_number(rng: random.Random) -> str:
    return f"+236 7{rng.choice('0257')} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"


def national_id(rng: random.Random) -> str:
    """A national identity card number (format of the synthetic data, not of any real card)."""
    return f"CNI-{rng.randint(1, 16):02d}-{rng.randint(1_000_000, 9_999_999)}"


def day_between(rng: random.Random, first: str, last: str) -> date:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return start + timedelta(days=rng.randint(0, (end - start).days))


def working_hours(rng: random.Random, day: date, first_hour: int = 7, last_hour: int = 15) -> datetime:
    return datetime(
        day.year, day.month, day.day, rng.randint(first_hour, last_hour), rng.randint(0, 59), rng.randint(0, 59)
    )


def geopoint(rng: random.Random, lat: float, lon: float, spread: float, decimals: int = 6) -> str:
    """A geopoint answer: ``lat lon altitude accuracy``."""
    lat = round(lat + rng.uniform(-spread, spread), decimals)
    lon = round(lon + rng.uniform(-spread, spread), decimals)
    return f"{lat} {lon} {rng.randint(350, 650)}.0 {rng.randint(3, 15)}.0"


def admin1_of(admin2: str) -> str:
    _, areas = admin_areas()
    return next(a.parent_pcode for a in areas if a.pcode == admin2)


def unknown_pcode(admin1: str) -> str:
    """An admin2 code the OCHA reference does not have (no admin2 code ends in 9)."""
    return f"{admin1}9"


def scaled(base: int, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(base * scale))

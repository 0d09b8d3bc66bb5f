"""DTM flow monitoring registry: the groups of travellers counted each day at the flow
monitoring points (FMPs) on CAR's borders (Cameroon, Chad, Sudan, South Sudan, DRC) and on
internal roads, by direction, sex and age, with their main transport mode, nationality and
reason for travel. One submission is one group (flow) counted at one point on one day.

This is the large form: submission ``i`` is built from ``(seed, i)`` alone (a LazySource),
so the server can serve millions of them without holding any; its truth and its seeded
errors are computed by streaming over the positions, never stored.

Version 1 until 30 September 2026; version 2 (from 1 October) renames
``grp_travel/transport_mode`` to ``grp_travel/means_of_transport`` (same choice list).

Error kinds (share of submissions), and what a correct cleaning makes of each:
  duplicate           the previous group entered a second time (same answers, later, higher
                      _id): dropped
  outlier             the total and the largest cell x1000 (the breakdown still adds up; a
                      group of 1,000 people or more): blocking, kept out of the figures
  future_date         grp_point/count_date after the day the server received it: blocking
  breakdown_mismatch  the women 18-59 cell too high: flagged; counted in flows and
                      total_individuals, left out of the sex/age breakdown
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dtm_platform.kobo_mock.forms import common as c
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.store import LazySource

FORM_UID = "aFlowCnt8Rw3Jt6Yb2Mq9D"
DATASET = "dtm_flow_counts"
FORM_NAME = "DTM RCA - Registre de suivi des flux / Flow monitoring registry"
VERSIONS = [c.Version("vFC1pL7nQ2wE9rT4yU6iOk", "2026-08-25"), c.Version("vFC2sA3dF8gH5jK1lZ7xCv", "2026-10-01")]
PERIOD = ("2026-09-01", "2026-10-31")
SUBMISSIONS_AT_SCALE_1 = 3000
FIRST_ID = 50_000_001
ID_STEP = 2  # other forms' submissions take the ids in between
ERROR_RATES = {"duplicate": 0.02, "outlier": 0.005, "future_date": 0.01, "breakdown_mismatch": 0.02}
BLOCKING_ERRORS = ("outlier", "future_date")


@dataclass(frozen=True)
class FlowPoint:
    code: str
    name: str
    admin2: str
    border: str | None  # ISO3 of the neighbouring country, None for an internal point
    lat: float
    lon: float
    weight: int  # how busy it is


POINTS = [
    FlowPoint("FMP01", "Béloko", "CF223", "CMR", 5.934, 14.618, 9),
    FlowPoint("FMP02", "Gamboula", "CF212", "CMR", 4.126, 15.140, 4),
    FlowPoint("FMP03", "Kabo", "CF327", "TCD", 7.699, 18.628, 5),
    FlowPoint("FMP04", "Markounda", "CF323", "TCD", 7.620, 16.998, 3),
    FlowPoint("FMP05", "Am Dafok", "CF531", "SDN", 10.478, 23.317, 4),
    FlowPoint("FMP06", "Tissi", "CF531", "TCD", 10.105, 22.452, 2),
    FlowPoint("FMP07", "Obo", "CF631", "SSD", 5.399, 26.493, 3),
    FlowPoint("FMP08", "Bangassou - port", "CF621", "COD", 4.737, 22.818, 4),
    FlowPoint("FMP09", "Mobaye", "CF611", "COD", 4.318, 21.180, 3),
    FlowPoint("FMP10", "Bangui - Port Amont", "CF711", "COD", 4.368, 18.584, 8),
    FlowPoint("FMP11", "Bangui - PK12", "CF111", None, 4.472, 18.526, 7),
    FlowPoint("FMP12", "Bambari - pont", "CF431", None, 5.763, 20.672, 4),
]
POINT_BY_CODE = {p.code: p for p in POINTS}
COUNTRY_NAMES = {
    "CMR": ("Cameroon", "le Cameroun"),
    "TCD": ("Chad", "le Tchad"),
    "SDN": ("Sudan", "le Soudan"),
    "SSD": ("South Sudan", "le Soudan du Sud"),
    "COD": ("DRC", "la RDC"),
}
RIVER_POINTS = {"FMP08", "FMP09", "FMP10"}


def _point_choice(p: FlowPoint) -> tuple:
    if p.border:
        en, fr = COUNTRY_NAMES[p.border]
        labels = (f"{p.name} - border with {en}", f"{p.name} - frontière avec {fr}")
    else:
        labels = (f"{p.name} - internal point", f"{p.name} - point interne")
    return (p.code, *labels, {"admin2": p.admin2, "border_country": p.border or "none"})


CHOICE_LISTS = {
    "fmp": [_point_choice(p) for p in POINTS],
    "direction": [("incoming", "Incoming (entering)", "Entrant"), ("outgoing", "Outgoing (leaving)", "Sortant")],
    "transport": [
        ("foot", "On foot", "À pied"),
        ("bicycle", "Bicycle", "Vélo"),
        ("motorbike", "Motorbike", "Moto"),
        ("car", "Car", "Voiture"),
        ("truck", "Truck", "Camion"),
        ("bus", "Bus", "Bus"),
        ("boat", "Boat or canoe", "Bateau ou pirogue"),
        ("animal", "Animal (horse, donkey, cattle)", "Animal (cheval, âne, bétail)"),
    ],
    "nationality": c.NATIONALITY,
    "travel_reason": [
        ("economic", "Economic reasons", "Raisons économiques"),
        ("trade", "Trade", "Commerce"),
        ("family_visit", "Family visit", "Visite familiale"),
        ("conflict", "Fleeing conflict or insecurity", "Fuite du conflit ou de l'insécurité"),
        ("return", "Return to place of origin", "Retour au lieu d'origine"),
        ("transhumance", "Seasonal transhumance", "Transhumance saisonnière"),
        ("health_education", "Health or education", "Santé ou éducation"),
        ("other", "Other", "Autre"),
    ],
}
TRANSPORT = [code for code, *_ in CHOICE_LISTS["transport"]]
REASONS = [code for code, *_ in CHOICE_LISTS["travel_reason"]]
CELLS = [cell for cell, _, _ in c.SEX_AGE_CELLS]
CELL_WEIGHTS = (8, 8, 11, 11, 27, 25, 5, 5)
_POINT_WEIGHTS = [p.weight for p in POINTS]
_LAND_TRANSPORT_WEIGHTS = (30, 8, 25, 6, 12, 9, 0, 10)
_RIVER_TRANSPORT_WEIGHTS = (20, 4, 12, 3, 6, 5, 50, 0)
_REASON_WEIGHTS = (30, 18, 15, 10, 10, 6, 7, 4)


def transport_field(version: c.Version) -> str:
    return "grp_travel/transport_mode" if version is VERSIONS[0] else "grp_travel/means_of_transport"


def survey(version: c.Version) -> list[dict]:
    return [
        c.row("start", "start"),
        c.row("end", "end"),
        *c.group(
            "grp_point",
            "Flow monitoring point",
            "Point de suivi des flux",
            [
                c.row(
                    "select_one",
                    "grp_point/fmp_id",
                    "Flow monitoring point",
                    "Point de suivi des flux",
                    select_from_list_name="fmp",
                    required=True,
                ),
                c.row("date", "grp_point/count_date", "Date of the count", "Date du comptage", required=True),
                c.row(
                    "select_one",
                    "grp_point/direction",
                    "Direction of the flow",
                    "Direction du flux",
                    select_from_list_name="direction",
                    required=True,
                ),
                c.row("text", "grp_point/enumerator_id", "Enumerator code", "Code de l'enquêteur", required=True),
            ],
        ),
        *c.group(
            "grp_counts",
            "Travellers in the group",
            "Voyageurs du groupe",
            [
                c.row(
                    "integer",
                    "grp_counts/total_individuals",
                    "Total number of travellers",
                    "Nombre total de voyageurs",
                    required=True,
                    constraint=". > 0",
                ),
                *[
                    c.row("integer", f"grp_counts/ind_{cell}", en, fr, required=True)
                    for cell, en, fr in c.SEX_AGE_CELLS
                ],
            ],
        ),
        *c.group(
            "grp_travel",
            "The journey",
            "Le voyage",
            [
                c.row(
                    "select_one",
                    transport_field(version),
                    "Main means of transport",
                    "Principal moyen de transport",
                    select_from_list_name="transport",
                ),
                c.row(
                    "select_one",
                    "grp_travel/nationality",
                    "Main nationality of the group",
                    "Nationalité principale du groupe",
                    select_from_list_name="nationality",
                ),
                c.row(
                    "select_one",
                    "grp_travel/travel_reason",
                    "Main reason for travel",
                    "Raison principale du voyage",
                    select_from_list_name="travel_reason",
                ),
            ],
        ),
    ]


def content(version: c.Version) -> dict:
    return c.form_content(survey(version), c.choice_rows(CHOICE_LISTS, admin=False), version.uid)


def submission_count(scale: float) -> int:
    return c.scaled(SUBMISSIONS_AT_SCALE_1, scale, minimum=10)


# --- one flow, from (seed, position) alone ----------------------------------------------------

_FIRST_DAY = date.fromisoformat(PERIOD[0])
_DAYS = (date.fromisoformat(PERIOD[1]) - _FIRST_DAY).days + 1


@dataclass(slots=True)
class Flow:
    """The truth about one submission position, and how it is corrupted."""

    position: int
    error: str | None
    raw_error: str | None  # the error drawn, before a duplicate without an original is let go
    point: FlowPoint
    count_date: date
    direction: str
    cells: dict[str, int]
    transport: str
    nationality: str
    reason: str
    enumerator: str
    started: datetime
    ended: datetime
    received: datetime
    instance: str
    reported_date: date  # count_date unless future_date
    extra_women: int  # breakdown_mismatch: added to f_18_59

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    @property
    def version(self) -> c.Version:
        return c.version_for(VERSIONS, self.count_date)


def _rng(seed: int, position: int) -> random.Random:
    return random.Random(f"{seed}:{DATASET}:{position}")


def _raw_error(seed: int, position: int) -> str | None:
    return c.draw_error(_rng(seed, position), ERROR_RATES)


def _resolve(raw: str | None, previous_raw: object, position: int, same_day_as_previous: bool) -> str | None:
    """A duplicate copies the previous submission, which must exist, be clean and be of the same day."""
    if raw == "duplicate" and (position == 0 or previous_raw is not None or not same_day_as_previous):
        return None
    return raw


def _day_and_fraction(position: int, count: int) -> tuple[date, float]:
    scaled_position = position * _DAYS / count
    day = int(scaled_position)
    return _FIRST_DAY + timedelta(days=day), scaled_position - day


_UNKNOWN = object()


def flow(seed: int, count: int, position: int, previous_raw: object = _UNKNOWN) -> Flow:
    """Submission ``position`` of ``count``; ``previous_raw`` (the previous position's
    ``raw_error``) spares recomputing its draw when streaming."""
    rng = _rng(seed, position)
    raw = c.draw_error(rng, ERROR_RATES)
    day, fraction = _day_and_fraction(position, count)
    if raw == "duplicate" and position > 0:
        if previous_raw is _UNKNOWN:
            previous_raw = _raw_error(seed, position - 1)
        same_day = _day_and_fraction(position - 1, count)[0] == day
    else:
        previous_raw, same_day = None, True
    error = _resolve(raw, previous_raw, position, same_day)

    point = rng.choices(POINTS, weights=_POINT_WEIGHTS)[0]
    direction = "incoming" if rng.random() < 0.55 else "outgoing"
    size = 1 + min(59, int(rng.expovariate(0.2)))
    cells = dict.fromkeys(CELLS, 0)
    for cell in rng.choices(CELLS, weights=CELL_WEIGHTS, k=size):
        cells[cell] += 1
    transport = rng.choices(
        TRANSPORT, weights=_RIVER_TRANSPORT_WEIGHTS if point.code in RIVER_POINTS else _LAND_TRANSPORT_WEIGHTS
    )[0]
    draw = rng.random()
    nationality = (
        "CAF"
        if draw < 0.55 or not point.border
        else point.border
        if draw < 0.9
        else rng.choice([n for n, *_ in c.NATIONALITY if n not in ("CAF", point.border)])
    )
    reason = rng.choices(REASONS, weights=_REASON_WEIGHTS)[0]
    started = datetime(day.year, day.month, day.day, 6, 30) + timedelta(seconds=int(fraction * 11 * 3600))
    ended = started + timedelta(minutes=rng.randint(2, 8), seconds=rng.randint(0, 59))
    received = datetime(day.year, day.month, day.day, 19, 0) + timedelta(seconds=int(fraction * 4 * 3600))
    instance = c.new_instance_uuid(rng)
    reported_date = day + timedelta(days=rng.randint(30, 400)) if error == "future_date" else day
    extra_women = rng.randint(1, 10) if error == "breakdown_mismatch" else 0
    return Flow(
        position,
        error,
        raw,
        point,
        day,
        direction,
        cells,
        transport,
        nationality,
        reason,
        f"ENUM-{point.code}-{1 + position % 2}",
        started,
        ended,
        received,
        instance,
        reported_date,
        extra_women,
    )


def _answers(f: Flow) -> dict:
    cells = dict(f.cells)
    total = f.total
    if f.error == "outlier":
        largest = max(cells, key=cells.get)
        cells[largest] *= 1000
        total = sum(cells.values())
    if f.error == "breakdown_mismatch":
        cells["f_18_59"] += f.extra_women
    return {
        "grp_point/fmp_id": f.point.code,
        "grp_point/count_date": f.reported_date.isoformat(),
        "grp_point/direction": f.direction,
        "grp_point/enumerator_id": f.enumerator,
        "grp_counts/total_individuals": str(total),
        **{f"grp_counts/ind_{cell}": str(n) for cell, n in cells.items()},
        transport_field(f.version): f.transport,
        "grp_travel/nationality": f.nationality,
        "grp_travel/travel_reason": f.reason,
    }


def build_submission(seed: int, count: int, position: int, submission_id: int) -> dict:
    f = flow(seed, count, position)
    # A duplicate carries the previous group's answers (and so its form version).
    source = flow(seed, count, position - 1) if f.error == "duplicate" else f
    submission = c.envelope(
        form_uid=FORM_UID,
        version=source.version.uid,
        instance=f.instance,
        answers=_answers(source),
        started=f.started,
        ended=f.ended,
        received=f.received,
        submitted_by=f.enumerator.lower().replace("-", "_"),
    )
    return {"_id": submission_id, **submission}


def iter_flows(seed: int, count: int) -> Iterator[Flow]:
    """Every position's flow in order, streaming (one draw of the previous error kept)."""
    previous_raw = None
    for position in range(count):
        f = flow(seed, count, position, previous_raw)
        previous_raw = f.raw_error
        yield f


# --- what is true, computed by streaming -------------------------------------------------------


class LazyErrors(Mapping):
    """``_id -> error kind`` for the large form, computed on demand (nothing stored)."""

    def __init__(self, seed: int, count: int):
        self.seed, self.count = seed, count

    def _position(self, submission_id: object) -> int | None:
        if not isinstance(submission_id, int):
            return None
        offset = submission_id - FIRST_ID
        if offset < 0 or offset % ID_STEP or offset // ID_STEP >= self.count:
            return None
        return offset // ID_STEP

    def __getitem__(self, submission_id: int) -> str:
        position = self._position(submission_id)
        kind = None if position is None else flow(self.seed, self.count, position).error
        if kind is None:
            raise KeyError(submission_id)
        return kind

    def __iter__(self) -> Iterator[int]:
        return (FIRST_ID + f.position * ID_STEP for f in iter_flows(self.seed, self.count) if f.error)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class FlowCountsTruth:
    seed: int
    count: int

    def flows(self) -> Iterator[Flow]:
        """Every submission position's true flow and error kind, streaming."""
        return iter_flows(self.seed, self.count)

    def counted(self) -> Iterator[Flow]:
        """The flows a correct cleaning keeps: no second copies, no blocking errors."""
        return (f for f in self.flows() if f.error != "duplicate" and f.error not in BLOCKING_ERRORS)

    def totals(self) -> dict[tuple[str, str, str], dict[str, int]]:
        """(fmp_id, count_date, direction) -> flows, total_individuals, flows_with_breakdown and
        ind_m_0_5 ... ind_f_60 (over the flows whose breakdown adds up). Streams: memory
        grows with points x days x directions, not with the submissions."""
        totals: dict[tuple[str, str, str], dict[str, int]] = {}
        for f in self.counted():
            key = (f.point.code, f.count_date.isoformat(), f.direction)
            row = totals.get(key)
            if row is None:
                row = totals[key] = {
                    "flows": 0,
                    "total_individuals": 0,
                    "flows_with_breakdown": 0,
                    **{f"ind_{cell}": 0 for cell in CELLS},
                }
            row["flows"] += 1
            row["total_individuals"] += f.total
            if f.error != "breakdown_mismatch":
                row["flows_with_breakdown"] += 1
                for cell, n in f.cells.items():
                    row[f"ind_{cell}"] += n
        return totals

    def rows(self) -> list[dict]:
        """``totals()`` as rows, with the point's admin2 and border country, sorted."""
        return [
            {
                "fmp_id": point,
                "admin2_pcode": POINT_BY_CODE[point].admin2,
                "border_country": POINT_BY_CODE[point].border,
                "count_date": day,
                "direction": direction,
                **values,
            }
            for (point, day, direction), values in sorted(self.totals().items())
        ]

    def by_point_and_direction(self) -> dict[tuple[str, str], int]:
        """(fmp_id, direction) -> travellers over the whole period."""
        out: dict[tuple[str, str], int] = defaultdict(int)
        for (point, _, direction), values in self.totals().items():
            out[(point, direction)] += values["total_individuals"]
        return dict(out)

    def by_nationality(self) -> dict[str, int]:
        """Main nationality of the group -> travellers."""
        out: dict[str, int] = defaultdict(int)
        for f in self.counted():
            out[f.nationality] += f.total
        return dict(out)


def build(seed: int = 2026, scale: float = 1.0) -> SyntheticForm:
    count = submission_count(scale)
    source = LazySource(
        count,
        lambda position, submission_id: build_submission(seed, count, position, submission_id),
        first_id=FIRST_ID,
        id_step=ID_STEP,
    )
    form = c.mock_form(FORM_UID, FORM_NAME, VERSIONS, content, source)
    return SyntheticForm(form=form, dataset=DATASET, truth=FlowCountsTruth(seed, count), errors=LazyErrors(seed, count))

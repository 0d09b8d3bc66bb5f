"""An adversarial KPI server (hostile_kpi.py) against the platform's ingestion: a catalogue of
attacks on sizes, shapes, encodings, timing, lies and redirects, each served to a real
landing (or attachment download, or form listing) over a socket.

Every attempt ends one of four ways, and the test asserts which:

- held: the run stops with the named error (its type and words), naming the form and the
  URL, never the token; raw holds a gap-free start of the form; once the server behaves,
  the next run lands the rest;
- quarantined: the run goes on, the poisoned submission is kept in raw.kobo_quarantine with
  a reason saying what was wrong, every other one lands;
- absorbed: the client rides it out (retries, fewer rows per page, bounded planning) and
  every submission lands;
- recorded: an attachment past its limit is refused with ``AttachmentTooLarge`` and recorded
  in raw.kobo_attachment_refusals; the form's other files download.

Nothing may be lost: after each attempt (and the healed rerun, for a held one) every
legitimate submission is in raw. ``test_the_tally`` prints the figures the README quotes.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import logging
import math

import duckdb
import pytest

from dtm_platform.kobo.attachments import download_attachments
from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.errors import AnswerTooLarge, KoboError, RetriesExhausted, UnexpectedAnswer
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.registry import load_registry
from dtm_platform.settings import PROJECT_ROOT
from tests.reliability.hostile_kpi import HostileKpi, Reply, Request, json_reply

TOKEN = "hostile-suite-token-5e0b"
FORM = dataclasses.replace(
    next(f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_site"),
    download_attachments=True,
)
PAGE, WORKERS = 20, 4
CAP = 256 * 1024  # DTM_KOBO_MAX_PAGE_MB, small: the sizes are cheap to serve
ATTACHMENT_CAP = 1024 * 1024  # DTM_KOBO_MAX_ATTACHMENT_MB, likewise
IDS = list(range(7, 7 + 60 * 13, 13))
PHOTOS = set(IDS[::6]) | {111, 215}  # the submissions with a photo; the last two are the attachment attacks
TALLY = {"attempts": 0, "held": 0, "quarantined": 0, "absorbed": 0, "recorded": 0, "lost": 0}


def submission(i: int, **extra) -> dict:
    return {
        "_id": i,
        "_uuid": f"uuid-{i}",
        "_submission_time": "2026-10-01T10:00:00",
        "__version__": "v1",
        "grp_location/site_name": f"Site {i}",
        "grp_location/town": "Ndélé",
        **extra,
    }


def photo(i: int) -> list[dict]:
    return [
        {
            "uid": f"att{i}",
            "filename": f"enum/attachments/{i}.jpg",
            "mimetype": "image/jpeg",
            "download_url": f"https://kf.kobotoolbox.org/api/v2/assets/{FORM.uid}/data/{i}/attachments/att{i}/",
        }
    ]


@dataclasses.dataclass
class Attack:
    name: str
    outcome: str  # held, quarantined, absorbed or recorded
    serve: object = None  # (Request, HostileKpi) -> Reply | None
    error: type[KoboError] = KoboError  # held: the named error ...
    words: str = ""  # ... and words its message (or the reason) holds
    ids: list[int] = dataclasses.field(default_factory=lambda: list(IDS))
    poisoned: list = dataclasses.field(default_factory=list)  # results that cannot land
    run: str = "landing"  # or "attachments", "form list"
    shape: object = None  # (list of submissions) -> list, to make them large
    check: object = None  # (HostileKpi) -> None, more assertions


def data(request: Request) -> bool:
    return request.kind == "data"


def pages(request: Request) -> bool:
    """A data page, not one of the two looks (limit 1)."""
    return request.kind == "data" and request.limit > 1


def once(number: int, make):
    """The ``number``-th data request misbehaves, the others are answered honestly."""
    return lambda request, server: make(request, server) if data(request) and request.number == number else None


def honest_with(change):
    """The honest data answer, changed by ``change(answer dict)``."""

    def serve(request: Request, server: HostileKpi):
        if not data(request):
            return None
        answer = server.honest_data(request)
        change(answer, request)
        return json_reply(answer)

    return serve


def honest_bytes(request: Request, server: HostileKpi) -> bytes:
    return json.dumps(server.honest_data(request), ensure_ascii=False).encode("utf-8")


@functools.cache
def gzip_bomb() -> bytes:
    """20 MB of JSON whitespace in about 20 KB."""
    return gzip.compress(b" " * 20_000_000, compresslevel=9)


def endless():
    while True:
        yield b"\xff" * 65536


def huge(submissions: list[dict]) -> list[dict]:
    """Every submission 20 KB, but the newest small, so the first page's size is guessed wrong."""
    return [dict(s, **{"grp/notes": "n" * 20_000}) if s["_id"] != IDS[-1] else s for s in submissions]


def deep_page(request: Request, server: HostileKpi) -> Reply | None:
    if not data(request):
        return None
    # no serializer writes 5,000 levels of nesting: spliced into the honest bytes
    return Reply(body=honest_bytes(request, server).replace(b'"__deep__"', b"[" * 5000 + b"]" * 5000))


def ignoring_lte(request: Request, server: HostileKpi) -> Reply | None:
    if not data(request) or "$lte" not in json.dumps(request.query):
        return None
    bounds = {k: v for k, v in request.query["_id"].items() if k != "$lte"}
    unbounded = Request(request.path, {**request.params, "query": json.dumps({"_id": bounds})}, "data", 0)
    return json_reply(server.honest_data(unbounded))


def same_page(request: Request, server: HostileKpi) -> Reply | None:
    if not pages(request):
        return None
    first = Request(request.path, {**request.params, "query": "{}"}, "data", 0)
    return json_reply(server.honest_data(first))


def lowest_lie(request: Request, server: HostileKpi) -> Reply | None:
    if data(request) and request.limit == 1 and not request.newest_first:
        return json_reply({"count": len(IDS), "next": None, "previous": None, "results": [{"_id": IDS[40]}]})
    return None


def newest_lie(answer: dict, request: Request) -> None:
    if request.newest_first and answer["results"]:
        answer["results"][0] = dict(answer["results"][0], _id=10**15)


def requests_bounded(server: HostileKpi) -> None:
    # the two looks, a window of (nearly) empty ranges, three requests per page of results,
    # and the open-ended rest: whatever the count said
    assert len(server.data_requests()) <= 2 + 2 * WORKERS + 3 * math.ceil(len(IDS) / PAGE) + 2, len(
        server.data_requests()
    )


def asked_fewer_rows(server: HostileKpi) -> None:
    assert min(r.limit for r in server.data_requests() if r.limit > 1) < PAGE


def one_data_request(server: HostileKpi) -> None:
    assert len(server.data_requests()) == 1  # not retried: the same answer would come


CLUSTERS = list(range(1, 21)) + list(range(10**9, 10**9 + 20)) + list(range(10**15, 10**15 + 20))
SPARSE = [1 + k * 10**10 for k in range(60)]

ATTACKS = [
    # --- sizes -----------------------------------------------------------------------------
    Attack("pages of 20 KB submissions past the cap at the rows asked", "absorbed", shape=huge, check=asked_fewer_rows),
    Attack(
        "one submission alone past the cap",
        "quarantined",
        words="past the limit of 0.25 MB",
        poisoned=[submission(IDS[30] + 1, **{"grp/notes": "n" * 300_000})],
    ),
    Attack(
        "a Content-Length of a terabyte on every answer",
        "held",
        error=AnswerTooLarge,
        words="past the limit",
        serve=lambda r, s: Reply(body=honest_bytes(r, s), declared_length=10**12) if data(r) else None,
    ),
    Attack(
        "a gzip bomb (20 MB in 20 KB) on every answer",
        "held",
        error=AnswerTooLarge,
        words="past the limit",
        serve=lambda r, s: Reply(body=gzip_bomb(), headers={"Content-Encoding": "gzip"}) if data(r) else None,
    ),
    Attack("an attachment declaring 50 MB", "recorded", run="attachments", words="attachment att111: 50.0 MB declared"),
    Attack(
        "an endless attachment without a length",
        "recorded",
        run="attachments",
        words="attachment att215: more, past the limit of 1 MB",
    ),
    # --- shapes ----------------------------------------------------------------------------
    Attack(
        "an HTML login page with a 200",
        "held",
        error=UnexpectedAnswer,
        words="answered an HTML page",
        serve=lambda r, s: (
            Reply(body=b"<!DOCTYPE html><html>Sign in</html>", content_type="text/html") if data(r) else None
        ),
        check=one_data_request,
    ),
    Attack(
        "an HTML page declared as JSON",
        "held",
        error=UnexpectedAnswer,
        words="answered an HTML page",
        serve=lambda r, s: Reply(body=b"\n  <html><body>Proxy error</body></html>") if data(r) else None,
        check=one_data_request,
    ),
    Attack(
        "an error detail on a data page",
        "held",
        error=UnexpectedAnswer,
        words="answered an error instead of results: You do not have permission",
        serve=lambda r, s: (
            json_reply({"detail": "You do not have permission to perform this action."}) if pages(r) else None
        ),
    ),
    Attack(
        "results that are an object",
        "held",
        error=UnexpectedAnswer,
        words="not a list of results",
        serve=honest_with(lambda a, r: a.update(results={"_id": 1})),
    ),
    Attack(
        "a count that is a text",
        "held",
        error=UnexpectedAnswer,
        words="answered a count of lots",
        serve=honest_with(lambda a, r: a.update(count="lots")),
    ),
    Attack(
        "a negative count",
        "held",
        error=UnexpectedAnswer,
        words="answered a count of -5",
        serve=honest_with(lambda a, r: a.update(count=-5)),
    ),
    Attack(
        "a body that is null",
        "held",
        error=UnexpectedAnswer,
        words="answered null",
        serve=lambda r, s: Reply(body=b"null") if data(r) else None,
    ),
    Attack(
        "results that are not objects among good ones",
        "quarantined",
        words="not a JSON object",
        poisoned=["oops", [1, 2]],
    ),
    Attack(
        "one submission nested 5,000 levels deep",
        "quarantined",
        words="nested deeper than a JSON parser goes",
        poisoned=[submission(IDS[20] + 1, **{"grp/deep": "__deep__"})],
        serve=deep_page,
    ),
    Attack(
        "ids past the range's end ($lte ignored)",
        "held",
        error=UnexpectedAnswer,
        words="it does not honour the query",
        serve=ignoring_lte,
    ),
    Attack(
        "the same page whatever the query",
        "held",
        error=UnexpectedAnswer,
        words="does not honour the query",
        serve=same_page,
    ),
    Attack(
        "a lone surrogate in an answer",
        "quarantined",
        words="not valid Unicode (a lone surrogate)",
        poisoned=[submission(IDS[10] + 1, **{"grp_location/site_name": "Bria \ud800"})],
    ),
    # --- encodings -------------------------------------------------------------------------
    Attack(
        "UTF-16 with a byte-order mark",
        "absorbed",
        serve=lambda r, s: Reply(body=honest_bytes(r, s).decode().encode("utf-16")) if data(r) else None,
    ),
    Attack(
        "UTF-8 with a byte-order mark",
        "absorbed",
        serve=lambda r, s: Reply(body=b"\xef\xbb\xbf" + honest_bytes(r, s)) if data(r) else None,
    ),
    Attack(
        "Latin-1 on every answer",
        "held",
        error=RetriesExhausted,
        words="a body that is not UTF-8",
        serve=lambda r, s: Reply(body=honest_bytes(r, s).decode().encode("latin-1")) if data(r) else None,
    ),
    Attack(
        "a gzip body that does not decompress, every time",
        "held",
        error=RetriesExhausted,
        words="does not decompress",
        serve=lambda r, s: (
            Reply(body=b"\x1f\x8b\x08\x00not gzip at all", headers={"Content-Encoding": "gzip"}) if data(r) else None
        ),
    ),
    Attack(
        "a gzip body that does not decompress, once",
        "absorbed",
        serve=once(3, lambda r, s: Reply(body=b"\x1f\x8b\x08\x00broken", headers={"Content-Encoding": "gzip"})),
    ),
    Attack(
        "an encoding the client did not ask for (br)",
        "held",
        error=UnexpectedAnswer,
        words="Content-Encoding br, which the client did not ask for",
        serve=lambda r, s: Reply(body=b"\x8b\x02\x80{}\x03", headers={"Content-Encoding": "br"}) if data(r) else None,
    ),
    # --- timing ----------------------------------------------------------------------------
    Attack(
        "a body trickling a byte at a time, every time",
        "held",
        error=RetriesExhausted,
        words="a body trickling in",
        serve=lambda r, s: Reply(body=honest_bytes(r, s), trickle_seconds=0.01) if data(r) else None,
    ),
    Attack(
        "a body trickling a byte at a time, once",
        "absorbed",
        serve=once(3, lambda r, s: Reply(body=honest_bytes(r, s), trickle_seconds=0.01)),
    ),
    Attack(
        "no answer within the timeout, every time",
        "held",
        error=RetriesExhausted,
        words="ReadTimeout",
        serve=lambda r, s: Reply(body=honest_bytes(r, s), silence_seconds=2.5) if data(r) else None,
    ),
    Attack(
        "a connection cut mid-body, once",
        "absorbed",
        serve=once(3, lambda r, s: Reply(body=honest_bytes(r, s), cut_after=40)),
    ),
    Attack("a connection closed without a word, once", "absorbed", serve=once(4, lambda r, s: Reply(drop=True))),
    # --- lies ------------------------------------------------------------------------------
    Attack(
        "a count of a billion over a wide, sparse span",
        "absorbed",
        ids=SPARSE,
        check=requests_bounded,
        serve=honest_with(lambda a, r: a.update(count=10**9)),
    ),
    Attack("a count of zero while submissions exist", "absorbed", serve=honest_with(lambda a, r: a.update(count=0))),
    Attack("a newest _id that does not exist", "absorbed", serve=honest_with(newest_lie), check=requests_bounded),
    Attack("a lowest _id far above the real one", "absorbed", serve=lowest_lie),
    Attack("ids bunched in three clusters far apart", "absorbed", ids=CLUSTERS, check=requests_bounded),
    Attack(
        "empty pages with a next link, for ever",
        "held",
        error=UnexpectedAnswer,
        words="keeps answering empty pages with a next link",
        serve=lambda r, s: json_reply({"count": 60, "next": s.url + "/x/?page=2", "results": []}) if pages(r) else None,
    ),
    # --- redirects -------------------------------------------------------------------------
    Attack(
        "a 302 to a login page on another host",
        "held",
        error=UnexpectedAnswer,
        words="a redirect to http://login.example.net/accounts/login/ (a login page",
        serve=lambda r, s: (
            Reply(status=302, headers={"Location": ("http://login.example.net/accounts/login/?next=/api/v2/")})
            if data(r)
            else None
        ),
        check=one_data_request,
    ),
    Attack(
        "a 301 to https on the same host",
        "held",
        error=UnexpectedAnswer,
        words="answered HTTP 301, a redirect",
        serve=lambda r, s: (
            Reply(status=301, headers={"Location": s.url.replace("http:", "https:") + r.path}) if data(r) else None
        ),
        check=one_data_request,
    ),
    Attack(
        "a form list whose next page is on another host",
        "held",
        error=UnexpectedAnswer,
        run="form list",
        words="the server's next page is on another host (https://collector.example.net/api/v2/assets/)",
        serve=lambda r, s: (
            json_reply(
                {"count": 2, "next": "https://collector.example.net/api/v2/assets/?p=2", "results": [{"uid": s.uid}]}
            )
            if r.kind == "list"
            else None
        ),
    ),
]


def files_for(attack: Attack) -> dict:
    """Every photo a small JPEG-ish blob, but the one the attack is about."""
    files = {
        f"att{i}": (lambda i=i: Reply(body=b"\xff\xd8" + bytes([i % 256]) * 100, content_type="image/jpeg"))
        for i in PHOTOS
    }
    if "50 MB" in attack.name:
        files["att111"] = lambda: Reply(body=b"\xff\xd8 small", declared_length=50 * 2**20, content_type="image/jpeg")
    if "endless" in attack.name:
        files["att215"] = lambda: Reply(body=endless(), content_type="image/jpeg")
    return files


def client_for(server: HostileKpi) -> KoboClient:
    return KoboClient(
        server.url,
        TOKEN,
        timeout=1.0,
        max_retries=2,
        backoff_base=0.01,
        page_size=PAGE,
        max_in_flight=WORKERS,
        max_page_bytes=CAP,
    )


def landed(con) -> list[int]:
    return [r[0] for r in con.execute(f"select _id from raw.{FORM.raw_table} order by _id").fetchall()]


def attempt(attack: Attack, server: HostileKpi, con, home) -> None:
    with client_for(server) as client:
        if attack.run == "form list":
            assert [f["uid"] for f in client.list_forms()] == [FORM.uid]
            return
        land_new_submissions(con, client, FORM)
        if attack.run == "attachments":
            result = download_attachments(con, FORM, client=client, home=home, max_bytes=ATTACHMENT_CAP)
            attempt.refused = result.too_large  # type: ignore[attr-defined]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_each_attack_is_held_quarantined_absorbed_or_recorded_and_nothing_is_lost(attack, tmp_path, caplog):
    caplog.set_level(logging.INFO)  # the client's warnings and httpx's request lines
    submissions = [submission(i, _attachments=photo(i) if i in PHOTOS else []) for i in attack.ids]
    if attack.shape is not None:
        submissions = attack.shape(submissions)
    con = duckdb.connect()
    with HostileKpi(TOKEN, FORM.uid, submissions + attack.poisoned, files=files_for(attack)) as server:
        server.attack = attack.serve
        TALLY["attempts"] += 1
        try:
            attempt(attack, server, con, tmp_path)
            failure = None
        except KoboError as error:
            failure = error
        if attack.check is not None:
            attack.check(server)

        if attack.outcome == "held":
            assert isinstance(failure, attack.error), f"{attack.name}: {failure!r}"
            message = str(failure)
            assert attack.words in message, message
            assert (f"form {FORM.uid}" in message or "form list" in message) and TOKEN not in message, message
            if attack.run == "landing":
                first = landed(con)
                assert first == attack.ids[: len(first)]  # a gap-free start, whatever got through
            server.attack = None  # the server behaves again: the next run lands the rest
            attempt(attack, server, con, tmp_path)
            TALLY["held"] += 1
        else:
            assert failure is None, f"{attack.name}: {failure!r}"
        quarantined = (
            con.execute("select reason from raw.kobo_quarantine").fetchall() if attack.run != "form list" else []
        )
        if attack.outcome == "quarantined":
            assert len(quarantined) == len(attack.poisoned), quarantined
            assert all(attack.words in reason for (reason,) in quarantined), quarantined
            TALLY["quarantined"] += len(quarantined)
        else:
            assert quarantined == []
        if attack.outcome == "absorbed":
            TALLY["absorbed"] += 1
        if attack.outcome == "recorded":
            (refused,) = attempt.refused  # type: ignore[attr-defined]
            assert attack.words in str(refused), str(refused)
            recorded = con.execute(
                "select submission_id, attachment_id, reason from raw.kobo_attachment_refusals"
            ).fetchall()
            assert recorded == [(refused.submission_id, refused.attachment_id, str(refused))]
            downloaded = {p.parent.name for p in (tmp_path / "attachments" / FORM.dataset).glob("*/*.jpg")}
            assert downloaded == {str(i) for i in PHOTOS} - {str(refused.submission_id)}  # the rest came
            TALLY["recorded"] += 1
    if attack.run != "form list":
        missing = set(attack.ids) - set(landed(con))
        TALLY["lost"] += len(missing)
        assert not missing, f"{attack.name}: lost {sorted(missing)[:5]}"
    assert TOKEN not in caplog.text
    con.close()


def test_the_tally():
    """The figures of the README's Reliability section (run with the whole file)."""
    if TALLY["attempts"] < len(ATTACKS):
        pytest.skip("the tally needs every attack of the file")
    print(json.dumps(TALLY))
    assert TALLY["lost"] == 0
    assert (
        TALLY["held"] + TALLY["absorbed"] + TALLY["recorded"] + sum(1 for a in ATTACKS if a.outcome == "quarantined")
        == TALLY["attempts"]
        == len(ATTACKS)
    )

"""The bounds on what a Kobo server sends, piece by piece: the settings that set them (and
refuse credentials in DTM_KOBO_URL), a body read within its limit and pace (transfer.py),
pages sized by their bytes, and a submission past the cap kept aside, then landed by the
reconciliation once the limit is raised (pages.py)."""

from __future__ import annotations

import json

import duckdb
import httpx
import pytest

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.errors import AnswerTooLarge
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.pages import PageSizer, iter_range
from dtm_platform.kobo.reconcile import reconcile
from dtm_platform.kobo.transfer import BodyTooLarge, BodyTooSlow, read_body
from dtm_platform.settings import load_settings
from tests.reliability.test_hostile_submissions import FORM, good, transport

# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://dtm-proxy:pw-31a7c0@kf.example.org",
        "https://dtm-proxy@kf.example.org",
        "https://dtm-proxy:p@ss/w0rd-9e@kf.example.org/",
    ],
)
def test_credentials_in_the_kobo_url_are_refused_without_quoting_them(monkeypatch, url):
    monkeypatch.setenv("DTM_KOBO_URL", url)
    with pytest.raises(ValueError, match="DTM_KOBO_URL must not carry credentials") as refused:
        load_settings()
    message = str(refused.value)
    assert "DTM_KOBO_URL must not carry credentials" in message and "DTM_KOBO_TOKEN" in message
    assert "https://kf.example.org" in message  # what to set instead
    assert "dtm-proxy" not in message and "pw-31a7c0" not in message and "p@ss" not in message


@pytest.mark.parametrize("url", ["kf.kobotoolbox.org", "ftp://kf.example.org", "https://", "http://host:port"])
def test_a_kobo_url_that_is_not_a_server_root_is_refused(monkeypatch, url):
    monkeypatch.setenv("DTM_KOBO_URL", url)
    with pytest.raises(ValueError, match="DTM_KOBO_URL must be the server's root"):
        load_settings()


def test_the_bounds_are_settings_with_defaults(monkeypatch):
    monkeypatch.setenv("DTM_KOBO_URL", "https://kf.kobotoolbox.org")
    monkeypatch.delenv("DTM_KOBO_MAX_PAGE_MB", raising=False)
    monkeypatch.setenv("DTM_KOBO_MAX_ATTACHMENT_MB", "250")
    settings = load_settings()
    assert (settings.kobo_url, settings.kobo_max_page_mb, settings.kobo_max_attachment_mb) == (
        "https://kf.kobotoolbox.org",
        16,
        250,
    )
    monkeypatch.setenv("DTM_KOBO_MAX_PAGE_MB", "0")
    with pytest.raises(ValueError, match="DTM_KOBO_MAX_PAGE_MB must be at least 1"):
        load_settings()


# --- one body ---------------------------------------------------------------------------------


def chunked(*chunks: bytes, **headers) -> httpx.Response:
    return httpx.Response(200, content=iter(chunks), headers=headers)


def test_a_body_within_its_limit_is_handed_over_whole():
    received = bytearray()
    assert read_body(chunked(b"ab", b"cd"), received.extend, limit=4, grace_seconds=1) == 4
    assert received == b"abcd"


def test_a_declared_length_past_the_limit_is_refused_before_a_byte_is_read():
    written = []
    with pytest.raises(BodyTooLarge) as refused:
        read_body(chunked(b"x" * 10, **{"Content-Length": "5000000"}), written.append, limit=100, grace_seconds=1)
    assert (refused.value.declared, written) == (5_000_000, [])


def test_a_body_running_past_the_limit_is_abandoned_there():
    written = []
    with pytest.raises(BodyTooLarge):
        read_body(chunked(*[b"x" * 40] * 1000), written.append, limit=100, grace_seconds=1)
    assert sum(map(len, written)) <= 100  # what reached the caller never passes the limit


def test_a_trickle_is_abandoned_once_the_grace_is_over():
    now = iter(range(0, 1000, 5))  # five seconds between chunks
    with pytest.raises(BodyTooSlow):
        read_body(
            chunked(*[b"x"] * 100), lambda chunk: None, limit=10**6, grace_seconds=12, clock=lambda: float(next(now))
        )


# --- pages ------------------------------------------------------------------------------------


def test_rows_per_page_follow_the_bytes():
    sizer = PageSizer(page_size=1000, target_bytes=4_000_000)
    assert sizer.rows() == 1000 and sizer.expected_bytes() is None
    sizer.observe(1000, 1_000_000)  # 1 KB submissions: a full page
    assert sizer.rows() == 1000
    sizer.observe(100, 4_000_000)  # 40 KB ones: a hundred
    assert (sizer.rows(), sizer.expected_bytes()) == (100, 4_000_000)
    sizer.observe(1, 80_000_000)  # one of 80 MB: one at a time
    assert sizer.rows() == 1
    sizer.shrink(0)
    assert sizer.rows() == 1


def test_a_page_past_the_cap_is_asked_again_for_fewer_rows():
    results = [good(i, notes="n" * 5_000) for i in range(1, 41)]
    limits = []
    served = transport(results)

    def recording(request: httpx.Request) -> httpx.Response:
        limits.append(int(request.url.params["limit"]))
        return served.handle_request(request)

    with KoboClient(
        "http://kpi.test", "token", page_size=40, max_page_bytes=64_000, transport=httpx.MockTransport(recording)
    ) as client:
        pages = list(iter_range(client, FORM.uid, None))
    assert [s["_id"] for p in pages for s in p.results] == list(range(1, 41))
    assert limits[0] == 40 and limits[1] == 5  # past 64 KB: an eighth of the rows
    assert all(p.body_bytes <= 64_000 for p in pages)
    assert max(limits[2:]) <= 16_000 // 5_000 + 1  # then pages of about a quarter of the cap


def with_fields(results: list) -> httpx.MockTransport:
    """``transport(results)`` honouring ``fields``, as KPI does."""
    served = transport(results)

    def handle(request: httpx.Request) -> httpx.Response:
        response = served.handle_request(request)
        if "fields" not in request.url.params:
            return response
        keep = set(json.loads(request.url.params["fields"])) | {"_uuid", "meta/rootUuid"}
        body = json.loads(response.content)
        body["results"] = [{k: v for k, v in r.items() if k in keep} for r in body["results"]]
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def test_a_submission_past_the_cap_is_quarantined_then_landed_by_the_reconciliation_once_the_cap_is_raised():
    results = [good(i) for i in range(1, 31)]
    results[14] = good(15, notes="n" * 200_000)
    con = duckdb.connect()
    with KoboClient(
        "http://kpi.test",
        "token",
        page_size=10,
        max_in_flight=1,
        max_page_bytes=100_000,
        transport=with_fields(results),
    ) as client:
        first = land_new_submissions(con, client, FORM)
        reconcile(con, client, FORM)  # still past the cap: still aside, once
    assert first.quarantined == 1 and first.new_submissions == 29
    ((submission_id, reason, text),) = con.execute(
        "select submission_id, reason, payload_text from raw.kobo_quarantine"
    ).fetchall()
    assert submission_id == 15 and "past the limit of 0.0953674 MB (DTM_KOBO_MAX_PAGE_MB)" in reason
    assert json.loads(text) == {"_id": 15}  # its payload never reached memory whole, nor the quarantine
    with KoboClient(
        "http://kpi.test",
        "token",
        page_size=10,
        max_in_flight=1,
        max_page_bytes=1_000_000,
        transport=with_fields(results),
    ) as client:
        assert reconcile(con, client, FORM).new == 1
    assert [r[0] for r in con.execute(f"select _id from raw.{FORM.raw_table} order by _id").fetchall()] == list(
        range(1, 31)
    )


def test_a_single_submission_the_server_will_not_give_alone_fails_naming_the_form():
    def always_large(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(10**9)}, content=b"{}")

    with (
        KoboClient(
            "http://kpi.test", "token", page_size=10, max_page_bytes=1000, transport=httpx.MockTransport(always_large)
        ) as client,
        pytest.raises(
            AnswerTooLarge, match=(f"form {FORM.uid}: .*953.7 MB, past the limit.*does not give its _id alone")
        ),
    ):
        list(iter_range(client, FORM.uid, 41))

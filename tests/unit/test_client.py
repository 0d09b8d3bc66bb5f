"""KoboClient against the embedded mock over a real socket: keyset paging, retries on every
kind of failure a real server produces, errors that never leak the token, and the bound on
requests in flight."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import Fault, MockKoboServer

UID = "aDtmLoc7Kq2xY9mN4pR8sT"
TOKEN = "s3cr3t-token-xyz"


@pytest.fixture(scope="module")
def shared_server():
    with MockKoboServer(token=TOKEN, datasets={UID: generate(2026, localities_per_admin2=2)}) as server:
        yield server


@pytest.fixture
def server(shared_server):
    """The shared server with no queued fault and no recorded request, left that way.
    (One server for the module: stopping a server takes up to half a second.)"""
    shared_server.faults.clear()
    shared_server.requests.clear()
    yield shared_server
    shared_server.faults.clear()
    shared_server.requests.clear()


def make_client(server: MockKoboServer, **options) -> KoboClient:
    options = {"timeout": 5.0, "backoff_base": 0.01, "page_size": 100, **options}
    return KoboClient(server.url, TOKEN, **options)


def data_requests(server: MockKoboServer) -> list[dict]:
    """The query parameters of each data request the server received."""
    return [
        {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}
        for path in server.requests
        if urlsplit(path).path.endswith("/data/")
    ]


def fetch_all(client: KoboClient, after_id=None) -> list[dict]:
    return [s for page in client.iter_submission_pages(UID, after_id) for s in page]


# --- forms ------------------------------------------------------------------------------------


def test_list_forms_and_get_form(server):
    with make_client(server) as client:
        forms = client.list_forms()
        assert [f["uid"] for f in forms] == [UID]
        asset = client.get_form(UID)
    assert asset["uid"] == UID
    assert asset["content"] == server.forms[UID].content


# --- keyset paging ----------------------------------------------------------------------------


def test_keyset_paging_returns_every_submission_once_in_id_order(server):
    expected = server.forms[UID].submissions
    with make_client(server, page_size=100) as client:
        pages = list(client.iter_submission_pages(UID, None))
    assert [len(p) for p in pages[:-1]] == [100] * (len(pages) - 1)
    assert 0 < len(pages[-1]) <= 100
    assert len(pages) == -(-len(expected) // 100)
    submissions = [s for page in pages for s in page]
    assert submissions == expected  # same records, same order, each once
    assert client.stats.pages == len(pages)
    assert client.stats.retries == 0

    requests = data_requests(server)
    assert len(requests) == len(pages)
    assert all("start" not in r for r in requests)  # keyset, not offsets
    assert all(json.loads(r["sort"]) == {"_id": 1} for r in requests)
    assert json.loads(requests[0]["query"]) == {}
    for previous_page, request in zip(pages, requests[1:]):
        assert json.loads(request["query"]) == {"_id": {"$gt": previous_page[-1]["_id"]}}


def test_page_size_is_capped_at_1000(server):
    assert make_client(server, page_size=30000).page_size == 1000


def test_paging_stops_when_the_last_page_is_exactly_full():
    dataset = generate(2026, localities_per_admin2=2)
    trimmed = type(dataset)(submissions=dataset.submissions[:200], assessments=dataset.assessments, errors={})
    with MockKoboServer(token=TOKEN, datasets={UID: trimmed}) as server, make_client(server, page_size=100) as client:
        pages = list(client.iter_submission_pages(UID, None))
    assert [len(p) for p in pages] == [100, 100]
    assert [s["_id"] for p in pages for s in p] == [s["_id"] for s in dataset.submissions[:200]]


def test_after_id_skips_those_at_or_below(server):
    submissions = server.forms[UID].submissions
    after = submissions[137]["_id"]
    with make_client(server) as client:
        got = fetch_all(client, after)
        assert got == submissions[138:]
        # an id between two submissions (ids have gaps) works too
        gap = next(i for i in range(1, len(submissions)) if submissions[i]["_id"] - submissions[i - 1]["_id"] > 1)
        assert fetch_all(client, submissions[gap]["_id"] - 1) == submissions[gap:]
        assert fetch_all(client, submissions[-1]["_id"]) == []
        assert fetch_all(client, 0) == submissions


def test_a_server_ignoring_the_query_is_refused(server):
    """If the server answers ids at or below the mark, the client must stop, not loop."""
    with make_client(server) as client:
        original = client.fetch_json

        def ignore_query(url, params, *, form):
            params = {k: v for k, v in (params or {}).items() if k != "query"}
            return original(url, params, form=form)

        client.fetch_json = ignore_query
        pages = client.iter_submission_pages(UID, None)
        next(pages)
        with pytest.raises(KoboError, match=UID):
            next(pages)


def test_a_seen_record_repeated_onto_the_last_page_ends_paging(server):
    """At the end of a form (or of a range), a server repeating the record at the mark
    answers a short page holding only that record: the end, not a server ignoring the query."""
    submissions = server.forms[UID].submissions
    with make_client(server) as client:
        server.inject(Fault("repeat"))
        assert fetch_all(client, submissions[-1]["_id"]) == []
        server.inject(Fault("repeat"))
        emptied_range = list(client.iter_submission_pages(UID, submissions[-2]["_id"], up_to_id=submissions[-2]["_id"]))
        assert emptied_range == []


# --- retries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", 429),
        Fault("status", 500),
        Fault("status", 502),
        Fault("status", 503),
        Fault("status", 504),
        Fault("drop"),
        Fault("truncate"),
        Fault("delay", seconds=1.0),
    ],
    ids=lambda f: f"{f.kind}-{f.status}" if f.kind == "status" else f.kind,
)
def test_retries_survive(server, fault):
    fault.times = 2
    server.inject(fault)
    # A timeout well under the delay, yet roomy enough that an ordinary page never hits it.
    with make_client(server, timeout=0.4, backoff_base=0.01, max_retries=3) as client:
        assert fetch_all(client) == server.forms[UID].submissions
        assert client.stats.retries == 2
    assert not server.faults


def test_retry_after_is_honoured(server):
    server.inject(Fault("status", 429, retry_after=0.3))
    with make_client(server, backoff_base=0.001) as client:
        began = time.monotonic()
        first = next(client.iter_submission_pages(UID, None))
        elapsed = time.monotonic() - began
    assert elapsed >= 0.3
    assert first == server.forms[UID].submissions[:100]
    assert client.stats.retries == 1


def test_backoff_without_retry_after_is_short_with_a_small_base(server):
    server.inject(Fault("status", 503, times=3))
    with make_client(server, backoff_base=0.01) as client:
        began = time.monotonic()
        next(client.iter_submission_pages(UID, None))
        elapsed = time.monotonic() - began
    assert client.stats.retries == 3
    assert elapsed < 2.0  # three full-jitter waits of at most 0.01, 0.02 and 0.04 s


def test_gives_up_after_max_retries_without_leaking_the_token(server):
    server.inject(Fault("status", 503, times=10))
    with make_client(server, max_retries=2) as client:
        with pytest.raises(KoboError) as caught:
            fetch_all(client)
        assert client.stats.retries == 2
    message = str(caught.value)
    assert UID in message
    assert f"{server.url}/api/v2/assets/{UID}/data/" in message
    assert "503" in message
    assert TOKEN not in message and TOKEN not in repr(caught.value)
    assert len(data_requests(server)) == 3  # the first try and two retries


def test_gives_up_on_timeouts_too(server):
    server.inject(Fault("delay", seconds=0.5, times=3))
    with make_client(server, timeout=0.1, max_retries=1) as client:
        with pytest.raises(KoboError) as caught:
            fetch_all(client)
        assert client.stats.retries == 1
    assert "Timeout" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_wrong_token_fails_at_once(server):
    with KoboClient(server.url, "wrong-" + TOKEN, timeout=5.0, backoff_base=0.01) as client:
        began = time.monotonic()
        with pytest.raises(KoboError) as caught:
            fetch_all(client)
        elapsed = time.monotonic() - began
        assert client.stats.retries == 0
    message = str(caught.value)
    assert "401" in message
    assert UID in message
    assert TOKEN not in message
    assert len(server.requests) == 1
    assert elapsed < 2.0


def test_unknown_form_is_404_without_retry(server):
    with make_client(server) as client:
        with pytest.raises(KoboError) as caught:
            client.get_form("aNoSuchForm000000000")
        assert client.stats.retries == 0
    assert "404" in str(caught.value)
    assert "aNoSuchForm000000000" in str(caught.value)
    assert [urlsplit(p).path for p in server.requests] == ["/api/v2/assets/aNoSuchForm000000000/"]


def test_token_is_sent_in_the_header_never_in_the_url(server):
    with make_client(server) as client:
        fetch_all(client)
        client.get_form(UID)
    assert server.requests
    assert all(TOKEN not in path for path in server.requests)


# --- the bound on requests in flight ----------------------------------------------------------


class ConcurrencyProbe:
    """Wraps the server's request handling to record the most requests handled at once."""

    def __init__(self, server: MockKoboServer):
        self.current = self.peak = 0
        self._lock = threading.Lock()
        base = server._httpd.RequestHandlerClass
        probe = self

        class Counting(base):
            def do_GET(self):  # noqa: N802
                with probe._lock:
                    probe.current += 1
                    probe.peak = max(probe.peak, probe.current)
                try:
                    super().do_GET()
                finally:
                    with probe._lock:
                        probe.current -= 1

        self._server, self._base = server, base
        server._httpd.RequestHandlerClass = Counting

    def restore(self) -> None:
        self._server._httpd.RequestHandlerClass = self._base


def test_in_flight_bound_is_never_exceeded(server):
    delay, threads_n = 0.2, 8
    server.inject(Fault("delay", seconds=delay, times=threads_n))
    probe = ConcurrencyProbe(server)
    results, errors = [], []
    try:
        with make_client(server, max_in_flight=2, timeout=10.0) as client:
            # Count on the client side too: requests handed to the HTTP layer at once (the
            # connection pool alone would queue extra requests there, not refuse them).
            handed, handed_peak, lock = 0, 0, threading.Lock()
            send = client._http.send

            def counting_send(*args, **kwargs):
                nonlocal handed, handed_peak
                with lock:
                    handed += 1
                    handed_peak = max(handed_peak, handed)
                try:
                    return send(*args, **kwargs)
                finally:
                    with lock:
                        handed -= 1

            client._http.send = counting_send
            barrier = threading.Barrier(threads_n)

            def call():
                barrier.wait()
                try:
                    results.append(
                        client.get_json(
                            f"{server.url}/api/v2/assets/{UID}/data/", {"format": "json", "limit": 5}, form=UID
                        )
                    )
                except Exception as error:  # noqa: BLE001 - reported below
                    errors.append(error)

            began = time.monotonic()
            workers = [threading.Thread(target=call) for _ in range(threads_n)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(timeout=30)
            elapsed = time.monotonic() - began
    finally:
        probe.restore()
    assert errors == []
    assert len(results) == threads_n
    assert client.stats.retries == 0
    assert probe.peak <= 2
    assert handed_peak <= 2
    assert probe.peak == 2  # the requests did run two at a time, so the bound was exercised
    # eight requests that each take at least `delay`, two at a time
    assert elapsed >= (threads_n / 2) * delay
    assert not server.faults


# --- answers that are not the API's ------------------------------------------------------------


def crafted(handler, **options) -> KoboClient:
    """A client whose server is ``handler`` (request -> httpx.Response)."""
    import httpx

    return KoboClient(
        "https://officer:s3cr3t-pass@kobo.example.org",
        TOKEN,
        backoff_base=0.01,
        max_retries=2,
        transport=httpx.MockTransport(handler),
        **options,
    )


def test_an_html_login_page_fails_at_once_naming_the_form_and_the_fix():
    import httpx

    calls = []

    def login_page(request):
        calls.append(request)
        return httpx.Response(
            200,
            headers={"Content-Type": "text/html; charset=utf-8"},
            content=b"<!DOCTYPE html><html><body>Sign in</body></html>",
        )

    with crafted(login_page) as client, pytest.raises(KoboError) as caught:
        fetch_all(client)
    message = str(caught.value)
    assert f"form {UID}" in message and "HTML page" in message and "DTM_KOBO_URL" in message
    assert len(calls) == 1  # retrying does not turn a login page into data
    assert "s3cr3t-pass" not in message and TOKEN not in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"detail": "You do not have permission to perform this action."},
            ("answered an error instead of results: You do not have permission"),
        ),
        ([{"_id": 1}], "answered list, not a list of results"),
        ({"count": 3, "items": []}, "answered an object with keys ['count', 'items'], not a list of results"),
    ],
)
def test_a_data_page_of_the_wrong_shape_names_the_form_and_what_came(body, expected):
    import httpx

    with crafted(lambda request: httpx.Response(200, json=body)) as client, pytest.raises(KoboError) as caught:
        fetch_all(client)
    assert f"form {UID}" in str(caught.value) and expected in str(caught.value)


def test_a_body_that_does_not_decompress_is_retried_then_named():
    import httpx

    def broken_gzip(request):
        return httpx.Response(
            200,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            content=b"\x1f\x8b\x08\x00not really gzip",
        )

    with crafted(broken_gzip) as client, pytest.raises(KoboError) as caught:
        fetch_all(client)
    assert "still failing after 2 retries (last: a compressed body that does not decompress (DecodingError))" in str(
        caught.value
    )
    assert client.stats.retries == 2


def test_the_form_list_never_follows_a_next_link_to_another_host():
    import httpx

    seen_hosts = []

    def paged(request):
        seen_hosts.append(request.url.host)
        return httpx.Response(
            200,
            json={"count": 2, "next": "https://collector.example.net/api/v2/assets/?page=2", "results": [{"uid": UID}]},
        )

    with crafted(paged) as client, pytest.raises(KoboError) as caught:
        client.list_forms()
    assert "another host (https://collector.example.net" in str(caught.value)
    assert seen_hosts == ["kobo.example.org"]


def test_credentials_in_the_server_url_never_reach_a_message_or_the_log(caplog):
    import httpx

    with (
        caplog.at_level("WARNING"),
        crafted(lambda request: httpx.Response(503)) as client,
        pytest.raises(KoboError) as caught,
    ):
        client.get_form(UID)
    assert "https://kobo.example.org/api/v2/assets/" in str(caught.value)
    assert "retry 1/2" in caplog.text
    for text in (str(caught.value), caplog.text):
        assert "s3cr3t-pass" not in text and "officer" not in text

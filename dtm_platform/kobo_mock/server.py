"""An embedded KPI-compatible server on loopback, serving synthetic forms and submissions.

It answers the endpoints the platform uses, in the shapes of ARCHITECTURE.md, Kobo, and can be told
to misbehave (``faults``) the way real servers do, so the client's resilience is tested
against a real socket rather than a mocked function. Each endpoint is a route of ``ROUTES``:
a function of the server and the request that returns the ``Reply``.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from dtm_platform.kobo_mock.catalogue import default_forms, locality_mock_form
from dtm_platform.kobo_mock.generator import Dataset
from dtm_platform.kobo_mock.media import SIZES, attachment_bytes
from dtm_platform.kobo_mock.query import QueryError, select
from dtm_platform.kobo_mock.served import MockForm

PAGE_CAP = 1000  # KPI's maximum page size
DEFAULT_LIMIT = 100


@dataclass
class Fault:
    """One misbehaviour, applied to the next data request(s).

    kind: ``status`` (answer ``status`` with an optional Retry-After), ``delay`` (sleep
    ``seconds`` then answer), ``drop`` (close the connection without answering),
    ``truncate`` (send half of the JSON body), ``empty_next`` (an empty page that still
    has a ``next`` link), ``repeat`` (the page also carries the record just before it, as
    overlapping pages do), ``revoke`` (the token is revoked: this and every later request
    gets 401), ``restart`` (the server goes down for ``seconds`` and comes back) or
    ``invalid_utf8`` (a body that is not UTF-8).
    """

    kind: str
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    times: int = 1


class MockKoboServer:
    """``with MockKoboServer(token=...) as server: server.url`` serves until the block ends."""

    def __init__(
        self,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        forms: list[MockForm] | None = None,
        datasets: dict[str, Dataset] | None = None,
        seed: int = 2026,
        localities_per_admin2: int = 12,
        bad_batch: int = 0,
    ):
        """Serve ``forms``; or, given ``datasets`` (uid -> locality dataset), those; or else
        every synthetic form of the catalogue."""
        if forms is None and datasets is not None:
            forms = [locality_mock_form(ds, uid) for uid, ds in datasets.items()]
        if forms is None:
            forms = default_forms(seed=seed, localities_per_admin2=localities_per_admin2, bad_batch=bad_batch)
        self.token = token
        self.forms = {form.uid: form for form in forms}
        self.ignore_sort = False  # like some older servers: pages come back in no particular order
        self.faults: deque[Fault] = deque()
        self.requests: list[str] = []  # paths and queries received, for tests to inspect
        self.latency_seconds = 0.0  # added to every data request, as a distant server would
        self.cache_pages = False  # serve a data request seen before from its rendered bytes
        self.data_in_flight = self.max_data_in_flight = 0  # how many data requests at once
        self._page_cache: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._httpd = _Listener((host, port), self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def next_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return None
            fault = self.faults[0]
            fault.times -= 1
            if fault.times <= 0:
                self.faults.popleft()
            return fault

    @contextlib.contextmanager
    def counting_data_request(self) -> Iterator[None]:
        with self._lock:
            self.data_in_flight += 1
            self.max_data_in_flight = max(self.max_data_in_flight, self.data_in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.data_in_flight -= 1

    def cached_page(self, target: str) -> bytes | None:
        """The page rendered for the same path and query before, when ``cache_pages`` kept it."""
        return self._page_cache.get(target)

    def keep_page(self, target: str, page: bytes) -> None:
        if self.cache_pages:
            self._page_cache[target] = page

    def start(self) -> MockKoboServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mock-kobo", daemon=True)
        self._thread.start()
        return self

    def restart(self, down_seconds: float) -> None:
        """Go down (connections refused) for ``down_seconds``, then serve again on the same port."""
        host, port = self._httpd.server_address[:2]

        def cycle() -> None:
            self.stop()
            time.sleep(down_seconds)
            self._httpd = _Listener((host, port), self)
            self.start()

        threading.Thread(target=cycle, name="mock-kobo-restart", daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> MockKoboServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- requests and replies ------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class Request:
    target: str  # path and query as received (what ``MockKoboServer.requests`` records)
    path: str
    params: dict[str, str]  # the last value of each query parameter

    @classmethod
    def parse(cls, target: str) -> Request:
        parts = urlsplit(target)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return cls(target, parts.path, params)

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


HANG_UP = Reply(0, b"")  # close the connection without answering


def _json(body: dict, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status, _render(body), headers=dict(headers or {}))


def _render(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


# --- the routes under /api/v2/assets/ ---------------------------------------------------------


def _asset_list(server: MockKoboServer, request: Request) -> Reply:
    if request.params.get("asset_type", "survey") != "survey":
        results = []
    else:
        results = [
            {
                "uid": f.uid,
                "name": f.name,
                "asset_type": "survey",
                "url": f"{server.url}/api/v2/assets/{f.uid}/",
                "data": f"{server.url}/api/v2/assets/{f.uid}/data/",
                "deployment__active": True,
                "deployment__submission_count": f.store.count(),
                "version_id": f.deployed.uid,
                "has_deployment": True,
            }
            for f in server.forms.values()
        ]
    return _json({"count": len(results), "next": None, "previous": None, "results": results})


def _asset_detail(server: MockKoboServer, request: Request, uid: str) -> Reply:
    form = _form(server, uid)
    return _json(
        {
            "uid": form.uid,
            "name": form.name,
            "asset_type": "survey",
            "url": f"{server.url}/api/v2/assets/{form.uid}/",
            "data": f"{server.url}/api/v2/assets/{form.uid}/data/",
            "version_id": form.deployed.uid,
            "deployed_version_id": form.deployed.uid,
            "deployment__active": True,
            "deployment__submission_count": form.store.count(),
            "deployed_versions": _versions(server, form),
            "content": form.content,
            "summary": {"languages": form.content["translations"]},
        }
    )


def _version_list(server: MockKoboServer, request: Request, uid: str) -> Reply:
    return _json(_versions(server, _form(server, uid)))


def _versions(server: MockKoboServer, form: MockForm) -> dict:
    newest_first = [v for v in reversed(form.versions) if v.listed]
    return {
        "count": len(newest_first),
        "next": None,
        "previous": None,
        "results": [
            {
                "uid": v.uid,
                "url": f"{server.url}/api/v2/assets/{form.uid}/versions/{v.uid}/",
                "date_deployed": v.date_deployed,
            }
            for v in newest_first
        ],
    }


def _version_detail(server: MockKoboServer, request: Request, uid: str, version_uid: str) -> Reply:
    form = _form(server, uid)
    for version in form.versions:
        if version.uid == version_uid:
            return _json(
                {
                    "uid": version.uid,
                    "date_deployed": version.date_deployed,
                    "url": f"{server.url}/api/v2/assets/{form.uid}/versions/{version.uid}/",
                    "content": version.content,
                }
            )
    raise _ApiError(404, "Not found.")


def _data(server: MockKoboServer, request: Request, uid: str) -> Reply:
    """A page of submissions: the one route that counts requests in flight, waits
    ``latency_seconds``, serves from the page cache and misbehaves as the faults say."""
    with server.counting_data_request():
        fault = server.next_fault()
        if fault is not None and (reply := _fault_reply(server, fault)) is not None:
            return reply
        if server.latency_seconds:
            time.sleep(server.latency_seconds)
        cached = server.cached_page(request.target) if fault is None else None
        if cached is not None:
            return Reply(200, cached)
        page = _render(_page(server, _form(server, uid), request, fault))
        if fault is None:
            server.keep_page(request.target, page)
        return Reply(200, page)


def _page(server: MockKoboServer, form: MockForm, request: Request, fault: Fault | None) -> dict:
    params = request.params
    if params.get("format", "json") != "json":
        raise _ApiError(404, "Not found.")
    query = _json_param(params, "query", {})
    sort = _json_param(params, "sort", {"_id": 1})
    fields = _json_param(params, "fields", None)
    limit = min(_int_param(params, "limit", DEFAULT_LIMIT), PAGE_CAP)
    start = _int_param(params, "start", 0)
    if (
        not isinstance(query, dict)
        or not isinstance(sort, dict)
        or (fields is not None and not isinstance(fields, list))
    ):
        raise _ApiError(400, "query and sort must be JSON objects, fields a JSON list")
    try:
        count, page = select(form.store, query, sort, start, limit)
    except QueryError as error:
        raise _ApiError(400, str(error)) from None
    if fault is not None and fault.kind == "repeat":
        after = (query.get("_id") or {}).get("$gt") if isinstance(query.get("_id"), dict) else None
        before = form.store.get(after) if isinstance(after, int) else None
        page = ([before] if before else []) + page + page[:1]
    if server.ignore_sort:
        page = sorted(page, key=lambda s: hash(s["_uuid"]))
    if fields is not None:
        keep = set(fields) | {"_uuid", "meta/rootUuid"}
        page = [{k: v for k, v in s.items() if k in keep} for s in page]
    base = f"{server.url}{request.path}"
    following = {**params, "limit": str(limit), "start": str(start + limit)}
    preceding = {**params, "limit": str(limit), "start": str(max(start - limit, 0))}
    if fault is not None and fault.kind == "empty_next":
        return {"count": count, "next": f"{base}?{urlencode(following)}", "previous": None, "results": []}
    return {
        "count": count,
        "next": f"{base}?{urlencode(following)}" if start + limit < count else None,
        "previous": f"{base}?{urlencode(preceding)}" if start > 0 else None,
        "results": page,
    }


def _attachment(
    server: MockKoboServer, request: Request, uid: str, submission_id: str, attachment_id: str, size: str = "original"
) -> Reply:
    """A file of a submission's ``_attachments``, by its uid (or numeric id), as KPI
    serves ``download_url`` (and its ``large/``, ``medium/``, ``small/`` variants)."""
    form = _form(server, uid)
    submission = form.store.get(int(submission_id)) if submission_id.isdigit() else None
    found = [a for a in (submission or {}).get("_attachments", []) if attachment_id in (a.get("uid"), str(a.get("id")))]
    if not found or size not in SIZES:
        raise _ApiError(404, "Not found.")
    body = form.attachment_bodies.get(found[0]["uid"]) or attachment_bytes(found[0]["uid"], size)
    return Reply(200, body, content_type=found[0].get("mimetype") or "application/octet-stream")


Route = Callable[..., Reply]  # (server, request, the path's segments in place of each "*") -> the reply

# The path after /api/v2/assets/, segment by segment ("*": any segment, handed to the route).
ROUTES: tuple[tuple[tuple[str, ...], Route], ...] = (
    ((), _asset_list),
    (("*",), _asset_detail),
    (("*", "versions"), _version_list),
    (("*", "versions", "*"), _version_detail),
    (("*", "data"), _data),
    (("*", "data", "*", "attachments", "*"), _attachment),
    (("*", "data", "*", "attachments", "*", "*"), _attachment),
)


def _route(segments: list[str]) -> tuple[Route, list[str]]:
    if segments[:3] == ["api", "v2", "assets"]:
        rest = segments[3:]
        for pattern, route in ROUTES:
            if len(pattern) == len(rest) and all(p in ("*", s) for p, s in zip(pattern, rest)):
                return route, [s for p, s in zip(pattern, rest) if p == "*"]
    raise _ApiError(404, "Not found.")


# --- plumbing -----------------------------------------------------------------------------------


def _authenticate(server: MockKoboServer, header: str) -> None:
    if not header:
        raise _ApiError(401, "Authentication credentials were not provided.")
    if header != f"Token {server.token}":
        raise _ApiError(401, "Invalid token.")


def _form(server: MockKoboServer, uid: str) -> MockForm:
    form = server.forms.get(uid)
    if form is None:
        raise _ApiError(404, "Not found.")
    return form


def _fault_reply(server: MockKoboServer, fault: Fault) -> Reply | None:
    """What the server answers instead of the page, or None when the page is served after all.
    Faults that change the page itself (empty_next, repeat) are applied by _page."""
    if fault.kind in ("empty_next", "repeat"):
        return None
    if fault.kind == "revoke":
        server.token = f"revoked-{time.time_ns()}"
        return _json({"detail": "Invalid token."}, 401)
    if fault.kind == "restart":
        server.restart(fault.seconds)
        return HANG_UP
    if fault.kind == "delay":
        time.sleep(fault.seconds)
        return None
    if fault.kind == "drop":
        return HANG_UP
    if fault.kind == "invalid_utf8":
        return Reply(200, b'{"count": 1, "next": null, "previous": null, "results": [{"_id": 1, "x": "\xff\xfe"}]}')
    if fault.kind == "truncate":
        payload = json.dumps({"count": 1, "next": None, "previous": None, "results": [{"_id": 1}]}).encode()
        return Reply(200, payload[: len(payload) // 2])
    headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
    return _json({"detail": "Simulated server fault."}, fault.status, headers)


def _json_param(params: dict, name: str, default: Any) -> Any:
    if name not in params:
        return default
    try:
        return json.loads(params[name])
    except json.JSONDecodeError:
        raise _ApiError(400, f"{name} is not valid JSON") from None


def _int_param(params: dict, name: str, default: int) -> int:
    try:
        value = int(params.get(name, default))
    except ValueError:
        raise _ApiError(400, f"{name} must be an integer") from None
    if value < 0:
        raise _ApiError(400, f"{name} must not be negative")
    return value


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, routes it and writes the reply; ``self.server`` is the listener."""

    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body waited
    # for the client's delayed acknowledgement of the headers, 40 ms on every request of a
    # kept-alive connection (60,000 audit logs took 18 minutes at four in flight).
    disable_nagle_algorithm = True
    server: _Listener

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's signature)
        return  # quiet: tests read server.requests

    def do_GET(self) -> None:
        mock = self.server.mock
        request = Request.parse(self.path)
        mock.requests.append(self.path)
        try:
            _authenticate(mock, self.headers.get("Authorization", ""))
            route, variables = _route(request.segments)
            reply = route(mock, request, *variables)
        except _ApiError as error:
            reply = _json({"detail": error.detail}, error.status)
        if reply is HANG_UP:
            self.close_connection = True
            self.connection.close()
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)


class _Listener(ThreadingHTTPServer):
    """The socket of a MockKoboServer: a thread per connection, each answered by a _Handler."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], mock: MockKoboServer):
        self.mock = mock
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (a timeout, a body past its limit) is not the
        server's error: no stack on stderr for it."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

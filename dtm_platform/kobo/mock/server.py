"""An embedded KPI-compatible server on loopback, serving synthetic forms and submissions.

It answers the endpoints the platform uses, in the shapes of ARCHITECTURE.md, Kobo, and can be told
to misbehave (``faults``) the way real servers do, so the client's resilience is tested
against a real socket rather than a mocked function.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from dtm_platform.kobo.mock.catalogue import default_forms, locality_mock_form
from dtm_platform.kobo.mock.generator import Dataset
from dtm_platform.kobo.mock.media import SIZES, attachment_bytes
from dtm_platform.kobo.mock.query import QueryError, matches, sort_key
from dtm_platform.kobo.mock.store import FormVersion, SubmissionStore

PAGE_CAP = 1000  # KPI's maximum page size
DEFAULT_LIMIT = 100


@dataclass
class MockForm:
    uid: str
    name: str
    versions: list[FormVersion]  # in deployment order: the last one is deployed
    store: SubmissionStore
    # attachment uid -> the file's bytes, for files whose content matters (audit logs);
    # any other attachment is answered with a deterministic photo-like blob
    attachment_bodies: dict[str, bytes] = field(default_factory=dict)

    @property
    def deployed(self) -> FormVersion:
        return self.versions[-1]

    @property
    def content(self) -> dict:
        return self.deployed.content

    @property
    def submissions(self) -> list[dict]:
        """Every current submission, built in memory: for tests on small forms."""
        return list(self.store.iter_after(None))

    def deploy(self, version: FormVersion) -> None:
        self.versions.append(version)


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

    def __init__(self, token: str, host: str = "127.0.0.1", port: int = 0,
                 forms: list[MockForm] | None = None, datasets: dict[str, Dataset] | None = None,
                 seed: int = 2026, localities_per_admin2: int = 12, bad_batch: int = 0):
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
        self.cache_pages = False    # serve a data request seen before from its rendered bytes
        self.data_in_flight = self.max_data_in_flight = 0  # how many data requests at once
        self._page_cache: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._httpd = _Server((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
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

    def start(self) -> "MockKoboServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mock-kobo", daemon=True)
        self._thread.start()
        return self

    def restart(self, down_seconds: float) -> None:
        """Go down (connections refused) for ``down_seconds``, then serve again on the same port."""
        host, port = self._httpd.server_address[:2]

        def cycle() -> None:
            self.stop()
            time.sleep(down_seconds)
            self._httpd = _Server((host, port), _handler_for(self))
            self._httpd.daemon_threads = True
            self.start()

        threading.Thread(target=cycle, name="mock-kobo-restart", daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> "MockKoboServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (a timeout, a body past its limit) is not the
        server's error: no stack on stderr for it."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _ApiError(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def _handler_for(server: MockKoboServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read server.requests
            return

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            server.requests.append(self.path)
            try:
                self._authenticate()
                segments = [s for s in parts.path.split("/") if s]
                if segments[:3] != ["api", "v2", "assets"]:
                    raise _ApiError(404, "Not found.")
                if len(segments) == 3:
                    body = self._asset_list(params)
                elif len(segments) == 4:
                    body = self._asset_detail(self._form(segments[3]))
                elif len(segments) == 5 and segments[4] == "versions":
                    body = self._version_list(self._form(segments[3]))
                elif len(segments) == 6 and segments[4] == "versions":
                    body = self._version_detail(self._form(segments[3]), segments[5])
                elif len(segments) == 5 and segments[4] == "data":
                    with server.counting_data_request():
                        fault = server.next_fault()
                        if fault is not None and self._apply_fault(fault):
                            return
                        if server.latency_seconds:
                            time.sleep(server.latency_seconds)
                        cached = server._page_cache.get(self.path) if fault is None else None
                        if cached is not None:
                            self._send_bytes(200, cached)
                            return
                        body = self._data(self._form(segments[3]), params, parts.path, fault)
                        if server.cache_pages and fault is None:
                            server._page_cache[self.path] = _render(body)
                elif len(segments) in (8, 9) and segments[4] == "data" and segments[6] == "attachments":
                    self._attachment(self._form(segments[3]), segments[5], segments[7],
                                     segments[8] if len(segments) == 9 else "original")
                    return
                else:
                    raise _ApiError(404, "Not found.")
            except _ApiError as error:
                self._send(error.status, {"detail": error.detail})
                return
            self._send(200, body)

        # --- endpoints -------------------------------------------------------------------

        def _asset_list(self, params: dict) -> dict:
            if params.get("asset_type", "survey") != "survey":
                results = []
            else:
                results = [
                    {"uid": f.uid, "name": f.name, "asset_type": "survey",
                     "url": f"{server.url}/api/v2/assets/{f.uid}/",
                     "data": f"{server.url}/api/v2/assets/{f.uid}/data/",
                     "deployment__active": True, "deployment__submission_count": f.store.count(),
                     "version_id": f.deployed.uid, "has_deployment": True}
                    for f in server.forms.values()
                ]
            return {"count": len(results), "next": None, "previous": None, "results": results}

        def _asset_detail(self, form: MockForm) -> dict:
            return {
                "uid": form.uid, "name": form.name, "asset_type": "survey",
                "url": f"{server.url}/api/v2/assets/{form.uid}/",
                "data": f"{server.url}/api/v2/assets/{form.uid}/data/",
                "version_id": form.deployed.uid,
                "deployed_version_id": form.deployed.uid,
                "deployment__active": True,
                "deployment__submission_count": form.store.count(),
                "deployed_versions": self._version_list(form),
                "content": form.content,
                "summary": {"languages": form.content["translations"]},
            }

        def _version_list(self, form: MockForm) -> dict:
            newest_first = [v for v in reversed(form.versions) if v.listed]
            return {"count": len(newest_first), "next": None, "previous": None,
                    "results": [{"uid": v.uid, "url": f"{server.url}/api/v2/assets/{form.uid}/versions/{v.uid}/",
                                 "date_deployed": v.date_deployed} for v in newest_first]}

        def _version_detail(self, form: MockForm, version_uid: str) -> dict:
            for version in form.versions:
                if version.uid == version_uid:
                    return {"uid": version.uid, "date_deployed": version.date_deployed,
                            "url": f"{server.url}/api/v2/assets/{form.uid}/versions/{version.uid}/",
                            "content": version.content}
            raise _ApiError(404, "Not found.")

        def _data(self, form: MockForm, params: dict, path: str, fault: Fault | None = None) -> dict:
            if params.get("format", "json") != "json":
                raise _ApiError(404, "Not found.")
            query = _json_param(params, "query", {})
            sort = _json_param(params, "sort", {"_id": 1})
            fields = _json_param(params, "fields", None)
            limit = min(_int_param(params, "limit", DEFAULT_LIMIT), PAGE_CAP)
            start = _int_param(params, "start", 0)
            if not isinstance(query, dict) or not isinstance(sort, dict) or (
                    fields is not None and not isinstance(fields, list)):
                raise _ApiError(400, "query and sort must be JSON objects, fields a JSON list")
            try:
                count, page = _select(form, query, sort, start, limit)
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
            base = f"{server.url}{path}"
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

        def _attachment(self, form: MockForm, submission_id: str, attachment_id: str, size: str) -> None:
            """A file of a submission's ``_attachments``, by its uid (or numeric id), as KPI
            serves ``download_url`` (and its ``large/``, ``medium/``, ``small/`` variants)."""
            submission = form.store.get(int(submission_id)) if submission_id.isdigit() else None
            found = [a for a in (submission or {}).get("_attachments", [])
                     if attachment_id in (a.get("uid"), str(a.get("id")))]
            if not found or size not in SIZES:
                raise _ApiError(404, "Not found.")
            body = form.attachment_bodies.get(found[0]["uid"]) or attachment_bytes(found[0]["uid"], size)
            self._send_bytes(200, body,
                             content_type=found[0].get("mimetype") or "application/octet-stream")

        # --- plumbing --------------------------------------------------------------------

        def _authenticate(self) -> None:
            header = self.headers.get("Authorization", "")
            if not header:
                raise _ApiError(401, "Authentication credentials were not provided.")
            if header != f"Token {server.token}":
                raise _ApiError(401, "Invalid token.")

        def _form(self, uid: str) -> MockForm:
            form = server.forms.get(uid)
            if form is None:
                raise _ApiError(404, "Not found.")
            return form

        def _apply_fault(self, fault: Fault) -> bool:
            """Misbehave before answering; True when the request has been dealt with. Faults
            that change the page itself (empty_next, repeat) are applied by _data."""
            if fault.kind in ("empty_next", "repeat"):
                return False
            if fault.kind == "revoke":
                server.token = f"revoked-{time.time_ns()}"
                self._send(401, {"detail": "Invalid token."})
                return True
            if fault.kind == "restart":
                server.restart(fault.seconds)
                self.close_connection = True
                self.connection.close()
                return True
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                return False
            if fault.kind == "drop":
                self.close_connection = True
                self.connection.close()
                return True
            if fault.kind == "invalid_utf8":
                self._send_bytes(200, b'{"count": 1, "next": null, "previous": null, "results": [{"_id": 1, "x": "\xff\xfe"}]}')
                return True
            if fault.kind == "truncate":
                payload = json.dumps({"count": 1, "next": None, "previous": None,
                                      "results": [{"_id": 1}]}).encode()
                self._send_bytes(200, payload[: len(payload) // 2], declared_length=len(payload) // 2)
                return True
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            self._send(fault.status, {"detail": "Simulated server fault."}, headers)
            return True

        def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
            self._send_bytes(status, _render(body), headers=headers)

        def _send_bytes(self, status: int, payload: bytes, headers: dict | None = None,
                        declared_length: int | None = None, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(declared_length or len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _render(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _select(form: MockForm, query: dict, sort: dict, start: int, limit: int) -> tuple[int, list[dict]]:
    """(how many submissions match, the page asked for)."""
    store = form.store
    condition = query.get("_id") if set(query) == {"_id"} else None
    # Fast paths for what the platform asks (keyset on _id, refetch by $in), so a large
    # lazy form pages in proportion to the page, not to the form.
    if sort == {"_id": 1} and isinstance(condition, dict) and set(condition) == {"$gt", "$lte"} and all(
            isinstance(v, int) for v in condition.values()):
        # an _id range, as concurrent landing asks for it
        after, up_to = condition["$gt"], condition["$lte"]
        in_range = itertools.takewhile(lambda s: s["_id"] <= up_to, store.iter_after(after, skip=start))
        return max(store.count_after(after) - store.count_after(up_to), 0), list(itertools.islice(in_range, limit))
    if sort == {"_id": -1} and (not query or isinstance(condition, dict) and set(condition) == {"$gt"}
                                and isinstance(condition["$gt"], int)):
        # the newest first, as a probe or a look above the high-water mark asks
        after = condition["$gt"] if query else None
        page = list(itertools.islice(store.iter_newest_first(after), start, start + limit))
        return store.count_after(after), page
    if sort == {"_id": 1} and (not query or isinstance(condition, dict) and len(condition) == 1):
        operator, operand = next(iter(condition.items())) if query else ("$gt", None)
        if operator in ("$gt", "$gte") and (operand is None or isinstance(operand, int)):
            after = None if operand is None else operand - (operator == "$gte")
            page = list(itertools.islice(store.iter_after(after, skip=start), limit))
            return store.count_after(after), page
        if operator == "$in" and isinstance(operand, list):
            found = [s for s in (store.get(i) for i in sorted(set(operand)) if isinstance(i, int)) if s]
            return len(found), found[start:start + limit]
    selected = sorted((s for s in store.iter_after(None) if matches(s, query)), key=sort_key(sort))
    return len(selected), selected[start:start + limit]


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

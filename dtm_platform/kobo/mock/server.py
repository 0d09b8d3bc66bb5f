"""An embedded KPI-compatible server on loopback, serving synthetic forms and submissions.

It answers the endpoints the platform uses, in the shapes of DESIGN.md §3, and can be told
to misbehave (``faults``) the way real servers do, so the client's resilience is tested
against a real socket rather than a mocked function.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from dtm_platform.kobo.mock import locality_form
from dtm_platform.kobo.mock.generator import Dataset, generate
from dtm_platform.kobo.mock.query import QueryError, matches, sort_key

PAGE_CAP = 1000  # KPI's maximum page size
DEFAULT_LIMIT = 100


@dataclass
class MockForm:
    uid: str
    name: str
    content: dict
    versions: list[str]
    submissions: list[dict]  # sorted by _id
    ids: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = [s["_id"] for s in self.submissions]


@dataclass
class Fault:
    """One misbehaviour, applied to the next data request(s).

    kind: ``status`` (answer ``status`` with an optional Retry-After), ``delay`` (sleep
    ``seconds`` then answer), ``drop`` (close the connection without answering) or
    ``truncate`` (send half of the JSON body).
    """

    kind: str
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    times: int = 1


class MockKoboServer:
    """``with MockKoboServer(token=...) as server: server.url`` serves until the block ends."""

    def __init__(self, token: str, host: str = "127.0.0.1", port: int = 0,
                 datasets: dict[str, Dataset] | None = None, seed: int = 2026,
                 localities_per_admin2: int = 12, bad_batch: int = 0):
        if datasets is None:
            datasets = {locality_form.FORM_UID: generate(seed, localities_per_admin2, bad_batch)}
        self.token = token
        self.forms = {uid: _locality_form(uid, ds) for uid, ds in datasets.items()}
        self.faults: deque[Fault] = deque()
        self.requests: list[str] = []  # paths and queries received, for tests to inspect
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
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

    def start(self) -> "MockKoboServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mock-kobo", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> "MockKoboServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _locality_form(uid: str, dataset: Dataset) -> MockForm:
    return MockForm(
        uid=uid,
        name=locality_form.FORM_NAME,
        content=locality_form.form_content(),
        versions=[locality_form.VERSIONS[r] for r in sorted(locality_form.VERSIONS, reverse=True)],
        submissions=dataset.submissions,
    )


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
                elif len(segments) == 5 and segments[4] == "data":
                    if self._apply_fault():
                        return
                    body = self._data(self._form(segments[3]), params, parts.path)
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
                     "deployment__active": True, "deployment__submission_count": len(f.submissions),
                     "version_id": f.versions[0], "has_deployment": True}
                    for f in server.forms.values()
                ]
            return {"count": len(results), "next": None, "previous": None, "results": results}

        def _asset_detail(self, form: MockForm) -> dict:
            return {
                "uid": form.uid, "name": form.name, "asset_type": "survey",
                "url": f"{server.url}/api/v2/assets/{form.uid}/",
                "data": f"{server.url}/api/v2/assets/{form.uid}/data/",
                "version_id": form.versions[0],
                "deployed_version_id": form.versions[0],
                "deployment__active": True,
                "deployment__submission_count": len(form.submissions),
                "deployed_versions": {
                    "count": len(form.versions), "next": None, "previous": None,
                    "results": [{"uid": v, "url": f"{server.url}/api/v2/assets/{form.uid}/versions/{v}/"}
                                for v in form.versions],
                },
                "content": form.content,
                "summary": {"languages": form.content["translations"]},
            }

        def _data(self, form: MockForm, params: dict, path: str) -> dict:
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
                selected = _select(form, query, sort)
            except QueryError as error:
                raise _ApiError(400, str(error)) from None
            page = selected[start:start + limit]
            if fields is not None:
                keep = set(fields) | {"_uuid", "meta/rootUuid"}
                page = [{k: v for k, v in s.items() if k in keep} for s in page]
            base = f"{server.url}{path}"
            following = {**params, "limit": str(limit), "start": str(start + limit)}
            preceding = {**params, "limit": str(limit), "start": str(max(start - limit, 0))}
            return {
                "count": len(selected),
                "next": f"{base}?{urlencode(following)}" if start + limit < len(selected) else None,
                "previous": f"{base}?{urlencode(preceding)}" if start > 0 else None,
                "results": page,
            }

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

        def _apply_fault(self) -> bool:
            """Misbehave if a fault is queued; True when the request has been dealt with."""
            fault = server.next_fault()
            if fault is None:
                return False
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                return False
            if fault.kind == "drop":
                self.close_connection = True
                self.connection.close()
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
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self._send_bytes(status, payload, headers=headers)

        def _send_bytes(self, status: int, payload: bytes, headers: dict | None = None,
                        declared_length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(declared_length or len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _select(form: MockForm, query: dict, sort: dict) -> list[dict]:
    # Fast path for the platform's own keyset query, so large forms page in O(page).
    if sort == {"_id": 1} and set(query) <= {"_id"}:
        condition = query.get("_id", {})
        if isinstance(condition, dict) and set(condition) <= {"$gt"}:
            low = bisect.bisect_right(form.ids, condition["$gt"]) if condition else 0
            return form.submissions[low:]
    return sorted((s for s in form.submissions if matches(s, query)), key=sort_key(sort))


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

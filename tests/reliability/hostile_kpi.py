"""A crafted KPI server for the adversarial suite (test_hostile_server.py), on 127.0.0.1.

It serves one form honestly (the data endpoint's ``_id`` query with ``$gt``, ``$lte`` and
``$in``, ``sort`` on ``_id``, ``limit`` and ``fields``; the asset list; attachments by path),
unless its ``attack`` says otherwise: a function of the request and the honest answer that
returns the reply to send instead, or None to answer honestly. A reply can be any status,
headers and bytes, and be sent the ways servers misbehave: after a long silence, a byte at a
time, without a length, endlessly, or not at all.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from dtm_platform.kobo.quarantine import usable_id


@dataclass
class Request:
    path: str
    params: dict[str, str]
    kind: str  # "data", "asset", "list", "attachment" or "other"
    number: int  # the how-many-th request of its kind, from 1

    @property
    def query(self) -> dict:
        return json.loads(self.params.get("query", "{}"))

    @property
    def limit(self) -> int:
        return int(self.params.get("limit", 100))

    @property
    def newest_first(self) -> bool:
        return json.loads(self.params.get("sort", "{}")).get("_id", 1) == -1

    @property
    def fields(self) -> list[str] | None:
        return json.loads(self.params["fields"]) if "fields" in self.params else None


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    declared_length: int | None = None  # a Content-Length other than the body's own
    without_length: bool = False  # no Content-Length: the body ends when the connection closes
    trickle_seconds: float = 0.0  # a pause before each byte
    silence_seconds: float = 0.0  # a pause before anything is sent
    drop: bool = False  # close the connection without a word
    cut_after: int | None = None  # close the connection after this many bytes of the body


def json_reply(value: object, **options) -> Reply:
    return Reply(body=json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"), **options)


Attack = Callable[[Request, "HostileKpi"], Reply | None]


class HostileKpi:
    """``with HostileKpi(token, uid, submissions) as server: server.url``."""

    def __init__(self, token: str, uid: str, submissions: list, files: dict[str, Callable[[], Reply]] | None = None):
        self.token, self.uid = token, uid
        # results with a usable _id answer queries; the others come with the first page (a
        # server sorting mixed values might put them anywhere; there they are always seen)
        self.submissions = sorted(
            (s for s in submissions if isinstance(s, dict) and usable_id(s.get("_id"))), key=lambda s: s["_id"]
        )
        self.others = [s for s in submissions if not (isinstance(s, dict) and usable_id(s.get("_id")))]
        self.files = files or {}
        self.attack: Attack | None = None
        self.requests: list[Request] = []
        self.tokens_seen: set[str] = set()
        self._numbers: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def data_requests(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "data"]

    def __enter__(self) -> HostileKpi:
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="hostile-kpi", daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- the honest answers -------------------------------------------------------------------

    def honest(self, request: Request) -> Reply:
        if request.kind == "data":
            return json_reply(self.honest_data(request))
        if request.kind == "list":
            return json_reply(
                {"count": 1, "next": None, "previous": None, "results": [{"uid": self.uid, "name": "hostile form"}]}
            )
        if request.kind == "asset":
            return json_reply({"uid": self.uid, "name": "hostile form", "content": {"survey": []}})
        if request.kind == "attachment":
            attachment_id = request.path.rstrip("/").split("/")[-1]
            make = self.files.get(attachment_id)
            return make() if make else json_reply({"detail": "Not found."}, status=404)
        return json_reply({"detail": "Not found."}, status=404)

    def honest_data(self, request: Request) -> dict:
        bounds = request.query.get("_id", {})
        rows = [
            s
            for s in self.submissions
            if s["_id"] > bounds.get("$gt", 0)
            and s["_id"] <= bounds.get("$lte", 2**63)
            and s["_id"] in bounds.get("$in", [s["_id"]])
        ]
        if request.newest_first:
            rows.reverse()
        page = [dict(s) for s in rows[: request.limit]]  # copies: an attack may change what it sends
        if "$gt" not in bounds and "$in" not in bounds and not request.newest_first and request.fields is None:
            page = self.others + page
        if request.fields is not None:
            keep = set(request.fields) | {"_uuid", "meta/rootUuid"}
            page = [{k: v for k, v in s.items() if k in keep} for s in page]
        more = len(rows) > request.limit
        return {
            "count": len(rows) + (len(self.others) if not bounds else 0),
            "next": f"{self.url}{urlsplit(request.path).path}?page=2" if more else None,
            "previous": None,
            "results": page,
        }


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client hanging up on an attack is the point, not an error worth a stack."""


def _handler(server: HostileKpi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet: tests read server.requests
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            segments = [s for s in parts.path.split("/") if s]
            kind = (
                "list"
                if len(segments) == 3
                else "asset"
                if len(segments) == 4
                else "data"
                if len(segments) == 5 and segments[4] == "data"
                else "attachment"
                if "attachments" in segments
                else "other"
            )
            with server._lock:
                server._numbers[kind] = number = server._numbers.get(kind, 0) + 1
            request = Request(self.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}, kind, number)
            server.requests.append(request)
            server.tokens_seen.add(self.headers.get("Authorization", ""))
            if self.headers.get("Authorization") != f"Token {server.token}":
                reply = json_reply({"detail": "Invalid token."}, status=401)
            else:
                reply = (server.attack(request, server) if server.attack else None) or server.honest(request)
            try:
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up on it: as it should have

        def _send(self, reply: Reply) -> None:
            if reply.silence_seconds:
                time.sleep(reply.silence_seconds)
            if reply.drop:
                self.close_connection = True
                self.connection.close()
                return
            chunks = [reply.body] if isinstance(reply.body, bytes) else reply.body
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            if reply.without_length or not isinstance(reply.body, bytes):
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header(
                    "Content-Length",
                    str(reply.declared_length if reply.declared_length is not None else len(reply.body)),
                )
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            sent = 0
            for chunk in chunks:
                if reply.cut_after is not None and sent + len(chunk) > reply.cut_after:
                    self.wfile.write(chunk[: reply.cut_after - sent])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.close()
                    return
                if reply.trickle_seconds:
                    for i in range(len(chunk)):
                        self.wfile.write(chunk[i : i + 1])
                        self.wfile.flush()
                        time.sleep(reply.trickle_seconds)
                else:
                    self.wfile.write(chunk)
                sent += len(chunk)
            if reply.declared_length is not None and reply.declared_length > sent:
                self.close_connection = True  # the rest never comes
                self.connection.close()

    return Handler

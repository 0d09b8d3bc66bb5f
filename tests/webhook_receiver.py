"""A stand-in for a Teams or Slack incoming webhook, on 127.0.0.1 only, for the alert tests."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WebhookReceiver:
    """Records each POST (path, JSON body); answers the queued statuses, then 200.

    ``url`` carries a secret-looking path, as real webhook URLs do, so tests can assert that
    it never appears in logs.
    """

    SECRET_PATH = "/webhookb2/7f3c-secret-key-9a1e/IncomingWebhook/c0ffee"

    def __init__(self, statuses: list[int] | None = None):
        self.received: list[dict] = []
        self.paths: list[str] = []
        self.statuses = deque(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.paths.append(self.path)
                receiver.received.append(json.loads(body) if body else {})
                status = receiver.statuses.popleft() if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.SECRET_PATH}"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

"""The gates' Data Docs pages over HTTP (``dtm docs``): what a check's ``data_docs`` link in
the Dagster UI opens when DTM_DOCS_URL points here.

Python's own static file handler, confined to DTM_HOME/quality/data_docs and quiet: the
pages hold no personal values (runner.py strips them before rendering), but nothing else of
the home (warehouse, ledgers, exports) is reachable through it.
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from dtm_platform.quality.checks import DATA_DOCS

DEFAULT_PORT = 3001


class _DocsHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # one line per request would drown the console


def docs_server(quality_dir: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server for quality_dir's Data Docs (call serve_forever, or run it in a thread)."""
    root = quality_dir / DATA_DOCS
    root.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_DocsHandler, directory=str(root))
    return ThreadingHTTPServer((host, port), handler)

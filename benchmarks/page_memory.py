"""Peak memory of landing a form of huge submissions (issue 18, part 2), as Python traces it.

``python -m benchmarks.page_memory 12000 100`` serves 12,000 submissions, each with a repeat
of 100 entries (about 13 KB of JSON each; 1,000 of them are a 13 MB page), from a local
server in a process of its own, then lands them with the platform's defaults under
``tracemalloc`` and prints the peak. It uses only the client's and
landing's public calls, so it runs against an older checkout too (``PYTHONPATH=<checkout>``),
which is how the README's before-and-after figures were taken. The test
(tests/reliability/test_page_memory.py) calls ``measure`` on a small scale.

tracemalloc sees what Python allocates (the body, the parsed submissions, orjson's work),
not Arrow's or DuckDB's buffers; ``rss_growth_mb`` adds those, roughly.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import tracemalloc
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import duckdb

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import ensure_raw_tables, land_new_submissions
from dtm_platform.kobo.registry import load_registry
from dtm_platform.settings import PROJECT_ROOT

FORM = next(f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_site")


def submission(i: int, entries: int) -> dict:
    return {
        "_id": i,
        "_uuid": f"uuid-{i}",
        "_submission_time": "2026-10-01T10:00:00",
        "__version__": "v1",
        "grp/members": [
            {
                "grp/members/name": f"member {i}-{k}",
                "grp/members/age": str(k % 90),
                "grp/members/sex": "f",
                "grp/members/note": "x" * 20,
            }
            for k in range(entries)
        ],
    }


class _Handler(BaseHTTPRequestHandler):
    """The form over HTTP, as KPI pages it (``_id`` bounds, sort, limit, ``fields``)."""

    protocol_version = "HTTP/1.1"
    submissions: ClassVar[list[dict]] = []  # set once, before the server starts

    def log_message(self, *args) -> None:
        return

    def do_GET(self) -> None:
        params = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
        bounds = json.loads(params.get("query", "{}")).get("_id", {})
        rows = [s for s in self.submissions if bounds.get("$gt", 0) < s["_id"] <= bounds.get("$lte", 2**63)]
        if json.loads(params.get("sort", "{}")).get("_id", 1) == -1:
            rows.reverse()
        page = rows[: int(params.get("limit", 100))]
        if "fields" in params:
            page = [{"_id": s["_id"]} for s in page]
        body = json.dumps({"count": len(rows), "next": None, "previous": None, "results": page}).encode()
        self.server.largest = max(getattr(self.server, "largest", 0), len(body))  # type: ignore[attr-defined]
        self.server.answers.put(len(body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(count: int, entries: int, started, answers) -> None:
    """In a process of its own, so that none of the server's work is traced with the client's."""
    _Handler.submissions = [submission(i, entries) for i in range(1, count + 1)]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.answers = answers  # type: ignore[attr-defined]
    started.put(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.serve_forever()


def _rehearse(url: str, count: int, options: dict) -> None:
    """Land the form's last few submissions once, untraced: what the first landing of a
    process allocates for good (imports, caches) is not charged to the one measured."""
    con = duckdb.connect()
    ensure_raw_tables(con, FORM)
    con.execute(
        f"insert into raw.{FORM.raw_table} (_id, _uuid, payload, payload_hash, landed_at) "
        "values (?, 'rehearsal', '{}', 'rehearsal', now())",
        [max(count - 5, 0)],
    )
    with KoboClient(url, "token", **options) as client:
        land_new_submissions(con, client, FORM)
    con.close()


def measure(count: int, entries: int, **client_options) -> dict:
    """Land ``count`` submissions of ``entries`` repeat entries each; the traced peak and more."""
    context = multiprocessing.get_context("spawn")
    started, answers = context.Queue(), context.Queue()
    server = context.Process(target=_serve, args=(count, entries, started, answers), daemon=True)
    server.start()
    try:
        url = started.get(timeout=120)
        options = {"page_size": 1000, "max_in_flight": 4, **client_options}
        _rehearse(url, count, options)
        while not answers.empty():
            answers.get()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        workdir = tempfile.TemporaryDirectory()  # a warehouse on disk, as the platform's is
        con = duckdb.connect(str(Path(workdir.name) / "warehouse.duckdb"))
        tracemalloc.start()
        try:
            with KoboClient(url, "token", **options) as client:
                result = land_new_submissions(con, client, FORM)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        landed = con.execute(f"select count(*) from raw.{FORM.raw_table}").fetchone()[0]
        con.close()
        workdir.cleanup()
        sizes = []
        while not answers.empty() or len(sizes) < result.pages:
            sizes.append(answers.get(timeout=10))
    finally:
        server.kill()
        server.join()
    form_bytes = count * len(json.dumps(submission(count, entries)))
    return {
        "submissions": count,
        "form_mb": round(form_bytes / 2**20, 1),
        "largest_answer_mb": round(max(sizes) / 2**20, 2),
        "answers": len(sizes),
        "landed": landed,
        "traced_peak_mb": round(peak / 2**20, 1),
        "rss_growth_mb": round(rss_growth / 1024, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("entries", type=int)
    arguments = parser.parse_args()
    print(json.dumps(measure(arguments.count, arguments.entries)))

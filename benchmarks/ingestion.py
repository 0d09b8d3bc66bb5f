"""Ingestion benchmarks (issue #9, items 1 and 2).

Throughput: 200,000 locality submissions from the embedded server with pages pre-rendered
(each run after a warm-up pass is served from bytes), landed by (a) the platform, (b) the
floor: the same pages fetched the same way and parsed, nothing else, and (c) dlt's
``rest_api`` source into DuckDB, a common choice. Latency-bound: 100,000 submissions from a
server that adds 300 ms to every page, the platform with its default concurrency against
sequential keyset paging, both on pre-rendered pages too, so that what is measured is
the latency and what each does about it. The variants take turns within each repetition, so they share
the machine's conditions; figures are medians.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from benchmarks.serve import TOKEN, served
from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.parallel import iter_pages_in_order
from dtm_platform.kobo.registry import load_registry
from dtm_platform.settings import PROJECT_ROOT

LOCALITY = next(
    f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_locality"
)


def platform_landing(url: str, workdir: Path, **client_options) -> int:
    """The platform's ingestion of the locality form into a fresh warehouse; rows landed."""
    with KoboClient(url, TOKEN, **client_options) as client, duckdb.connect(str(workdir / "platform.duckdb")) as con:
        return land_new_submissions(con, client, LOCALITY).new_submissions


def fetch_and_parse_only(url: str, workdir: Path) -> int:
    """The floor: the same requests, several in flight, each body parsed; nothing kept."""
    with KoboClient(url, TOKEN) as client:
        return sum(len(page) for page in iter_pages_in_order(client, LOCALITY.uid, None))


def dlt_rest_api(url: str, workdir: Path) -> int:
    """dlt's REST API source following the server's ``next`` links into DuckDB."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    import dlt
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(
        {
            "client": {
                "base_url": f"{url}/api/v2/",
                "auth": {"type": "api_key", "name": "Authorization", "api_key": f"Token {TOKEN}", "location": "header"},
                "paginator": {"type": "json_link", "next_url_path": "next"},
            },
            "resources": [
                {
                    "name": "kobo_dtm_locality",
                    "endpoint": {
                        "path": f"assets/{LOCALITY.uid}/data/",
                        "data_selector": "results",
                        "params": {"format": "json", "limit": 1000},
                    },
                }
            ],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="kobo_bench",
        pipelines_dir=str(workdir / "dlt"),
        destination=dlt.destinations.duckdb(str(workdir / "dlt.duckdb")),
        dataset_name="raw",
        progress="log" if os.environ.get("BENCH_VERBOSE") else None,
    )
    pipeline.run(source)
    with duckdb.connect(str(workdir / "dlt.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from raw.kobo_dtm_locality").fetchone()[0]


def timed(variant: Callable[[str, Path], int], url: str) -> tuple[float, int]:
    workdir = Path(tempfile.mkdtemp(prefix="dtm-bench-"))
    try:
        started = time.perf_counter()
        rows = variant(url, workdir)
        return time.perf_counter() - started, rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def compare(
    variants: dict[str, Callable[[str, Path], int]],
    url: str,
    expected: int,
    runs: int,
    log: Callable[[str], None],
    warm_up: bool = True,
) -> dict[str, dict]:
    """Each variant ``runs`` times, taking turns; seconds are medians. Every run must land
    exactly the ``expected`` rows."""
    if warm_up:  # renders the pages each variant asks for, so runs are served from bytes
        for name, variant in variants.items():
            log(f"  warm-up: {name}")
            timed(variant, url)
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for repetition in range(1, runs + 1):
        for name, variant in variants.items():
            elapsed, rows = timed(variant, url)
            if rows != expected:
                raise AssertionError(f"{name}: {rows} rows, expected {expected}")
            seconds[name].append(elapsed)
            log(f"  run {repetition}/{runs} {name}: {elapsed:.2f} s ({rows / elapsed:,.0f} submissions/s)")
    return {
        name: {"seconds": statistics.median(values), "runs": values, "per_second": expected / statistics.median(values)}
        for name, values in seconds.items()
    }


def throughput(submissions: int, runs: int, log: Callable[[str], None]) -> dict:
    log(f"Ingestion throughput: {submissions:,} locality submissions, pre-rendered pages")
    with served({"dtm_locality": submissions}, cache=True) as server:
        expected = server.counts[LOCALITY.uid]
        figures = compare(
            {
                "platform": platform_landing,
                "floor: fetch and parse only": fetch_and_parse_only,
                "dlt rest_api to DuckDB": dlt_rest_api,
            },
            server.url,
            expected,
            runs,
            log,
        )
    return {"submissions": expected, "figures": figures}


def latency_bound(submissions: int, latency: float, runs: int, log: Callable[[str], None]) -> dict:
    log(f"Latency-bound ingestion: {submissions:,} submissions, {latency * 1000:.0f} ms added to each page")
    with served({"dtm_locality": submissions}, latency=latency, cache=True) as server:
        expected = server.counts[LOCALITY.uid]
        figures = compare(
            {
                "platform (4 requests in flight, the default)": platform_landing,
                "sequential keyset paging": lambda url, workdir: platform_landing(url, workdir, max_in_flight=1),
            },
            server.url,
            expected,
            runs,
            log,
        )
    return {"submissions": expected, "latency_seconds": latency, "figures": figures}

"""Attachment downloads side by side: the PDM form's audit logs (one small file per
submission) downloaded one submission at a time (one request in flight) and as the platform
does it (``DTM_KOBO_MAX_IN_FLIGHT`` submissions at once), from the same server in one run.

``python -m benchmarks.attachments 3000 --latency 0.05`` prints one JSON line per variant.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.serve import TOKEN, served
from dtm_platform.kobo.attachments import download_attachments
from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.registry import load_registry
from dtm_platform.settings import PROJECT_ROOT

PDM = next(f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "me_pdm")


def measure(submissions: int, latency: float, in_flight: int) -> list[dict]:
    results = []
    with served({"me_pdm": submissions}, latency=latency) as server, tempfile.TemporaryDirectory() as work:
        warehouse = Path(work) / "warehouse.duckdb"
        with KoboClient(server.url, TOKEN) as client, duckdb.connect(str(warehouse)) as con:
            land_new_submissions(con, client, PDM)
        for variant, flight in (("one at a time", 1), ("side by side", in_flight)):
            home = Path(work) / variant.replace(" ", "_")
            with KoboClient(server.url, TOKEN, max_in_flight=flight) as client, duckdb.connect(str(warehouse)) as con:
                started = time.perf_counter()
                done = download_attachments(con, PDM, client=client, home=home)
                seconds = time.perf_counter() - started
            results.append(
                {
                    "variant": variant,
                    "in_flight": flight,
                    "latency": latency,
                    "files": done.downloaded,
                    "failed": done.failed,
                    "seconds": round(seconds, 2),
                    "files_per_second": round(done.downloaded / seconds, 1),
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("submissions", type=int)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--in-flight", type=int, default=4)
    args = parser.parse_args()
    for result in measure(args.submissions, args.latency, args.in_flight):
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

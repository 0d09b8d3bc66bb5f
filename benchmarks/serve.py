"""The embedded Kobo server in its own process, so the server's work is not charged to the
client being measured (the two would otherwise share one interpreter and its lock).

``python -m benchmarks.serve '{"dtm_locality": 200000}' --latency 0.3 --cache`` builds the
forms (a count per dataset, rounded to what the synthetic generators produce), prints
``READY <url> <counts as JSON>`` and serves until killed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from dtm_platform.kobo.mock.catalogue import locality_mock_form
from dtm_platform.kobo.mock.forms import FORM_MODULES
from dtm_platform.kobo.mock.generator import generate
from dtm_platform.kobo.mock.server import MockKoboServer

TOKEN = "benchmark-token"
SEED = 2026
# Submissions each generator yields at scale 1 (the locality form: per locality per admin2)
PER_SCALE_1 = {"dtm_site": 123, "dtm_flow_counts": 3000, "dtm_flow_survey": 410, "me_activity": 155,
               "me_pdm": 308, "me_perception": 611}
LOCALITY_SUBMISSIONS_PER_LOCALITY_PER_ADMIN2 = 148  # 72 sub-prefectures x 2 rounds x 1.03


def build_forms(counts: dict[str, int]) -> list:
    forms = []
    for dataset, count in counts.items():
        if dataset == "dtm_locality":
            localities = max(1, round(count / LOCALITY_SUBMISSIONS_PER_LOCALITY_PER_ADMIN2))
            forms.append(locality_mock_form(generate(SEED, localities_per_admin2=localities)))
            continue
        module = next(m for m in FORM_MODULES if m.DATASET == dataset)
        forms.append(module.build(SEED, count / PER_SCALE_1[dataset]).form)
    return forms


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("counts", help='submissions per dataset, as JSON: {"dtm_locality": 200000}')
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each data request")
    parser.add_argument("--cache", action="store_true", help="serve repeated requests from rendered bytes")
    args = parser.parse_args()
    forms = build_forms(json.loads(args.counts))
    server = MockKoboServer(token=TOKEN, forms=forms)
    server.latency_seconds, server.cache_pages = args.latency, args.cache
    served = {f.uid: f.store.count() for f in forms}
    print(f"READY {server.url} {json.dumps(served)}", flush=True)
    server.serve_forever()


@dataclass(frozen=True)
class ServedForms:
    url: str
    counts: dict[str, int]  # form uid -> submissions served


@contextlib.contextmanager
def served(counts: dict[str, int], *, latency: float = 0.0, cache: bool = False) -> Iterator[ServedForms]:
    command = [sys.executable, "-m", "benchmarks.serve", json.dumps(counts), "--latency", str(latency)]
    if cache:
        command.append("--cache")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        line = process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        _, url, served_counts = line.split(" ", 2)
        yield ServedForms(url=url, counts=json.loads(served_counts))
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    main()

"""``make bench``: every benchmark, then ``benchmarks/RESULTS.md`` (machine, versions, date,
figures, ratios). ``--only ingestion|throughput|latency|build|nothing_new`` runs one part (the
others' figures are kept from ``results.json``): ``build`` is the million-submission cold,
nothing-new and incremental builds (about half an hour), ``nothing_new`` the cold and
nothing-new builds at the demo's size; ``--runs N`` sets the repetitions of the ingestion
scenarios (medians are reported)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import build, ingestion
from benchmarks.report import write_results

RESULTS_JSON = Path(__file__).with_name("results.json")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["ingestion", "throughput", "latency", "build", "nothing_new"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    if args.only in (None, "ingestion", "throughput"):
        results["throughput"] = ingestion.throughput(200_000, args.runs, log)
    if args.only in (None, "ingestion", "latency"):
        results["latency"] = ingestion.latency_bound(100_000, 0.3, args.runs, log)
    if args.only in (None, "nothing_new"):
        results["nothing_new_demo"] = build.demo_nothing_new(log)
    if args.only in (None, "build"):
        results["build"] = build.cold_and_incremental(build.COLD_MIX, log)
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS_JSON.write_text(json.dumps(results, indent=1))
    path = write_results(results)
    log(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make bench``: every benchmark, then ``benchmarks/RESULTS.md`` (machine, versions, date,
figures, ratios). ``--only ingestion|throughput|latency|build|nothing_new`` runs one part (the
others' figures are kept from ``results.json``): ``build`` is the million-submission cold,
nothing-new, daily and nightly builds (about 40 minutes), ``nothing_new`` the cold and
nothing-new builds at the demo's size, ``lake`` the cold build on the DuckDB file, then on
DuckLake with one and two Celery workers (``--lake-scale`` shrinks its forms), ``storage``
the demo's builds with Dagster's runs and events in SQLite and in Postgres; ``--runs N``
sets the repetitions of the ingestion scenarios (medians are reported)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import build, ingestion, lake
from benchmarks.report import machine, write_results

RESULTS_JSON = Path(__file__).with_name("results.json")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--only", choices=["ingestion", "throughput", "latency", "build", "nothing_new", "lake", "storage"]
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--lake-scale", type=float, default=1.0, help="the lake part's forms, as a share of the million (0.1: 100,000)"
    )
    args = parser.parse_args()
    results = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() else {}
    parts = {
        "throughput": (("ingestion", "throughput"), lambda: ingestion.throughput(200_000, args.runs, log)),
        "latency": (("ingestion", "latency"), lambda: ingestion.latency_bound(100_000, 0.3, args.runs, log)),
        "nothing_new_demo": (("nothing_new",), lambda: build.demo_nothing_new(log)),
        "build": (("build",), lambda: build.cold_and_incremental(build.COLD_MIX, log)),
        "lake": (("lake",), lambda: lake.engines(scaled(build.COLD_MIX, args.lake_scale), log)),
        "storage": (("storage",), lambda: build.instance_storage(log)),
    }
    for part, (chosen_by, measure) in parts.items():
        if args.only is None or args.only in chosen_by:
            results[part] = measure()
            # a part run alone keeps the others' figures: each part says when and where it was measured
            results.setdefault("measured", {})[part] = {"at": now(), "machine": machine()[0]}
    results["measured_at"] = now()
    RESULTS_JSON.write_text(json.dumps(results, indent=1))
    path = write_results(results)
    log(f"written {path}")
    return 0


def scaled(mix: dict[str, int], share: float) -> dict[str, int]:
    return {form: max(1, round(count * share)) for form, count in mix.items()}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


if __name__ == "__main__":
    sys.exit(main())

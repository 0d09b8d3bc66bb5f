"""Build benchmarks (issue #9, items 3 to 5; issue #17, nothing new).

A cold build of about a million submissions across the forms (mostly flow monitoring
counts and household surveys), from an empty DTM_HOME to reports and serving with every
gate; then the same build with nothing new at the server; then 1% new submissions with 0.1%
edited and 0.1% deleted, and the daily build (ingestion past each form's high-water mark: the
new submissions), then the nightly one (ingestion reconciling: the edits and deletions).
At the demo's size (the forms ``dtm demo`` serves): a cold build, then one with nothing new.
Each build is a full build as the daily one runs (its sources, then what is not current) in a
process of its own (``build_run.py``); its peak memory is the process tree's (dbt runs as a
child) sampled every 0.2 s, in total and per process (``process_memory.py``). Time per stage
comes from the runs' step events: ingestion, each dbt layer (dbt's own tests included), the
Great Expectations gates, reports and serving.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from benchmarks.process_memory import PeakMemory
from benchmarks.serve import DEMO, TOKEN, served

# About 1,000,000 submissions, in the shares a busy CAR operation sees (the other forms of the
# registry are served at the demo's size)
COLD_MIX = {
    "dtm_flow_counts": 700_000,
    "dtm_flow_survey": 80_000,
    "dtm_locality": 80_000,
    "me_pdm": 60_000,
    "me_perception": 60_000,
    "me_activity": 15_000,
    "dtm_site": 5_000,
}
NEW_SHARE, EDITED_SHARE, DELETED_SHARE = 0.01, 0.001, 0.001
ROOT = Path(__file__).resolve().parent.parent


def stage_of(step_key: str) -> str:
    if step_key.endswith("_gx_suite"):
        return "gates (Great Expectations)"
    if step_key.startswith("raw__"):
        return "ingestion"
    if step_key.startswith("dbt_"):
        return f"dbt {step_key.removeprefix('dbt_')} (models and dbt tests)"
    return step_key.split("__", 1)[0]  # reports, serving


def build_env(home: Path, url: str) -> dict[str, str]:
    """The environment of a benchmark build's processes, and of the Celery workers that run
    its steps."""
    env = {
        **os.environ,
        "DTM_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "DTM_KOBO_URL": url,
        "DTM_KOBO_TOKEN": TOKEN,
        "DTM_HASH_SALT": "benchmark-salt",
        "DTM_AUTOMATION": "off",
        "GX_ANALYTICS_ENABLED": "false",
    }
    env.pop("DTM_POSTGRES_URL", None)  # Postgres publication is measured by its own tests
    return env


def one_build(
    home: Path,
    url: str,
    reconcile: bool,
    log: Callable[[str], None],
    label: str = "",
    *,
    extra_env: dict[str, str] | None = None,
    through_queue: bool = False,
    also_measure: tuple[int, ...] = (),
) -> dict:
    """One full build in a process of its own; ``extra_env`` adds to its environment (another
    warehouse, the Celery executor), ``through_queue`` runs it through the run queue (which
    the Celery executor needs), and ``also_measure`` names processes started before it (the
    Celery workers) whose memory counts with the build's."""
    env = {**build_env(home, url), **(extra_env or {})}
    label = label or ("incremental" if reconcile else "cold")
    command = [sys.executable, "-m", "benchmarks.build_run", "--url", url] + (["--reconcile"] if reconcile else [])
    command += ["--through-queue"] if through_queue else []
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    outcome = None
    with PeakMemory(process.pid, root_name="Dagster build (benchmarks.build_run)", also=also_measure) as memory:
        for line in process.stdout:
            if line.startswith("RESULT "):
                outcome = json.loads(line[len("RESULT ") :])
        process.wait()
    seconds = time.perf_counter() - started
    if outcome is None:
        raise RuntimeError(f"the build printed no result (exit {process.returncode})")
    stages: dict[str, float] = defaultdict(float)
    for step, times in outcome["steps"].items():
        if "start" in times and "end" in times:
            stages[stage_of(step)] += times["end"] - times["start"]
    runs_seconds = sum(run["seconds"] for run in outcome["runs"])
    memory_summary = memory.summary()
    largest = max(memory_summary["processes"], key=lambda p: p["peak_gib"], default=None)
    log(
        f"  {label} build: {seconds:.0f} s ({runs_seconds:.0f} s in {len(outcome['runs'])} run(s), "
        f"{sum(r['materialized'] for r in outcome['runs'])} assets materialized), peak "
        f"{memory.peak_bytes / 2**30:.2f} GiB"
        + (f" (largest process: {largest['name']}, {largest['peak_gib']:.2f} GiB)" if largest else "")
        + f", success={outcome['success']}, failed checks: "
        f"{outcome['failed_checks'] or 'none'}"
    )
    return {
        "seconds": seconds,
        "peak_gib": memory.peak_bytes / 2**30,
        "memory": memory_summary,  # per process: each one's peak, and what the total's peak was made of
        "success": outcome["success"],
        "runs": outcome["runs"],
        "runs_seconds": runs_seconds,
        "definitions_seconds": outcome["definitions_seconds"],
        "stale": outcome["stale"],
        "current": outcome["current"],
        "failed_checks": outcome["failed_checks"],
        "stages": dict(stages),
        "slowest_steps": sorted(
            ((k, v["end"] - v["start"]) for k, v in outcome["steps"].items() if "start" in v and "end" in v),
            key=lambda kv: -kv[1],
        )[:12],
    }


def cold_and_incremental(mix: dict[str, int], log: Callable[[str], None]) -> dict:
    total = sum(mix.values())
    log(
        f"Cold build: about {total:,} submissions across {len(mix)} forms; then one with nothing new, "
        "then the daily and the nightly build after a day's changes"
    )
    home = Path(tempfile.mkdtemp(prefix="dtm-bench-build-"))
    with served(mix, withhold=NEW_SHARE) as server:
        served_cold = sum(server.counts.values())
        cold = one_build(home, server.url, reconcile=False, log=log)
        nothing_new = one_build(home, server.url, reconcile=False, log=log, label="nothing new")
        changes = server.change(EDITED_SHARE, DELETED_SHARE)
        log(
            f"  between the builds: {changes['new']:,} new, {changes['edited']:,} edited, "
            f"{changes['deleted']:,} deleted"
        )
        daily = one_build(home, server.url, reconcile=False, log=log, label="daily")
        nightly = one_build(home, server.url, reconcile=True, log=log, label="nightly (reconciling)")
    rows = _raw_rows(home)
    return {
        "submissions_cold": served_cold,
        "changes": changes,
        "cold": cold,
        "nothing_new": nothing_new,
        "daily": daily,
        "nightly": nightly,
        "raw_rows_after": rows,
        "home": str(home),
    }


def demo_nothing_new(log: Callable[[str], None]) -> dict:
    """At the demo's size: a cold build, then the same build with nothing new at the server
    (what a second ``dtm demo`` on the same DTM_HOME does)."""
    log("Demo size: a cold build, then one with nothing new at the server")
    home = Path(tempfile.mkdtemp(prefix="dtm-bench-demo-"))
    with served(DEMO) as server:
        submissions = sum(server.counts.values())
        cold = one_build(home, server.url, reconcile=False, log=log)
        nothing_new = one_build(home, server.url, reconcile=False, log=log, label="nothing new")
    return {"submissions": submissions, "cold": cold, "nothing_new": nothing_new, "home": str(home)}


LOOPBACK_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def instance_storage(log: Callable[[str], None], postgres: str = LOOPBACK_POSTGRES) -> dict:
    """At the demo's size, the same cold build with Dagster's runs and events kept in SQLite
    files under DAGSTER_HOME (the default) and in Postgres (DTM_DAGSTER_POSTGRES_URL, a
    deployment's), then the build with nothing new on each: what Dagster's own storage costs a
    build. Each Postgres build gets a database of its own, dropped after."""
    import psycopg

    log("Dagster's storage: the demo's cold build, then nothing new, in SQLite files and in Postgres")
    figures: dict[str, dict] = {}
    with served(DEMO) as server:
        for storage in ("sqlite", "postgres"):
            home = Path(tempfile.mkdtemp(prefix=f"dtm-bench-{storage}-"))
            database = f"dtm_bench_dagster_{os.getpid()}"
            extra: dict[str, str] = {}
            if storage == "postgres":
                with psycopg.connect(postgres, autocommit=True) as admin:
                    admin.execute(f"drop database if exists {database}")
                    admin.execute(f"create database {database}")
                host = postgres.split("://", 1)[1].rsplit("/", 1)[0]
                extra["DTM_DAGSTER_POSTGRES_URL"] = f"postgresql+psycopg2://{host}/{database}"
            try:
                cold = one_build(home, server.url, reconcile=False, log=log, label=f"{storage}: cold", extra_env=extra)
                again = one_build(
                    home, server.url, reconcile=False, log=log, label=f"{storage}: nothing new", extra_env=extra
                )
            finally:
                if storage == "postgres":
                    with psycopg.connect(postgres, autocommit=True) as admin:
                        admin.execute(f"drop database if exists {database} with (force)")
                shutil.rmtree(home, ignore_errors=True)
            figures[storage] = {"cold": cold, "nothing_new": again}
    return {"submissions": sum(server.counts.values()), **figures}


def _raw_rows(home: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "and table_name like 'kobo_%' and table_name not in "
                "('kobo_sync_log', 'kobo_form_content', 'kobo_submission_history', 'kobo_validation_status_log')"
            ).fetchall()
        ]
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}

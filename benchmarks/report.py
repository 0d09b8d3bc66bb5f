"""Writes ``benchmarks/RESULTS.md`` from the figures the benchmarks measured."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

RESULTS_MD = Path(__file__).with_name("RESULTS.md")
NOTES_MD = Path(__file__).with_name("notes.md")
PACKAGES = (
    "dagster",
    "dagster-dbt",
    "dbt-core",
    "dbt-duckdb",
    "duckdb",
    "great-expectations",
    "orjson",
    "httpx",
    "dlt",
)


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) / 2**20
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    versions = []
    for package in PACKAGES:
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return [
        f"- CPU: {os.cpu_count()} cores, {cpu}; memory {memory:.0f} GiB; {platform.platform()}",
        f"- Python {platform.python_version()}; " + ", ".join(versions),
    ]


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def variant_table(figures: dict[str, dict]) -> list[str]:
    """The ingestion scenarios' table: one row per variant, its median and every run."""
    rows = ["| Variant | Median seconds | Submissions/s | Runs (s) |", "|---|---:|---:|---|"]
    for name, f in figures.items():
        runs = ", ".join(f"{s:.2f}" for s in f["runs"])
        rows.append(f"| {name} | {f['seconds']:.2f} | {f['per_second']:,.0f} | {runs} |")
    return rows


RSS_NOTE = (
    "Resident memory (RSS) of each process of the build's tree, sampled every 0.2 s; a process's row is its own "
    "peak and what it held when the tree's total peaked (processes that had ended by then hold nothing). RSS counts "
    "a page shared by several processes in each (mostly the libraries' code, about 170 MB in a Python process that "
    "imports Dagster and DuckDB), so the total over-states the memory used by what they share; the last column is "
    "the part no other process shares (anonymous pages: heaps, DuckDB's buffers)."
)
TOP_PROCESSES = 8


def memory_by_process(build: dict, which: str, note: bool) -> list[str]:
    """The table of a build's peak memory by process (``process_memory.py``); nothing for a
    build measured before the sampler kept processes apart."""
    memory = build.get("memory")
    if not memory or not memory.get("processes"):
        return []
    groups: dict[str, dict] = {}  # processes of one name (Chromium's renderers, dbt --version) on one row
    for process in memory["processes"]:
        group = groups.setdefault(process["name"], {"count": 0, "peak": 0.0, "at_peak": 0.0, "anon": 0.0})
        group["count"] += 1
        group["peak"] = max(group["peak"], process["peak_gib"])
        group["at_peak"] += process["at_peak_gib"]
        group["anon"] += process["at_peak_anon_gib"]
    rows = sorted(groups.items(), key=lambda kv: (-kv[1]["at_peak"], -kv[1]["peak"]))
    shown, others = rows[:TOP_PROCESSES], rows[TOP_PROCESSES:]
    if others:
        shown.append(
            (
                f"{sum(g['count'] for _, g in others)} other processes",
                {
                    "count": 1,
                    "peak": max(g["peak"] for _, g in others),
                    "at_peak": sum(g["at_peak"] for _, g in others),
                    "anon": sum(g["anon"] for _, g in others),
                },
            )
        )
    total = memory["peak_gib"]
    lines = [
        (
            f"Peak memory by process, {which} (the tree's total peaked at **{total:.2f} GiB**, "
            f"{memory['peak_at_seconds']:.0f} s into the build):"
        ),
        "",
        (
            "| Process | Own peak (GiB) | At the total's peak (GiB) | Share of the total's peak | "
            "Not shared, at the total's peak (GiB) |"
        ),
        "|---|---:|---:|---:|---:|",
    ]
    for name, g in shown:
        label = f"{name} (x{g['count']})" if g["count"] > 1 else name
        share = f"{g['at_peak'] / total:.0%}" if total else "-"
        lines.append(f"| {label} | {g['peak']:.2f} | {g['at_peak']:.2f} | {share} | {g['anon']:.2f} |")
    lines.append("")
    if any(g["count"] > 1 for _, g in shown):
        lines += ["A row of several processes of one name (xN) gives the largest one's peak and their sum.", ""]
    if note:
        lines += [RSS_NOTE, ""]
    return lines


PART_TITLES = {
    "throughput": "Section 1 (ingestion throughput)",
    "latency": "Section 2 (latency-bound ingestion)",
    "build": "Sections 3 to 5 (builds at a million submissions)",
    "nothing_new_demo": "Section 6 (nothing new, at the demo's size)",
    "lake": "Section 7 (DuckLake and Celery workers)",
    "storage": "Section 8 (Dagster's storage)",
}

ENGINES = (
    ("duckdb_file", "DuckDB file, steps in the run's process"),
    ("ducklake_1", "DuckLake, steps on 1 Celery worker"),
    ("ducklake_2", "DuckLake, steps on 2 Celery workers"),
)


def storage_section(storage: dict) -> list[str]:
    """Section 8: the demo's builds with Dagster's runs and events in SQLite files and in Postgres."""
    lines = [
        "## 8. Dagster's storage",
        "",
        (
            f"The demo's cold build ({storage['submissions']:,} submissions), then the same build with nothing "
            "new, with Dagster's runs and events kept in SQLite files under DAGSTER_HOME (the default) and in "
            "Postgres on loopback (`DTM_DAGSTER_POSTGRES_URL`, as a deployment keeps them); one build each, "
            "one after the other."
        ),
        "",
        "| Storage | Cold build (s) | Runs' own time (s) | Nothing new (s) |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (("sqlite", "SQLite files"), ("postgres", "Postgres")):
        b = storage[name]
        lines.append(
            f"| {label} | {b['cold']['seconds']:.0f} | {b['cold']['runs_seconds']:.0f} | "
            f"{b['nothing_new']['seconds']:.0f} |"
        )
    ratio = storage["postgres"]["cold"]["seconds"] / storage["sqlite"]["cold"]["seconds"]
    return [*lines, "", f"- cold build in Postgres / in SQLite: **{ratio:.2f}**", ""]


def engines_section(lake: dict, by_process: Callable[[dict, str], list[str]]) -> list[str]:
    """Section 7: the cold build on each engine, side by side, and where its time went."""
    base = lake["duckdb_file"]
    lines = [
        "## 7. DuckLake and Celery workers",
        "",
        (
            f"{lake['submissions']:,} submissions served once; a cold build from an empty `DTM_HOME` on each "
            "engine, one after another (`python -m benchmarks.run --only lake`). The lake builds go through the "
            "run queue and a daemon, the steps on `dtm worker` processes (one step at a time each) through "
            "RabbitMQ; their catalog in Postgres on this machine, their Parquet files on its disk. Peak memory "
            "counts the build's processes and the workers'."
        ),
        "",
        "| Engine | Wall time (s) | / DuckDB file | Peak memory (GiB) | Warehouse on disk (GiB) | Succeeded |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for key, name in ENGINES:
        if key in lake:
            b = lake[key]
            lines.append(
                f"| {name} | {b['seconds']:.0f} | {b['seconds'] / base['seconds']:.2f} | {b['peak_gib']:.2f} | "
                f"{b['warehouse_gib']:.2f} | {b['success']} |"
            )
    stages = sorted({stage for key, _ in ENGINES if key in lake for stage in lake[key]["stages"]})
    lines += [
        "",
        "Time in each stage's steps (s; with two workers, steps overlap, so the stages add up to more than "
        "the wall time):",
        "",
        "| Stage | " + " | ".join(name for key, name in ENGINES if key in lake) + " |",
        "|---|" + "---:|" * sum(key in lake for key, _ in ENGINES),
    ]
    for stage in stages:
        cells = [f"{lake[key]['stages'].get(stage, 0):.1f}" for key, _ in ENGINES if key in lake]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    lines.append("")
    for key, name in ENGINES:
        if key in lake and key != "duckdb_file":
            lines += by_process(lake[key], f"cold build, {name}")
    return lines


def measured_when(results: dict) -> list[str]:
    """When and on which machine each part was measured: `--only` refreshes one part and keeps
    the others' figures, so the machine above is only the latest run's."""
    measured = results.get("measured", {})
    lines = []
    for part, title in PART_TITLES.items():
        if part in results and part in measured:
            cpu = measured[part]["machine"].removeprefix("- CPU: ")
            lines.append(f"- {title}: measured {measured[part]['at']} on {cpu}")
    return ["", "The machine above ran the latest part; each part as last measured:", "", *lines] if lines else []


def write_results(results: dict) -> Path:
    tables: list[str] = []

    def by_process(build: dict, which: str) -> list[str]:
        table = memory_by_process(build, which, note=not tables)
        tables.extend(table)
        return table

    lines = [
        "# Benchmark results",
        "",
        (
            f"Measured {results.get('measured_at', '?')} by `make bench` "
            "(`benchmarks/run.py`). Medians of the runs shown; variants take turns within each "
            "repetition, so every ratio compares runs made side by side."
        ),
        "",
        "## Machine",
        "",
        *machine(),
        *measured_when(results),
        "",
    ]
    if "throughput" in results:
        t = results["throughput"]
        f = t["figures"]
        platform_rate = f["platform"]["per_second"]
        floor_rate = f["floor: fetch and parse only"]["per_second"]
        dlt_rate = f["dlt rest_api to DuckDB"]["per_second"]
        lines += [
            "## 1. Ingestion throughput",
            "",
            (
                f"{t['submissions']:,} locality submissions from the embedded server (its own process), "
                "pages pre-rendered (a warm-up pass renders them; the measured runs are served from bytes)."
            ),
            "",
            *variant_table(f),
        ]
        lines += [
            "",
            (
                f"- platform / floor: **{platform_rate / floor_rate:.2f}** (target 0.7 or better: "
                f"{verdict(platform_rate / floor_rate >= 0.7)})"
            ),
            (
                f"- platform / dlt: **{platform_rate / dlt_rate:.1f}x** (target 3x or more: "
                f"{verdict(platform_rate / dlt_rate >= 3)})"
            ),
            "",
        ]
    if "latency" in results:
        t = results["latency"]
        f = t["figures"]
        fast, slow = f.values()  # the platform first, then sequential paging
        lines += [
            "## 2. Latency-bound ingestion",
            "",
            (
                f"{t['submissions']:,} submissions, {t['latency_seconds'] * 1000:.0f} ms added to every page; "
                "every run landed exactly the server's submissions."
            ),
            "",
            *variant_table(f),
        ]
        speedup = slow["seconds"] / fast["seconds"]
        lines += [
            "",
            (
                f"- speed-up over sequential keyset paging: **{speedup:.1f}x** (target 3.5x or more: "
                f"{verdict(speedup >= 3.5)})"
            ),
            "",
        ]
    if "build" in results:
        b = results["build"]
        cold = b["cold"]
        # after a day's changes: the daily build, then the nightly reconciling one (results
        # written before they were measured apart hold one reconciling build, "incremental")
        after_changes = [
            (key, name, b[key])
            for key, name in (
                ("daily", "Daily build"),
                ("nightly", "Nightly build (reconciling)"),
                ("incremental", "Incremental build (reconciling)"),
            )
            if key in b
        ]
        dbt_seconds = sum(v for k, v in cold["stages"].items() if k.startswith("dbt "))
        gates = cold["stages"].get("gates (Great Expectations)", 0.0)
        changes = b["changes"]
        nothing = b.get("nothing_new", {"stages": {}})
        columns = [("Nothing new", nothing)] + [(name.split(" (")[0], build) for _, name, build in after_changes]
        lines += [
            "## 3. Cold build at scale",
            "",
            (
                f"{b['submissions_cold']:,} submissions served "
                f"({', '.join(f'{k} {v:,}' for k, v in b['raw_rows_after'].items())} "
                "in raw after every build), from an empty `DTM_HOME` to reports and serving, every gate on "
                "(Postgres publication off: it has its own tests)."
            ),
            "",
            (
                f"- wall time **{cold['seconds'] / 60:.1f} min** (target 10 min or less: "
                f"{verdict(cold['seconds'] <= 600)}); "
                f"peak memory of the process tree **{cold['peak_gib']:.2f} GiB** (target 4 GiB or less: "
                f"{verdict(cold['peak_gib'] <= 4)}); run succeeded: {cold['success']}; "
                f"checks that did not pass: {', '.join(cold['failed_checks']) or 'none'} (`cln_cleaning_log` warns on "
                "the demo cleaning log's stale correction, kept on purpose)"
            ),
            "",
            *by_process(cold, "cold build"),
            "| Stage | Cold (s) | " + " | ".join(f"{name} (s)" for name, _ in columns) + " |",
            "|---|---:|" + "---:|" * len(columns),
        ]
        stages = set(cold["stages"]).union(*(build["stages"] for _, build in columns))
        for stage in sorted(stages):
            lines.append(
                f"| {stage} | {cold['stages'].get(stage, 0):.1f} | "
                + " | ".join(
                    f"{build['stages'].get(stage, 0):.1f}" if "seconds" in build else "not measured"
                    for _, build in columns
                )
                + " |"
            )
        lines += [
            "",
            "Slowest steps of the cold build: " + ", ".join(f"{k} {v:.0f} s" for k, v in cold["slowest_steps"]),
            "",
            "## 4. After a day's changes",
            "",
            (
                f"Between the builds the server received {changes['new']:,} new submissions, and "
                f"{changes['edited']:,} were edited and {changes['deleted']:,} deleted. The daily build ingests "
                "past each form's high-water mark (the new submissions); the nightly one reconciles each form "
                "with the server (the edits and deletions)."
            ),
            "",
        ]
        for key, name, build in after_changes:
            target = (
                f" (target 10% or less: {verdict(build['seconds'] <= 0.1 * cold['seconds'])})"
                if key != "nightly"
                else " (measured beside the daily build; no target)"
            )
            lines += [
                f"- {name}: wall time **{build['seconds']:.0f} s** = **{build['seconds'] / cold['seconds']:.0%}** "
                f"of the cold build{target}; "
                + (f"{sum(r['materialized'] for r in build['runs'])} assets materialized; " if "runs" in build else "")
                + f"peak {build['peak_gib']:.2f} GiB; checks that did not pass: "
                f"{', '.join(build['failed_checks']) or 'none'}",
            ]
        lines.append("")
        for _, name, build in after_changes:
            lines += [
                *by_process(build, name[0].lower() + name[1:]),
                f"Slowest steps of the {name[0].lower() + name[1:]}: "
                + ", ".join(f"{k} {v:.0f} s" for k, v in build["slowest_steps"]),
                "",
            ]
        lines += [
            "## 5. Gate overhead",
            "",
            (
                f"- Great Expectations gates {gates:.0f} s against {dbt_seconds:.0f} s of dbt build in the cold build: "
                f"**{gates / dbt_seconds:.0%}** (target 25% or less: {verdict(gates <= 0.25 * dbt_seconds)})"
            ),
            "",
        ]
    if "nothing_new_demo" in results or "nothing_new" in results.get("build", {}):
        lines += [
            "## 6. Nothing new",
            "",
            (
                "The same full build again, with nothing new at the server: as the daily build runs, its sources "
                "(every form's ingestion, the imports, with their gates), then a run of what is not current "
                "(none here). Wall time is the build's process from start to end (Python, the code location, "
                "the runs); the runs' own time is Dagster's, from each run's first event to its last."
            ),
            "",
            (
                "| Scale | Cold build (s) | Nothing new (s) | Nothing new / cold | Runs' own time (s) | "
                "Assets materialized | Target (10% or less) |"
            ),
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        scenarios = []
        if "nothing_new_demo" in results:
            d = results["nothing_new_demo"]
            scenarios.append((f"demo ({d['submissions']:,} submissions)", d["cold"], d["nothing_new"]))
        if "nothing_new" in results.get("build", {}):
            b = results["build"]
            scenarios.append((f"a million ({b['submissions_cold']:,} submissions)", b["cold"], b["nothing_new"]))
        for name, cold_build, again in scenarios:
            share = again["seconds"] / cold_build["seconds"]
            materialized = sum(r["materialized"] for r in again["runs"])
            lines.append(
                f"| {name} | {cold_build['seconds']:.0f} | {again['seconds']:.0f} | **{share:.0%}** | "
                f"{again['runs_seconds']:.0f} | {materialized} (the sources; {again['current']} current "
                f"below them) | {verdict(share <= 0.10)} |"
            )
        if "build" in results and "nothing_new" not in results["build"]:
            lines += [
                "",
                (
                    "The million-submission variant is `python -m benchmarks.run --only build` (about 40 "
                    "minutes with the cold, daily and nightly builds); not measured in this run."
                ),
            ]
        lines.append("")
        if "nothing_new_demo" in results:
            d = results["nothing_new_demo"]
            lines += by_process(d["cold"], "cold build at the demo's size")
            lines += by_process(d["nothing_new"], "nothing new at the demo's size")
        if "nothing_new" in results.get("build", {}):  # the million's cold build is under section 3
            lines += by_process(results["build"]["nothing_new"], "nothing new at a million submissions")
    if "lake" in results:
        lines += engines_section(results["lake"], by_process)
    if "storage" in results:
        lines += storage_section(results["storage"])
    if NOTES_MD.exists():  # the profile of what missed its target, written by whoever ran it
        lines += [NOTES_MD.read_text().strip(), ""]
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    return RESULTS_MD

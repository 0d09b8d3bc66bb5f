"""One full build in this process, for the build benchmarks: ``python -m benchmarks.build_run
--url URL [--reconcile]`` with DTM_HOME set. It runs as the daily build does (its sources, then
what is not current: ``defs/automation/jobs.py::execute_full_build``) and prints one JSON line: the
outcome, each run's span and what it materialized, and each step's start and end, read from
the Dagster event log."""

from __future__ import annotations

import argparse
import json
import os
import time

import dagster as dg


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--reconcile", action="store_true", help="ingestion also reconciles edits and deletions")
    args = parser.parse_args()
    os.environ["DTM_KOBO_URL"] = args.url
    started = time.perf_counter()

    from dtm_platform.definitions import defs
    from dtm_platform.defs.automation.jobs import FULL_BUILD, execute_full_build
    from dtm_platform.defs.kobo.jobs import reconcile_run_config
    from dtm_platform.instance import prepare_dagster_home
    from dtm_platform.settings import load_settings

    prepare_dagster_home(load_settings())
    job = defs.resolve_job_def(FULL_BUILD)
    loaded = time.perf_counter() - started
    ingestion = [
        a for a in defs.resolve_all_asset_specs() if a.group_name == "raw" and a.key.path[-1] != "kobo_form_content"
    ]
    run_config = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    sources_run_config = (
        reconcile_run_config([defs.resolve_assets_def(spec.key) for spec in ingestion]) if args.reconcile else {}
    )
    with dg.DagsterInstance.get() as instance:
        results, changed = execute_full_build(
            job, instance, run_config=run_config, sources_run_config=sources_run_config, log=lambda _: None
        )
        steps: dict[str, dict] = {}
        runs = []
        for result in results:
            logs = instance.all_logs(result.run_id)
            runs.append(
                {
                    "run_id": result.run_id,
                    "seconds": logs[-1].timestamp - logs[0].timestamp,
                    "materialized": len(result.get_asset_materialization_events()),
                }
            )
            for entry in logs:
                event = entry.dagster_event
                if event is None or not entry.step_key:
                    continue
                if event.event_type_value == "STEP_START":
                    steps[entry.step_key] = {"start": entry.timestamp}
                elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                    steps.setdefault(entry.step_key, {})["end"] = entry.timestamp
                    steps[entry.step_key]["outcome"] = event.event_type_value
    checks = [
        {"check": f"{e.asset_key.to_user_string()}:{e.check_name}", "passed": e.passed, "severity": e.severity.value}
        for result in results
        for e in result.get_asset_check_evaluations()
    ]
    # failed_checks: every check that did not pass, the warn-only ones included (the demo's
    # cleaning log holds one stale correction on purpose, which warns)
    print(
        "RESULT "
        + json.dumps(
            {
                "success": all(r.success for r in results),
                "steps": steps,
                "checks": checks,
                "runs": runs,
                "definitions_seconds": loaded,
                "stale": len(changed.stale),
                "current": len(changed.current),
                "failed_checks": [
                    c["check"] + ("" if c["severity"] == "ERROR" else " (warn only)") for c in checks if not c["passed"]
                ],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

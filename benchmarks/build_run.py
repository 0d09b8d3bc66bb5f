"""One full build, for the build benchmarks: ``python -m benchmarks.build_run --url URL
[--reconcile | --through-queue]`` with DTM_HOME set. It runs as the daily build does (its
sources, then what is not current): in this process (``defs/automation/jobs.py::
execute_full_build``), or with ``--through-queue`` through the instance's run queue and a daemon
this process starts (``demo.queued_full_build``), as the runs the UI launches go, which is how
the job's own executor (Celery's) runs its steps. It prints one JSON line: the outcome, each
run's span and what it materialized, each check, and each step's start and end, read from the
Dagster event log."""

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
    parser.add_argument("--through-queue", action="store_true", help="the runs through the run queue and a daemon")
    args = parser.parse_args()
    if args.reconcile and args.through_queue:
        parser.error("--reconcile runs in this process only (the queued runs take no run config)")
    os.environ["DTM_KOBO_URL"] = args.url
    started = time.perf_counter()

    from dtm_platform.definitions import defs
    from dtm_platform.defs.automation.jobs import FULL_BUILD, execute_full_build
    from dtm_platform.defs.kobo.jobs import reconcile_run_config
    from dtm_platform.demo import queued_full_build
    from dtm_platform.instance import prepare_dagster_home
    from dtm_platform.settings import load_settings
    from dtm_platform.warehouse import create_warehouse

    settings = load_settings()
    prepare_dagster_home(settings)
    create_warehouse(settings.warehouse)  # a lake's catalog, before steps in several processes open it
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
        if args.through_queue:
            run_ids, changed = queued_full_build(job, instance, settings, say=lambda _: None)
        else:
            results, changed = execute_full_build(
                job, instance, run_config=run_config, sources_run_config=sources_run_config, log=lambda _: None
            )
            run_ids = [result.run_id for result in results]
        success = all(instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS for run_id in run_ids)
        steps: dict[str, dict] = {}
        runs, checks = [], []
        for run_id in run_ids:
            logs = instance.all_logs(run_id)
            materialized = 0
            for entry in logs:
                event = entry.dagster_event
                if event is None:
                    continue
                if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                    materialized += 1
                elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                    e = event.asset_check_evaluation_data
                    check = f"{e.asset_key.to_user_string()}:{e.check_name}"
                    checks.append({"check": check, "passed": e.passed, "severity": e.severity.value})
                if not entry.step_key:
                    continue
                if event.event_type_value == "STEP_START":
                    steps[entry.step_key] = {"start": entry.timestamp}
                elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                    steps.setdefault(entry.step_key, {})["end"] = entry.timestamp
                    steps[entry.step_key]["outcome"] = event.event_type_value
            runs.append(
                {"run_id": run_id, "seconds": logs[-1].timestamp - logs[0].timestamp, "materialized": materialized}
            )
    # failed_checks: every check that did not pass, the warn-only ones included (the demo's
    # cleaning log holds one stale correction on purpose, which warns)
    print(
        "RESULT "
        + json.dumps(
            {
                "success": success,
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

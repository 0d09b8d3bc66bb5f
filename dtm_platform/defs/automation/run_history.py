"""Facts about past runs and gates, read from the Dagster instance's event log.

``describe_failed_run`` turns a failed run into the ``RunFailure`` an alert is written from;
``failing_gates_upstream_of`` tells a schedule whether the data it would build from passed
its gates.
"""

from __future__ import annotations

from collections import defaultdict

import dagster as dg

from dtm_platform.defs.automation.alerts import RunFailure

Event = dg.DagsterEventType


def describe_failed_run(instance: dg.DagsterInstance, run_id: str, job_name: str) -> RunFailure:
    """The checks that failed, the assets whose step failed, what was not built because of it."""
    planned_by_step: dict[str, list[str]] = defaultdict(list)
    materialized: set[str] = set()
    failed_checks: list[str] = []
    failed_steps: list[str] = []
    errors: list[str] = []
    kinds = {
        Event.ASSET_MATERIALIZATION_PLANNED,
        Event.ASSET_MATERIALIZATION,
        Event.ASSET_CHECK_EVALUATION,
        Event.STEP_FAILURE,
    }
    for record in instance.all_logs(run_id, of_type=kinds):
        event = record.dagster_event
        if event.event_type == Event.ASSET_MATERIALIZATION_PLANNED:
            planned_by_step[event.step_key].append(event.asset_key.to_user_string())
        elif event.event_type == Event.ASSET_MATERIALIZATION:
            materialized.add(event.asset_key.to_user_string())
        elif event.event_type == Event.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                failed_checks.append(_check_summary(evaluation))
        elif event.event_type == Event.STEP_FAILURE:
            failed_steps.append(event.step_key)
            error = event.step_failure_data.error
            # A failed gate is already named by its check; other errors say what broke.
            if error is not None and error.cls_name != "DagsterAssetCheckFailedError":
                errors.append(f"{event.step_key}: {_root_cause(error)}")
    failed_assets = {key for step in failed_steps for key in planned_by_step.get(step, [])} - materialized
    planned = {key for keys in planned_by_step.values() for key in keys}
    return RunFailure(
        run_id=run_id,
        job_name=job_name,
        failed_checks=failed_checks,
        failed_assets=sorted(failed_assets),
        not_built=sorted(planned - materialized - failed_assets),
        errors=errors,
    )


def failing_gates_upstream_of(asset_graph, instance: dg.DagsterInstance, selection: dg.AssetSelection) -> list[str]:
    """Blocking checks on the direct parents of ``selection`` whose latest evaluation failed
    (as ``AutomationCondition.all_deps_blocking_checks_passed()`` sees them)."""
    targets = selection.resolve(asset_graph)
    parents = {parent for key in targets for parent in asset_graph.get(key).parent_keys} - targets
    failing = []
    for check_key in sorted(asset_graph.get_check_keys_for_assets(parents), key=str):
        if not asset_graph.get(check_key).blocking:
            continue
        record = instance.get_latest_asset_check_evaluation_record(check_key)
        event = record.event.dagster_event if record and record.event else None
        if event is None or event.event_type != Event.ASSET_CHECK_EVALUATION:
            continue  # never evaluated, or still running
        evaluation = event.asset_check_evaluation_data
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failing.append(f"{check_key.asset_key.to_user_string()}:{check_key.name}")
    return failing


def _root_cause(error) -> str:
    """The first line of the innermost error: Dagster wraps the step's own exception
    ("Error occurred while executing op …") around the one that says what broke."""
    while error.cause is not None:
        error = error.cause
    lines = (error.message or "").strip().splitlines()
    return lines[0] if lines else error.cls_name or "failed"


def _check_summary(evaluation) -> str:
    """``asset:check`` and, for a GX suite, the failed expectations with their row counts
    (names and counts only: the example values stay in the UI)."""
    name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
    failed = []
    for expectation, value in evaluation.metadata.items():
        summary = getattr(value, "value", None)
        if isinstance(summary, dict) and summary.get("passed") is False:
            rows = summary.get("unexpected_count")
            failed.append(expectation + (f" on {rows} rows" if rows is not None else ""))
    return f"{name} ({'; '.join(failed)})" if failed else name

"""Runs started from the command line as the UI starts them: submitted to the instance's run
queue, launched by the daemon, followed until they end.

``dtm demo`` builds this way, so its runs are the code location's own (listed under the job,
in the timeline and the overview, with their compute logs), and a run already queued or in
progress is waited for instead of meeting it on DuckDB's one writer.

``daemon_running`` starts a ``dagster-daemon`` (with the process's environment, so its runs
see the embedded Kobo server's URL) unless one is already heartbeating on the instance, as
under ``dtm dev``. ``submit`` creates a run of a job (or some of its assets) through the
workspace, as the daemon's sensors do. ``follow`` prints one line per step as it ends and
returns the finished run.

Dagster has no public Python API to submit a run to the queue outside a sensor or the
GraphQL server, so ``submit`` uses the workspace classes the ``dagster job launch`` command
uses (dagster 1.13, pinned in pyproject.toml).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKSPACE_YAML = PROJECT_ROOT / "workspace.yaml"
HEARTBEAT_FRESH_SECONDS = 60
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
WAITING = {dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED}


class RunQueueError(RuntimeError):
    pass


def daemon_heartbeating(instance: dg.DagsterInstance) -> bool:
    """A dagster-daemon (``dtm dev``'s, a deployment's) is dequeuing runs for this instance."""
    beats = instance.get_daemon_heartbeats()
    beat = beats.get("QUEUED_RUN_COORDINATOR")
    return beat is not None and time.time() - beat.timestamp < HEARTBEAT_FRESH_SECONDS


@contextlib.contextmanager
def daemon_running(instance: dg.DagsterInstance, log_path: Path, say: Callable[[str], None] = print) -> Iterator[None]:
    """A daemon for the block: the one already heartbeating, or one started here (its output
    in ``log_path``) and stopped when the block ends."""
    if daemon_heartbeating(instance):
        say("A Dagster daemon is already running for this DAGSTER_HOME: it launches the runs.")
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    daemon = os.path.join(os.path.dirname(sys.executable), "dagster-daemon")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [daemon, "run", "-w", str(WORKSPACE_YAML)],
            cwd=PROJECT_ROOT,
            env=os.environ.copy(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # its last heartbeats would tell the next command, for a minute, that a daemon runs
        instance.wipe_daemon_heartbeats()


@contextlib.contextmanager
def workspace(instance: dg.DagsterInstance) -> Iterator[WorkspaceProcessContext]:
    """The code location as the UI and the daemon load it (workspace.yaml)."""
    with WorkspaceProcessContext(
        instance, WorkspaceFileTarget(paths=[str(WORKSPACE_YAML)]), code_server_log_level="WARNING"
    ) as context:
        yield context


def submit(
    context: WorkspaceProcessContext,
    job_name: str,
    *,
    assets: Iterable[dg.AssetKey] | None = None,
    run_config: Mapping | None = None,
    tags: Mapping[str, str] | None = None,
) -> str:
    """Queue a run of ``job_name`` (of ``assets`` only, with their checks, when given)."""
    request = context.create_request_context()
    [(location_name, entry)] = request.get_code_location_entries().items()
    if entry.code_location is None:
        raise RunQueueError(f"the code location {location_name} did not load: {entry.load_error}")
    location = entry.code_location
    [repository] = location.get_repositories().values()
    selected = frozenset(assets) if assets is not None else None
    remote_job = location.get_job(
        JobSubsetSelector(
            location_name=location.name,
            repository_name=repository.name,
            job_name=job_name,
            op_selection=None,
            asset_selection=selected,
        )
    )
    plan = location.get_execution_plan(
        remote_job, dict(run_config or {}), step_keys_to_execute=None, known_state=None, instance=context.instance
    )
    run = context.instance.create_run(
        job_name=job_name,
        run_id=None,
        run_config=dict(run_config or {}),
        resolved_op_selection=remote_job.resolved_op_selection,
        step_keys_to_execute=None,
        status=dg.DagsterRunStatus.NOT_STARTED,
        op_selection=None,
        root_run_id=None,
        parent_run_id=None,
        tags={**(remote_job.run_tags or {}), **(tags or {})},
        job_snapshot=remote_job.job_snapshot,
        execution_plan_snapshot=plan.execution_plan_snapshot,
        parent_job_snapshot=remote_job.parent_job_snapshot,
        remote_job_origin=remote_job.get_remote_origin(),
        job_code_origin=remote_job.get_python_origin(),
        asset_selection=selected,
        asset_check_selection=None,
        asset_graph=repository.asset_graph,
    )
    context.instance.submit_run(run.run_id, request)
    return run.run_id


STEP_ENDS = {
    dg.DagsterEventType.STEP_SUCCESS: "done",
    dg.DagsterEventType.STEP_FAILURE: "FAILED",
    dg.DagsterEventType.STEP_SKIPPED: "skipped",
}


def follow(
    instance: dg.DagsterInstance,
    run_id: str,
    say: Callable[[str], None] = print,
    poll_seconds: float = 1.0,
    timeout_seconds: float = 6 * 3600,
) -> dg.DagsterRun:
    """Wait for the run to end, saying when it waits behind another and one line per step as
    it ends (its full log stays in the run); returns the finished run."""
    started = time.monotonic()
    cursor = None
    said_waiting = False
    step_started: dict[str, float] = {}
    while True:
        run = instance.get_run_by_id(run_id)
        if run is None:
            raise RunQueueError(f"run {run_id} is not in the instance")
        if (
            run.status in WAITING
            and time.monotonic() - started > 2 * HEARTBEAT_FRESH_SECONDS
            and not daemon_heartbeating(instance)
        ):
            raise RunQueueError(
                f"run {run_id} is queued and no Dagster daemon is running to launch it: start "
                "one (`dtm dev`, or dagster-daemon as in the README's Deploy section)"
            )
        if run.status in WAITING and not said_waiting and time.monotonic() - started > 5:
            busy = [
                r.run_id
                for r in instance.get_runs(
                    filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]), limit=3
                )
            ]
            say(
                f"  run {run_id[:8]} is queued"
                + (
                    f", behind run(s) {', '.join(r[:8] for r in busy)} in progress"
                    if busy
                    else ", waiting for the daemon"
                )
            )
            said_waiting = True
        records = instance.get_records_for_run(
            run_id, cursor=cursor, of_type={dg.DagsterEventType.STEP_START, *STEP_ENDS}
        )
        cursor = records.cursor
        for record in records.records:
            entry = record.event_log_entry
            kind = entry.dagster_event.event_type
            if kind == dg.DagsterEventType.STEP_START:
                step_started[entry.step_key] = entry.timestamp
                continue
            seconds = entry.timestamp - step_started.get(entry.step_key, entry.timestamp)
            say(f"  {STEP_ENDS[kind]:<7} {entry.step_key} ({seconds:.1f} s)")
        if run.status in FINISHED and not records.has_more:
            return run
        if time.monotonic() - started > timeout_seconds:
            raise RunQueueError(f"run {run_id} did not end within {timeout_seconds:.0f} s (status {run.status.value})")
        if not records.has_more:
            time.sleep(poll_seconds)

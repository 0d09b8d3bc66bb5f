"""How a run's steps execute, chosen once from ``DTM_EXECUTOR`` when the code location loads.

``in_process`` (the default): a run's steps one after another in the run's own process. With
the DuckDB warehouse that is a requirement, not a preference: ``warehouse.duckdb`` takes one
writing process at a time, and with one run at a time (``dagster.yaml``, ``instance.py``)
the run's process is that writer.

``celery``: each step is a Celery task that a ``dtm worker`` process, on this machine or
another, takes from the broker (``DTM_CELERY_BROKER``) and runs; its events come back
through the result backend (``DTM_CELERY_BACKEND``). Steps then run side by side in several
processes. A DuckDB file cannot be written that way (the second process to open it fails on
its lock), so Celery needs the DuckLake warehouse (``DTM_WAREHOUSE=ducklake``: a Postgres
catalog, Parquet files, many writers) and the code location refuses to load without it.

The workers' Celery app is built here too (``worker_app``), from the same settings as the
executor, so that both ends agree on the broker, the backend and the task options.
"""

from __future__ import annotations

import dagster as dg

from dtm_platform.secrets import url_credentials
from dtm_platform.settings import Settings

IN_PROCESS, CELERY = "in_process", "celery"
# The module every worker imports: it holds the workers' app with Dagster's tasks registered
# (`celery -A dtm_platform.defs.automation.celery_worker worker` starts one as well).
WORKER_MODULE = "dtm_platform.defs.automation.celery_worker"

# Celery settings both ends use (dagster-celery's own defaults come first: one task
# prefetched per worker process, priorities). A task is acknowledged when its step ends, not
# when a worker takes it. Acknowledged on receipt (Celery's default), a step whose worker is
# killed mid-step (SIGKILL, the OOM killer, its machine lost) vanishes: no worker has it and
# no answer ever comes, and the run waits forever. Acknowledged late, the broker hands the
# step to another worker when the dead one's connection drops, and that worker fails it at
# once (``StepTask``): the run fails in seconds, and a re-execution from failure runs it anew.
CELERY_OPTIONS = {
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "broker_connection_retry_on_startup": True,
}


class ExecutorSettingsError(ValueError):
    """DTM_EXECUTOR asks for something the warehouse cannot take."""


class StepWorkerLost(RuntimeError):
    """A step came back from the broker after the worker running it was lost."""


def check_executor(settings: Settings) -> None:
    if settings.executor == CELERY and settings.warehouse_kind != "ducklake":
        raise ExecutorSettingsError(
            f"DTM_EXECUTOR=celery needs DTM_WAREHOUSE=ducklake (it is {settings.warehouse_kind}): "
            "the Celery executor runs a run's steps at once in other processes, and "
            "warehouse.duckdb has a single writer, so those steps would collide on its lock. "
            "Set DTM_WAREHOUSE=ducklake, or leave DTM_EXECUTOR unset (in_process)."
        )


def platform_executor(settings: Settings) -> dg.ExecutorDefinition:
    """The executor every job of the code location uses."""
    check_executor(settings)
    if settings.executor == IN_PROCESS:
        return dg.in_process_executor
    from dagster_celery import celery_executor

    return celery_executor.configured(
        {
            "broker": _url_config("DTM_CELERY_BROKER", settings.celery_broker),
            "backend": _url_config("DTM_CELERY_BACKEND", settings.celery_backend),
            "include": [WORKER_MODULE],
            "config_source": dict(CELERY_OPTIONS),
        },
        name="celery",
    )


def worker_app(settings: Settings):
    """The Celery app a ``dtm worker`` runs: dagster-celery's (its queue, routes and
    priorities) on the configured broker and backend, with Dagster's step task registered."""
    check_executor(settings)
    from dagster_celery.config import DEFAULT_CONFIG, dict_wrapper
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    app = make_app(
        {
            "broker": settings.celery_broker,
            "backend": settings.celery_backend,
            "include": [WORKER_MODULE],
            "config_source": dict_wrapper({**DEFAULT_CONFIG, **CELERY_OPTIONS}),
        }
    )
    create_task(app, base=_step_task_class())
    return app


def _step_task_class():
    from celery import Task

    class StepTask(Task):
        """dagster-celery's step task, which will not run a step a second time on its own.

        A step the broker delivers again (``redelivered``) whose run's event log shows it
        started more often than Dagster's own retries account for was running on a worker that
        was lost. Its first execution may have written part of its output, or may still be
        writing (a connection to the broker dropped, not the worker): running it again here
        could write twice. It fails instead, with an engine event saying why, and the run
        fails; a re-execution from failure runs it again, and a person or a run retry decides.
        A redelivered step that had not started (the worker died holding it) runs as usual.
        """

        def __call__(self, *args, **kwargs):
            if (self.request.delivery_info or {}).get("redelivered"):
                _refuse_a_lost_step(kwargs["execute_step_args_packed"], self.request.hostname)
            return super().__call__(*args, **kwargs)

    return StepTask


def _refuse_a_lost_step(packed: dict, worker: str | None) -> None:
    from dagster._core.events import EngineEventData
    from dagster._grpc.types import ExecuteStepArgs
    from dagster._serdes import unpack_value

    args = unpack_value(packed, as_type=ExecuteStepArgs)
    (step_key,) = args.step_keys_to_execute or [None]
    with dg.DagsterInstance.from_ref(args.instance_ref) as instance:
        starts = instance.all_logs(
            args.run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_RESTARTED}
        )
        started = sum(record.step_key == step_key for record in starts)
        attempts = args.known_state.get_retry_state().get_attempt_count(step_key) if args.known_state else 0
        if started <= attempts:
            return
        message = (
            f"Step {step_key} started on a Celery worker that was lost before the step ended (the worker "
            f"killed, or its connection to the broker dropped); the broker handed it to {worker}, which does "
            "not run it a second time on its own. Re-execute the run from failure."
        )
        instance.report_engine_event(
            message,
            instance.get_run_by_id(args.run_id),
            EngineEventData({"Celery worker": worker or ""}),
            step_key=step_key,
        )
    raise StepWorkerLost(message)


def _url_config(variable: str, url: str) -> str | dict:
    """A URL with a password is handed to Dagster as the variable that holds it, so the
    password stays in the environment: never in the job's definition nor its snapshot."""
    return {"env": variable} if url_credentials(url) else url

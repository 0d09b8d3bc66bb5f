"""Two small jobs for test_celery_executor.py, run with the platform's executor
(``platform_executor``, DTM_EXECUTOR=celery) on ``dtm worker`` processes.

Independent of the warehouse: the ops write nothing but their results (in the Dagster
instance's storage folder) and, for the test to watch, small files in ``DTM_TEST_CELERY_MARKS``.
Each op returns, and records as output metadata, where it ran: its process id and the name
the test gave the worker that ran it (``DTM_TEST_CELERY_WORKER``, in that worker's environment).
The jobs are built when loaded (``dg.reconstructable`` of the functions below), in the test's
process and in each worker, from the environment the test set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg

from dtm_platform.defs.automation.executor import platform_executor
from dtm_platform.settings import DEFAULT_CELERY_QUEUE, load_settings

WORKER = "DTM_TEST_CELERY_WORKER"
MARKS = "DTM_TEST_CELERY_MARKS"
QUEUE = "DTM_TEST_CELERY_QUEUE"  # the queue the steps go to (dagster-celery/queue tag)
SPREAD_OPS = ("first", "second", "third", "fourth")
STALL_SECONDS = 120  # the victim's first execution waits this long for the test to kill its worker


def where_am_i() -> dict:
    return {"pid": os.getpid(), "worker": os.environ.get(WORKER, "")}


def _tags() -> dict:
    return {"dagster-celery/queue": os.environ.get(QUEUE, DEFAULT_CELERY_QUEUE)}


def _recording_op(name: str) -> dg.OpDefinition:
    @dg.op(name=name, tags=_tags())
    def record(context) -> dict:
        time.sleep(2)  # long enough that one worker cannot take every step
        here = where_am_i()
        context.add_output_metadata(here)
        return here

    return record


def spread() -> dg.JobDefinition:
    """Four independent steps, then one that gathers what they returned."""

    @dg.op(tags=_tags())
    def gather(context, first: dict, second: dict, third: dict, fourth: dict) -> list[dict]:
        context.add_output_metadata(where_am_i())
        return [first, second, third, fourth, where_am_i()]

    @dg.job(name="celery_spread", executor_def=platform_executor(load_settings()))
    def celery_spread():
        gather(*(_recording_op(name)() for name in SPREAD_OPS))

    return celery_spread


def killed_worker() -> dg.JobDefinition:
    """``victim`` stalls the first time it runs, so that the test can kill its worker; run
    again (by another worker, or re-executed), it returns at once. ``after`` follows it."""

    @dg.op(tags=_tags())
    def victim(context) -> dict:
        marks = Path(os.environ[MARKS])
        here = where_am_i()
        first = not (marks / "victim.started").exists()
        (marks / "victim.started").touch()
        # written last and whole: the test reads it as soon as it appears
        partial = marks / f".victim.{here['pid']}"
        partial.write_text(here["worker"])
        partial.rename(marks / f"victim.{here['pid']}")
        if first:
            time.sleep(STALL_SECONDS)
        context.add_output_metadata(here)
        return here

    @dg.op(tags=_tags())
    def after(context, victim: dict) -> dict:
        context.add_output_metadata(where_am_i())
        return {**where_am_i(), "victim": victim}

    @dg.job(name="celery_killed_worker", executor_def=platform_executor(load_settings()))
    def celery_killed_worker():
        after(victim())

    return celery_killed_worker

"""The cold build on DuckLake with Celery workers beside the DuckDB-file build (issue #20).

The same forms served once; three cold builds, each from an empty DTM_HOME: the default (the
warehouse a DuckDB file, the steps in the run's process), then DuckLake (its catalog in a
Postgres database of its own on 127.0.0.1, its Parquet files under the home) with the steps
on one ``dtm worker``, then on two. The lake builds go through the run queue and a daemon, as
the Celery executor requires; each worker runs one step at a time (``--concurrency 1``).
Peak memory counts the build's process tree and the workers' alike. The broker is this
machine's RabbitMQ, as guest on its default virtual host; the workers' queue is emptied first.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.build import build_env, one_build
from benchmarks.serve import served

BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
QUEUE = "dagster"  # dagster-celery's default queue, which the platform's steps go to
WORKER_COUNTS = (1, 2)


def engines(mix: dict[str, int], log: Callable[[str], None]) -> dict:
    from tests.celery_workers import Platform
    from tests.postgres_server import temporary_lake

    log(f"Cold build on each engine: about {sum(mix.values()):,} submissions across {len(mix)} forms")
    results = {}
    with served(mix) as server:
        results["submissions"] = sum(server.counts.values())
        home = Path(tempfile.mkdtemp(prefix="dtm-bench-file-"))
        results["duckdb_file"] = one_build(home, server.url, reconcile=False, log=log, label="DuckDB file, in process")
        results["duckdb_file"]["warehouse_gib"] = (home / "warehouse.duckdb").stat().st_size / 2**30
        for count in WORKER_COUNTS:
            home = Path(tempfile.mkdtemp(prefix=f"dtm-bench-lake{count}-"))
            with temporary_lake(home / "lake") as lake:
                env = {**lake, "DTM_EXECUTOR": "celery", "DTM_CELERY_BROKER": BROKER, "DTM_CELERY_BACKEND": "rpc://"}
                _empty_queue()
                workers = Platform(
                    home=home, marks=home, env={**build_env(home, server.url), **env}, password=None, queue=QUEUE
                )
                names = [f"w{n}" for n in range(1, count + 1)]
                try:
                    pids = tuple(workers.start_worker(name).pid for name in names)
                    workers.wait_ready(*names)
                    label = f"DuckLake, {count} Celery worker{'s' if count > 1 else ''}"
                    results[f"ducklake_{count}"] = one_build(
                        home,
                        server.url,
                        reconcile=False,
                        log=log,
                        label=label,
                        extra_env=env,
                        through_queue=True,
                        also_measure=pids,
                    )
                    results[f"ducklake_{count}"]["warehouse_gib"] = _size_gib(home / "lake")
                finally:
                    workers.stop_all()
    return results


def _empty_queue() -> None:
    """Steps an earlier, interrupted benchmark left in the queue would run on these workers."""
    from kombu import Connection
    from kombu.exceptions import ChannelError

    with Connection(BROKER) as connection, contextlib.suppress(ChannelError):  # no queue yet: nothing waits
        connection.default_channel.queue_purge(QUEUE)


def _size_gib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**30

"""DTM_EXECUTOR=celery for real: two ``dtm worker`` processes on this machine's RabbitMQ
(127.0.0.1:5672) run the steps of small jobs (``celery_jobs.py``) through the platform's
executor, sharing the Dagster instance that ``dtm_platform.instance`` writes under DTM_HOME.

The tests make and remove their own RabbitMQ virtual host and user (a unique password that
must reach no log, no Dagster record and no file) with ``rabbitmqctl``, as root on these
machines and in CI; without it, they use the default virtual host as guest. Either way the
steps go to a queue of their own. A missing broker fails the tests rather than skipping them.
"""

from __future__ import annotations

import os
import threading
import time

import dagster as dg
import pytest

from tests.celery_workers import Platform
from tests.integration import celery_jobs
from tests.postgres_server import temporary_lake

AFTER_KILL_SECONDS = 30  # how long a run may take to end once a worker is killed under it

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def platform(broker, tmp_path_factory):
    """The environment of the test and of its workers: celery, a DuckLake of its own, the
    tests' broker and queue, a DTM_HOME of its own (its Dagster instance shared by all)."""
    url, password, queue = broker
    home = tmp_path_factory.mktemp("celery_home")
    marks = home / "marks"
    marks.mkdir()
    with temporary_lake(home / "lake") as lake:
        yield from _platform(home, marks, lake, url, password, queue)


def _platform(home, marks, lake, url, password, queue):
    env = {
        **lake,
        "DTM_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "DTM_EXECUTOR": "celery",
        "DTM_CELERY_BROKER": url,
        "DTM_CELERY_BACKEND": "rpc://",
        celery_jobs.QUEUE: queue,
        celery_jobs.MARKS: str(marks),
    }
    patch = pytest.MonkeyPatch()
    for name, value in env.items():
        patch.setenv(name, value)
    from dtm_platform.instance import init_storage
    from dtm_platform.settings import load_settings

    init_storage(load_settings())
    try:
        yield Platform(home=home, marks=marks, env=dict(os.environ), password=password, queue=queue)
    finally:
        patch.undo()


@pytest.fixture(scope="module")
def workers(platform):
    platform.start_worker("w1")
    platform.start_worker("w2")
    try:
        platform.wait_ready("w1", "w2")
        yield platform
    finally:
        platform.stop_all()


def _celery_workers_of(instance: dg.DagsterInstance, run_id: str) -> dict[str, str]:
    """Step key -> the Celery worker (node name) that dagster-celery says executed it."""
    found = {}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        event = record.dagster_event
        node = event.engine_event_data.metadata.get("Celery worker") if event.engine_event_data else None
        if node is not None:
            found[event.step_key] = node.value
    return found


def test_steps_run_on_both_workers_and_the_run_succeeds(workers):
    started = time.monotonic()
    with (
        dg.DagsterInstance.get() as instance,
        dg.execute_job(dg.reconstructable(celery_jobs.spread), instance=instance) as result,
    ):
        assert result.success
        outputs = {name: result.output_for_node(name) for name in celery_jobs.SPREAD_OPS}
        gathered = result.output_for_node("gather")
        run = instance.get_run_by_id(result.run_id)
        nodes = _celery_workers_of(instance, result.run_id)
    elapsed = time.monotonic() - started

    assert run.status == dg.DagsterRunStatus.SUCCESS
    places = [*outputs.values(), gathered[-1]]
    assert all(place["pid"] != os.getpid() for place in places), places
    # every step in a worker process, and the four independent ones shared out between both
    assert {place["worker"] for place in places} <= {"w1", "w2"}
    assert {place["worker"] for place in outputs.values()} == {"w1", "w2"}, outputs
    assert gathered[:4] == [outputs[name] for name in celery_jobs.SPREAD_OPS]
    assert {node.split("@")[0] for node in nodes.values()} <= {"w1", "w2"} and set(nodes) == {
        *celery_jobs.SPREAD_OPS,
        "gather",
    }
    # four steps of 2 s on two workers, then gather: side by side, not one after another
    print(f"celery_spread: {elapsed:.1f} s, steps on {sorted(nodes.items())}")
    _no_password_anywhere(workers, instance_run_ids=[result.run_id])


def test_a_worker_killed_mid_step_fails_the_run_promptly_and_a_reexecution_completes(workers):
    """SIGKILL on the worker running a step: the broker gives the unacknowledged step to the
    other worker, which fails it (StepTask) instead of running it twice; the run fails within
    seconds, not after the step's two-minute stall nor never. Re-executed from failure, the run
    completes on the worker left."""
    killed: dict = {}

    def kill_the_victims_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            started = sorted(workers.marks.glob("victim.[0-9]*"))
            if started:
                name = started[0].read_text()
                workers.kill(name)
                killed.update(worker=name, at=time.monotonic())
                return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_the_victims_worker, daemon=True)
    killer.start()
    recon = dg.reconstructable(celery_jobs.killed_worker)
    with dg.DagsterInstance.get() as instance:
        with dg.execute_job(recon, instance=instance, raise_on_error=False) as result:
            finished = time.monotonic()
            run_id = result.run_id
        killer.join(timeout=5)
        assert killed, f"the victim step never started:\n{workers.log('w1')}\n{workers.log('w2')}"
        survivor = ({"w1", "w2"} - {killed["worker"]}).pop()
        after_kill = finished - killed["at"]
        print(f"killed {killed['worker']} mid-step; the run ended {after_kill:.1f} s later")
        assert after_kill < AFTER_KILL_SECONDS
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        messages = [record.message for record in instance.all_logs(run_id)]
        assert any("victim started on a Celery worker that was lost" in m and f"{survivor}@" in m for m in messages), (
            messages
        )
        # the victim ran once, on the killed worker: the survivor did not run it again
        executions = [path.read_text() for path in workers.marks.glob("victim.[0-9]*")]
        assert executions == [killed["worker"]]

        options = dg.ReexecutionOptions.from_failure(run_id, instance)
        with dg.execute_job(recon, instance=instance, reexecution_options=options) as again:
            assert again.success
            victim, after = again.output_for_node("victim"), again.output_for_node("after")
            rerun_id = again.run_id
        assert victim["worker"] == after["worker"] == survivor
        assert instance.get_run_by_id(rerun_id).parent_run_id == run_id
        succeeded = instance.all_logs(rerun_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
        assert sorted(record.step_key for record in succeeded) == ["after", "victim"]
    _no_password_anywhere(workers, instance_run_ids=[run_id, rerun_id])


def _no_password_anywhere(platform: Platform, instance_run_ids: list[str]) -> None:
    """The broker's password is in no worker log, no event, no run record, no file."""
    if platform.password is None:  # guest's well-known password: nothing to protect
        return
    secret = platform.password.encode()
    assert secret not in platform.files_text()
    with dg.DagsterInstance.get() as instance:
        for run_id in instance_run_ids:
            run = instance.get_run_by_id(run_id)
            assert platform.password not in repr(run)
            assert all(platform.password not in repr(record) for record in instance.all_logs(run_id))

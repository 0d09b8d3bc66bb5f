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
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest

from dtm_platform.settings import PROJECT_ROOT
from tests.integration import celery_jobs

BROKER_HOST, BROKER_PORT = "127.0.0.1", 5672
READY_SECONDS = 90  # a worker's start: Python, Dagster and Celery imported on a busy machine
AFTER_KILL_SECONDS = 30  # how long a run may take to end once a worker is killed under it

pytestmark = pytest.mark.timeout(300)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def broker():
    """A broker URL of the tests' own: a virtual host and a user made for them, or (without
    rabbitmqctl) guest on the default virtual host. Yields (url, password, queue)."""
    try:
        socket.create_connection((BROKER_HOST, BROKER_PORT), timeout=2).close()
    except OSError:
        pytest.fail(f"no RabbitMQ on {BROKER_HOST}:{BROKER_PORT}: start it (rabbitmq-server -detached)", pytrace=False)
    suffix = uuid.uuid4().hex[:10]
    queue = f"dtm_test_{suffix}"
    if shutil.which("rabbitmqctl") and os.geteuid() == 0:
        vhost, user, password = f"dtm_test_{suffix}", f"dtm_test_{suffix}", f"pw-never-logged-{suffix}"
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("add_user", user, password)
        _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
        try:
            yield f"pyamqp://{user}:{password}@{BROKER_HOST}:{BROKER_PORT}/{vhost}", password, queue
        finally:
            _rabbitmqctl("delete_vhost", vhost)
            _rabbitmqctl("delete_user", user)
    else:
        url = f"pyamqp://guest:guest@{BROKER_HOST}:{BROKER_PORT}//"
        try:
            yield url, None, queue
        finally:
            from kombu import Connection

            with Connection(url) as connection:
                connection.default_channel.queue_delete(queue)


@pytest.fixture(scope="module")
def platform(broker, tmp_path_factory):
    """The environment of the test and of its workers: celery, DuckLake declared, the tests'
    broker and queue, a DTM_HOME of its own (its Dagster instance shared by all)."""
    url, password, queue = broker
    home = tmp_path_factory.mktemp("celery_home")
    marks = home / "marks"
    marks.mkdir()
    env = {
        "DTM_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "DTM_EXECUTOR": "celery",
        "DTM_WAREHOUSE": "ducklake",
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


class Platform:
    def __init__(self, home: Path, marks: Path, env: dict, password: str | None, queue: str):
        self.home, self.marks, self.env, self.password, self.queue = home, marks, env, password, queue
        self.workers: dict[str, subprocess.Popen] = {}

    def start_worker(self, name: str) -> subprocess.Popen:
        """``dtm worker`` in a session of its own (killing its group kills the whole worker)."""
        log = (self.home / f"{name}.log").open("wb")
        env = {**self.env, celery_jobs.WORKER: name, "PYTHONPATH": str(PROJECT_ROOT)}
        command = ["worker", "--concurrency", "1", "--queue", self.queue, "--name", name, "--loglevel", "INFO"]
        process = subprocess.Popen(
            [sys.executable, "-m", "dtm_platform.cli", *command],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers[name] = process
        return process

    def wait_ready(self, *names: str) -> None:
        deadline = time.monotonic() + READY_SECONDS
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for name in list(waiting):
                if self.workers[name].poll() is not None:
                    pytest.fail(f"worker {name} exited ({self.workers[name].returncode}):\n{self.log(name)}")
                if " ready." in self.log(name):
                    waiting.discard(name)
            time.sleep(0.5)
        assert not waiting, f"workers not ready after {READY_SECONDS} s: {waiting}\n" + "\n".join(
            self.log(n) for n in waiting
        )

    def kill(self, name: str) -> None:
        process = self.workers[name]
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.workers.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.workers.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(name)

    def log(self, name: str) -> str:
        path = self.home / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def files_text(self) -> bytes:
        """Every byte under DTM_HOME (the Dagster storage, the workers' logs, the results)."""
        return b"".join(path.read_bytes() for path in self.home.rglob("*") if path.is_file())


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

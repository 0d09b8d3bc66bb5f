"""Celery workers for the tests that run steps on them: a RabbitMQ virtual host and user of
the tests' own on this machine's broker (127.0.0.1:5672), and ``dtm worker`` processes.

The virtual host and user (a unique password that must reach no log, no Dagster record and
no file) are made with ``rabbitmqctl``, as root on these machines and in CI; without it, the
tests use the default virtual host as guest, and their steps go to a queue of their own. A
missing broker fails the tests rather than skipping them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from dtm_platform.settings import PROJECT_ROOT
from tests.integration import celery_jobs

BROKER_HOST, BROKER_PORT = "127.0.0.1", 5672
READY_SECONDS = 90  # a worker's start: Python, Dagster and Celery imported on a busy machine


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

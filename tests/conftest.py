"""Shared fixtures: an isolated DTM_HOME per platform run, a fixed secret salt, and one clean
full build for every module that only reads its results.

Also how the suite runs in parallel (pyproject.toml runs it on pytest-xdist workers,
``-n 2 --dist loadscope``): see ``pytest_xdist_make_scheduler`` below.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.celery_workers import broker  # noqa: F401 (a fixture: the Celery tests' own virtual host)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

TEST_SALT = "test-salt-9f8e7d"


@pytest.fixture(scope="session")
def isolated_home(tmp_path_factory):
    """Returns a function that points DTM_HOME (and DAGSTER_HOME) at a fresh folder. The site
    and locality profiles are printed to PDF (a few hundred pages, about 15 s) only where
    ``profile_pdfs`` says so: the shared full build, whose tests read them."""
    patches: list[pytest.MonkeyPatch] = []

    def make(name: str, profile_pdfs: bool = False, as_of: date | None = None) -> Path:
        home = tmp_path_factory.mktemp(name)
        patch = pytest.MonkeyPatch()
        patch.setenv("DTM_HOME", str(home))
        patch.setenv("DAGSTER_HOME", str(home / "dagster"))
        patch.setenv("DTM_HASH_SALT", TEST_SALT)
        patch.setenv("DTM_PROFILE_PDFS", "on" if profile_pdfs else "off")
        if as_of:
            patch.setenv("DTM_AS_OF_DATE", as_of.isoformat())
        patches.append(patch)
        return home

    yield make
    for patch in reversed(patches):
        patch.undo()


# --- one clean full build, shared --------------------------------------------------------------


@dataclass(frozen=True)
class FullBuild:
    """The outcome of ``run_full_build()`` (its defaults: every synthetic form at the demo's
    size) and the environment it ran in."""

    outcome: object  # dtm_platform.demo.DemoOutcome
    home: Path  # its DTM_HOME
    env: dict  # DTM_HOME, DAGSTER_HOME, DTM_HASH_SALT, DTM_WAREHOUSE_PATH, DTM_AS_OF_DATE right after it

    @contextlib.contextmanager
    def environment(self):
        """Those variables as they stood right after the build, for as long as a module reads
        it (another module may have pointed DTM_HOME elsewhere since)."""
        patch = pytest.MonkeyPatch()
        for name, value in self.env.items():
            patch.setenv(name, value)
        try:
            yield
        finally:
            patch.undo()


@pytest.fixture(scope="session")
def full_build(isolated_home) -> FullBuild:
    """One ``run_full_build()`` under its own DTM_HOME for the whole session.

    test_pipeline.py and test_marts_truth.py each ran this very build for themselves; both
    only read it (a test that needs dbt to write works on a copy of the warehouse), so they
    share it. A module using it enters ``full_build.environment()`` for its duration. Under
    xdist the files of ``SHARED_BUILD`` go to one worker (see ``pytest_xdist_make_scheduler``),
    so the build still happens once; a file using it elsewhere gets a build of its own.
    """
    from dtm_platform.demo import run_full_build

    # Its figures as of the day it starts, in every layer, even if the build or a later one
    # compared with it (the lake build) runs past midnight.
    home = isolated_home("full_build", profile_pdfs=True, as_of=date.today())
    outcome = run_full_build()
    env = {
        name: os.environ[name]
        for name in ("DTM_HOME", "DAGSTER_HOME", "DTM_HASH_SALT", "DTM_WAREHOUSE_PATH", "DTM_AS_OF_DATE")
    }
    return FullBuild(outcome=outcome, home=home, env=env)


# --- running in parallel (pytest-xdist) --------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _dbt_manifest_parsed_once_per_checkout():
    """Under xdist, parse the dbt project (when its manifest is stale) before any test, one
    worker at a time: the workers share dbt_project/target, and two ``dbt parse`` writing it
    at once could leave a torn manifest. The ensure_manifest() calls after it find it fresh."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from dtm_platform.kobo.registry import load_registry
    from dtm_platform.settings import load_settings
    from dtm_platform.transform.project import DBT_PROJECT, ensure_manifest

    target = DBT_PROJECT.project_dir / DBT_PROJECT.target_path  # target_path is relative to the project
    target.mkdir(parents=True, exist_ok=True)
    with (target / ".pytest-parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            ensure_manifest(load_registry(load_settings().forms_file))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Files whose tests take minutes (full platform builds, dagster-webserver, dbt builds), most
# expensive first: under xdist they are handed out first, so that no worker is left alone
# with a long one at the end. Every other file follows, in the usual order.
SLOW_FIRST = (
    "tests/integration/test_gates.py",
    "tests/integration/test_pipeline.py",  # with test_marts_truth.py: the shared full build
    "tests/integration/test_marts_truth.py",
    "tests/integration/test_cleaning_loop.py",  # the cleaning loop on a copy of the shared build
    "tests/integration/test_lake_build.py",  # the shared build again, on DuckLake through two Celery workers
    "tests/integration/test_own_forms.py",  # a build with an extra form of an office's own
    "tests/integration/test_variant_forms.py",  # a build with two built-in forms as an office builds them
    "tests/integration/test_nothing_changed.py",  # a small home built, then built again four times
    "tests/integration/test_webserver.py",
    "tests/reliability/test_bad_inputs.py",
    "tests/reliability/test_crashes.py",
    "tests/integration/test_automation.py",
    "tests/reliability/test_hostile_server.py",  # 38 attacks on a crafted server, about 35 s
    "tests/integration/test_celery_executor.py",  # two Celery workers on RabbitMQ, three runs, about 25 s
    "tests/reliability/test_page_memory.py",  # two landings under tracemalloc, about 17 s
)
# The files that read the session's ``full_build``: one worker runs them all.
SHARED_BUILD = {
    "tests/integration/test_pipeline.py",
    "tests/integration/test_marts_truth.py",
    "tests/integration/test_cleaning_loop.py",
    "tests/integration/test_lake_build.py",
}
# Files whose tests are independent of each other and long enough to be worth spreading
# over the workers one by one (test_gates.py: a whole platform build per test, each under
# its own DTM_HOME).
SPREAD = {"tests/integration/test_gates.py"}


def _file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def work_unit(nodeid: str) -> str:
    """What runs on one worker: a whole file, as in a serial run (its module-scoped fixtures
    are built once, its tests keep their order and see one another's processes and
    environment as before); the files of ``SHARED_BUILD`` together; a test of ``SPREAD``
    on its own."""
    path = _file_of(nodeid)
    if path in SPREAD:
        return nodeid
    return "full_build" if path in SHARED_BUILD else path


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # xdist may be disabled (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadscope`` with the work units of ``work_unit`` (xdist's loadgroup cannot
    be used: it renames test ids, which pytest 9 no longer allows, so it groups nothing)."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, the slow files first (``--no-loadscope-reorder`` keeps this order).
    Every worker collects and sorts alike (xdist checks that the collections are equal)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        rank = {path: i for i, path in enumerate(SLOW_FIRST)}
        items.sort(key=lambda item: rank.get(_file_of(item.nodeid), len(rank)))

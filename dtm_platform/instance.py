"""The Dagster instance under DTM_HOME: DAGSTER_HOME is DTM_HOME/dagster (ARCHITECTURE.md, Raw and the warehouse).

``dagster.yaml`` is generated from the settings each time the home is prepared, so a change
of ``DTM_DAGSTER_POSTGRES_URL`` is picked up by the next ``dtm dev`` / ``python -m
dtm_platform.instance``. A ``dagster.yaml`` an operator wrote by hand (without the marker
line below) is left alone.

Run ``python -m dtm_platform.instance`` before starting dagster-webserver and dagster-daemon
(the README's Deploy section does): it prepares the folder, creates the storage once, and
prints DAGSTER_HOME. Two services starting on an empty storage would both create
it and can leave it unusable (two alembic heads in SQLite).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dtm_platform.settings import Settings, load_settings
from dtm_platform.warehouse import create_warehouse

MARKER = "# Written by the platform (dtm_platform/instance.py)"

HEADER_YAML = f"""\
{MARKER}; regenerated from the DTM_* settings, do not edit.
telemetry:
  enabled: false
"""

ONE_RUN_YAML = """
# Every run of this code location reads or writes warehouse.duckdb, and DuckDB allows one
# writing process (or many readers, never both). The queued run coordinator starts one run at
# a time; inside a run the in-process executor runs one step at a time (definitions.py).
# One run at a time rather than one step at a time (a pool at op granularity) also keeps a
# run's gates meaningful: no other run can land raw rows between this run's raw check and
# its staging models, which would then be built from rows no gate has seen.
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
concurrency:
  runs:
    max_concurrent_runs: 1
"""

SEVERAL_RUNS_YAML = """
# Steps run on Celery workers (DTM_EXECUTOR=celery) and the warehouse is DuckLake, which takes
# several writers: the queued run coordinator starts up to DTM_MAX_CONCURRENT_RUNS runs at once.
# Still one ingestion run per form at a time (runs tagged {form_tag}, a limit per form): two
# would page the same form from the same high-water mark. And one full build at a time (runs
# tagged {build_tag}): a build's second part builds what its first part changed.
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
concurrency:
  runs:
    max_concurrent_runs: {runs}
    tag_concurrency_limits:
      - key: {form_tag}
        value:
          applyLimitPerUniqueValue: true
        limit: 1
      - key: {build_tag}
        limit: 1
"""

REST_YAML = """
# The Kobo client and the ingestion around it (dtm_platform.kobo) log their retries, refused
# attachments and unreadable audit logs with Python's logging: Dagster captures those warnings
# into the run's event log, so a data engineer sees them under the run in the UI.
python_logs:
  managed_python_loggers:
    - dtm_platform.kobo

# With one run at a time, a run whose worker died would block the queue forever: run
# monitoring fails such runs so that the next one starts.
run_monitoring:
  enabled: true
  start_timeout_seconds: 300
  poll_interval_seconds: 60
"""

BASE_YAML = HEADER_YAML + ONE_RUN_YAML + REST_YAML

POSTGRES_YAML = """
# Postgres storage (runs, event logs, schedules) because DTM_DAGSTER_POSTGRES_URL is set.
# The URL (and its password) is read from the environment by each Dagster process; it is
# never written here.
storage:
  postgres:
    postgres_url:
      env: DTM_DAGSTER_POSTGRES_URL
"""

SQLITE_YAML = """
# SQLite storage under this folder (the default; set DTM_DAGSTER_POSTGRES_URL for Postgres).
"""


# dagster-postgres runs on psycopg2. With SQLAlchemy 2.1 a bare postgresql:// URL selects
# psycopg 3, whose server-side parameters break dagster-postgres (NOTIFY run_events, $1).
POSTGRES_SCHEME = "postgresql+psycopg2"


def dagster_yaml(settings: Settings) -> str:
    base = _base_yaml(settings)
    url = settings.dagster_postgres_url
    if url is None:
        return base + SQLITE_YAML
    scheme = url.split("://", 1)[0] if "://" in url else "(none)"
    if scheme != POSTGRES_SCHEME:
        raise ValueError(
            f"DTM_DAGSTER_POSTGRES_URL must start with {POSTGRES_SCHEME}:// (dagster-postgres "
            f"needs the psycopg2 driver), not {scheme}://"
        )
    return base + POSTGRES_YAML


def _base_yaml(settings: Settings) -> str:
    """One run at a time (the in-process executor, the DuckDB warehouse), or several with Celery."""
    from dtm_platform.defs.automation.executor import CELERY, check_executor
    from dtm_platform.defs.automation.tags import FORM_TAG, FULL_BUILD_TAG

    check_executor(settings)
    if settings.executor != CELERY:
        return BASE_YAML
    runs = SEVERAL_RUNS_YAML.format(runs=settings.max_concurrent_runs, form_tag=FORM_TAG, build_tag=FULL_BUILD_TAG)
    return HEADER_YAML + runs + REST_YAML


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with its dagster.yaml and point this process at it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = dagster_yaml(settings)
    current = config.read_text(encoding="utf-8") if config.exists() else None
    if current is None or (current.startswith(MARKER) and current != wanted):
        # Replace atomically: a webserver or daemon starting now never reads half a file.
        partial = config.with_suffix(".yaml.tmp")
        partial.write_text(wanted, encoding="utf-8")
        partial.replace(config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def init_storage(settings: Settings) -> Path:
    """Prepare DAGSTER_HOME and create the instance's storage (its tables), once."""
    import dagster as dg

    home = prepare_dagster_home(settings)
    with dg.DagsterInstance.get():
        pass  # opening a new SQLite or Postgres storage creates its tables
    # Likewise the lake's catalog, before any two steps could both find it empty and create it
    create_warehouse(settings.warehouse)
    return home


if __name__ == "__main__":
    print(init_storage(load_settings()))
    sys.exit(0)

"""DTM_EXECUTOR and its companions: the settings, the executor chosen from them, the refusal
of Celery with the DuckDB warehouse, the run queue dagster.yaml gets, and `dtm worker`'s
refusals. The executor at work on a real broker: tests/integration/test_celery_executor.py."""

from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg
import pytest

from dtm_platform.cli import main as dtm
from dtm_platform.defs.automation.executor import (
    WORKER_MODULE,
    ExecutorSettingsError,
    platform_executor,
)
from dtm_platform.defs.automation.tags import FORM_TAG, FULL_BUILD_TAG
from dtm_platform.instance import BASE_YAML, SQLITE_YAML, dagster_yaml
from dtm_platform.secrets import MASK, scrub
from dtm_platform.settings import PROJECT_ROOT, load_settings

BROKER = "pyamqp://dtm:broker-pw-8d1f@rabbit.internal:5672/dtm"


@pytest.fixture
def celery_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DTM_HOME", str(tmp_path))
    monkeypatch.setenv("DTM_EXECUTOR", "celery")
    monkeypatch.setenv("DTM_WAREHOUSE", "ducklake")
    monkeypatch.setenv("DTM_DUCKLAKE_CATALOG", "dbname=dtm_lake host=lake.internal user=dtm")  # never opened here
    monkeypatch.setenv("DTM_CELERY_BROKER", BROKER)
    return monkeypatch


def test_the_defaults_keep_one_step_and_one_run_at_a_time(monkeypatch):
    for name in ("DTM_EXECUTOR", "DTM_WAREHOUSE", "DTM_CELERY_BROKER", "DTM_CELERY_BACKEND", "DTM_MAX_CONCURRENT_RUNS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.executor, settings.warehouse_kind, settings.max_concurrent_runs) == ("in_process", "duckdb", 1)
    assert (settings.celery_broker, settings.celery_backend) == ("pyamqp://guest@127.0.0.1:5672//", "rpc://")
    assert platform_executor(settings) is dg.in_process_executor
    assert dagster_yaml(settings) == BASE_YAML + SQLITE_YAML


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DTM_EXECUTOR", "multiprocess", "DTM_EXECUTOR must be one of in_process, celery"),
        ("DTM_WAREHOUSE", "postgres", "DTM_WAREHOUSE must be one of duckdb, ducklake"),
        ("DTM_MAX_CONCURRENT_RUNS", "3", "DTM_MAX_CONCURRENT_RUNS=3 needs DTM_EXECUTOR=celery"),
    ],
)
def test_values_out_of_range_are_refused(monkeypatch, variable, value, message):
    monkeypatch.delenv("DTM_EXECUTOR", raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=message):
        load_settings()


def test_celery_with_the_duckdb_file_fails_the_code_location_load(celery_env):
    """As the webserver, the daemon or `dagster dev` load it: importing the definitions fails,
    at once (before the forms and dbt are loaded), saying why."""
    celery_env.setenv("DTM_WAREHOUSE", "duckdb")
    load = subprocess.run(
        [sys.executable, "-c", "import dtm_platform.definitions"],
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert load.returncode != 0
    assert "ExecutorSettingsError: DTM_EXECUTOR=celery needs DTM_WAREHOUSE=ducklake" in load.stderr
    assert "single writer" in load.stderr and "collide on its lock" in load.stderr
    assert "broker-pw-8d1f" not in load.stderr
    with pytest.raises(ExecutorSettingsError):
        dagster_yaml(load_settings())


def _executor_config(executor: dg.ExecutorDefinition) -> dict:
    """The configuration `configured` hands dagster-celery's executor, as a run resolves it."""
    resolved = executor.config_schema.resolve_config({})
    assert resolved.success, resolved.errors
    return resolved.value["config"]


def test_celery_executor_is_configured_from_the_settings_and_reads_a_password_from_the_environment(celery_env):
    settings = load_settings()
    assert "broker-pw-8d1f" not in repr(settings)
    assert settings.max_concurrent_runs == 4
    executor = platform_executor(settings)
    assert executor.name == "celery"
    config = _executor_config(executor)
    assert config["broker"] == BROKER
    assert (config["backend"], config["include"]) == ("rpc://", [WORKER_MODULE])
    assert config["config_source"]["task_acks_late"] is True
    # a URL with a password is named by its variable, read when a run starts, never copied
    celery_env.setenv("DTM_CELERY_BROKER", "pyamqp://dtm:rotated-pw@rabbit.internal:5672/dtm")
    assert _executor_config(executor)["broker"] == "pyamqp://dtm:rotated-pw@rabbit.internal:5672/dtm"
    # and masked in whatever the platform logs
    celery_env.setenv("DTM_CELERY_BROKER", BROKER)
    assert scrub(f"cannot reach {BROKER}") == f"cannot reach {MASK}"
    assert "broker-pw-8d1f" not in scrub("amqp://dtm:broker-pw-8d1f@rabbit.internal:5672/dtm")


def test_a_broker_without_a_password_is_written_as_it_is(celery_env):
    celery_env.setenv("DTM_CELERY_BROKER", "redis://127.0.0.1:6379/0")
    executor = platform_executor(load_settings())
    celery_env.setenv("DTM_CELERY_BROKER", "redis://elsewhere:6379/0")
    assert _executor_config(executor)["broker"] == "redis://127.0.0.1:6379/0"


def test_with_celery_the_run_queue_takes_several_runs_but_one_per_form_and_one_full_build(celery_env, tmp_path):
    celery_env.setenv("DTM_MAX_CONCURRENT_RUNS", "6")
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(dagster_yaml(load_settings()), encoding="utf-8")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_concurrency_config().run_queue_config
    assert runs.max_concurrent_runs == 6
    assert sorted(runs.tag_concurrency_limits, key=lambda limit: limit["key"]) == [
        {"key": FORM_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1},
        {"key": FULL_BUILD_TAG, "limit": 1},
    ]


def test_full_build_runs_carry_the_tag_the_limit_counts():
    from dtm_platform.defs.automation.jobs import full_build_job

    assert full_build_job().run_tags == {FULL_BUILD_TAG: "true"}


def test_dtm_worker_refuses_without_celery_or_with_the_duckdb_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DTM_HOME", str(tmp_path))
    monkeypatch.delenv("DTM_EXECUTOR", raising=False)
    assert dtm(["worker"]) == 2
    assert "no worker would receive any" in capsys.readouterr().err
    monkeypatch.setenv("DTM_EXECUTOR", "celery")
    monkeypatch.setenv("DTM_WAREHOUSE", "duckdb")
    assert dtm(["worker"]) == 2
    assert "single writer" in capsys.readouterr().err
    assert not (tmp_path / "dagster").exists()  # refused before touching the Dagster home

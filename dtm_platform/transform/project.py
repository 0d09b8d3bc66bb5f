"""The one dbt project object, and what Dagster hands dbt when it runs it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dagster_dbt import DbtProject

from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import PROJECT_ROOT, Settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The dbt installed beside this Python, so the platform never runs another one from PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def ensure_manifest(project: DbtProject = DBT_PROJECT) -> Path:
    """Parse the project when its manifest is missing or older than any of its files.

    ``dagster dev`` re-parses by itself; the demo, the tests and a deployed daemon call this
    so that a fresh clone or an edited model never runs against a stale manifest.
    """
    manifest = project.manifest_path
    if manifest.exists():
        built = manifest.stat().st_mtime
        newest = max(
            (p.stat().st_mtime for name in _SOURCES for p in _walk(project.project_dir / name)),
            default=0.0,
        )
        if newest <= built:
            return manifest
    env = {**os.environ, **dbt_environment_defaults()}
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(project.project_dir),
         "--profiles-dir", str(project.profiles_dir), "--target-path", str(project.target_path)],
        check=True, env=env, cwd=project.project_dir,
    )
    return manifest


def _walk(path: Path):
    if path.is_file():
        yield path
    elif path.is_dir():
        yield from (p for p in path.rglob("*") if p.is_file())


def dbt_environment_defaults() -> dict[str, str]:
    return {"DTM_WAREHOUSE_PATH": os.environ.get("DTM_WAREHOUSE_PATH", str(PROJECT_ROOT / "var" / "warehouse.duckdb"))}


def prepare_dbt_environment(settings: Settings) -> None:
    """dbt runs as a subprocess and reads the warehouse path from its environment."""
    settings.home.mkdir(parents=True, exist_ok=True)
    os.environ["DTM_WAREHOUSE_PATH"] = str(settings.warehouse_path)


def dbt_vars(forms: list[FormEntry]) -> str:
    """The form registry's personal-data policy, as the ``--vars`` the staging macros read."""
    return json.dumps({"dtm_personal_fields": {f.dataset: f.personal_fields for f in forms}})


def invocation_target(project: DbtProject, name: str, vars_json: str) -> Path:
    """A fresh target folder for one dbt invocation, holding a partial-parse file made with
    the same ``--vars`` and profile, so dbt reads the project in a second, not anew.

    dagster-dbt copies ``target/partial_parse.msgpack`` into each invocation's folder, but
    dbt refuses it when the vars or the rendered profile (the warehouse path, the memory
    limit) differ from the parse that wrote it, and parses everything again (8 s a layer
    here). One file per such combination, written once and replaced atomically, so
    concurrent builds of other homes neither fight over it nor read half of one.
    """
    key = hashlib.sha256(json.dumps([vars_json, os.environ.get("DTM_WAREHOUSE_PATH", ""),
                                     os.environ.get("DTM_DUCKDB_MEMORY_LIMIT", "")]).encode()).hexdigest()[:16]
    # where dbt and dagster-dbt put target folders (DBT_TARGET_PATH moves them), relative to the project
    targets = project.project_dir / Path(os.environ.get("DBT_TARGET_PATH") or project.target_path)
    cached = targets / "partial_parse" / f"{key}.msgpack"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=cached.parent, prefix="parse-"))
        try:
            subprocess.run(
                [DBT_EXECUTABLE, "parse", "--quiet", "--vars", vars_json, "--project-dir", str(project.project_dir),
                 "--profiles-dir", str(project.profiles_dir), "--target-path", str(scratch)],
                check=True, env=os.environ.copy(), cwd=project.project_dir,
            )
            os.replace(scratch / "partial_parse.msgpack", cached)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    target = Path(tempfile.mkdtemp(dir=targets, prefix=f"{name}-"))
    shutil.copy(cached, target / "partial_parse.msgpack")
    return target

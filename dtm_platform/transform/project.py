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

import yaml
from dagster_dbt import DbtProject

from dtm_platform.cleaning.ledger import ensure_ledger, ledger_path
from dtm_platform.finance.expenditures import ledger as expenditure_ledger
from dtm_platform.kobo.kinds import kind_fields
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.quality.logical_checks import load_logical_checks
from dtm_platform.settings import PROJECT_ROOT, Settings

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
RULES_SEED = DBT_PROJECT_DIR / "seeds" / "ref_dq_rules.csv"
DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The dbt installed beside this Python, so the platform never runs another one from PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def ensure_manifest(forms: list[FormEntry], project: DbtProject = DBT_PROJECT) -> Path:
    """The manifest of the project as the registry ``forms`` shapes it, parsed when it is
    missing or older than any of the project's files.

    One manifest per registry (its sources and vars), under ``target/manifests/<key>/``, so
    that code locations with different registries never overwrite each other's. ``dagster
    dev``, the demo, the tests and a deployed daemon all load it through here, so a fresh
    clone or an edited model never runs against a stale manifest.
    """
    vars_json = dbt_vars(forms)
    env = {**os.environ, **dbt_environment_defaults(), **dbt_registry_environment(forms)}
    key = hashlib.sha256(json.dumps([vars_json, env["DTM_DBT_REGISTRY_DIR"]]).encode()).hexdigest()[:16]
    target = project.project_dir / project.target_path / "manifests" / key
    manifest = target / "manifest.json"
    if manifest.exists():
        built = manifest.stat().st_mtime
        newest = max(
            (p.stat().st_mtime for name in _SOURCES for p in _walk(project.project_dir / name)),
            default=0.0,
        )
        if newest <= built:
            return manifest
    parsed = subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--vars",
            vars_json,
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
            "--target-path",
            str(target),
        ],
        env=env,
        cwd=project.project_dir,
        capture_output=True,
        text=True,
    )
    if parsed.returncode != 0:
        # dbt's own message, not the command line: its --vars carry the whole registry.
        raise RuntimeError(f"dbt parse failed for the form registry:\n{(parsed.stdout + parsed.stderr)[-4000:]}")
    return manifest


def _walk(path: Path):
    if path.is_file():
        yield path
    elif path.is_dir():
        yield from (p for p in path.rglob("*") if p.is_file())


def dbt_environment_defaults() -> dict[str, str]:
    return {"DTM_WAREHOUSE_PATH": os.environ.get("DTM_WAREHOUSE_PATH", str(PROJECT_ROOT / "var" / "warehouse.duckdb"))}


def dbt_warehouse_environment(settings: Settings) -> dict[str, str]:
    """The profile's target (profiles.yml) and what it reads: the file, or the lake's catalog
    and data path, as the settings resolved them."""
    if settings.warehouse_kind == "ducklake":
        lake = settings.warehouse
        return {
            "DTM_DBT_TARGET": "lake",
            "DTM_WAREHOUSE": "ducklake",
            "DTM_DUCKLAKE_CATALOG": lake.catalog,
            "DTM_DUCKLAKE_DATA_PATH": lake.data_path,
        }
    return {"DTM_DBT_TARGET": "warehouse", "DTM_WAREHOUSE_PATH": str(settings.warehouse_path)}


def prepare_dbt_environment(settings: Settings, forms: list[FormEntry]) -> None:
    """dbt runs as a subprocess and reads the warehouse path, the registry's generated files
    and the as-of day (macros/as_of_date.sql) from its environment."""
    settings.home.mkdir(parents=True, exist_ok=True)
    os.environ.update(dbt_warehouse_environment(settings))
    if settings.as_of_date:
        os.environ["DTM_AS_OF_DATE"] = settings.as_of_date.isoformat()  # validated, in the form dbt quotes
    os.environ["DTM_CLEANING_LOG_PATH"] = str(ensure_ledger(ledger_path(settings.cleaning_dir)))
    os.environ["DTM_EXPENDITURE_LEDGER_PATH"] = str(expenditure_ledger(settings.finance_dir).ensure())
    os.environ.update(dbt_registry_environment(forms))


def dbt_subprocess_environment(forms: list[FormEntry], warehouse: Path) -> dict[str, str]:
    """The environment for running dbt by hand on ``warehouse`` (tests, benchmarks): this
    process's, with the warehouse path, the cleaning-log and expenditure ledgers of the home it lies in and
    the registry's generated files."""
    ledger = ensure_ledger(ledger_path(warehouse.parent / "cleaning"))
    expenditures = expenditure_ledger(warehouse.parent / "finance").ensure()
    return {
        **os.environ,
        "DTM_WAREHOUSE_PATH": str(warehouse),
        "DTM_CLEANING_LOG_PATH": str(ledger),
        "DTM_EXPENDITURE_LEDGER_PATH": str(expenditures),
        **dbt_registry_environment(forms),
    }


def dbt_vars(forms: list[FormEntry]) -> str:
    """What dbt knows of the form registry, as the ``--vars`` its macros read: the datasets
    the models over every form union, each form's kind and mapped field paths, and the
    personal-data policy; and the officer's logical checks of the rules seed, parsed and
    rendered as SQL here (dtm_platform/quality/logical_checks.py) so that no text of the
    seed reaches DuckDB as it was written."""
    return json.dumps(
        {
            "kobo_datasets": [f.dataset for f in forms],
            "kobo_forms": {f.dataset: _form_vars(f) for f in forms},
            "dtm_personal_fields": {f.dataset: f.personal_fields for f in forms},
            "dq_logical_checks": [c.as_var() for c in load_logical_checks(RULES_SEED)],
        }
    )


def _form_vars(form: FormEntry) -> dict:
    """How the kind's models read one form: where it keeps the reference form's questions
    (``paths``: only those it keeps elsewhere) and which of its codes mean which of the
    models' (``codes``: reference path -> {form code: model code})."""
    references = kind_fields(form.kind)
    moved = form.paths_in_form()
    list_codes: dict[str, dict[str, str]] = {}
    for name, mapping in form.choice_codes.items():
        list_codes.setdefault(references[name].list_name, {}).update({code: model for model, code in mapping.items()})
    return {
        "kind": form.kind,
        "enumerator_path": form.field_path("enumerator_id"),
        "paths": moved,
        "codes": {
            references[name].path: {code: model for model, code in mapping.items()}
            for name, mapping in form.choice_codes.items()
        },
        # for the labels of the kind's codes and questions (stg_kobo__kind_choices, _questions):
        # the form's path of each reference select question -> its reference choice list
        # (for a form that keeps anything elsewhere; one that does not uses the reference's
        # lists), each reference list's codes as the form writes them, the questions it moved
        "lists": {
            form.field_path(name): f.list_name
            for name, f in references.items()
            if f.list_name and (moved or form.choice_codes)
        },
        "list_codes": list_codes,
        "questions": {path: reference.rsplit("/", 1)[-1] for reference, path in moved.items()},
    }


def dbt_registry_environment(forms: list[FormEntry]) -> dict[str, str]:
    """``DTM_DBT_REGISTRY_DIR``: a folder of dbt files generated from the registry (today the
    ``kobo`` sources, one raw table per form), which dbt_project.yml adds to its model paths.

    Written under the project's target folder (kept out of git), one folder per content,
    written once and atomically, so builds of different registries never share one."""
    text = "# Generated from the form registry by dtm_platform/transform/project.py: do not edit.\n" + yaml.safe_dump(
        _sources_document(forms), sort_keys=False, allow_unicode=True, width=100
    )
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    directory = DBT_PROJECT_DIR / DBT_PROJECT.target_path / "registry" / key
    if not directory.exists():
        directory.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=directory.parent, prefix="writing-"))
        (scratch / "_kobo__sources.yml").write_text(text, encoding="utf-8")
        try:
            os.replace(scratch, directory)
        except OSError:  # another process wrote the same folder first
            shutil.rmtree(scratch, ignore_errors=True)
    return {"DTM_DBT_REGISTRY_DIR": str(directory)}


def _sources_document(forms: list[FormEntry]) -> dict:
    tables = [
        {
            "name": "kobo_form_content",
            "description": (
                "Each deployed version of each registered form's content (survey rows, choices, "
                "translations), as KPI returns it; one row per form and version."
            ),
            "meta": {"dagster": {"asset_key": ["raw", "kobo_form_content"]}},
        }
    ]
    for form in forms:
        tables.append(
            {
                "name": form.raw_table,
                "description": (
                    f"{form.title} (Kobo form {form.uid}, kind {form.kind}): one row per submission "
                    "keyed on `_id`; `payload` is the submission exactly as the KPI API returned it. "
                    "Gated by its Great Expectations suite before any dbt step reads it."
                ),
                "meta": {"dagster": {"asset_key": ["raw", form.raw_table]}},
            }
        )

    return {
        "version": 2,
        "sources": [
            {
                "name": "kobo",
                "description": (
                    "Kobo submissions as landed by the ingestion assets, one table per form of the registry."
                ),
                "schema": "raw",
                "tables": tables,
            }
        ],
    }


def invocation_target(project: DbtProject, name: str, vars_json: str) -> Path:
    """A fresh target folder for one dbt invocation, holding a partial-parse file made with
    the same ``--vars`` and profile, so dbt reads the project in a second, not anew.

    dagster-dbt copies ``target/partial_parse.msgpack`` into each invocation's folder, but
    dbt refuses it when the vars or the rendered profile (the warehouse path, the memory
    limit) differ from the parse that wrote it, and parses everything again (8 s a layer
    here). One file per such combination, written once and replaced atomically, so
    concurrent builds of other homes neither fight over it nor read half of one.
    """
    key = hashlib.sha256(
        json.dumps(
            [
                vars_json,
                os.environ.get("DTM_WAREHOUSE_PATH", ""),
                os.environ.get("DTM_DUCKDB_MEMORY_LIMIT", ""),
                os.environ.get("DTM_DBT_REGISTRY_DIR", ""),
                os.environ.get("DTM_CLEANING_LOG_PATH", ""),
                os.environ.get("DTM_EXPENDITURE_LEDGER_PATH", ""),
            ]
        ).encode()
    ).hexdigest()[:16]
    # where dbt and dagster-dbt put target folders (DBT_TARGET_PATH moves them), relative to the project
    targets = project.project_dir / Path(os.environ.get("DBT_TARGET_PATH") or project.target_path)
    cached = targets / "partial_parse" / f"{key}.msgpack"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=cached.parent, prefix="parse-"))
        try:
            subprocess.run(
                [
                    DBT_EXECUTABLE,
                    "parse",
                    "--quiet",
                    "--vars",
                    vars_json,
                    "--project-dir",
                    str(project.project_dir),
                    "--profiles-dir",
                    str(project.profiles_dir),
                    "--target-path",
                    str(scratch),
                ],
                check=True,
                env=os.environ.copy(),
                cwd=project.project_dir,
            )
            os.replace(scratch / "partial_parse.msgpack", cached)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    target = Path(tempfile.mkdtemp(dir=targets, prefix=f"{name}-"))
    shutil.copy(cached, target / "partial_parse.msgpack")
    return target

"""sqlfluff with dbt's templater, the models compiled as the platform compiles them (make lint).

``python -m dtm_platform.transform.lint_sql lint|fix|format [sqlfluff's arguments]`` runs
sqlfluff (configured in .sqlfluff) with what Dagster hands dbt (project.py): the default
form registry's ``--vars`` (written as a sqlfluff config file, the one way sqlfluff passes
lists and mappings to dbt) and its generated sources folder. The warehouse is an in-memory
one, so that linting needs nothing built (a fresh clone) and opens no warehouse of a home.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from dtm_platform.kobo.registry import load_registry
from dtm_platform.settings import load_settings
from dtm_platform.transform.project import DBT_PROJECT_DIR, dbt_registry_environment, dbt_vars

# sqlfluff's dbt target folder, apart from the platform's (its manifests, partial parses)
TARGET = DBT_PROJECT_DIR / "target" / "sqlfluff"


def _toml(value) -> str:
    """``value`` (JSON data) as a TOML value, tables inline."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if value is None:
        raise ValueError("TOML has no null: a dbt var holds one")
    return json.dumps(value)  # strings, numbers and booleans are written alike


def write_config(forms) -> Path:
    """A sqlfluff config file (TOML: sqlfluff reads only pyproject.toml as such) holding the
    registry's ``--vars`` as the dbt templater's context."""
    TARGET.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by dtm_platform/transform/lint_sql.py: do not edit.",
        "[tool.sqlfluff.templater.dbt]",
        f"target_path = {json.dumps(str(TARGET))}",
        "[tool.sqlfluff.templater.dbt.context]",
    ]
    values = json.loads(dbt_vars(forms))
    # the officer's logical checks compile against the built tables' columns
    # (dq_logical_check_findings), which a lint does not have: it reads that model without them
    values["dq_logical_checks"] = []
    lines += [f"{json.dumps(name)} = {_toml(value)}" for name, value in values.items()]
    config = TARGET / "pyproject.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def main(argv: list[str]) -> int:
    forms = load_registry(load_settings().forms_file)
    config = write_config(forms)
    os.environ.update(dbt_registry_environment(forms))
    os.environ["DTM_WAREHOUSE_PATH"] = ":memory:"
    sqlfluff = str(Path(sys.executable).with_name("sqlfluff"))
    command, *rest = argv or ["lint"]
    os.execv(sqlfluff, [sqlfluff, command, "--config", str(config), *rest])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

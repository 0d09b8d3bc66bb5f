"""Values for the ``{"$PARAMETER": ...}`` placeholders of the suites.

A suite stays plain GX JSON; what it cannot know when written (the form versions deployed
on the server, the codes a form's choice list allows, the rounds collected, the row count
of the previous validation that passed) is looked up here when the check runs. Only the
parameters a suite refers to are computed. Form-specific ones need ``"form": <dataset>``
in the suite's meta.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


from dtm_platform.kobo.registry import load_registry
from dtm_platform.quality.suites import Suite
from dtm_platform.settings import load_settings
from dtm_platform.warehouse import connect_duckdb

GX_FUNCTIONS = {"now", "timedelta", "trunc", "round", "abs", "sgn", "exp", "sin", "cos", "tan",
                "days", "hours", "minutes", "seconds", "weeks"}
LAST_PASSED = "last_passed.json"


class ParameterError(ValueError):
    """A suite asks for a parameter the platform cannot provide."""


@dataclass(frozen=True)
class ParameterContext:
    suite: Suite
    warehouse: Path
    quality_dir: Path
    current_rows: int

    @property
    def form(self) -> str:
        form = (self.suite.document.get("meta") or {}).get("form")
        if not form:
            raise ParameterError(f"suite {self.suite.name} uses a form parameter but its meta names no 'form'")
        return form


def referenced_parameters(suite: Suite) -> set[str]:
    names: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            if "$PARAMETER" in value:
                names.update(n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(value["$PARAMETER"]))
                             if n not in GX_FUNCTIONS)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(suite.document["expectations"])
    return names


def suite_parameters(context: ParameterContext) -> dict:
    values = {}
    for name in sorted(referenced_parameters(context.suite)):
        if name.startswith("choices__"):
            values[name] = _choices(context, name.removeprefix("choices__"))
        elif name in PROVIDERS:
            values[name] = PROVIDERS[name](context)
        else:
            raise ParameterError(f"suite {context.suite.name}: unknown parameter {name!r}")
    return values


def previous_row_count(context: ParameterContext) -> int:
    """Rows at the last validation that passed; the current rows when there is none yet."""
    record = context.quality_dir / "results" / context.suite.name / LAST_PASSED
    if record.exists():
        return int(json.loads(record.read_text(encoding="utf-8"))["rows"])
    return context.current_rows


def remember_passed(quality_dir: Path, suite_name: str, rows: int, run_id: str) -> None:
    record = quality_dir / "results" / suite_name / LAST_PASSED
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"rows": rows, "run_id": run_id}), encoding="utf-8")


def known_form_versions(context: ParameterContext) -> list[str]:
    with connect_duckdb(context.warehouse, read_only=True) as con:
        return [r[0] for r in con.execute(
            "select version_id from raw.kobo_form_content where dataset = ? order by version_id",
            [context.form]).fetchall()]


def rounds_collected(context: ParameterContext) -> list[int]:
    """Rounds present in the form's staging model: each must reach the marts."""
    with connect_duckdb(context.warehouse, read_only=True) as con:
        return [r[0] for r in con.execute(
            f'select distinct round from staging."stg_kobo__{context.form}" where round is not null order by 1'
        ).fetchall()]


def _choices(context: ParameterContext, list_name: str) -> list[str]:
    """Codes of a choice list, from every deployed version of the form (an old submission
    may use a code a later version removed)."""
    with connect_duckdb(context.warehouse, read_only=True) as con:
        codes = [r[0] for r in con.execute("""
            select distinct (choice ->> 'name')
            from raw.kobo_form_content, unnest(cast(content -> '$.choices' as json[])) as t(choice)
            where dataset = ? and (choice ->> 'list_name') = ?
            order by 1
        """, [context.form, list_name]).fetchall()]
    if not codes:
        raise ParameterError(f"suite {context.suite.name}: form {context.form} has no choice list {list_name!r}")
    return codes


def live_submissions(context: ParameterContext) -> int:
    """Submissions of the form's raw table that are not deleted: the rows its typed table holds."""
    with connect_duckdb(context.warehouse, read_only=True) as con:
        return con.execute(
            f'select count(*) from raw."kobo_{context.form}" where deleted_at is null').fetchone()[0]


def registered_datasets(context: ParameterContext) -> list[str]:
    """The datasets of the form registry the platform runs with (DTM_FORMS_FILE)."""
    return [form.dataset for form in load_registry(load_settings().forms_file)]


PROVIDERS = {
    "registered_datasets": registered_datasets,
    "previous_row_count": previous_row_count,
    "known_form_versions": known_form_versions,
    "rounds_collected": rounds_collected,
    "live_submissions": live_submissions,
}

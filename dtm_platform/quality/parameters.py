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

import duckdb

from dtm_platform.kobo.form_content import choice_codes, form_questions
from dtm_platform.kobo.kinds import KIND_NAMES, kind_fields
from dtm_platform.kobo.registry import FormEntry, load_registry
from dtm_platform.quality.suites import Suite
from dtm_platform.settings import load_settings
from dtm_platform.warehouse import reading

GX_FUNCTIONS = {
    "now",
    "timedelta",
    "trunc",
    "round",
    "abs",
    "sgn",
    "exp",
    "sin",
    "cos",
    "tan",
    "days",
    "hours",
    "minutes",
    "seconds",
    "weeks",
}
LAST_PASSED = "last_passed.json"


class ParameterError(ValueError):
    """A suite asks for a parameter the platform cannot provide."""


@dataclass(frozen=True)
class ParameterContext:
    suite: Suite
    warehouse: Path | duckdb.DuckDBPyConnection  # an open connection: the gate's own
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
                names.update(
                    n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(value["$PARAMETER"])) if n not in GX_FUNCTIONS
                )
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
    with reading(context.warehouse) as con:
        return [
            r[0]
            for r in con.execute(
                "select version_id from raw.kobo_form_content where dataset = ? order by version_id", [context.form]
            ).fetchall()
        ]


def rounds_collected(context: ParameterContext) -> list[int]:
    """Rounds present in the form's staging model: each must reach the marts."""
    with reading(context.warehouse) as con:
        return [
            r[0]
            for r in con.execute(
                f'select distinct round from staging."stg_kobo__{context.form}" where round is not null order by 1'
            ).fetchall()
        ]


def _choices(context: ParameterContext, list_name: str) -> list[str]:
    """Codes of a choice list, from every deployed version of the form (an old submission
    may use a code a later version removed). For a suite of a kind's model (its meta names
    the kind), the codes of every form feeding it, read as the models read them: each form's
    own list for the questions that use ``list_name`` in the kind's reference form, its codes
    mapped by the registry (ARCHITECTURE.md, Forms and kinds)."""
    feeding = [f for f in _registered_forms() if f.kind == context.form]
    with reading(context.warehouse) as con:
        if not feeding:
            codes = sorted(
                {code for content in _contents(con, context.form) for code in choice_codes(content).get(list_name, [])}
            )
        else:
            codes = sorted(
                {
                    code
                    for form in feeding
                    for code in _codes_as_the_models_read_them(form, list_name, _contents(con, form.dataset))
                }
            )
    if not codes:
        raise ParameterError(f"suite {context.suite.name}: form {context.form} has no choice list {list_name!r}")
    return codes


def _registered_forms() -> list[FormEntry]:
    """The form registry the platform runs with (DTM_FORMS_FILE)."""
    return load_registry(load_settings().forms_file)


def _contents(con, dataset: str) -> list[dict]:
    return [
        json.loads(r[0])
        for r in con.execute("select content from raw.kobo_form_content where dataset = ?", [dataset]).fetchall()
    ]


def _codes_as_the_models_read_them(form: FormEntry, list_name: str, contents: list[dict]) -> set[str]:
    questions = [f for f in kind_fields(form.kind).values() if f.list_name == list_name]
    to_model = {code: model for field in questions for model, code in form.choice_codes.get(field.name, {}).items()}
    codes: set[str] = set()
    for content in contents:
        lists = choice_codes(content)
        by_path = {q.path: q for q in form_questions(content)}
        own_lists = {list_name}  # a list of the same name (questions a version renamed use it too)
        for field in questions:
            question = by_path.get(form.field_path(field.name))
            if question is not None and question.list_name:
                own_lists.add(question.list_name)
        for name in own_lists:
            codes.update(to_model.get(code, code) for code in lists.get(name, []))
    return codes


def live_submissions(context: ParameterContext) -> int:
    """Submissions of the form's raw table that are not deleted: the rows its typed table holds."""
    with reading(context.warehouse) as con:
        return con.execute(f'select count(*) from raw."kobo_{context.form}" where deleted_at is null').fetchone()[0]


def registered_datasets(context: ParameterContext) -> list[str]:
    """The datasets of the form registry the platform runs with (DTM_FORMS_FILE)."""
    return [form.dataset for form in _registered_forms()]


def issue_forms(context: ParameterContext) -> list[str]:
    """The names data quality gives a form (the kobo_quality_form macro): the built-in
    model (kind) it feeds, its dataset when it feeds none; every kind's models report even
    with no form of the kind registered."""
    return sorted(set(KIND_NAMES) | {f.dataset for f in _registered_forms() if f.kind not in KIND_NAMES})


def followed_forms(context: ParameterContext) -> list[str]:
    """The forms whose submissions data quality follows (dq_all_submissions), as it names
    them: each kind a registered form feeds, each registered form that feeds none."""
    return sorted({f.kind if f.kind in KIND_NAMES else f.dataset for f in _registered_forms()})


def dq_rules(context: ParameterContext) -> list[str]:
    """The rules of the rules seed (reference.ref_dq_rules, as dbt loaded it): the platform's
    and the officer's logical checks, which an office adds without touching a suite."""
    with reading(context.warehouse) as con:
        return [r[0] for r in con.execute("select distinct rule from reference.ref_dq_rules order by 1").fetchall()]


PROVIDERS = {
    "registered_datasets": registered_datasets,
    "followed_forms": followed_forms,
    "issue_forms": issue_forms,
    "dq_rules": dq_rules,
    "previous_row_count": previous_row_count,
    "known_form_versions": known_form_versions,
    "rounds_collected": rounds_collected,
    "live_submissions": live_submissions,
}

"""The gate of a form's typed tables, completed from the form's content when it runs.

What a form's questions are is only known from ``raw.kobo_form_content`` at check time (a new
version may have landed since the code location loaded), so the suite of ``forms/<dataset>``
(``suites.default_form_suite``) carries ``derive_from_form_content`` and gets, here, for the
parent table ``forms.<dataset>``:

- each select_one column within the codes of its choice list over every version, a warning
  only, as for unknown versions at raw: a choice an office adds to the form must not block it;
- each integer and decimal column of a numeric type (the builder's try_cast guarantees it;
  the expectation holds it if the builder ever changed).

An expectation the suite already has for the same type and column (from the form's own file
``expectations/forms/<dataset>.json``) is kept instead of the derived one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dtm_platform.kobo.registry import FormEntry, load_registry
from dtm_platform.quality.suites import Suite, expectation_key
from dtm_platform.settings import load_settings
from dtm_platform.transform.typed_forms import FormLayout, form_layout, load_contents
from dtm_platform.warehouse import reading

NUMERIC_DTYPES = [
    "int",
    "int32",
    "int64",
    "Int32Dtype",
    "Int64Dtype",
    "float",
    "float64",
    "Float64Dtype",
]  # as GX names pandas dtypes


def derived_expectations(layout: FormLayout) -> list[dict]:
    parent = layout.tables[0]
    expectations = []
    for column in parent.columns:
        q = column.question
        if column.role != "value" or q is None:
            continue
        if q.type == "select_one" and q.list_name:
            codes = sorted(layout.choices.get(q.list_name, {}))
            expectations.append(
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {"column": column.name, "value_set": codes},
                    "meta": {
                        "severity": "warn",
                        "notes": (
                            f"{q.path}: codes of choice list {q.list_name} in any version "
                            "of the form; a new choice warns, it does not block."
                        ),
                    },
                }
            )
        elif column.sql_type in ("BIGINT", "DOUBLE"):
            expectations.append(
                {
                    "type": "expect_column_values_to_be_in_type_list",
                    "kwargs": {"column": column.name, "type_list": NUMERIC_DTYPES},
                    "meta": {"notes": f"{q.path} is a {q.type} question."},
                }
            )
    return expectations


def personal_columns(layout: FormLayout) -> list[str]:
    """Hashed and coarsened columns: their values never go to check metadata."""
    return sorted(c.name for t in layout.tables for c in t.columns if c.role == "hash" or c.role.endswith("_coarse"))


def resolve_form_suite(
    suite: Suite, warehouse: Path | duckdb.DuckDBPyConnection, forms: list[FormEntry] | None = None
) -> Suite:
    """``suite`` with the expectations derived from its form's content; any other suite as is."""
    meta = suite.document.get("meta") or {}
    if not meta.get("derive_from_form_content"):
        return suite
    forms = forms if forms is not None else load_registry(load_settings().forms_file)
    form = next(f for f in forms if f.dataset == meta["form"])
    with reading(warehouse) as con:
        layout = form_layout(form, load_contents(con, form))
    present = {expectation_key(e) for e in suite.document["expectations"]}
    added = [e for e in derived_expectations(layout) if expectation_key(e) not in present]
    document = {
        **suite.document,
        "expectations": [*suite.document["expectations"], *added],
        "meta": {**meta, "personal_columns": sorted({*meta.get("personal_columns", []), *personal_columns(layout)})},
    }
    return Suite(suite.asset_path, suite.file, document)

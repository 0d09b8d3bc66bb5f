"""Great Expectations suites as plain GX 1.x JSON files, one per gated asset.

``expectations/<layer>/<asset>.json`` gates the asset ``<layer>/<asset>``; the suite's
``name`` must be that asset key, so a suite copied to the wrong place fails loudly.

Every form of the registry gets its raw suite from ``defaults/raw_form.json`` (the same
guarantees for any form: nothing lost, ``_id`` unique, versions known); a file
``expectations/raw/kobo_<dataset>.json`` replaces it for that form. Likewise its typed
tables ``forms/<dataset>`` get ``defaults/typed_form.json``, completed from the form's
content when the check runs (``form_suites.py``); ``expectations/forms/<dataset>.json``
replaces it, or extends it when its meta says ``"extends": "default"``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
DEFAULT_RAW_SUITE = Path(__file__).with_name("defaults") / "raw_form.json"
DEFAULT_FORM_SUITE = Path(__file__).with_name("defaults") / "typed_form.json"
FORMS_LAYER = "forms"

# Expectations whose kwargs name columns; the runner loads only these columns' data.
COLUMN_KWARGS = ("column", "column_A", "column_B")
COLUMN_LIST_KWARGS = ("column_list",)


class SuiteError(ValueError):
    """A suite file is malformed, misplaced, or an asset has none."""


@dataclass(frozen=True)
class Suite:
    asset_path: tuple[str, ...]  # ("marts", "dtm_idp_returnees_by_admin2")
    file: Path
    document: dict

    @property
    def name(self) -> str:
        return "/".join(self.asset_path)

    @property
    def personal_columns(self) -> frozenset[str]:
        """Columns whose values never go to check metadata (declared in the suite's meta)."""
        meta = self.document.get("meta") or {}
        return frozenset(meta.get("personal_columns", [])) | {"payload"}

    def needed_columns(self) -> set[str]:
        columns: set[str] = set()
        for expectation in self.document["expectations"]:
            kwargs = expectation.get("kwargs", {})
            columns.update(kwargs[k] for k in COLUMN_KWARGS if k in kwargs)
            for k in COLUMN_LIST_KWARGS:
                columns.update(kwargs.get(k, []))
        return columns


def load_suites(directory: Path = EXPECTATIONS_DIR, forms: list[FormEntry] = ()) -> dict[tuple[str, ...], Suite]:
    """The suites of ``directory``, and a default raw suite for each of ``forms`` that has
    no file of its own."""
    suites = _suite_files(directory)
    template = json.loads(DEFAULT_RAW_SUITE.read_text(encoding="utf-8"))
    typed_template = json.loads(DEFAULT_FORM_SUITE.read_text(encoding="utf-8"))
    for form in forms:
        path = ("raw", form.raw_table)
        if path not in suites:
            suites[path] = default_raw_suite(form, template)
        typed = (FORMS_LAYER, form.dataset)
        suites[typed] = default_form_suite(form, typed_template, suites.get(typed))
    return suites


def expectation_key(expectation: dict) -> tuple:
    """What an expectation checks: its type and column (None for a table expectation)."""
    kwargs = expectation.get("kwargs") or {}
    return expectation["type"], kwargs.get("column"), tuple(kwargs.get("column_list") or ())


def default_form_suite(form: FormEntry, template: dict, own: Suite | None = None) -> Suite:
    """The gate of a form's typed tables: the template, or the form's own file, which
    replaces it unless its meta says ``"extends": "default"``; then its expectations are
    added, and override the template's (and the derived ones) of the same type and column."""
    path = (FORMS_LAYER, form.dataset)
    own_meta = (own.document.get("meta") or {}) if own else {}
    if own is not None and own_meta.get("extends") != "default":
        return Suite(path, own.file, {**own.document, "meta": {"form": form.dataset, **own_meta}})
    mine = own.document["expectations"] if own else []
    overridden = {expectation_key(e) for e in mine}
    expectations = [e for e in template["expectations"] if expectation_key(e) not in overridden] + mine
    meta = {
        **template["meta"],
        **own_meta,
        "form": form.dataset,
        "notes": template["meta"]["notes"].replace("{title}", form.title),
    }
    document = {**template, "name": f"{FORMS_LAYER}/{form.dataset}", "expectations": expectations, "meta": meta}
    return Suite(path, own.file if own else DEFAULT_FORM_SUITE, document)


def default_raw_suite(form: FormEntry, template: dict) -> Suite:
    """The raw gate of a form with no suite file: the template named after its asset, with
    the form's dataset (its parameters' ``form``) and title in its meta."""
    meta = template["meta"]
    document = {
        **template,
        "name": f"raw/{form.raw_table}",
        "meta": {**meta, "form": form.dataset, "notes": meta["notes"].replace("{title}", form.title)},
    }
    return Suite(("raw", form.raw_table), DEFAULT_RAW_SUITE, document)


@functools.cache
def known_expectation_types() -> frozenset[str]:
    # through the runner, which imports GX the way the platform configures it (analytics off)
    from dtm_platform.quality.runner import gx

    return frozenset(gx.expectations.registry.list_registered_expectation_implementations())


def _suite_files(directory: Path) -> dict[tuple[str, ...], Suite]:
    suites: dict[tuple[str, ...], Suite] = {}
    for file in sorted(directory.glob("*/*.json")):
        asset_path = (file.parent.name, file.stem)
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise SuiteError(f"{file}: not valid JSON: {error}") from None
        expected_name = "/".join(asset_path)
        if document.get("name") != expected_name:
            raise SuiteError(
                f"{file}: suite name {document.get('name')!r} should be {expected_name!r}, the asset key it gates"
            )
        if not isinstance(document.get("expectations"), list) or not document["expectations"]:
            raise SuiteError(f"{file}: a suite needs a non-empty 'expectations' list")
        for position, expectation in enumerate(document["expectations"], 1):
            if "type" not in expectation:
                raise SuiteError(f"{file}: expectation {position} has no 'type'")
            if expectation["type"] not in known_expectation_types():
                # GX would log the name as not found and validate without it: a gate that
                # looks whole while one of its rules never runs
                raise SuiteError(
                    f"{file}: expectation {position}, {expectation['type']!r}, is not a Great "
                    "Expectations expectation (names are lower case, as in GX's gallery)"
                )
        suites[asset_path] = Suite(asset_path, file, document)
    return suites


def require_suites(asset_paths: list[tuple[str, ...]], suites: dict[tuple[str, ...], Suite]) -> None:
    """No asset goes ungated: fail the definitions when an asset has no suite."""
    missing = sorted("/".join(p) for p in asset_paths if p not in suites)
    if missing:
        raise SuiteError(
            "these assets have no Great Expectations suite: "
            + ", ".join(missing)
            + f" (add expectations/<layer>/<asset>.json under {EXPECTATIONS_DIR})"
        )

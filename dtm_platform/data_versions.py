"""Data versions: what each asset was built from, so that nothing is rebuilt when nothing changed.

Every materialization carries a Dagster data version (the ``dagster/data_version`` tag):

- a form's raw table: a fingerprint of what raw holds for the form (``raw_version``: its
  high-water mark, live, edited, deleted and quarantined submissions, a hash over every row's
  payload hash, validation status, landing and deletion, its audit events). Ingestion
  materializes it on every run; the version moves only when a submission arrived, was edited,
  deleted or re-validated, or was quarantined;
- the forms' content: the versions kept (``form_content_version``);
- an import of officers' files (returned verification workbooks, the finance system's
  exports): its ledger, which dbt reads, and its record of every row (``ledger_version``);
- every other asset: a hash of its code version, its parents' data versions and what it reads
  besides them (``ExternalInputs``: the settings that shape what is built, the dbt project's
  files and vars, a seed's own file, the day for the dbt models whose SQL reads the date).

So an asset's data version changes exactly when something it is built from changed, and an
asset is *current* when its latest materialization has the version it would get if built now,
its gate (the Great Expectations suite, as loaded now) passed on that materialization, and no
other blocking check failed on it (``Plan``).

The declarative automation below raw follows changed data versions, not new materializations
(``defs/automation/conditions.py``). ``full_build`` runs in two parts (``what_changed``): its sources first
(every form's ingestion and the imports, with their gates), then, in a second run, only the
assets that are not current; none when nothing changed. A source whose ingestion or gate
failed holds what its failure would have stopped in one run.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

# full_build's two runs: their part, and the ingestion run a build of what changed follows.
PART_TAG = "dtm/build"
SOURCES = "sources"
CHANGED = "changed"
AFTER_TAG = "dtm/after"

DATA_VERSION_TAG = "dagster/data_version"  # Dagster's own tags for an event's provenance
CODE_VERSION_TAG = "dagster/code_version"
INPUT_VERSION_TAG = "dagster/input_data_version/"
INPUT_TAG_PREFIX = "dtm/input."  # what an asset read besides its parents
GATES_TAG = "dtm/gates"  # the gates (GX suites) it was built to pass
SUITE_METADATA = "dtm/suite"  # on each GX check: a hash of its suite
DBT_UNIQUE_ID = "dagster_dbt/unique_id"
DBT_MANIFEST = "dagster_dbt/manifest"
# On an asset that its own schedule builds (the tag's value names it), not each build of what
# changed: a build gives it its first materialization only, and lists it as waiting after that.
ON_SCHEDULE_TAG = "dtm/on_schedule"
NEVER_BUILT = "never built"  # why an asset with no materialization is not current

RAW_GROUP = "raw"
IMPORTS = frozenset({dg.AssetKey(["cleaning", "imported_answers"]), dg.AssetKey(["finance", "imported_expenditures"])})

# Settings that cannot change what is built below raw: how and when things run, how Kobo is
# reached, who is alerted. Every other setting (the salt, the smallest published cell, the
# registry, the report's boundaries, the Postgres publication…) is an input of everything
# below raw, so a setting added later counts until it is listed here.
NOT_INPUTS = frozenset(
    {
        "home",
        "kobo_url",
        "kobo_token",
        "kobo_page_size",
        "kobo_max_in_flight",
        "kobo_timeout_seconds",
        "kobo_max_retries",
        "mock_seed",
        "mock_localities_per_admin2",
        "timezone",
        "full_build_cron",
        "reconcile_cron",
        "reports_cron",
        "automation_on",
        "probe_interval_seconds",
        "freshness_raw_warn_hours",
        "freshness_raw_fail_hours",
        "freshness_marts_warn_hours",
        "freshness_marts_fail_hours",
        "alert_webhook",
        "ui_url",
        "dagster_postgres_url",
        # where steps execute and how many runs go at once, not what they build
        "executor",
        "celery_broker",
        "celery_backend",
        "max_concurrent_runs",
    }
)
# SQL that reads the clock: a model using it (directly or through a macro) is as of a day.
READS_THE_DATE = re.compile(r"\b(current_date|current_timestamp|now\s*\(|today\s*\(|run_started_at)", re.IGNORECASE)


def digest(*parts: object) -> str:
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def file_digest(path: Path | None) -> str:
    if path is None or not path.is_file():
        return "absent"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


# --- sources --------------------------------------------------------------------------------------


def raw_version(con, form) -> tuple[dg.DataVersion, dict[str, int | None]]:
    """What raw holds for ``form``, and the counts it is made of (for the asset's metadata)."""
    from dtm_platform.kobo.audit import audit_events_table

    total, live, edited, deleted, max_id, rows = con.execute(f"""
        select count(*), count(*) filter (where deleted_at is null), count(previous_payload_hash),
               count(deleted_at), max(_id),
               coalesce(bit_xor(hash(_id, _uuid, payload_hash, validation_status, deleted_at, landed_at)), 0)
        from raw.{form.raw_table}""").fetchone()
    quarantined, quarantined_max = con.execute(
        "select count(*), max(submission_id) from raw.kobo_quarantine where dataset = ?", [form.dataset]
    ).fetchone()
    audit_events, audits = con.execute(
        f"select count(*), coalesce(bit_xor(hash(submission_id, attachment_id, position, event)), 0) "
        f"from raw.{audit_events_table(form)}"
    ).fetchone()
    high_water_mark = max((i for i in (max_id, quarantined_max) if i is not None), default=None)
    counts = {
        "high_water_mark": high_water_mark,
        "live_submissions": live,
        "edited_submissions": edited,
        "deleted_submissions": deleted,
        "quarantined_submissions": quarantined,
        "audit_events": audit_events,
    }
    return dg.DataVersion(digest(form.dataset, total, counts, str(rows), str(audits))), counts


def form_content_version(con) -> dg.DataVersion:
    versions, kept = con.execute(
        "select count(*), coalesce(bit_xor(hash(form_uid, version_id)), 0) from raw.kobo_form_content"
    ).fetchone()
    return dg.DataVersion(digest("form_content", versions, str(kept)))


def ledger_version(con, ledger: Path, record_table: str) -> dg.DataVersion:
    """An import's state: its ledger (what dbt reads) and its record of every row (its gate's)."""
    rows, last = con.execute(f"select count(*), max(imported_at)::varchar from {record_table}").fetchone()
    return dg.DataVersion(digest(record_table, file_digest(ledger), rows, last))


# --- what an asset reads besides its parents -------------------------------------------------------


def settings_fingerprint(settings) -> str:
    """The settings that shape what is built, as one keyed hash (the salt is the key, so the
    fingerprint tells nothing of it or of the Postgres URL it covers)."""
    from dtm_platform.reports.pdf import find_chromium

    values: dict[str, Any] = {}
    for item in dataclasses.fields(settings):
        if item.name in NOT_INPUTS:
            continue
        value = getattr(settings, item.name)
        values[item.name] = file_digest(value) if isinstance(value, Path) else value
    values["chromium_found"] = find_chromium(settings.chromium) is not None
    payload = json.dumps(values, sort_keys=True, default=str).encode("utf-8")
    return hmac.new(settings.hash_salt.encode("utf-8"), payload, hashlib.sha256).hexdigest()[:20]


def dbt_project_fingerprint(forms) -> str:
    """The dbt project's files as dbt reads them when it runs (models, macros, tests, the
    seeds' properties, dbt_project.yml; the seeds' own data is each seed's input) and the vars
    it is given: an edit counts from the next build, without reloading the code location."""
    from dtm_platform.transform.project import DBT_PROJECT_DIR, dbt_vars

    parts = []
    for name in ("models", "macros", "tests", "seeds", "dbt_project.yml", "profiles.yml"):
        path = DBT_PROJECT_DIR / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        parts += [(str(f.relative_to(DBT_PROJECT_DIR)), file_digest(f)) for f in files if f.suffix != ".csv"]
    return digest(parts, dbt_vars(forms))


_DATED: dict[int, frozenset[str]] = {}


def dated_nodes(manifest: Mapping) -> frozenset[str]:
    """The manifest's models and seeds whose SQL, or a macro it calls, reads the clock (the
    manifest is loaded once per code location, so this is worked out once per manifest)."""
    if id(manifest) in _DATED:
        return _DATED[id(manifest)]
    macros = manifest.get("macros", {})

    @functools.cache
    def macro_reads_date(unique_id: str) -> bool:
        macro = macros.get(unique_id) or {}
        return bool(READS_THE_DATE.search(macro.get("macro_sql") or "")) or any(
            macro_reads_date(m) for m in (macro.get("depends_on") or {}).get("macros", []) if m != unique_id
        )

    _DATED[id(manifest)] = frozenset(
        unique_id
        for unique_id, node in manifest.get("nodes", {}).items()
        if READS_THE_DATE.search(node.get("raw_code") or node.get("raw_sql") or "")
        or any(macro_reads_date(m) for m in (node.get("depends_on") or {}).get("macros", []))
    )
    return _DATED[id(manifest)]


class ExternalInputs:
    """What each asset reads besides its parent assets, fingerprinted as it is now."""

    def __init__(self, settings, forms, graph):
        self._settings, self._forms, self._graph = settings, forms, graph
        self.today = date.today().isoformat()  # the day DuckDB's current_date gives dbt here

    @functools.cached_property
    def settings(self) -> str:
        return settings_fingerprint(self._settings)

    @functools.cached_property
    def dbt_project(self) -> str:
        return dbt_project_fingerprint(self._forms)

    def of(self, key: dg.AssetKey) -> dict[str, str]:
        node = self._graph.get(key)
        inputs = {"settings": self.settings}
        unique_id = _plain(node.metadata.get(DBT_UNIQUE_ID))
        if unique_id:
            inputs["dbt_project"] = self.dbt_project
            manifest = getattr(node.metadata.get(DBT_MANIFEST), "manifest", None) or {}
            if unique_id.startswith("seed."):
                from dtm_platform.transform.project import DBT_PROJECT_DIR

                seed = manifest.get("nodes", {}).get(unique_id)
                inputs["seed_file"] = file_digest(DBT_PROJECT_DIR / seed["original_file_path"]) if seed else "unknown"
            if unique_id in dated_nodes(manifest):
                inputs["day"] = self.today
        return inputs

    def gates(self, key: dg.AssetKey) -> str:
        """The GX suites gating ``key`` as this code location loaded them."""
        return digest(
            sorted(
                _plain(self._graph.get(check).metadata.get(SUITE_METADATA))
                for check in self._graph.get_check_keys_for_assets({key})
                if is_gate(self._graph, check)
            )
        )


def is_gate(graph, check: dg.AssetCheckKey) -> bool:
    """An asset's Great Expectations gate (quality/checks.py), as opposed to a dbt test."""
    return SUITE_METADATA in graph.get(check).metadata


def _plain(value: Any) -> Any:
    return getattr(value, "value", value) if value is not None else None


def build_version(
    code_version: str | None, parents: Mapping[dg.AssetKey, str | None], inputs: Mapping[str, str]
) -> str:
    return digest(code_version, {key.to_user_string(): version for key, version in parents.items()}, inputs)


# --- what is current -----------------------------------------------------------------------------


@dataclasses.dataclass
class Latest:
    """An asset's latest materialization, as far as data versions go."""

    version: str | None
    run_id: str
    storage_id: int
    tags: Mapping[str, str]


def latest_materializations(instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey]) -> dict[dg.AssetKey, Latest]:
    latest = {}
    for record in instance.get_asset_records(list(keys)):
        last = record.asset_entry.last_materialization_record
        if last is None:
            continue
        tags = last.event_log_entry.tags or {}
        latest[record.asset_entry.asset_key] = Latest(
            tags.get(DATA_VERSION_TAG), last.event_log_entry.run_id, last.storage_id, tags
        )
    return latest


def failing_checks(
    instance: dg.DagsterInstance, graph, keys: Iterable[dg.AssetKey], latest: Mapping[dg.AssetKey, Latest]
) -> dict[dg.AssetKey, str]:
    """The assets among ``keys`` whose latest materialization a blocking check failed, or its
    gate never judged (a run stopped between the two). A dbt test that did not run on it (a build
    of part of a layer leaves out the tests on models it did not select) is no failure.

    The verdicts are read from the events of the runs that built those materializations (one
    query per run), and from a check's completed executions when it ran in another run."""
    from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

    checks = [
        check
        for check in sorted(graph.get_check_keys_for_assets(set(keys)), key=str)
        if check.asset_key in latest and graph.get(check).blocking
    ]
    found: dict[dg.AssetCheckKey, Any] = {}
    for run_id in sorted({latest[check.asset_key].run_id for check in checks} - {""}):
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            evaluation = entry.dagster_event.asset_check_evaluation_data
            found[dg.AssetCheckKey(evaluation.asset_key, evaluation.check_name)] = evaluation
    completed = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
    failing: dict[dg.AssetKey, str] = {}
    for check in checks:
        materialized = latest[check.asset_key]
        evaluation = found.get(check)
        if evaluation is None or not _targets(evaluation, materialized):
            history = instance.event_log_storage.get_asset_check_execution_history(check, limit=1, status=completed)
            evaluation = history[0].evaluation if history else None
        if evaluation is None or not _targets(evaluation, materialized):
            if is_gate(graph, check):
                failing.setdefault(check.asset_key, f"its gate {check.name} did not judge its latest build")
        elif not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failing.setdefault(check.asset_key, f"its check {check.name} failed")
    return failing


def _targets(evaluation, materialized: Latest) -> bool:
    target = evaluation.target_materialization_data
    return target is not None and target.storage_id == materialized.storage_id


def source_keys(graph) -> set[dg.AssetKey]:
    """What full_build's first run builds: every asset of the raw group and the imports."""
    return {
        key
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and (graph.get(key).group_name == RAW_GROUP or key in IMPORTS)
    }


class Plan:
    """For every asset below the sources: the data version it gets if built now
    (``versions``), and, for those that are not current, why (``stale``)."""

    def __init__(self, graph, instance: dg.DagsterInstance, inputs: ExternalInputs):
        self.graph = graph
        keys = [key for key in graph.toposorted_asset_keys if graph.get(key).is_materializable]
        sources = source_keys(graph)
        latest = latest_materializations(instance, keys)
        self.failing = failing_checks(instance, graph, keys, latest)
        self.versions: dict[dg.AssetKey, str | None] = {}
        self.stale: dict[dg.AssetKey, str] = {}
        for key in keys:
            node, previous = graph.get(key), latest.get(key)
            if key in sources:
                self.versions[key] = previous.version if previous else None
                continue
            parents = {parent: self.versions.get(parent) for parent in node.parent_keys}
            self.versions[key] = build_version(node.code_version, parents, inputs.of(key))
            if previous is None:
                self.stale[key] = NEVER_BUILT
            elif previous.version != self.versions[key]:
                self.stale[key] = _what_changed(node, previous, self.versions, inputs.of(key))
            elif key in self.failing:
                self.stale[key] = self.failing[key]
            elif previous.tags.get(GATES_TAG) != inputs.gates(key):
                self.stale[key] = "its gate changed"


def _what_changed(node, previous: Latest, versions, inputs: Mapping[str, str]) -> str:
    changed = [
        parent.to_user_string()
        for parent in sorted(node.parent_keys, key=str)
        if previous.tags.get(INPUT_VERSION_TAG + parent.to_user_string()) != versions.get(parent)
    ]
    changed += [name for name, value in inputs.items() if previous.tags.get(INPUT_TAG_PREFIX + name) != value]
    if previous.tags.get(CODE_VERSION_TAG) != node.code_version:
        changed.append("its code")
    return "changed: " + (", ".join(changed) if changed else "built before data versions")


def describe(reasons: Mapping[dg.AssetKey, str], limit: int = 8) -> str:
    shown = [f"{key.to_user_string()} ({why})" for key, why in list(reasons.items())[:limit]]
    more = len(reasons) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


# --- full_build in two runs -----------------------------------------------------------------------


@dataclasses.dataclass
class WhatChanged:
    """What the build of what changed builds, after its sources' run."""

    build: list[dg.AssetKey]  # not current, and nothing upstream failed
    stale: dict[dg.AssetKey, str]  # every asset below the sources that is not current, with why
    held: dict[dg.AssetKey, str]  # not current, but held by a source that failed
    current: set[dg.AssetKey]  # below the sources and current: left as they are
    waiting: dict[dg.AssetKey, str] = dataclasses.field(default_factory=dict)  # not current: its schedule builds it

    def summary(self) -> str:
        if not self.stale:
            return f"nothing changed: all {len(self.current)} assets below the sources are current"
        text = f"{len(self.build)} asset(s) to build"
        if self.build:
            text += f" ({describe({k: self.stale[k] for k in self.build})})"
        if self.held:
            text += f"; {len(self.held)} held ({describe(self.held, limit=3)})"
        if self.waiting:
            text += f"; {len(self.waiting)} waiting for its schedule ({describe(self.waiting, limit=3)})"
        return text + f"; {len(self.current)} current"


def what_changed(
    job_def: dg.JobDefinition, instance: dg.DagsterInstance, after_run_id: str | None = None, settings=None, forms=None
) -> WhatChanged:
    """The assets of ``job_def`` (full_build) that are not current, once its sources' run
    (``after_run_id``) is over; holding what a failed source would have stopped in one run: a
    source that run did not materialize, or whose gate did not pass, holds the assets after it,
    and those built in one step with them (a dbt layer is one step)."""
    from dtm_platform.kobo.registry import load_registry
    from dtm_platform.settings import load_settings

    settings = settings or load_settings()
    forms = forms if forms is not None else load_registry(settings.forms_file)
    layer = job_def.asset_layer
    graph = layer.asset_graph
    plan = Plan(graph, instance, ExternalInputs(settings, forms, graph))
    sources = source_keys(graph) & set(layer.selected_asset_keys)
    failed = {key: why for key, why in plan.failing.items() if key in sources}
    if after_run_id is not None:
        built = {
            entry.dagster_event.asset_key
            for entry in instance.all_logs(after_run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        }
        failed.update({key: "not ingested" for key in sources - built if key not in failed})
    step_of = {key: layer.get_op_output_handle(key).node_handle for key in layer.selected_asset_keys}
    held = {
        key: f"held: {', '.join(sorted(s.to_user_string() for s in by))} failed"
        for key, by in _stopped_by(graph, step_of, failed).items()
        if key in plan.stale
    }
    below = [key for key in graph.toposorted_asset_keys if key in step_of and key not in sources]
    waiting = {
        key: f"{plan.stale[key]}; built by {schedule}"
        for key in below
        if key in plan.stale and key not in held and plan.stale[key] != NEVER_BUILT
        for schedule in [graph.get(key).tags.get(ON_SCHEDULE_TAG)]
        if schedule
    }
    return WhatChanged(
        build=[key for key in below if key in plan.stale and key not in held and key not in waiting],
        stale={key: plan.stale[key] for key in below if key in plan.stale},
        held=held,
        current={key for key in below if key not in plan.stale},
        waiting=waiting,
    )


def _stopped_by(graph, step_of: Mapping[dg.AssetKey, object], failed: Iterable[dg.AssetKey]) -> dict:
    """For each asset a failure of ``failed`` stops in a run: the failures that stop it. A
    step with one input missing is skipped whole, so the assets of a step that has one of the
    stopped assets' outputs as an input are stopped too."""
    members: dict[object, set[dg.AssetKey]] = {}
    for key, step in step_of.items():
        members.setdefault(step, set()).add(key)
    stopped: dict[dg.AssetKey, set[dg.AssetKey]] = {}
    for source in failed:
        seen: set[dg.AssetKey] = set()
        todo = [child for child in graph.get(source).child_keys if child in step_of]
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            stopped.setdefault(key, set()).add(source)
            todo.extend(members[step_of[key]] - seen)
            todo.extend(child for child in graph.get(key).child_keys if child in step_of)
    return stopped


# --- in a step: the data version of what it builds ---------------------------------------------------


class StepVersions:
    """The data versions of what one step builds."""

    def __init__(self, context: dg.AssetExecutionContext):
        from dtm_platform.kobo.registry import load_registry
        from dtm_platform.settings import load_settings

        self.context = context
        self.graph = context.job_def.asset_layer.asset_graph
        settings = load_settings()
        self.inputs = ExternalInputs(settings, load_registry(settings.forms_file), self.graph)

    def version_now(
        self, key: dg.AssetKey, built: Mapping[dg.AssetKey, str] | None = None
    ) -> tuple[dg.DataVersion, dict]:
        """The data version ``key`` gets when built now from its parents as they are (``built``:
        versions given earlier in this step), and the tags recording its inputs and gates."""
        node = self.graph.get(key)
        built = built or {}
        missing = [parent for parent in node.parent_keys if parent not in built]
        latest = latest_materializations(self.context.instance, missing) if missing else {}
        parents = {
            parent: built.get(parent) or (latest[parent].version if parent in latest else None)
            for parent in node.parent_keys
        }
        inputs = self.inputs.of(key)
        tags = {**{INPUT_TAG_PREFIX + name: value for name, value in inputs.items()}, GATES_TAG: self.inputs.gates(key)}
        return dg.DataVersion(build_version(node.code_version, parents, inputs)), tags


def with_data_version(body: Callable) -> Callable:
    """Decorates a one-asset step's body, which returns a ``MaterializeResult``: the result
    carries the asset's data version and what it was built from."""

    @functools.wraps(body)  # Dagster reads the body's parameters (context, config) through it
    def step(context: dg.AssetExecutionContext, *args, **kwargs) -> dg.MaterializeResult:
        result = body(context, *args, **kwargs)
        version, tags = StepVersions(context).version_now(context.asset_key)
        return result._replace(data_version=version, tags={**(result.tags or {}), **tags})

    return step


def with_data_versions(events: Iterable[Any], versions: StepVersions) -> Iterator[Any]:
    """dbt's events with each model's and seed's data version (in the order dbt built them, so a
    model's parents in the same step already have theirs)."""
    built: dict[dg.AssetKey, str] = {}
    for event in events:
        if isinstance(event, dg.Output):
            key = versions.context.asset_key_for_output(event.output_name)
            version, tags = versions.version_now(key, built)
            built[key] = version.value
            event = dg.Output(
                value=event.value,
                output_name=event.output_name,
                metadata=event.metadata,
                data_version=version,
                tags={**(event.tags or {}), **tags},
            )
        yield event


def import_version(con, settings, key: dg.AssetKey) -> dg.DataVersion:
    """An import's data version as it stands (its ledger created empty if it is not there yet,
    as dbt would create it: an absent ledger and an empty one are the same data)."""
    from dtm_platform.cleaning import answers
    from dtm_platform.cleaning.ledger import ensure_ledger, ledger_path
    from dtm_platform.finance import expenditures

    if key == dg.AssetKey(["cleaning", "imported_answers"]):
        ledger = ledger_path(settings.cleaning_dir)
        ledger.parent.mkdir(parents=True, exist_ok=True)
        ensure_ledger(ledger)
        answers.ensure_record(con)
        return ledger_version(con, ledger, answers.RECORD_TABLE)
    if key == dg.AssetKey(["finance", "imported_expenditures"]):
        ledger = expenditures.ledger(settings.finance_dir)
        ledger.path.parent.mkdir(parents=True, exist_ok=True)
        ledger.ensure()
        expenditures.ensure_record(con)
        return ledger_version(con, ledger.path, expenditures.RECORD_TABLE)
    raise KeyError(f"{key.to_user_string()} is not an import")

"""Row counts on every dbt materialization (``dagster/row_count``, shown in the Dagster UI).

dagster-dbt's own ``fetch_row_counts()`` queries through dbt's adapter inside the Dagster
process while the dbt subprocess still holds warehouse.duckdb, and leaves a connection
open that the next step of the run then collides with: DuckDB's one-writer rule makes it
unusable here. Instead the events of a dbt invocation are held until dbt has exited, then
each model's and seed's table is counted over one short read-only connection, and the
events go on in their original order.

``RowCountingDbtCliResource`` is a drop-in ``DbtCliResource`` (definitions.py installs it
under the ``dbt`` key), so the ``@dbt_assets`` functions stay as they are.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator
from packaging import version

from dtm_platform.settings import load_settings
from dtm_platform.warehouse import connect_duckdb

ROW_COUNT = "dagster/row_count"
COUNTED_MATERIALIZATIONS = ("table", "incremental", "seed", "snapshot")  # not views: counting runs their query


def with_row_counts(events: Iterable[Any], manifest: Mapping[str, Any], warehouse: Path) -> Iterator[Any]:
    """``events`` with ``dagster/row_count`` added to each Output / AssetMaterialization of
    a dbt table or seed. Call it once the dbt process has exited."""
    events = list(events)
    relations = {}
    for event in events:
        unique_id = _unique_id(event)
        node = manifest.get("nodes", {}).get(unique_id) if unique_id else None
        if node and node.get("config", {}).get("materialized") in COUNTED_MATERIALIZATIONS:
            # Schema and table only: the catalog in relation_name is the stem of whatever
            # warehouse file the manifest was parsed against, not necessarily this one.
            relations[unique_id] = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
    counts = _count_rows(warehouse, set(relations.values())) if relations else {}
    for event in events:
        relation = relations.get(_unique_id(event))
        if relation in counts:
            event = event.with_metadata({**event.metadata, ROW_COUNT: dg.MetadataValue.int(counts[relation])})
        yield event


def _unique_id(event: Any) -> str | None:
    if not isinstance(event, (dg.Output, dg.AssetMaterialization)):
        return None
    value = event.metadata.get("unique_id")
    return getattr(value, "value", value)


def _count_rows(warehouse: Path, relations: set[str]) -> dict[str, int]:
    counts = {}
    try:
        con = connect_duckdb(warehouse, read_only=True)
    except duckdb.Error:
        return counts  # counts are a courtesy: never lose the run's events over them
    with con:
        for relation in sorted(relations):
            with contextlib.suppress(duckdb.Error):  # a table dbt failed to build: its event says so, no count to add
                counts[relation] = con.execute(f"select count(*) from {relation}").fetchone()[0]
    return counts


class RowCountingDbtCliResource(DbtCliResource):
    """A ``DbtCliResource`` whose ``cli(...).stream()`` adds row counts (see the module).

    It also spares each dbt step two things dagster-dbt does before starting dbt, about 4 to
    6 s a layer on two cores: running ``dbt --version`` (dbt runs from this environment, so
    its version is the installed dbt-core's), and opening a dbt adapter in this process, which
    serves only dagster-dbt's own row counts and column metadata, not used here. Both are
    dagster-dbt's private methods: its version is pinned, and a test runs a layer through it."""

    def cli(self, args, **kwargs):  # unannotated, like the parent it overrides
        return _RowCountingInvocation(super().cli(args, **kwargs))

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


class _RowCountingInvocation:
    def __init__(self, invocation):
        self._invocation = invocation

    def __getattr__(self, name: str):
        return getattr(self._invocation, name)

    def stream(self, *args, **kwargs) -> DbtEventIterator:
        invocation = self._invocation

        def counted() -> Iterator[Any]:
            events, failure = [], None
            try:
                events.extend(invocation.stream(*args, **kwargs))  # dbt has exited once this ends
            except Exception as error:  # noqa: BLE001 (re-raised below)
                # A failed dbt test ends the stream with an error: the models and test results
                # before it must still reach Dagster, then the step fails as it would have.
                failure = error
            yield from with_row_counts(events, invocation.manifest, load_settings().warehouse_path)
            if failure is not None:
                raise failure

        # A DbtEventIterator, so chained post-processing (.with_insights() …) still works.
        return DbtEventIterator(counted(), dbt_cli_invocation=invocation)

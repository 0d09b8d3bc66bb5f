"""Jobs: what a schedule, the demo or a data engineer in the UI starts.

``full_build`` holds every asset with every gate. The daily build and ``dtm demo`` run it in
two parts (``execute_full_build`` here, the ``daily_full_build`` schedule and the
``build_what_changed`` sensor in a deployment): its sources first (every form's ingestion and
the imports, with their gates), then only the assets that are not current
(``data_versions.what_changed``), so that a build with nothing new builds nothing below the
sources. Launched whole from the UI, it rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import dagster as dg

from dtm_platform.data_versions import AFTER_TAG, CHANGED, PART_TAG, SOURCES, WhatChanged, source_keys, what_changed

FULL_BUILD = "full_build"


def build_job_defs() -> dg.Definitions:
    full_build = dg.define_asset_job(
        FULL_BUILD,
        selection=dg.AssetSelection.all(),
        description=(
            "Every asset with every gate. The daily build runs it in two parts: its sources (every "
            "form's ingestion, the imports, with their gates), then only what is not current "
            "(build_what_changed); launched whole, it rebuilds everything."
        ),
    )
    return dg.Definitions(jobs=[full_build])


def sources_of(job: dg.JobDefinition) -> list[dg.AssetKey]:
    """What the first part of a full build builds: every form's ingestion and the imports."""
    return sorted(source_keys(job.asset_layer.asset_graph) & set(job.asset_layer.selected_asset_keys), key=str)


def execute_full_build(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    *,
    run_config: Mapping | None = None,
    sources_run_config: Mapping | None = None,
    tags: Mapping[str, str] | None = None,
    log: Callable[[str], None] = print,
) -> tuple[list[dg.ExecuteInProcessResult], WhatChanged]:
    """A full build in this process, in its two parts; returns their results (one when nothing
    changed) and what the second part was given to build."""
    tags = dict(tags or {})
    first = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        asset_selection=sources_of(job),
        run_config={**(run_config or {}), **(sources_run_config or {})},
        tags={**tags, PART_TAG: SOURCES},
    )
    changed = what_changed(job, instance, after_run_id=first.run_id)
    log(f"After the sources (run {first.run_id}): {changed.summary()}")
    if not changed.build:
        return [first], changed
    second = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        asset_selection=changed.build,
        run_config=run_config or {},
        tags={**tags, PART_TAG: CHANGED, AFTER_TAG: first.run_id},
    )
    return [first, second], changed

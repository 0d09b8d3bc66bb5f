"""``full_build``: every asset with every gate, and how the daily build and ``dtm demo`` run it.

They run it in two parts (``build_in_two_parts`` here; in a deployment, the
``daily_full_build`` schedule and the ``build_what_changed`` sensor): its sources first (every form's ingestion and
the imports, with their gates), then only the assets that are not current
(``data_versions.what_changed``), so that a build with nothing new builds nothing below the
sources. Launched whole from the UI, it rebuilds everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import dagster as dg

from dtm_platform.data_versions import AFTER_TAG, CHANGED, PART_TAG, SOURCES, WhatChanged, source_keys, what_changed
from dtm_platform.defs.automation.tags import FULL_BUILD_TAG

FULL_BUILD = "full_build"


def full_build_job():
    return dg.define_asset_job(
        FULL_BUILD,
        selection=dg.AssetSelection.all(),
        # what dagster.yaml's one-full-build-at-a-time limit counts (with Celery; instance.py)
        run_tags={FULL_BUILD_TAG: "true"},
        description=(
            "Every asset with every gate. The daily build runs it in two parts: its sources (every "
            "form's ingestion, the imports, with their gates), then only what is not current "
            "(build_what_changed); launched whole, it rebuilds everything."
        ),
    )


def sources_of(job: dg.JobDefinition) -> list[dg.AssetKey]:
    """What the first part of a full build builds: every form's ingestion and the imports."""
    return sorted(source_keys(job.asset_layer.asset_graph) & set(job.asset_layer.selected_asset_keys), key=str)


# Runs the given assets of full_build with the given tags to their end; returns the run's id.
PartRunner = Callable[[Sequence[dg.AssetKey], Mapping[str, str]], str]


def build_in_two_parts(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    run_part: PartRunner,
    *,
    tags: Mapping[str, str] | None = None,
    log: Callable[[str], None] = print,
) -> tuple[list[str], WhatChanged]:
    """A full build in its two parts, each run by ``run_part`` (in this process, or through the
    run queue: ``demo.py``); returns their run ids (one when nothing changed) and what the second
    part was given to build."""
    tags = dict(tags or {})
    first = run_part(sources_of(job), {**tags, PART_TAG: SOURCES})
    changed = what_changed(job, instance, after_run_id=first)
    log(f"After the sources (run {first}): {changed.summary()}")
    if not changed.build:
        return [first], changed
    second = run_part(changed.build, {**tags, PART_TAG: CHANGED, AFTER_TAG: first})
    return [first, second], changed


def execute_full_build(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    *,
    run_config: Mapping | None = None,
    sources_run_config: Mapping | None = None,
    tags: Mapping[str, str] | None = None,
    log: Callable[[str], None] = print,
) -> tuple[list[dg.ExecuteInProcessResult], WhatChanged]:
    """A full build in this process; returns its parts' results and what the second part was
    given to build. ``sources_run_config`` applies to the sources part only (reconciliation)."""
    results: list[dg.ExecuteInProcessResult] = []

    def in_process(assets: Sequence[dg.AssetKey], part_tags: Mapping[str, str]) -> str:
        sources = part_tags[PART_TAG] == SOURCES
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            asset_selection=list(assets),
            run_config={**(run_config or {}), **((sources_run_config or {}) if sources else {})},
            tags=dict(part_tags),
        )
        results.append(result)
        return result.run_id

    _, changed = build_in_two_parts(job, instance, in_process, tags=tags, log=log)
    return results, changed

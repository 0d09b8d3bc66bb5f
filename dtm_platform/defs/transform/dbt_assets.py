"""dbt models as Dagster assets: one ``@dbt_assets`` per layer, so each layer is its own
step and a failed gate on one layer stops the next (ARCHITECTURE.md, Gates and the Dagster wiring).

Each model and seed materializes with its data version (``data_versions.with_data_versions``),
so that a build of what changed selects exactly the models whose inputs changed."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dtm_platform.data_versions import StepVersions, with_data_versions
from dtm_platform.defs.resources import PlatformSettings
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.transform.project import (
    DBT_EXECUTABLE,
    DBT_PROJECT,
    dbt_vars,
    ensure_manifest,
    invocation_target,
    prepare_dbt_environment,
)
from dtm_platform.transform.row_counts import RowCountingDbtCliResource

LAYERS = ("reference", "staging", "cleaned", "marts")
OWNER = "team:dtm-car-im"


class LayerTranslator(DagsterDbtTranslator):
    """Keys and groups by layer: ``staging/stg_kobo__dtm_locality``, group ``staging``."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # meta.dagster.asset_key: raw/kobo_*
        return dg.AssetKey([layer_of(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "raw"
        return layer_of(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return [OWNER]


def layer_of(props: Mapping[str, Any]) -> str:
    if props["resource_type"] == "seed":
        return "reference"
    return props["fqn"][1]  # ["dtm_car", "staging", "kobo", "stg_kobo__dtm_locality"]


TRANSLATOR = LayerTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _layer_assets(layer: str, manifest: Path, forms: list[FormEntry]) -> dg.AssetsDefinition:
    """One layer's models; ``manifest`` and ``forms`` are the same registry's, so a step runs
    dbt with the sources and vars the assets were defined from."""
    select = "resource_type:seed" if layer == "reference" else layer

    @dbt_assets(
        manifest=manifest, project=DBT_PROJECT, select=select, name=f"dbt_{layer}", dagster_dbt_translator=TRANSLATOR
    )
    def _assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, platform: PlatformSettings):
        versions = StepVersions(context)
        prepare_dbt_environment(platform.get(), forms)
        vars_json = dbt_vars(forms)
        # buildable: a test on two models runs with the later one's layer, once both exist.
        # Unit tests check the SQL, not the data: they run in the test suite, not every build.
        args = ["build", "--vars", vars_json, "--indirect-selection", "buildable", "--exclude", "test_type:unit"]
        target = invocation_target(DBT_PROJECT, f"dbt_{layer}", vars_json)
        yield from with_data_versions(dbt.cli(args, context=context, target_path=target).stream(), versions)

    return _assets


def dbt_layer_assets(forms: list[FormEntry]) -> list[dg.AssetsDefinition]:
    manifest = ensure_manifest(forms)
    return [_layer_assets(layer, manifest, forms) for layer in LAYERS]


def dbt_resource() -> DbtCliResource:
    """dbt, adding row counts to every model and seed it builds (transform/row_counts.py)."""
    return RowCountingDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)

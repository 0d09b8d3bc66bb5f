"""Typed tables of every registered form: one asset ``forms/<dataset>`` per form, built from
its raw table and its form content (``transform/typed_forms.py``), group ``forms``.

Below raw, so it follows new raw data through the same declarative automation as the dbt
models (``defs/automation/conditions.py``, applied to every asset outside ``raw``), and its gate is
derived from the form's content when it runs (``quality/form_suites.py``).
"""

import dagster as dg

from dtm_platform.data_versions import with_data_version
from dtm_platform.defs.kobo.assets import FORM_CONTENT_KEY
from dtm_platform.defs.resources import PlatformSettings, Warehouse
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.transform.typed_forms import SCHEMA, build_form_tables

OWNER = "team:dtm-car-im"
GROUP = "forms"


def typed_form_asset(form: FormEntry) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey([GROUP, form.dataset]),
        deps=[dg.AssetKey(["raw", form.raw_table]), FORM_CONTENT_KEY],
        group_name=GROUP,
        kinds={"duckdb"},
        owners=[OWNER],
        code_version="1",
        description=(
            f"{form.title}: {SCHEMA}.{form.dataset}, one row per live submission and one typed column per "
            f"question of every version's content (labels in English and French for choices), and "
            f"{SCHEMA}.{form.dataset}__<repeat> for each repeat group; the registry's personal-data policy "
            "applied, questions that look personal without a policy dropped."
        ),
    )
    @with_data_version
    def _typed_form(
        context: dg.AssetExecutionContext, platform: PlatformSettings, warehouse: Warehouse
    ) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            result = build_form_tables(con, form, platform.get().hash_salt)
        context.log.info(f"{form.dataset}: " + ", ".join(f"{SCHEMA}.{t} {n} rows" for t, n in result.rows.items()))
        if result.dropped_without_policy:
            # Paths only: an officer declares a policy for them in the registry to keep them hashed.
            context.log.warning(
                f"{form.dataset}: questions that look personal and have no policy in the registry were "
                f"dropped: {', '.join(result.dropped_without_policy)}"
            )
        if result.type_changes:
            context.log.warning(
                f"{form.dataset}: questions whose type changed between versions (see {SCHEMA}.type_changes): "
                + ", ".join(
                    f"{c['question_path']} ({c['values_not_fitting'] or 0} values not fitting)"
                    for c in result.type_changes
                )
            )
        parent = result.columns[form.dataset]
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows[form.dataset],
                "tables": dg.MetadataValue.json(result.rows),
                "columns": dg.MetadataValue.json(result.columns),
                "form_versions_with_content": dg.MetadataValue.json(result.versions),
                "personal_policies": dg.MetadataValue.json(result.policies),
                "personal_dropped_without_policy": dg.MetadataValue.json(result.dropped_without_policy),
                "type_changes": len(result.type_changes),
                "type_change_details": dg.MetadataValue.json(result.type_changes),
                "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn(name) for name in parent]),
            }
        )

    return _typed_form

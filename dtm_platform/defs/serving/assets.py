"""Serving: the marts for Power BI, analysts and HDX (logic in ``dtm_platform/serving/``).

Each serving asset depends on every mart asset, whose Great Expectations gates are
blocking: it is built only from marts that passed. Each one scans what it publishes and
records the scan in ``serving.<asset>`` in the warehouse; its own gate
(``expectations/serving/<asset>.json``) validates that record (marts only, no personal
field, no unsuppressed small cell), like every other asset's.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import dagster as dg

from dtm_platform.data_versions import with_data_version
from dtm_platform.defs.resources import PlatformSettings
from dtm_platform.kobo.registry import load_registry
from dtm_platform.secrets import secret_safe
from dtm_platform.serving.exports import write_exports
from dtm_platform.serving.hdx import write_hdx
from dtm_platform.serving.inventory import INVENTORY_SCHEMA, PublicationRefused, Published, summary, write_inventory
from dtm_platform.serving.marts import PUBLISHED_SCHEMA
from dtm_platform.serving.personal import PersonalFields, load_personal_fields
from dtm_platform.serving.postgres import PRIVILEGE_COLUMNS, describe_target, publish_to_postgres
from dtm_platform.serving.snapshot import build_snapshot, snapshot_path
from dtm_platform.settings import Settings
from dtm_platform.warehouse import connect_duckdb

OWNER = "team:dtm-car-im"
GROUP = "serving"
ROUNDS_KEY = dg.AssetKey(["reference", "ref_dtm_rounds"])
HDX_EXTRA_COLUMNS = [("hashtags", "varchar")]


class _Step:
    """What every serving step needs when it runs."""

    def __init__(self, context: dg.AssetExecutionContext, platform: PlatformSettings):
        self.context = context
        self.settings: Settings = platform.get()
        self.run_id = context.run.run_id
        self.refreshed_at = datetime.now(UTC)
        self.personal: PersonalFields = load_personal_fields(
            self.settings.warehouse, load_registry(self.settings.forms_file)
        )

    def record(self, asset: str, published: Sequence[Published], extra_columns=()) -> None:
        with connect_duckdb(self.settings.warehouse) as con:
            write_inventory(
                con, asset, published, run_id=self.run_id, refreshed_at=self.refreshed_at, extra_columns=extra_columns
            )

    def publish(self, asset: str, work: Callable[[], object], extra_columns=()):
        """Run ``work``; a refused publication is still recorded, then fails the step."""
        try:
            return work()
        except PublicationRefused as refused:
            self.record(asset, refused.published, extra_columns)
            raise dg.Failure(description=str(refused), metadata={"inventory": f"{INVENTORY_SCHEMA}.{asset}"}) from None

    def metadata(self, asset: str, published: Sequence[Published], skipped: Sequence[str] = ()) -> dict:
        counts = summary(published)
        return {
            "tables": counts["tables"],
            "dagster/row_count": counts["rows"],
            "suppressed_rows": counts["suppressed_rows"],
            "min_cell_count": self.settings.min_cell_count,
            "sensitive_marts": dg.MetadataValue.json(counts["sensitive_tables"]),
            "not_mart_assets": dg.MetadataValue.json(list(skipped)),
            "inventory": f"{INVENTORY_SCHEMA}.{asset}",
            "refreshed_at": self.refreshed_at.isoformat(timespec="seconds"),
        }


def serving_assets(mart_keys: Sequence[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """The serving assets, downstream of ``mart_keys`` (the definitions' ``marts/*`` assets)."""
    marts = sorted({key for key in mart_keys if key.path[0] == PUBLISHED_SCHEMA}, key=lambda k: k.to_user_string())
    names = [key.path[-1] for key in marts]
    common = {"group_name": GROUP, "owners": [OWNER], "code_version": "1"}

    @dg.asset(
        key=dg.AssetKey([GROUP, "marts_snapshot"]),
        deps=marts,
        kinds={"duckdb"},
        **common,
        description=(
            "Read-only DuckDB snapshot of every mart (disclosure control applied), "
            "DTM_HOME/serving/marts.duckdb, for Power BI (DuckDB ODBC) and analysts (duckdb CLI, "
            "Python). Built beside the target and moved onto it atomically: a reader in the middle "
            "of a query is never broken. What it holds is recorded in serving.marts_snapshot."
        ),
    )
    @with_data_version
    def marts_snapshot(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
        step = _Step(context, platform)
        target = snapshot_path(step.settings.home)
        result = step.publish(
            "marts_snapshot",
            lambda: build_snapshot(
                step.settings.warehouse,
                target,
                min_count=step.settings.min_cell_count,
                personal=step.personal,
                run_id=step.run_id,
                refreshed_at=step.refreshed_at,
                only=names,
            ),
        )
        step.record("marts_snapshot", result.published)
        context.log.info(f"snapshot of {len(result.published)} marts written to {target}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(target)),
                "bytes": result.bytes,
                **step.metadata("marts_snapshot", result.published, result.skipped),
            }
        )

    @dg.asset(
        key=dg.AssetKey([GROUP, "exports"]),
        deps=marts,
        kinds={"parquet", "csv"},
        **common,
        description=(
            "Parquet and CSV of every mart (disclosure control applied, spreadsheet formulas "
            "neutralised in CSV) under DTM_HOME/exports/{parquet,csv}, with manifest.json (columns, "
            "types, rows, refreshed_at, run id); a whole set at a time (DTM_HOME/exports links to "
            "the current set, swapped in one rename once the new set is written and scanned). "
            "What was written is recorded in serving.exports."
        ),
    )
    @with_data_version
    def exports(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
        step = _Step(context, platform)
        directory = step.settings.home / "exports"
        result = step.publish(
            "exports",
            lambda: write_exports(
                step.settings.warehouse,
                directory,
                min_count=step.settings.min_cell_count,
                personal=step.personal,
                run_id=step.run_id,
                refreshed_at=step.refreshed_at,
                only=names,
            ),
        )
        step.record("exports", result.published)
        context.log.info(f"{len(result.published)} export files written under {directory}")
        return dg.MaterializeResult(
            metadata={
                "manifest": dg.MetadataValue.path(str(directory / "manifest.json")),
                "files": len(result.published),
                "removed_stale_files": dg.MetadataValue.json(result.removed),
                **step.metadata("exports", result.published, result.skipped),
            }
        )

    @dg.asset(
        key=dg.AssetKey([GROUP, "postgres"]),
        deps=marts,
        kinds={"postgres"},
        **common,
        description=(
            "The marts published to Postgres when DTM_POSTGRES_URL is set: COPY into a fresh schema "
            "and swapped in as `marts` within one transaction (a Power BI refresh never sees half a "
            "publication), SELECT on them for the read-only role DTM_POSTGRES_READER_ROLE and "
            "nothing else. Skipped (an empty serving.postgres) when the URL is not set."
        ),
    )
    @with_data_version
    @secret_safe("serving/postgres")  # a driver's error may quote the URL or its password
    def postgres(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
        step = _Step(context, platform)
        url = step.settings.postgres_url
        if not url:
            step.record("postgres", [], PRIVILEGE_COLUMNS)
            context.log.info("DTM_POSTGRES_URL is not set: nothing published to Postgres")
            return dg.MaterializeResult(
                metadata={
                    "skipped": "DTM_POSTGRES_URL is not set: nothing published to Postgres",
                    "tables": 0,
                    "inventory": f"{INVENTORY_SCHEMA}.postgres",
                }
            )
        result = step.publish(
            "postgres",
            lambda: publish_to_postgres(
                step.settings.warehouse,
                url,
                reader_role=step.settings.postgres_reader_role,
                min_count=step.settings.min_cell_count,
                personal=step.personal,
                run_id=step.run_id,
                refreshed_at=step.refreshed_at,
                only=names,
                reader_timeout_seconds=step.settings.postgres_reader_timeout_seconds,
                log=context.log.info,
                warn=context.log.warning,
            ),
            PRIVILEGE_COLUMNS,
        )
        step.record("postgres", result.published, PRIVILEGE_COLUMNS)
        return dg.MaterializeResult(
            metadata={
                "database": describe_target(url),
                "schema": PUBLISHED_SCHEMA,
                "reader_role": step.settings.postgres_reader_role,
                "previous_schemas_still_in_use": dg.MetadataValue.json(result.retired_left),
                **step.metadata("postgres", result.published, result.skipped),
            }
        )

    @dg.asset(
        key=dg.AssetKey([GROUP, "hdx"]),
        deps=[*marts, ROUNDS_KEY],
        kinds={"hxl", "csv"},
        **common,
        description=(
            "HXL-tagged CSV of the public DTM figures per round for HDX: IDP and returnee "
            "individuals and households by prefecture and sub-prefecture, with the round and its "
            "reporting date (end of data collection), under DTM_HOME/exports/hdx."
        ),
    )
    @with_data_version
    def hdx(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
        step = _Step(context, platform)
        directory = step.settings.home / "exports" / "hdx"
        result = step.publish(
            "hdx",
            lambda: write_hdx(
                step.settings.warehouse,
                directory,
                min_count=step.settings.min_cell_count,
                personal=step.personal,
                refreshed_at=step.refreshed_at,
                run_id=step.run_id,
            ),
            HDX_EXTRA_COLUMNS,
        )
        step.record("hdx", result.published, HDX_EXTRA_COLUMNS)
        return dg.MaterializeResult(
            metadata={
                **{path.stem: dg.MetadataValue.path(str(path)) for path in result.paths},
                **step.metadata("hdx", result.published),
            }
        )

    return [marts_snapshot, exports, postgres, hdx]

"""The finance import: the finance system's exports dropped in DTM_HOME/finance/inbox,
checked and appended to the expenditure ledger before dbt reads it (source
finance.expenditures, marts.me_budget_delivery)."""

import getpass
from datetime import UTC, datetime

import dagster as dg

from dtm_platform.data_versions import import_version
from dtm_platform.defs.resources import PlatformSettings, Warehouse
from dtm_platform.drop_folder import waiting_files
from dtm_platform.finance.expenditures import KINDS, ensure_record, import_expenditures, ledger
from dtm_platform.row_imports import import_each
from dtm_platform.transform.project import DBT_PROJECT_DIR

INBOX = "inbox"


@dg.asset(
    key=dg.AssetKey(["finance", "imported_expenditures"]),
    group_name="finance",
    kinds={"xlsx", "csv", "duckdb"},
    owners=["team:dtm-car-im"],
    code_version="1",
    description=(
        "The finance system's expenditure exports (CSV or XLSX) dropped in DTM_HOME/finance/inbox, "
        "imported row by row against the budget (ref_budget) and the reporting periods: valid payments "
        "are appended to the expenditure ledger (DTM_HOME/finance/expenditures.csv, which "
        "stg_finance__expenditures reads), every other row goes to a rejection report under "
        "DTM_HOME/finance/reports with its reason; the outcome of every row is kept in "
        "finance.imported_expenditures; the files are moved to DTM_HOME/finance/imported. "
        "`dtm finance import FILE` does the same by hand."
    ),
)
def imported_expenditures(
    context: dg.AssetExecutionContext, platform: PlatformSettings, warehouse: Warehouse
) -> dg.MaterializeResult:
    settings = platform.get()
    inbox = settings.finance_dir / INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    with warehouse.connect() as con:
        ensure_record(con)
    # in name order: a later export's payments are checked against the earlier's
    imported = import_each(
        waiting_files(inbox),
        lambda source: import_expenditures(
            source,
            warehouse=settings.warehouse,
            finance_dir=settings.finance_dir,
            seeds_dir=DBT_PROJECT_DIR / "seeds",
            imported_by=f"dagster:{getpass.getuser()}",
            now=datetime.now(UTC),
            move=True,
        ),
        KINDS,
        context.log,
    )
    # Its data version is the ledger's and the record's: nothing imported, nothing to rebuild.
    with warehouse.connect() as con:
        version = import_version(con, settings, context.asset_key)
    return dg.MaterializeResult(
        metadata={
            **imported,
            "rejection_reports": dg.MetadataValue.json(imported["rejection_reports"]),
            "ledger": dg.MetadataValue.path(str(ledger(settings.finance_dir).path)),
        },
        data_version=version,
    )

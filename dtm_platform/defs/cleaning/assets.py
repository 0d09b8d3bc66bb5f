"""The cleaning loop's assets: the field teams' returned workbooks imported before dbt reads
the cleaning log, and each team's verification workbook written after the marts."""

import getpass
from datetime import UTC, datetime

import dagster as dg

from dtm_platform.cleaning.answers import KINDS, ensure_record, has_queue, import_answers
from dtm_platform.cleaning.enumerators import write_enumerator_pages
from dtm_platform.cleaning.ledger import ledger_path
from dtm_platform.cleaning.workbooks import QUEUE, write_verification_workbooks
from dtm_platform.data_versions import import_version, with_data_version
from dtm_platform.defs.resources import PlatformSettings, Warehouse
from dtm_platform.drop_folder import waiting_files
from dtm_platform.row_imports import import_each

OWNER = "team:dtm-car-im"
GROUP = "cleaning"
INBOX = "inbox"
WORKBOOKS = "verification"
WORKBOOKS_TABLE = "cleaning.verification_workbooks"
ENUMERATOR_VIEW_TABLE = "cleaning.enumerator_view"


@dg.asset(
    key=dg.AssetKey(["cleaning", "imported_answers"]),
    group_name=GROUP,
    kinds={"xlsx", "duckdb"},
    owners=[OWNER],
    code_version="1",
    description=(
        "The field teams' returned verification workbooks, imported: every XLSX dropped in "
        "DTM_HOME/cleaning/inbox is checked row by row against the open issues of the last build; "
        "valid answers are appended to the cleaning-log ledger (DTM_HOME/cleaning/cleaning_log.csv, "
        "which cln_cleaning_log applies), every other row goes to a rejection report under "
        "DTM_HOME/cleaning/reports with its reason. The outcome of every row is kept in "
        "cleaning.imported_answers; the files are moved to DTM_HOME/cleaning/imported."
    ),
)
def imported_answers(
    context: dg.AssetExecutionContext, platform: PlatformSettings, warehouse: Warehouse
) -> dg.MaterializeResult:
    settings = platform.get()
    inbox = settings.cleaning_dir / INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    files = inbox_files(settings)
    with warehouse.connect() as con:
        ensure_record(con)
        queue_built = has_queue(con)
    if files and not queue_built:
        context.log.warning(
            f"{len(files)} returned workbook(s) wait in {inbox}: no build has made the "
            f"verification queue ({QUEUE}) they are checked against yet"
        )
        files = []
    # each file its own time: a later file's answers supersede an earlier one's
    imported = import_each(
        files,
        lambda source: import_answers(
            source,
            warehouse=settings.warehouse,
            cleaning_dir=settings.cleaning_dir,
            imported_by=f"dagster:{getpass.getuser()}",
            now=datetime.now(UTC),
            move=True,
        ),
        KINDS,
        context.log,
    )
    # Its data version is the ledger's (what dbt reads) and the record's (what its gate reads):
    # an import of nothing new leaves it as it was, and nothing after it is rebuilt.
    with warehouse.connect() as con:
        version = import_version(con, settings, context.asset_key)
    return dg.MaterializeResult(
        metadata={
            **imported,
            "rejection_reports": dg.MetadataValue.json(imported["rejection_reports"]),
            "ledger": dg.MetadataValue.path(str(ledger_path(settings.cleaning_dir))),
        },
        data_version=version,
    )


@dg.asset(
    key=dg.AssetKey(["cleaning", "verification_workbooks"]),
    deps=[dg.AssetKey(["marts", "dq_verification_queue"]), dg.AssetKey(["staging", "stg_kobo__kind_choices"])],
    group_name=GROUP,
    kinds={"xlsx", "duckdb"},
    owners=[OWNER],
    code_version="1",
    description=(
        "One verification workbook per field team (ref_enumerator_teams) under "
        "DTM_HOME/cleaning/verification: the open issues of its enumerators' recent submissions "
        "(marts.dq_verification_queue), in French and English, with drop-down lists for the "
        "decision and the new value, protected columns, a readme sheet and A4 print set-up. "
        "Returned ones go to DTM_HOME/cleaning/inbox (or `dtm cleaning import`). The issues per "
        "team are kept in cleaning.verification_workbooks for its gate."
    ),
)
@with_data_version
def verification_workbooks(
    context: dg.AssetExecutionContext, platform: PlatformSettings, warehouse: Warehouse
) -> dg.MaterializeResult:
    settings = platform.get()
    written = write_verification_workbooks(settings.warehouse, settings.cleaning_dir / WORKBOOKS, datetime.now(UTC))
    with warehouse.connect() as con:
        con.execute("create schema if not exists cleaning")
        con.execute(f"create or replace table {WORKBOOKS_TABLE} (team varchar, issues integer, path varchar)")
        con.executemany(
            f"insert into {WORKBOOKS_TABLE} values (?, ?, ?)",
            [[team, written.issues[team], str(path)] for team, path in written.paths.items()],
        )
    for path in written.removed:
        context.log.info(f"{path.name}: nothing left to verify, removed")
    return dg.MaterializeResult(
        metadata={
            "directory": dg.MetadataValue.path(str(written.directory)),
            "workbooks": dg.MetadataValue.json({team: str(path) for team, path in written.paths.items()}),
            "issues_per_team": dg.MetadataValue.json(written.issues),
            "issues": sum(written.issues.values()),
        }
    )


@dg.asset(
    key=dg.AssetKey(["cleaning", "enumerator_view"]),
    deps=[dg.AssetKey(["marts", "dq_enumerator_summary"])],
    group_name=GROUP,
    kinds={"html", "duckdb"},
    owners=[OWNER],
    code_version="1",
    description=(
        "The supervisors' page, in English and French (DTM_HOME/cleaning/enumerators_<en|fr>.html): per "
        "team, each enumerator's last days of collection (marts.dq_enumerator_summary): submissions, issues "
        "per 100 submissions against the form's average (inline SVG), blocking issues, median interview "
        "duration, productivity outlier days and the rules tripped most, worst first. The enumerators per "
        "team are kept in cleaning.enumerator_view for its gate."
    ),
)
@with_data_version
def enumerator_view(
    context: dg.AssetExecutionContext, platform: PlatformSettings, warehouse: Warehouse
) -> dg.MaterializeResult:
    settings = platform.get()
    pages = write_enumerator_pages(settings.warehouse, settings.cleaning_dir, datetime.now(UTC))
    with warehouse.connect() as con:
        con.execute("create schema if not exists cleaning")
        con.execute(
            f"create or replace table {ENUMERATOR_VIEW_TABLE} as select team, count(distinct enumerator_id) "
            "as enumerators, sum(submissions) as submissions from marts.dq_enumerator_summary group by team"
        )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(pages.paths["en"])),
            "path_fr": dg.MetadataValue.path(str(pages.paths["fr"])),
            "enumerators": pages.enumerators,
            "teams": pages.teams,
        }
    )


def inbox_files(settings, now: float | None = None) -> list:
    """The returned workbooks waiting in the drop folder, whole (drop_folder.py)."""
    return waiting_files(settings.cleaning_dir / INBOX, now)


ASSETS = [imported_answers, verification_workbooks, enumerator_view]

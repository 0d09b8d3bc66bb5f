"""Information products. Each depends on marts whose gates are blocking, so it is built
only from data that passed."""

import dagster as dg

from dtm_platform.reports.situation_report import build_situation_report
from dtm_platform.settings import load_settings

OWNER = "team:dtm-car-im"


@dg.asset(
    key=dg.AssetKey(["reports", "dtm_situation_report"]),
    deps=[dg.AssetKey(["marts", "dtm_idp_returnees_by_admin2"])],
    group_name="reports",
    kinds={"html", "duckdb"},
    owners=[OWNER],
    code_version="1",
    description="DTM situation report for the latest round: key figures, IDPs by prefecture "
                "(chart and table), data-quality note. Self-contained HTML under DTM_HOME/reports; "
                "its figures are kept in reports.dtm_situation_report for its own gate.",
)
def dtm_situation_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    report = build_situation_report(settings.warehouse_path, settings.reports_dir)
    context.log.info(f"situation report for round {report.round} written to {report.path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(report.path)),
        "round": report.round,
        "idp_individuals": report.idp_individuals,
        "returnee_individuals": report.returnee_individuals,
        "prefectures": report.prefectures,
    })


def build_report_defs() -> dg.Definitions:
    return dg.Definitions(assets=[dtm_situation_report])

"""Information products. Each depends on marts whose gates are blocking, so it is built
only from data that passed."""

import dagster as dg

from dtm_platform.reports.pdf import find_chromium
from dtm_platform.reports.situation_report import build_situation_report
from dtm_platform.settings import load_settings

OWNER = "team:dtm-car-im"


@dg.asset(
    key=dg.AssetKey(["reports", "dtm_situation_report"]),
    deps=[dg.AssetKey(["marts", name]) for name in (
        "dtm_idp_returnees_by_admin2", "dtm_displacement_reasons", "dtm_priority_needs")]
    # the data-quality note counts submissions excluded and flagged
    + [dg.AssetKey(["cleaned", "cln_dtm_locality_assessments"])],
    group_name="reports",
    kinds={"html", "pdf", "duckdb"},
    owners=[OWNER],
    code_version="1",
    description="DTM situation report for the latest round, in English and French: key figures, IDPs "
                "by prefecture (chart, table, change since the previous round), a map of IDPs by "
                "sub-prefecture, displacement reasons, priority needs, methodology, data-quality and "
                "disclosure notes. Self-contained HTML and PDF under DTM_HOME/reports; its figures are "
                "kept in reports.dtm_situation_report for its own gate.",
)
def dtm_situation_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    chromium = find_chromium(settings.chromium)
    if chromium is None:
        context.log.warning("Chromium not found (set DTM_CHROMIUM): HTML only, no PDF this time")
    report = build_situation_report(settings.warehouse_path, settings.reports_dir,
                                    boundaries=settings.boundaries_geojson, chromium=chromium)
    context.log.info(f"situation report for round {report.round} written to {report.path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(report.path)),
        "path_fr": dg.MetadataValue.path(str(report.paths["fr"])),
        "pdf": dg.MetadataValue.path(str(report.pdfs["en"])) if report.pdfs else "not produced: no Chromium",
        "round": report.round,
        "idp_individuals": report.idp_individuals,
        "returnee_individuals": report.returnee_individuals,
        "prefectures": report.prefectures,
    })


def build_report_defs() -> dg.Definitions:
    return dg.Definitions(assets=[dtm_situation_report])

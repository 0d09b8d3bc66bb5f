"""Information products. Each depends on marts whose gates are blocking, so it is built
only from data that passed."""

import dagster as dg

from dtm_platform.data_versions import ON_SCHEDULE_TAG, with_data_version
from dtm_platform.defs.reports.jobs import WEEKLY_REPORTS_SCHEDULE
from dtm_platform.defs.resources import PlatformSettings
from dtm_platform.reports import oversight
from dtm_platform.reports.iati import IatiActivity
from dtm_platform.reports.indicator_tracker import build_indicator_tracker
from dtm_platform.reports.pdf import find_chromium
from dtm_platform.reports.profiles import MARTS as PROFILE_MARTS
from dtm_platform.reports.profiles import build_profiles, print_profiles, record_unprinted
from dtm_platform.reports.situation_report import build_situation_report

OWNER = "team:dtm-car-im"


@dg.asset(
    key=dg.AssetKey(["reports", "dtm_situation_report"]),
    deps=[
        dg.AssetKey(["marts", name])
        for name in (
            "dtm_key_figures",
            "dtm_idp_returnees_by_admin1",
            "dtm_idp_returnees_by_admin2",
            "dtm_displacement_reasons_by_round",
            "dtm_priority_needs_by_round",
            # the flow monitoring and sites sections
            "dtm_flow_recent_weeks",
            "dtm_flow_recent_points",
            "dtm_flow_recent_profiles",
            "dtm_site_types_by_round",
            # the data-quality note: submissions excluded, flagged and corrected
            "dq_locality_rounds",
        )
    ],
    group_name="reports",
    kinds={"html", "pdf", "duckdb"},
    owners=[OWNER],
    code_version="5",  # 2: flow monitoring and sites sections; 3: every IDP (sites and host families) from the marts;
    # 4: the flow weeks and site types from their marts, the map on real boundaries, A4 charts;
    # 5: the data-quality note from its mart (dq_locality_rounds)
    description=(
        "DTM situation report for the latest round, in English and French: key figures, IDPs "
        "by prefecture (chart, table, change since the previous round), a map of IDPs by "
        "sub-prefecture, displacement reasons, priority needs, IDPs on sites and with host families, "
        "flow monitoring over the latest weeks (travellers by point and direction, main reasons "
        "for travel and means of transport), methodology, data-quality and "
        "disclosure notes. Self-contained HTML and PDF under DTM_HOME/reports; its figures are "
        "kept in reports.dtm_situation_report for its own gate."
    ),
)
@with_data_version
def dtm_situation_report(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
    settings = platform.get()
    chromium = find_chromium(settings.chromium)
    if chromium is None:
        context.log.warning("Chromium not found (set DTM_CHROMIUM): HTML only, no PDF this time")
    report = build_situation_report(
        settings.warehouse, settings.reports_dir, boundaries=settings.boundaries_geojson, chromium=chromium
    )
    context.log.info(f"situation report for round {report.round} written to {report.path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            "path_fr": dg.MetadataValue.path(str(report.paths["fr"])),
            "pdf": dg.MetadataValue.path(str(report.pdfs["en"])) if report.pdfs else "not produced: no Chromium",
            "round": report.round,
            "idp_individuals": report.idp_individuals,  # every IDP: on sites and with host families
            "returnee_individuals": report.returnee_individuals,
            "prefectures": report.prefectures,
        }
    )


@dg.asset(
    key=dg.AssetKey(["reports", "me_indicator_tracker"]),
    deps=[
        dg.AssetKey(["marts", "me_indicator_tracking"]),
        dg.AssetKey(["marts", "me_indicator_targets_vs_actuals"]),
        *(dg.AssetKey(section.mart.split(".")) for section in oversight.SECTIONS),
    ],
    group_name="reports",
    kinds={"xlsx", "html", "duckdb"},
    owners=[OWNER],
    code_version="5",  # 2: % achieved from the baseline, pro-rating, the IATI results file; 3: targets vs actuals,
    # by period; 4: the programme-oversight sections (reports/oversight.py); 5: the status bands from the marts
    description=(
        "M&E indicator performance tracker of the community stabilization programme, in English "
        "and French: a donor-ready XLSX (notes sheet, then one sheet per results-framework level with "
        "every indicator, period and disaggregation; % achieved in the traffic-light fills of the marts' "
        "status bands: on track >= 90%, behind 60-90%, off track < 60%, macros/indicator_status.sql) "
        "then every target beside its actual (periods, midline, endline, life of project), a by-period sheet "
        "and the programme-oversight sections (the workplan's timeline, late lines first); "
        "and a self-contained HTML summary of progress against targets in the reporting period; "
        "the results as an IATI 2.03 activity file (me_results_iati.xml), validated against the IATI "
        "schema before it is written. "
        "Under DTM_HOME/reports; the summary's figures are kept in reports.me_indicator_tracker for "
        "its own gate."
    ),
)
@with_data_version
def me_indicator_tracker(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
    settings = platform.get()
    identity = IatiActivity(settings.iati_activity_id, settings.iati_reporting_org, settings.iati_reporting_org_name)
    tracker = build_indicator_tracker(
        settings.warehouse, settings.reports_dir, min_cell_count=settings.min_cell_count, iati=identity
    )
    context.log.info(f"indicator tracker for {tracker.period} written to {tracker.xlsx['en']}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(tracker.xlsx["en"])),
            "path_fr": dg.MetadataValue.path(str(tracker.xlsx["fr"])),
            "html": dg.MetadataValue.path(str(tracker.html["en"])),
            "html_fr": dg.MetadataValue.path(str(tracker.html["fr"])),
            "iati": dg.MetadataValue.path(str(tracker.iati)),
            "reporting_period": tracker.period,
            "indicators": tracker.indicators,
            "indicators_with_target": tracker.with_target,
            "indicators_on_track": tracker.on_track,
            "share_on_track": dg.MetadataValue.float(round(tracker.share_on_track, 3))
            if tracker.share_on_track is not None
            else "no indicator has a target this period",
        }
    )


@dg.asset(
    key=dg.AssetKey(["reports", "dtm_site_profiles"]),
    deps=[dg.AssetKey(["marts", name]) for name in PROFILE_MARTS],
    group_name="reports",
    kinds={"html", "duckdb"},
    owners=[OWNER],
    code_version="2",
    description=(
        "Site and locality profiles of the latest round, in English and French: one A4 page per "
        "IDP site (p-codes, type, management, IDPs by sex and age, trend across rounds, services "
        "and gaps, priority needs of its sub-prefecture, locator map) and per sub-prefecture (IDPs "
        "on sites and with host families, returnees, trend, reasons for displacement, priority "
        "needs, its sites, locator map). Self-contained HTML under "
        "DTM_HOME/reports/profiles/{sites,localities}/<site id or p-code>_<language>.html, with "
        "an index per language linking each page and its PDF as last printed "
        "(reports/dtm_site_profile_pdfs); every figure is a mart's. The figures they publish, one "
        "row per profile, are kept in reports.dtm_site_profiles for its own gate."
    ),
)
@with_data_version
def dtm_site_profiles(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
    settings = platform.get()
    profiles = build_profiles(settings.warehouse, settings.reports_dir, with_pdf=settings.profile_pdfs)
    behind = f"; {profiles.pdfs_behind} PDFs to print again" if settings.profile_pdfs else ""
    context.log.info(
        f"{profiles.sites} site and {profiles.localities} sub-prefecture profiles of round {profiles.round} in "
        f"{profiles.folder}: {profiles.html_written} of {profiles.html_files} pages new or changed, rendered in "
        f"{profiles.render_seconds} s{behind}"
    )
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(profiles.folder)),
            "index": dg.MetadataValue.path(str(profiles.index["en"])),
            "index_fr": dg.MetadataValue.path(str(profiles.index["fr"])),
            "round": profiles.round,
            "site_profiles": profiles.sites,
            "locality_profiles": profiles.localities,
            "html_files": profiles.html_files,
            "html_written": profiles.html_written,
            "pdfs_linked": profiles.pdf_files,
            "pdfs_behind": profiles.pdfs_behind if settings.profile_pdfs else "DTM_PROFILE_PDFS is off",
            "render_seconds": dg.MetadataValue.float(profiles.render_seconds),
        }
    )


@dg.asset(
    key=dg.AssetKey(["reports", "dtm_site_profile_pdfs"]),
    deps=[dtm_site_profiles],
    group_name="reports",
    kinds={"pdf", "duckdb"},
    owners=[OWNER],
    code_version="1",
    # Printing every page takes minutes and a day's submissions change nearly every page: the
    # PDFs follow the weekly reports, not each build (a build prints them only the first time).
    tags={ON_SCHEDULE_TAG: WEEKLY_REPORTS_SCHEDULE},
    description=(
        "The site and locality profiles printed to one-page A4 PDFs beside their HTML, by one "
        "Chromium; only the pages whose content changed since they were printed. Built with the "
        "weekly reports (weekly_reports_schedule) or when materialized here, not by each daily "
        "build: the index says when the PDFs were printed. Each PDF, its profile, language and "
        "pages, is listed in reports.dtm_site_profile_pdfs for its own gate."
    ),
)
@with_data_version
def dtm_site_profile_pdfs(context: dg.AssetExecutionContext, platform: PlatformSettings) -> dg.MaterializeResult:
    settings = platform.get()
    chromium = find_chromium(settings.chromium) if settings.profile_pdfs else None
    if chromium is None:
        why = "no Chromium (set DTM_CHROMIUM)" if settings.profile_pdfs else "DTM_PROFILE_PDFS is off"
        kept = record_unprinted(settings.warehouse, settings.reports_dir)
        context.log.warning(f"profiles not printed: {why}; {kept} PDFs kept as last printed")
        return dg.MaterializeResult(metadata={"pdf_files": kept, "pdfs_printed": f"none: {why}"})
    printed = print_profiles(settings.warehouse, settings.reports_dir, chromium)
    context.log.info(
        f"{printed.pdfs_printed} of {printed.pdf_files} profile PDFs printed in {printed.pdf_seconds} s, "
        "the others unchanged since they were printed"
    )
    if printed.pages_over_one:
        context.log.warning(f"profiles longer than one A4 page: {', '.join(printed.pages_over_one)}")
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(printed.folder)),
            "pdf_files": printed.pdf_files,
            "pdfs_printed": printed.pdfs_printed,
            "pdfs_longer_than_one_page": len(printed.pages_over_one),
            "pdf_seconds": dg.MetadataValue.float(printed.pdf_seconds),
        }
    )


REPORTS = [dtm_situation_report, me_indicator_tracker, dtm_site_profiles, dtm_site_profile_pdfs]

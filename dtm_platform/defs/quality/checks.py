"""The gates: one blocking Great Expectations check per asset, from its suite in expectations/.

A failed expectation fails the check with ERROR severity, which stops everything downstream
of the asset in the same run; an expectation marked ``"meta": {"severity": "warn"}`` only
warns (``quality/runner.py`` validates, ``quality/checks.py`` reads and records).
"""

import dagster as dg

from dtm_platform.data_versions import SUITE_METADATA, digest
from dtm_platform.defs.resources import PlatformSettings
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.quality.checks import CHECK_NAME, check_metadata, page_url, read_warehouse_frame, save_result
from dtm_platform.quality.form_suites import resolve_form_suite
from dtm_platform.quality.parameters import ParameterContext, remember_passed, suite_parameters
from dtm_platform.quality.runner import validate
from dtm_platform.quality.suites import EXPECTATIONS_DIR, Suite, load_suites, require_suites
from dtm_platform.warehouse import reading


def gates_for(asset_keys: list[dg.AssetKey], forms: list[FormEntry]) -> list[dg.AssetChecksDefinition]:
    """Checks for every asset; an asset without a suite fails the definitions (the raw
    assets of the registry's forms have a default one)."""
    suites = load_suites(EXPECTATIONS_DIR, forms)
    paths = [tuple(key.path) for key in asset_keys]
    require_suites(paths, suites)
    unknown = sorted("/".join(p) for p in suites if p not in paths)
    if unknown:
        raise ValueError(f"suites gate assets that do not exist: {', '.join(unknown)}")
    return [build_gx_check(suites[path]) for path in paths]


def build_gx_check(suite: Suite) -> dg.AssetChecksDefinition:
    asset_key = dg.AssetKey(list(suite.asset_path))

    @dg.asset_check(
        asset=asset_key,
        name=CHECK_NAME,
        blocking=True,
        # what the gate checks, so that an asset checked by an older suite is checked again (data_versions.py)
        metadata={SUITE_METADATA: digest(suite.document)},
        description=f"Great Expectations suite {suite.file.parent.name}/{suite.file.name}: "
        f"{len(suite.document['expectations'])} expectations"
        + (
            " and those derived from the form's content"
            if (suite.document.get("meta") or {}).get("derive_from_form_content")
            else ""
        )
        + "; a failure stops what depends on it.",
    )
    def _gx_check(context: dg.AssetCheckExecutionContext, platform: PlatformSettings) -> dg.AssetCheckResult:
        settings = platform.get()
        # One read-only connection for the suite, the table and the parameters, closed before
        # validating (dbt, in the next step, writes the warehouse from another process).
        with reading(settings.warehouse) as con:
            # A typed form's suite gets its expectations from the form's content as it is now.
            current = resolve_form_suite(suite, con)
            frame = read_warehouse_frame(con, current.asset_path, current.needed_columns())
            parameters = suite_parameters(ParameterContext(current, con, settings.quality_dir, len(frame)))
        outcome = validate(frame, current, parameters)
        result_path, docs_path = save_result(outcome, settings.quality_dir, context.run.run_id)
        if not outcome.blocking_failures:
            remember_passed(settings.quality_dir, suite.name, outcome.rows, context.run.run_id)
        for failure in outcome.blocking_failures + outcome.warnings:
            context.log.warning(
                f"{suite.name}: {failure.expectation} failed on {failure.unexpected_count} rows"
                + (f", e.g. {failure.sample}" if failure.sample else "")
            )
        return dg.AssetCheckResult(
            passed=not outcome.blocking_failures and not outcome.warnings,
            severity=dg.AssetCheckSeverity.ERROR if outcome.blocking_failures else dg.AssetCheckSeverity.WARN,
            metadata=check_metadata(outcome, result_path, page_url(docs_path, settings.quality_dir, settings.docs_url)),
        )

    return _gx_check

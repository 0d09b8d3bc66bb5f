"""One ingestion asset per form of the registry, ``raw/kobo_<dataset>``, and the forms' content
``raw/kobo_form_content`` that lands before them.

Each body is ``secret_safe``: a failure reaches Dagster with every secret masked (a Kobo
error may quote a URL with credentials, a driver's error a password). Each materialization
carries the data version of what raw holds for the form (``data_versions.raw_version``), so
what follows raw is rebuilt when a submission arrived, changed or went, not on every run.
"""

import json
import time

import dagster as dg

from dtm_platform.data_versions import form_content_version, raw_version
from dtm_platform.defs.resources import KoboApi, PlatformSettings, Warehouse
from dtm_platform.kobo.attachments import download_attachments
from dtm_platform.kobo.audit import load_audit_logs
from dtm_platform.kobo.form_check import check_entry
from dtm_platform.kobo.landing import land_form_content, land_new_submissions, land_unlisted_versions
from dtm_platform.kobo.reconcile import reconcile
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.secrets import secret_safe

OWNER = "team:dtm-car-im"
FORM_CONTENT_KEY = dg.AssetKey(["raw", "kobo_form_content"])


class IngestionConfig(dg.Config):
    """Incremental by default; ``reconcile`` also compares the whole form with what has
    landed, to pick up edits, deletions and validation-status changes (nightly)."""

    reconcile: bool = False
    allow_mass_deletion: bool = False


def ingestion_asset(form: FormEntry) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", form.raw_table]),
        # The form versions land first: the raw gate checks each submission's version.
        deps=[FORM_CONTENT_KEY],
        group_name="raw",
        kinds={"kobo", "duckdb"},
        owners=[OWNER],
        code_version="1",
        description=(
            f"{form.title}: Kobo form {form.uid} landed in raw.{form.raw_table}, one row per "
            "submission keyed on _id with the original JSON. Incremental: fetches only _id above "
            "what has landed."
        ),
    )
    @secret_safe(f"raw/{form.raw_table}")
    def _ingest(
        context: dg.AssetExecutionContext,
        config: IngestionConfig,
        platform: PlatformSettings,
        warehouse: Warehouse,
        kobo: KoboApi,
    ) -> dg.MaterializeResult:
        settings = platform.get()
        settings.home.mkdir(parents=True, exist_ok=True)

        def progress(landed: int) -> None:
            context.log.info(f"{form.dataset}: {landed} new submissions landed so far")

        with kobo.client() as client, warehouse.connect() as con:
            _refuse_a_mapping_the_form_breaks(con, form)
            result = land_new_submissions(con, client, form, run_id=context.run.run_id, progress=progress)
            context.log.info(
                f"{form.dataset}: {result.new_submissions} new submissions in {result.pages} pages "
                f"({result.retries} retries) in {result.seconds:.1f}s; {result.total_rows} in raw"
            )
            metadata = {
                "mode": "reconcile" if config.reconcile else "incremental",
                "new_submissions": result.new_submissions,
                "total_rows": dg.MetadataValue.int(result.total_rows),
                "pages": result.pages,
                "retries": result.retries,
                "max_id": result.max_id,
                "last_submission_time": result.last_submission_time or "",
                "seconds": round(result.seconds, 2),
                # kept aside in raw.kobo_quarantine with why (kobo/quarantine.py); the rest landed
                "quarantined_submissions": result.quarantined,
            }
            for reason in result.quarantine_reasons[:20]:
                context.log.warning(f"quarantined: {reason}")
            if config.reconcile:
                started = time.perf_counter()
                checked = reconcile(
                    con, client, form, run_id=context.run.run_id, allow_mass_deletion=config.allow_mass_deletion
                )
                reconcile_seconds = time.perf_counter() - started
                context.log.info(
                    f"{form.dataset}: reconciled in {reconcile_seconds:.1f}s: {checked.edited} edited, "
                    f"{checked.deleted} deleted, {checked.validation_changed} validation changes, "
                    f"{checked.new} missed earlier"
                )
                metadata.update(
                    {
                        # "seconds" stays the landing of new submissions; this is the comparison
                        # of the whole form with raw that follows it
                        "reconcile_seconds": round(reconcile_seconds, 2),
                        "new_submissions": result.new_submissions + checked.new,
                        "edited_submissions": checked.edited,
                        "deleted_submissions": checked.deleted,
                        "validation_status_changes": checked.validation_changed,
                        "unchanged_submissions": checked.unchanged,
                        "pages": result.pages + checked.pages,
                        "retries": result.retries + checked.retries,
                    }
                )
            if form.download_attachments:
                files = download_attachments(
                    con, form, client=client, home=settings.home, max_bytes=settings.kobo_max_attachment_mb * 2**20
                )
                context.log.info(
                    f"{form.dataset}: attachments: {files.downloaded} downloaded, {files.already_present} "
                    f"already on disk, {files.failed} failed (tried again at the next run), "
                    f"{len(files.too_large) + files.refused_before} too large (raw.kobo_attachment_refusals)"
                )
                for refused in files.too_large[:20]:
                    context.log.warning(str(refused))
                metadata.update(
                    {
                        "attachments_downloaded": files.downloaded,
                        "attachments_on_disk": files.downloaded + files.already_present,
                        "attachments_failed": files.failed,
                        "attachments_too_large": len(files.too_large) + files.refused_before,
                    }
                )
                audits = load_audit_logs(con, form, settings.home)
                if audits.files_read:
                    context.log.info(
                        f"{form.dataset}: audit logs: {audits.files_read} read ({audits.events} events, "
                        f"{audits.invalid_rows} invalid rows left out, {audits.unreadable} not audit "
                        "logs: see raw.kobo_audit_files)"
                    )
                metadata.update({"audit_logs_read": audits.files_read, "audit_logs_unreadable": audits.unreadable})
            without_content = land_unlisted_versions(con, client, form)
            if without_content:
                context.log.warning(
                    f"{form.dataset}: the server gives no content for form version(s) {', '.join(without_content)}; "
                    "their submissions landed and are flagged in cleaned.dq_undefined_fields"
                )
            metadata["form_versions_without_content"] = dg.MetadataValue.json(without_content)
            version, state = raw_version(con, form)
            metadata["deleted_in_raw"] = state["deleted_submissions"]
            metadata["raw_state"] = dg.MetadataValue.json(state)
        context.log.info(
            f"{form.dataset}: data version {version.value} (high-water mark {state['high_water_mark']}, "
            f"{state['live_submissions']} live, {state['edited_submissions']} edited, "
            f"{state['deleted_submissions']} deleted, {state['quarantined_submissions']} quarantined)"
        )
        return dg.MaterializeResult(metadata=metadata, data_version=version)

    return _ingest


def _refuse_a_mapping_the_form_breaks(con, form: FormEntry) -> None:
    """Before a page lands: the entry's mapped and personal paths against the deployed
    content (landed by raw/kobo_form_content), so a renamed question fails the run with a
    message naming it instead of reaching the marts as NULLs or leaking a personal field."""
    landed = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'kobo_form_content'"
    ).fetchone()[0]
    row = (
        landed
        and con.execute(
            "select content from raw.kobo_form_content where form_uid = ? "
            "order by date_deployed desc nulls last, fetched_at desc limit 1",
            [form.uid],
        ).fetchone()
    )
    if not row:
        return  # no content yet (the form-content asset has not run): nothing to check against
    errors = [f for f in check_entry(form, json.loads(row[0])) if f.severity == "error"]
    if errors:
        raise dg.Failure(
            description=f"{form.dataset}: the registry entry does not fit the deployed form; nothing landed. "
            + " ".join(f.message + "." for f in errors)
            + " Fix DTM_FORMS_FILE (`dtm forms check`).",
            allow_retries=False,
        )


def form_content_asset(forms: list[FormEntry]) -> dg.AssetsDefinition:
    @dg.asset(
        key=FORM_CONTENT_KEY,
        group_name="raw",
        kinds={"kobo", "duckdb"},
        owners=[OWNER],
        code_version="1",
        description=(
            "Every deployed version of every registered form's content (survey rows, choices, "
            "English and French labels) in raw.kobo_form_content, one row per form and version. "
            "dbt builds question and choice tables from it; the gates read versions and choice lists."
        ),
    )
    @secret_safe("raw/kobo_form_content")
    def _form_content(
        context: dg.AssetExecutionContext, platform: PlatformSettings, warehouse: Warehouse, kobo: KoboApi
    ) -> dg.MaterializeResult:
        platform.get().home.mkdir(parents=True, exist_ok=True)
        deployed = {}
        with kobo.client() as client, warehouse.connect() as con:
            for form in forms:
                deployed[form.dataset] = land_form_content(con, client, form)
            versions = con.execute("select count(*) from raw.kobo_form_content").fetchone()[0]
            version = form_content_version(con)
        context.log.info(f"form content: {len(forms)} forms, {versions} versions kept")
        return dg.MaterializeResult(
            metadata={
                "forms": len(forms),
                "versions_kept": versions,
                "deployed_versions": dg.MetadataValue.json(deployed),
            },
            data_version=version,
        )

    return _form_content

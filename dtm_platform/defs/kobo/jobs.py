"""Ingestion jobs: one per form (``ingest_<dataset>``) and the nightly reconciliation of all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import dagster as dg

from dtm_platform.defs.automation.tags import FORM_TAG
from dtm_platform.kobo.registry import FormEntry

RECONCILE_JOB = "reconcile_kobo"


def ingest_job_name(form: FormEntry) -> str:
    return f"ingest_{form.dataset}"


def reconcile_run_config(ingestion_assets: Iterable[dg.AssetsDefinition]) -> dict:
    """Run config switching ingestion assets to their reconciliation mode (IngestionConfig)."""
    return {"ops": {asset.op.name: {"config": {"reconcile": True}} for asset in ingestion_assets}}


def ingest_jobs(forms: list[FormEntry], ingestion: Mapping[str, dg.AssetsDefinition]) -> dict:
    """Each form's job by dataset: its raw asset, what it needs first (the forms' content), their gates."""
    return {
        form.dataset: dg.define_asset_job(
            ingest_job_name(form),
            selection=dg.AssetSelection.assets(ingestion[form.dataset]).upstream(),
            description=f"Land new submissions of {form.title} in raw.{form.raw_table}, with its gate.",
            tags={FORM_TAG: form.dataset},
        )
        for form in forms
    }


def reconcile_job(ingestion: Mapping[str, dg.AssetsDefinition]):
    return dg.define_asset_job(
        RECONCILE_JOB,
        selection=dg.AssetSelection.assets(*ingestion.values()).upstream(),
        description="Reconcile every form with raw: edits, deletions and validation-status changes.",
    )

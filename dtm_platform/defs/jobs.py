"""Jobs: what a schedule, the demo or a data engineer in the UI starts."""

import dagster as dg

FULL_BUILD = "full_build"


def build_job_defs() -> dg.Definitions:
    full_build = dg.define_asset_job(
        FULL_BUILD,
        selection=dg.AssetSelection.all(),
        description="Ingest every form, build every dbt layer and report, with every gate.",
    )
    return dg.Definitions(jobs=[full_build])

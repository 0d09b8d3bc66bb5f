"""``import_cleaning_answers``: the returned verification workbooks waiting in the inbox."""

import dagster as dg

from dtm_platform.defs.cleaning.assets import imported_answers

IMPORT_JOB = "import_cleaning_answers"


def import_answers_job():
    return dg.define_asset_job(
        IMPORT_JOB,
        selection=dg.AssetSelection.assets(imported_answers),
        description="Import the returned verification workbooks of DTM_HOME/cleaning/inbox.",
    )

"""The finance import: expenditure exports dropped in DTM_HOME/finance/inbox (``assets.py``)."""

import dagster as dg

from dtm_platform.defs.finance.assets import imported_expenditures


def build_defs() -> dg.Definitions:
    return dg.Definitions(assets=[imported_expenditures])

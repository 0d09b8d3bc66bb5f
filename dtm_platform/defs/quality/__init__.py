"""The gates: one blocking Great Expectations check per asset (``checks.py``)."""

import dagster as dg

from dtm_platform.defs.quality.checks import gates_for
from dtm_platform.kobo.registry import FormEntry


def build_defs(asset_keys: list[dg.AssetKey], forms: list[FormEntry]) -> dg.Definitions:
    """A gate for every asset; an asset without a suite fails the definitions."""
    return dg.Definitions(asset_checks=gates_for(asset_keys, forms))

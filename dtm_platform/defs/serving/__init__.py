"""Serving: the marts for Power BI, analysts and HDX (``assets.py``), downstream of every mart."""

from collections.abc import Sequence

import dagster as dg

from dtm_platform.defs.serving.assets import serving_assets


def build_defs(mart_keys: Sequence[dg.AssetKey]) -> dg.Definitions:
    return dg.Definitions(assets=serving_assets(mart_keys))

"""Great Expectations gates: one blocking check per asset, from expectations/."""

import dagster as dg

from dtm_platform.kobo.registry import FormEntry
from dtm_platform.quality.checks import build_gx_check
from dtm_platform.quality.suites import EXPECTATIONS_DIR, load_suites, require_suites


def build_quality_defs(asset_keys: list[dg.AssetKey], forms: list[FormEntry]) -> dg.Definitions:
    """Checks for every asset; an asset without a suite fails the definitions (the raw
    assets of the registry's forms have a default one)."""
    suites = load_suites(EXPECTATIONS_DIR, forms)
    paths = [tuple(key.path) for key in asset_keys]
    require_suites(paths, suites)
    unknown = sorted("/".join(p) for p in suites if p not in paths)
    if unknown:
        raise ValueError(f"suites gate assets that do not exist: {', '.join(unknown)}")
    return dg.Definitions(asset_checks=[build_gx_check(suites[path]) for path in paths])

"""Transform: the dbt models, one step per layer (``dbt_assets.py``), and every registered
form's typed tables (``typed_forms.py``)."""

import dagster as dg

from dtm_platform.defs.transform.dbt_assets import dbt_layer_assets, dbt_resource
from dtm_platform.defs.transform.typed_forms import typed_form_asset
from dtm_platform.kobo.registry import FormEntry


def build_defs(forms: list[FormEntry]) -> dg.Definitions:
    return dg.Definitions(
        assets=[*dbt_layer_assets(forms), *(typed_form_asset(form) for form in forms)],
        resources={"dbt": dbt_resource()},
    )

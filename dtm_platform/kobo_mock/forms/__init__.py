"""The synthetic forms besides the DTM locality assessment (``generator.py``), one module each.

Each module exposes ``FORM_UID``, ``DATASET`` (its name in the form registry), ``FORM_NAME``,
``VERSIONS`` (deployment order), ``FIRST_ID``, ``ERROR_RATES``, ``BLOCKING_ERRORS``, its
``CHOICE_LISTS`` and ``content(version)``, and ``build(seed, scale) -> SyntheticForm`` whose
``truth`` says what a correct cleaning of the served submissions yields.
"""

from __future__ import annotations

from dtm_platform.kobo_mock.forms import (
    flow_counts,
    flow_survey,
    me_activity,
    me_feedback,
    me_field_visit,
    me_partner_report,
    me_pdm,
    me_perception,
    site,
)

FORM_MODULES = (
    site,
    flow_counts,
    flow_survey,
    me_activity,
    me_pdm,
    me_perception,
    me_partner_report,
    me_feedback,
    me_field_visit,
)

"""Every synthetic form the embedded server serves by default, with what is true about it.

``synthetic_forms`` builds the DTM locality assessment (``generator.py``) and the nine forms
of ``forms/``: site assessment, flow monitoring registry counts and individual survey, and
the M&E activity monitoring, post-distribution monitoring, perception survey, partners'
monthly reports, complaints and feedback log and field monitoring visits. Each comes
with the errors seeded into its submissions (``_id`` -> kind) and a truth object saying
what a correct cleaning of the served data yields, so marts can be checked against figures
that were never computed by the platform's own SQL.
"""

from __future__ import annotations

from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.forms import FORM_MODULES
from dtm_platform.kobo_mock.generator import Dataset, generate
from dtm_platform.kobo_mock.served import MockForm, SyntheticForm
from dtm_platform.kobo_mock.store import FormVersion, ListSource, SubmissionStore


def locality_mock_form(dataset: Dataset, uid: str = locality_form.FORM_UID) -> MockForm:
    versions = [
        FormVersion(
            locality_form.VERSIONS[r], locality_form.form_content(r), f"{locality_form.ROUNDS[r][0]}T06:00:00.000000Z"
        )
        for r in sorted(locality_form.VERSIONS)
    ]
    return MockForm(
        uid=uid, name=locality_form.FORM_NAME, versions=versions, store=SubmissionStore(ListSource(dataset.submissions))
    )


def synthetic_forms(
    seed: int = 2026, scale: float = 1.0, localities_per_admin2: int = 12, bad_batch: int = 0
) -> list[SyntheticForm]:
    """The locality assessment first (``localities_per_admin2`` and ``bad_batch`` size it),
    then the nine other forms at ``scale`` (1.0: a demo size; the flow monitoring registry
    counts stays lazy at any scale)."""
    others = [module.build(seed, scale) for module in FORM_MODULES]
    sites = next(form.truth for form in others if form.dataset == "dtm_site")
    dataset = generate(seed, localities_per_admin2, bad_batch, idps_on_sites=sites.idps_on_sites())
    forms = [
        SyntheticForm(form=locality_mock_form(dataset), dataset="dtm_locality", truth=dataset, errors=dataset.errors)
    ]
    return forms + others


def default_forms(
    seed: int = 2026, localities_per_admin2: int = 12, bad_batch: int = 0, scale: float = 1.0
) -> list[MockForm]:
    return [s.form for s in synthetic_forms(seed, scale, localities_per_admin2, bad_batch)]

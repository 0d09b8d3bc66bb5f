"""Every synthetic form the embedded server serves by default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dtm_platform.kobo.mock import locality_form
from dtm_platform.kobo.mock.generator import Dataset, generate
from dtm_platform.kobo.mock.store import FormVersion, ListSource, SubmissionStore

if TYPE_CHECKING:
    from dtm_platform.kobo.mock.server import MockForm


def locality_mock_form(dataset: Dataset, uid: str = locality_form.FORM_UID) -> "MockForm":
    from dtm_platform.kobo.mock.server import MockForm

    versions = [
        FormVersion(locality_form.VERSIONS[r], locality_form.form_content(r),
                    f"{locality_form.ROUNDS[r][0]}T06:00:00.000000Z")
        for r in sorted(locality_form.VERSIONS)
    ]
    return MockForm(uid=uid, name=locality_form.FORM_NAME, versions=versions,
                    store=SubmissionStore(ListSource(dataset.submissions)))


def default_forms(seed: int = 2026, localities_per_admin2: int = 12, bad_batch: int = 0) -> list["MockForm"]:
    return [locality_mock_form(generate(seed, localities_per_admin2, bad_batch))]

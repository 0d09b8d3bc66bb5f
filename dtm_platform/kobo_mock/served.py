"""One form as the embedded server serves it (``MockForm``) and as the catalogue lists it
(``SyntheticForm``: with its name in the registry, its ground truth and its seeded errors).

The server, the catalogue, the variants and each synthetic form's module build on these,
so none of them needs to import another to make or hand over a form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dtm_platform.kobo_mock.store import FormVersion, SubmissionStore


@dataclass
class MockForm:
    uid: str
    name: str
    versions: list[FormVersion]  # in deployment order: the last one is deployed
    store: SubmissionStore
    # attachment uid -> the file's bytes, for files whose content matters (audit logs);
    # any other attachment is answered with a deterministic photo-like blob
    attachment_bodies: dict[str, bytes] = field(default_factory=dict)

    @property
    def deployed(self) -> FormVersion:
        return self.versions[-1]

    @property
    def content(self) -> dict:
        return self.deployed.content

    @property
    def submissions(self) -> list[dict]:
        """Every current submission, built in memory: for tests on small forms."""
        return list(self.store.iter_after(None))

    def deploy(self, version: FormVersion) -> None:
        self.versions.append(version)


@dataclass(frozen=True)
class SyntheticForm:
    form: MockForm
    dataset: str  # the form registry's dataset name (raw/kobo_<dataset>)
    truth: Any  # the form's ground truth (the locality Dataset, SiteTruth, ...)
    errors: Mapping[int, str]  # _id -> seeded error kind (a lazy mapping for the large form)

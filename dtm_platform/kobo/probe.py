"""A cheap look at a form: how many submissions it has and the highest ``_id``, in one request.

``GET /api/v2/assets/{uid}/data/?format=json&limit=1&fields=["_id"]&sort={"_id":-1}``
answers ``count`` (every submission) and the newest submission's ``_id`` alone, so a sensor
can poll every form every few minutes without downloading any answers. Comparing two looks
says whether new submissions arrived (the incremental sync fetches them) or the count
changed without a new ``_id`` (deletions, or a submission below the high-water mark: only
a reconciliation pass sees those).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

from dtm_platform.kobo.client import KoboClient, data_count, data_results
from dtm_platform.kobo.quarantine import usable_id

Change = Literal["new_submissions", "count_changed"]


@dataclass(frozen=True)
class FormCount:
    count: int
    max_id: int | None  # None when the form has no submissions

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict) -> FormCount:
        return cls(count=int(value["count"]), max_id=value.get("max_id"))


def probe_form(client: KoboClient, uid: str) -> FormCount:
    """The form's submission count and highest ``_id`` (retries and auth: the client's)."""
    url = client.data_url(uid)
    body = client.get_json(
        url, {"format": "json", "limit": 1, "fields": json.dumps(["_id"]), "sort": json.dumps({"_id": -1})}, form=uid
    )
    # the shape checked, with a named error (errors.py) naming what came instead
    results = data_results(body, uid, url)
    newest = results[0] if results else None
    return FormCount(
        count=data_count(body, uid, url), max_id=usable_id(newest.get("_id")) if isinstance(newest, dict) else None
    )


def what_changed(previous: FormCount | None, current: FormCount) -> Change | None:
    """What a sync should do about the difference between two looks at a form.

    With no previous look (first tick, or a form just added to the registry) a form with
    submissions counts as new: the incremental sync reads its high-water mark from raw, so
    a form already up to date costs one request that lands nothing.
    """
    if current.max_id is not None and (previous is None or previous.max_id is None or current.max_id > previous.max_id):
        return "new_submissions"
    if previous is not None and current.count != previous.count:
        return "count_changed"
    return None

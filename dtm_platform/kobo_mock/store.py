"""What the embedded server holds for one form: its submissions as the server sees them now.

A form's base submissions come from a *source*: a list for the small synthetic forms, or a
lazy source that builds submission number ``i`` on demand from the seed, so the server can
serve a million submissions without holding them. Edits, deletions, validation-status
changes and new arrivals made during a test sit in small overlays on top.
"""

from __future__ import annotations

import bisect
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field


class ListSource:
    """Submissions held in memory, sorted by ``_id``."""

    def __init__(self, submissions: Sequence[dict]):
        self._submissions = list(submissions)
        self._ids = [s["_id"] for s in self._submissions]
        if self._ids != sorted(set(self._ids)):
            raise ValueError("a ListSource needs unique submissions sorted by _id")

    def __len__(self) -> int:
        return len(self._submissions)

    def position_after(self, after_id: int) -> int:
        return bisect.bisect_right(self._ids, after_id)

    def id_at(self, position: int) -> int:
        return self._ids[position]

    def at(self, position: int) -> dict:
        return self._submissions[position]


class LazySource:
    """``count`` submissions whose ids are ``first_id + position * id_step``, each built on
    demand by ``build(position, _id)``: deterministic, and nothing is held in memory."""

    def __init__(self, count: int, build: Callable[[int, int], dict], first_id: int = 1, id_step: int = 1):
        self.count, self.build, self.first_id, self.id_step = count, build, first_id, id_step

    def __len__(self) -> int:
        return self.count

    def position_after(self, after_id: int) -> int:
        if after_id < self.first_id:
            return 0
        return min(self.count, (after_id - self.first_id) // self.id_step + 1)

    def id_at(self, position: int) -> int:
        return self.first_id + position * self.id_step

    def at(self, position: int) -> dict:
        return self.build(position, self.id_at(position))


@dataclass(frozen=True)
class FormVersion:
    uid: str
    content: dict
    date_deployed: str  # "2026-08-01T08:00:00.000000Z"
    # False: an older deployment the asset's deployed_versions no longer lists, though its
    # versions/<uid>/ endpoint still answers (as KPI does for versions past its list).
    listed: bool = True


@dataclass
class SubmissionStore:
    source: ListSource | LazySource
    edits: dict[int, dict] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    arrivals: list[dict] = field(default_factory=list)  # received after the source, higher ids
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def count(self) -> int:
        return len(self.source) + len(self.arrivals) - len(self.deleted)

    def max_id(self) -> int | None:
        if self.arrivals:
            return self.arrivals[-1]["_id"]
        return self.source.id_at(len(self.source) - 1) if len(self.source) else None

    def count_after(self, after_id: int | None) -> int:
        start = 0 if after_id is None else self.source.position_after(after_id)
        above = (lambda i: True) if after_id is None else (lambda i: i > after_id)
        return (
            len(self.source)
            - start
            + sum(1 for s in self.arrivals if above(s["_id"]))
            - sum(1 for i in self.deleted if above(i))
        )

    def iter_after(self, after_id: int | None, skip: int = 0) -> Iterator[dict]:
        """Current submissions with ``_id`` above ``after_id``, in ``_id`` order, after
        skipping ``skip`` of them (skipped ones are never built)."""
        start = 0 if after_id is None else self.source.position_after(after_id)
        for position in range(start, len(self.source)):
            submission_id = self.source.id_at(position)
            if submission_id in self.deleted:
                continue
            if skip:
                skip -= 1
                continue
            yield self.edits.get(submission_id) or self.source.at(position)
        for submission in list(self.arrivals):
            if (after_id is None or submission["_id"] > after_id) and submission["_id"] not in self.deleted:
                if skip:
                    skip -= 1
                    continue
                yield self.edits.get(submission["_id"], submission)

    def iter_newest_first(self, after_id: int | None) -> Iterator[dict]:
        """Current submissions with ``_id`` above ``after_id``, highest ``_id`` first (what
        ``sort={"_id": -1}`` asks for), built only as far as they are read."""
        above = (lambda i: True) if after_id is None else (lambda i: i > after_id)
        for submission in reversed(list(self.arrivals)):
            if not above(submission["_id"]):
                return
            if submission["_id"] not in self.deleted:
                yield self.edits.get(submission["_id"], submission)
        start = 0 if after_id is None else self.source.position_after(after_id)
        for position in range(len(self.source) - 1, start - 1, -1):
            submission_id = self.source.id_at(position)
            if submission_id not in self.deleted:
                yield self.edits.get(submission_id) or self.source.at(position)

    def get(self, submission_id: int) -> dict | None:
        if submission_id in self.deleted:
            return None
        if submission_id in self.edits:
            return self.edits[submission_id]
        position = self.source.position_after(submission_id - 1)
        if position < len(self.source) and self.source.id_at(position) == submission_id:
            return self.source.at(position)
        return next((s for s in self.arrivals if s["_id"] == submission_id), None)

    # --- what happens on a real server between two runs --------------------------------

    def receive(self, submissions: list[dict]) -> None:
        with self._lock:
            top = self.max_id() or 0
            for submission in submissions:
                if submission["_id"] <= top:
                    raise ValueError("new submissions need ids above the form's current maximum")
                top = submission["_id"]
                self.arrivals.append(submission)

    def edit(self, submission_id: int, changes: dict) -> dict:
        """An edit in Kobo's web form: same ``_id`` and submission time, new instance uuid."""
        with self._lock:
            current = self.get(submission_id)
            if current is None:
                raise KeyError(submission_id)
            new_uuid = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{current['_uuid']}/edit"))
            edited = {
                **current,
                **changes,
                "_uuid": new_uuid,
                "meta/instanceID": f"uuid:{new_uuid}",
                "meta/deprecatedID": current.get("meta/instanceID"),
            }
            self.edits[submission_id] = edited
            return edited

    def set_validation_status(self, submission_id: int, status_uid: str | None, by_whom: str = "dtm_officer") -> None:
        """A validation status change: the payload's ``_uuid`` does not change."""
        with self._lock:
            current = self.get(submission_id)
            if current is None:
                raise KeyError(submission_id)
            labels = {
                "validation_status_approved": "Approved",
                "validation_status_not_approved": "Not Approved",
                "validation_status_on_hold": "On Hold",
            }
            status = (
                {}
                if status_uid is None
                else {
                    "uid": status_uid,
                    "label": labels.get(status_uid, status_uid),
                    "by_whom": by_whom,
                    "timestamp": 1790000000,
                }
            )
            self.edits[submission_id] = {**current, "_validation_status": status}

    def delete(self, submission_id: int) -> None:
        with self._lock:
            if self.get(submission_id) is None:
                raise KeyError(submission_id)
            self.deleted.add(submission_id)

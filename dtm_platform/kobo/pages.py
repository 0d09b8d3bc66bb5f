"""One page of a form's submissions in an ``_id`` range, within the bounds paging needs.

- Rows per request follow the bytes (``PageSizer``): KPI pages hold up to 1000 rows however
  large they are, so a form of huge submissions (long repeats, big texts) is asked for fewer
  at a time, aiming at a quarter of the client's ``max_page_bytes``; small ones go back to
  the full page. Memory per page is thereby bounded by bytes, not by rows.
- An answer past the cap (``AnswerTooLarge``: abandoned mid-stream, never held whole) is
  asked again for an eighth of the rows. A submission that alone is past it, or nested
  deeper than a JSON parser goes, is asked for by its ``_id`` only and handed on as a
  ``Withheld`` result, which landing quarantines with the reason: the ones after it go on.
- The server is held to the query: ids at or below the mark are dropped (overlapping pages;
  landing is idempotent anyway) and a full page of them refused; an id past the range's end
  is refused, since it would be handed over out of order; an empty page that still promises
  more is asked again a bounded number of times.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

from dtm_platform.kobo.client import KoboClient, data_results, shown_url
from dtm_platform.kobo.errors import AnswerTooLarge, UnexpectedAnswer
from dtm_platform.kobo.quarantine import Withheld, usable_id

SHRINK = 8  # an answer past the cap is asked again for an eighth of the rows
TARGET_SHARE = 4  # pages aim at a quarter of the cap, so a page of larger ones still fits


@dataclass
class Page:
    """What one data request brought back."""

    results: list
    body_bytes: int
    rows_asked: int
    more: bool  # the range may hold more above ``last_id``
    last_id: int | None  # the highest usable _id: the range goes on above it


class PageSizer:
    """Rows per request for one form's paging, from the bytes its pages have taken.
    Shared by the form's workers: a race between two updates only picks one of two
    sensible sizes."""

    def __init__(self, page_size: int, target_bytes: int):
        self.page_size, self.target_bytes = page_size, max(1, target_bytes)
        self._rows = page_size
        self.bytes_per_row: float | None = None

    @classmethod
    def for_client(cls, client: KoboClient) -> PageSizer:
        return cls(client.page_size, client.max_page_bytes // TARGET_SHARE)

    def rows(self) -> int:
        return self._rows

    def expected_bytes(self) -> int | None:
        """What a request of ``rows()`` rows should weigh, once a page has been seen."""
        return None if self.bytes_per_row is None else int(self._rows * self.bytes_per_row)

    def observe(self, rows: int, body_bytes: int) -> None:
        if rows > 0:
            self.bytes_per_row = body_bytes / rows
            self._rows = max(1, min(self.page_size, int(self.target_bytes / self.bytes_per_row)))

    def shrink(self, rows: int) -> None:
        self._rows = max(1, min(self._rows, rows))


def fetch_page(
    client: KoboClient,
    uid: str,
    after_id: int | None,
    up_to_id: int | None = None,
    *,
    fields: list[str] | None = None,
    sizer: PageSizer | None = None,
) -> Page:
    """The first page of submissions with ``after_id < _id <= up_to_id`` (either end open)."""
    sizer = sizer or PageSizer.for_client(client)
    url = shown_url(client.data_url(uid))  # for messages: the request takes the client's own
    rows, empty_pages = sizer.rows(), 0
    while True:
        try:
            answer, size = client.fetch_json(client.data_url(uid), _params(after_id, up_to_id, fields, rows), form=uid)
        except AnswerTooLarge as error:
            if rows == 1:
                return _withheld(client, uid, after_id, up_to_id, error)
            rows = max(1, rows // SHRINK)
            sizer.shrink(rows)
            continue
        results = data_results(answer, uid, url)
        if not results and answer.get("next"):
            # An empty page that promises more is a server glitch, not the end: ask again.
            empty_pages += 1
            if empty_pages > client.max_retries:
                raise UnexpectedAnswer(f"form {uid}: {url} keeps answering empty pages with a next link")
            client.note_retry()
            time.sleep(client._backoff(empty_pages))
            continue
        sizer.observe(len(results), size)
        return _held_to_the_query(uid, url, answer, results, after_id, up_to_id, rows, size)


def iter_range(
    client: KoboClient,
    uid: str,
    after_id: int | None,
    up_to_id: int | None = None,
    *,
    fields: list[str] | None = None,
    sizer: PageSizer | None = None,
) -> Iterator[Page]:
    """Every page of the range, one request after the other (keyset: ``_id`` above the last
    one seen, so a deletion between two pages cannot shift a submission out of sight)."""
    sizer = sizer or PageSizer.for_client(client)
    while True:
        page = fetch_page(client, uid, after_id, up_to_id, fields=fields, sizer=sizer)
        yield page
        if not page.more:
            return
        after_id = page.last_id


def fetch_ids(client: KoboClient, uid: str, ids: list[int]) -> list:
    """The current version of the given submissions, one ``$in`` request, halved while the
    answer is too large; a single one still too large comes back ``Withheld``."""
    url = client.data_url(uid)
    try:
        answer, _ = client.fetch_json(
            url,
            {
                "format": "json",
                "query": json.dumps({"_id": {"$in": ids}}),
                "sort": json.dumps({"_id": 1}),
                "limit": max(len(ids), 1),
            },
            form=uid,
        )
    except AnswerTooLarge as error:
        if len(ids) <= 1:
            return [Withheld(i, _withheld_reason(error)) for i in ids]
        half = len(ids) // 2
        return fetch_ids(client, uid, ids[:half]) + fetch_ids(client, uid, ids[half:])
    return data_results(answer, uid, url)


def _params(after_id: int | None, up_to_id: int | None, fields: list[str] | None, rows: int) -> dict:
    bounds: dict[str, int] = {} if after_id is None else {"$gt": after_id}
    if up_to_id is not None:
        bounds["$lte"] = up_to_id
    params = {
        "format": "json",
        "query": json.dumps({"_id": bounds} if bounds else {}),
        "sort": json.dumps({"_id": 1}),
        "limit": rows,
    }
    if fields is not None:
        params["fields"] = json.dumps(fields)
    return params


def _held_to_the_query(
    uid: str, url: str, answer: dict, results: list, after_id: int | None, up_to_id: int | None, rows: int, size: int
) -> Page:
    full = answer.get("next") is not None or len(results) >= rows
    # a result without a usable _id is handed on for landing to quarantine; paging follows
    # the usable ones
    ids = [i for i in (usable_id(r.get("_id")) if isinstance(r, dict) else None for r in results) if i is not None]
    if not ids:
        if full:
            raise UnexpectedAnswer(
                f"form {uid}: a full page of {len(results)} results from {url} without one "
                "usable _id: paging cannot go on past it"
            )
        return Page(results, size, rows, more=False, last_id=None)
    if up_to_id is not None and max(ids) > up_to_id:
        raise UnexpectedAnswer(
            f"form {uid}: {url} answered _id {max(ids)} for _id <= {up_to_id}; it does not honour the query"
        )
    if after_id is not None and min(ids) <= after_id:
        if max(ids) <= after_id:
            if not full:  # the end, with an already-seen record repeated onto the last page
                return Page([], size, rows, more=False, last_id=None)
            raise UnexpectedAnswer(
                f"form {uid}: the server returned _id {min(ids)} for _id > {after_id}; it does not honour the query"
            )
        # Overlapping pages: drop what was already seen.
        results = [
            r for r in results if not isinstance(r, dict) or usable_id(r.get("_id")) is None or r["_id"] > after_id
        ]
        ids = [i for i in ids if i > after_id]
    # a server that ignores ``sort`` still honours the query: max() keeps the range moving
    return Page(results, size, rows, more=full, last_id=max(ids))


def _withheld(client: KoboClient, uid: str, after_id: int | None, up_to_id: int | None, error: AnswerTooLarge) -> Page:
    """The one submission above ``after_id`` that no answer can carry: its ``_id`` asked for
    alone, and the submission handed on as ``Withheld``."""
    url = client.data_url(uid)
    try:
        answer, size = client.fetch_json(url, _params(after_id, up_to_id, ["_id"], 1), form=uid)
        ids = [
            i
            for i in (usable_id(r.get("_id")) if isinstance(r, dict) else None for r in data_results(answer, uid, url))
            if i is not None and (after_id is None or i > after_id) and (up_to_id is None or i <= up_to_id)
        ]
    except AnswerTooLarge:
        ids = []
    if not ids:
        raise AnswerTooLarge(
            f"{error}, for a single submission above _id {after_id}, and the server does not give "
            "its _id alone: paging cannot go past it",
            reason=error.reason,
            limit_bytes=error.limit_bytes,
        ) from None
    return Page([Withheld(min(ids), _withheld_reason(error))], size, 1, more=True, last_id=min(ids))


def _withheld_reason(error: AnswerTooLarge) -> str:
    return (
        f"the server's answer for this submission alone is {error.reason} (DTM_KOBO_MAX_PAGE_MB): "
        "not fetched; raise the limit and reconcile to land it"
    )

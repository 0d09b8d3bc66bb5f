"""Fetch one form's new submissions with several requests in flight, handed over in ``_id`` order.

Keyset paging is sequential by nature: the next page starts after the last ``_id`` of the
previous one, so a server that takes 300 ms a page takes 300 ms a page however idle the
client is. Here the ids still to fetch are cut into ``_id`` ranges of about one page each
(from the count and the id span above the high-water mark, two cheap requests), each range
is keyset-paged on its own by a worker, and the ranges are handed to the caller in order.

Why in order: landing reads its high-water mark back from raw (``max(_id)``), which is only
safe if everything below it has landed. Handing ranges over in order keeps raw a prefix of
the form at every moment, so a crash anywhere still loses and duplicates nothing.

Correctness does not depend on the estimate: a range keyset-pages until it is exhausted,
and the last range is open-ended, so submissions that arrive during the run are fetched
too. Real servers number submissions across all their forms, so a form's ids can be
uneven; a dense range then simply takes more than one page.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from dtm_platform.kobo.client import KoboClient

IdRange = tuple[int, int | None]  # (after this _id, up to and including this one, or open-ended)


def plan_ranges(after_id: int, top_id: int, count: int, page_size: int) -> list[IdRange]:
    """``_id`` ranges above ``after_id`` holding about ``page_size`` submissions each, if the
    ``count`` submissions up to ``top_id`` are spread evenly; the last range is open-ended."""
    ranges_wanted = max(1, math.ceil(count / page_size))
    width = max(1, math.ceil((top_id - after_id) / ranges_wanted))
    bounds = list(range(after_id, top_id, width))
    return [(low, low + width) for low in bounds[:-1]] + [(bounds[-1] if bounds else after_id, None)]


def iter_pages_in_order(client: KoboClient, uid: str, after_id: int | None, *,
                        fields: list[str] | None = None, workers: int | None = None) -> Iterator[list[dict]]:
    """Pages of the submissions above ``after_id`` (only ``fields`` when given), in ``_id``
    order, fetched by up to ``workers`` requests at a time (default: the client's bound on
    requests in flight, which applies on top in any case)."""
    workers = client.max_in_flight if workers is None else workers
    count, top_id = client.look_above(uid, after_id)
    if top_id is None and count == 0:
        return  # nothing above the mark: that one cheap request was the whole sync
    if top_id is None or workers <= 1 or count <= 2 * client.page_size:
        # (no usable top _id to plan ranges with: the pages one after the other)
        # one or two pages: nothing to gain
        yield from client.iter_submission_pages(uid, after_id, fields=fields)
        return
    if after_id is None:
        _, lowest = client.look_above(uid, None, newest=False)
        after_id = (lowest or top_id) - 1
    ranges = iter(plan_ranges(after_id, top_id, count, client.page_size))
    # Ranges run ahead of the caller by at most two per worker: memory stays a few pages.
    with ThreadPoolExecutor(workers, thread_name_prefix=f"kobo-{uid}") as pool:
        pending: deque[Future[list[list[dict]]]] = deque()

        def submit_next() -> None:
            next_range = next(ranges, None)
            if next_range is not None:
                pending.append(pool.submit(_fetch_range, client, uid, next_range, fields))

        for _ in range(2 * workers):
            submit_next()
        try:
            while pending:
                pages = pending.popleft().result()  # a failed range fails the run here, in order
                submit_next()
                yield from pages
        finally:
            for future in pending:
                future.cancel()


def _fetch_range(client: KoboClient, uid: str, id_range: IdRange,
                 fields: list[str] | None) -> list[list[dict]]:
    after_id, up_to_id = id_range
    return list(client.iter_submission_pages(uid, after_id, fields=fields, up_to_id=up_to_id))

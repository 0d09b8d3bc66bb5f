"""Fetch one form's new submissions with several requests in flight, handed over in ``_id`` order.

Keyset paging is sequential by nature: the next page starts after the last ``_id`` of the
previous one, so a server that takes 300 ms a page takes 300 ms a page however idle the
client is. Here the ids still to fetch are cut into ``_id`` ranges, each request fetches one
page of one range, and the pages are handed to the caller in ``_id`` order.

Why in order: landing reads its high-water mark back from raw (``max(_id)``), which is only
safe if everything below it has landed. Handing pages over in order keeps raw a prefix of
the form at every moment, so a crash anywhere still loses and duplicates nothing.

Why adaptive: nothing the server says about sizes is trusted. Its count and id span (two
cheap looks) only seed an even plan of ranges of about a page each, and then:

- Ranges are made one at a time, as the window has room, never listed whole; each costs a
  request even when empty, so ranges are paid for by results: no more are ever made than
  the window plus two per page's worth of results seen (``_Plan``). When the credit runs
  out, the rest of the span becomes one open-ended range, which keyset paging crosses in
  one request however wide and empty it is. A lying count or a wide, sparse span thus costs
  a bounded number of empty requests; an honest one keeps every worker busy.
- A range whose page comes back full is dense: the rest of it is split by the density of
  ids that page showed, credit permitting (``_rest_of``), so bunched ids are fetched in
  parallel too.
- Each request is one page (at most ``max_page_bytes``, usually a quarter: pages.py). A
  request starts only while fewer than ``window`` pages with results are held or in flight
  and their bytes stay within the budget (an empty answer holds nothing), the head of the
  line excepted so that it always moves. Memory therefore depends neither on the count nor
  on how the ids bunch.

Correctness does not depend on any estimate: a range pages on until a short page, the last
range is open-ended, so submissions that arrive during the run are fetched too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.pages import Page, PageSizer, fetch_page, iter_range
from dtm_platform.kobo.quarantine import usable_id

RANGE_FILL = 0.8  # ranges are planned to hold this share of a page, so most end in one request


@dataclass(eq=False)
class _Slot:
    """One request: the first page of the range ``(after, up_to]`` (``up_to`` None: open)."""

    after: int | None  # None: from the form's first submission
    up_to: int | None
    future: Future[Page] | None = None
    settled: bool = False  # its page has paid its credit and, when full, left its rest behind it


@dataclass
class _Plan:
    """The even plan seeded by the looks, made one range at a time, and the credit that pays
    for ranges: ``made <= credit`` always."""

    position: int
    top: int
    ids_per_row: float  # the span over the count: only a hint, the server may count wrong
    credit: float
    start: int | None  # where the first range starts: the mark, or None for the whole form
    made: int = 0
    done: bool = False

    def affordable(self) -> int:
        return max(0, int(self.credit) - self.made)

    def earn(self, page: Page) -> None:
        # two ranges per page's worth of results: an honest plan keeps its pace, a lying
        # one runs dry after a window of (nearly) empty answers
        self.credit += 2 * len(page.results) / max(page.rows_asked, 1)

    def next_range(self, stalled: bool, rows: int) -> _Slot | None:
        """The plan's next range, of about ``rows`` submissions by the hint; the whole rest,
        open-ended, when the credit is spent and nothing else is left to wait for (or the
        top is reached); None: wait for results."""
        if self.done:
            return None
        # the first range starts where the caller asked, not at the lowest id the looks
        # reported: a server wrong about its lowest id must not hide what lies below
        low = self.position if self.made else self.start
        width = max(1, math.ceil(self.ids_per_row * RANGE_FILL * rows))
        if self.position + width < self.top and self.affordable() > 0:
            slot = _Slot(low, self.position + width)
            self.position += width
        elif stalled or self.position + width >= self.top:
            slot, self.done = _Slot(low, None), True
        else:
            return None
        self.made += 1
        return slot


@dataclass
class _Window:
    """The pages held (fetched, not yet handed over) or in flight, by count and by bytes."""

    pages: int
    budget_bytes: int
    sizer: PageSizer
    cap_bytes: int
    slots: list[_Slot] = field(default_factory=list)

    def expected(self) -> int:
        return self.sizer.expected_bytes() or self.cap_bytes  # before the first page: the worst

    def weight(self, slot: _Slot) -> int | None:
        """The bytes ``slot`` holds: its page's once fetched (none when it brought no results
        or failed), the expected ones while in flight; None when not started."""
        if slot.future is None:
            return None
        if not slot.future.done():
            return self.expected()
        if slot.future.exception() is not None:
            return None
        page = slot.future.result()
        return page.body_bytes if page.results else None

    def room_for_one_more(self) -> bool:
        weights = [w for w in (self.weight(s) for s in self.slots) if w is not None]
        return len(weights) < self.pages and sum(weights) + self.expected() <= self.budget_bytes


def iter_pages_in_order(
    client: KoboClient, uid: str, after_id: int | None, *, fields: list[str] | None = None, workers: int | None = None
) -> Iterator[list[dict]]:
    """Pages of the submissions above ``after_id`` (only ``fields`` when given), in ``_id``
    order, fetched by up to ``workers`` requests at a time (default: the client's bound on
    requests in flight, which applies on top in any case)."""
    for page in iter_pages(client, uid, after_id, fields=fields, workers=workers):
        if page.results:
            yield page.results


def iter_pages(
    client: KoboClient, uid: str, after_id: int | None, *, fields: list[str] | None = None, workers: int | None = None
) -> Iterator[Page]:
    """``iter_pages_in_order`` with what each request brought back (its bytes, among others)."""
    workers = client.max_in_flight if workers is None else workers
    sizer = PageSizer.for_client(client)
    count, top_id, row_bytes = client.look_and_weigh(uid, after_id, fields)
    if row_bytes is not None:  # the newest submission's size: not even the first page is guessed
        sizer.observe(1, row_bytes)
    if top_id is None and count == 0:
        return  # nothing above the mark: that one cheap request was the whole sync
    if top_id is None or workers <= 1 or count <= 2 * client.page_size or (after_id or 0) >= top_id:
        # no usable top _id to plan with, one request at a time, or one or two pages: the
        # pages one after the other
        yield from iter_range(client, uid, after_id, fields=fields, sizer=sizer)
        return
    low = after_id
    if low is None:  # where the plan's even ranges begin (the first one starts below, at None)
        _, lowest = client.look_above(uid, None, newest=False)
        low = (lowest if lowest is not None and lowest <= top_id else top_id) - 1
    window = 2 * workers
    plan = _Plan(position=low, top=top_id, ids_per_row=(top_id - low) / count, credit=window, start=after_id)
    # pages held or in flight: at most a window of them, weighing no more than one answer may
    pending = _Window(pages=window, budget_bytes=client.max_page_bytes, sizer=sizer, cap_bytes=client.max_page_bytes)
    slots = pending.slots
    with ThreadPoolExecutor(workers, thread_name_prefix=f"kobo-{uid}") as pool:

        def start(slot: _Slot) -> None:
            slot.future = pool.submit(fetch_page, client, uid, slot.after, slot.up_to, fields=fields, sizer=sizer)

        try:
            while True:
                _settle_done(slots, plan, sizer, window)
                for slot in slots:  # the earliest first: a dense range's rest before later ranges
                    if slot.future is None and (slot is slots[0] or pending.room_for_one_more()):
                        start(slot)
                while pending.room_for_one_more() or not slots:
                    slot = plan.next_range(stalled=not slots, rows=sizer.rows())
                    if slot is None:
                        break
                    slots.append(slot)
                    start(slot)
                if not slots:
                    return
                head = slots[0]
                page = head.future.result()  # a failed request fails the run here, in order
                _settle(0, slots, plan, sizer, window)
                slots.pop(0)
                yield page
        finally:
            for slot in slots:
                if slot.future is not None:
                    slot.future.cancel()


def _settle_done(slots: list[_Slot], plan: _Plan, sizer: PageSizer, window: int) -> None:
    """Settle every fetched page, wherever it stands in line: a dense range's rest is known
    (and fetched) as early as possible."""
    position = 0
    while position < len(slots):
        slot = slots[position]
        if slot.future is not None and slot.future.done() and slot.future.exception() is None:
            _settle(position, slots, plan, sizer, window)
        position += 1


def _settle(position: int, slots: list[_Slot], plan: _Plan, sizer: PageSizer, window: int) -> None:
    slot = slots[position]
    if slot.settled:
        return
    slot.settled = True
    page = slot.future.result()
    plan.earn(page)
    if page.more:
        slots[position + 1 : position + 1] = _rest_of(slot, page, plan, sizer.rows(), window)


def _rest_of(slot: _Slot, page: Page, plan: _Plan, rows: int, window: int) -> list[_Slot]:
    """The rest of a range whose page came back full, in pieces of about a page each by the
    density of ids that page showed, as many as the credit allows (at least one: the rest
    itself)."""
    after, up_to = page.last_id, slot.up_to
    if up_to is not None and after >= up_to:
        return []  # the full page ended on the range's last id: nothing is left of it
    # an open-ended rest is split up to the top id the looks saw; above it stays open
    end = up_to if up_to is not None else max(plan.top, after)
    ids = [i for i in (usable_id(r.get("_id")) if isinstance(r, dict) else None for r in page.results) if i is not None]
    density = len(ids) / (max(ids) - min(ids) + 1) if ids else 0.0
    expected = density * (end - after)
    tail = 1 if up_to is None and end > after else 0
    pieces = min(
        math.ceil(expected / (RANGE_FILL * rows)) if expected > 0 else 1,
        plan.affordable() + 1 - tail,
        window,
        end - after,
    )
    if pieces <= 1:
        return [_Slot(after, up_to)]
    width = math.ceil((end - after) / pieces)
    bounds = [*range(after, end, width), end]
    rest = [_Slot(low, high) for low, high in itertools.pairwise(bounds)]
    if tail:
        rest.append(_Slot(end, None))
    plan.made += len(rest) - 1
    return rest

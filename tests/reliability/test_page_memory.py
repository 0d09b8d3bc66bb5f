"""Memory per page is bounded by bytes, not by what the server packs into a page: a form of
large submissions lands with a traced peak that does not grow with the form, and no answer
is larger than the client means to hold (benchmarks/page_memory.py measures; the README
quotes its figures at the platform's defaults, before and after)."""

from __future__ import annotations

import json

from benchmarks.page_memory import measure

CAP = 1024 * 1024  # DTM_KOBO_MAX_PAGE_MB, small: pages of 1000 of these submissions would be 2.6 MB


def test_a_form_of_large_submissions_lands_within_a_bound_that_does_not_grow_with_the_form():
    small, large = (measure(count, 20, max_page_bytes=CAP) for count in (1_500, 6_000))
    print(json.dumps({"small": small, "large": large}))
    assert (small["landed"], large["landed"]) == (1_500, 6_000)
    # pages sized by their bytes from the first one on (the look weighs the newest
    # submission): about a quarter of the cap, never the 1000 rows the server would give
    assert max(small["largest_answer_mb"], large["largest_answer_mb"]) * 2**20 <= CAP / 2
    # four times the form, about the same peak: what is held is a window of pages and a batch,
    # both bounded by the cap, and the page being parsed
    assert large["traced_peak_mb"] <= 1.5 * small["traced_peak_mb"] + 4
    # an envelope by construction: the window (the cap's worth of answers) and a batch (half
    # of it), parsed at several times their size, and orjson's work on one page
    assert large["traced_peak_mb"] * 2**20 <= 40 * CAP

"""Several pages of one form in flight, landed in ``_id`` order: exactly the server's
submissions whatever the spacing of the ids, submissions arriving or vanishing mid-run,
and a failure mid-run that leaves raw a gap-free start of the form."""

from __future__ import annotations

import math

import duckdb
import pytest

from dtm_platform.kobo import landing
from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.parallel import iter_pages_in_order
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.served import MockForm
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.kobo_mock.store import FormVersion, ListSource, SubmissionStore
from dtm_platform.settings import PROJECT_ROOT

TOKEN = "parallel-token"
FORM = next(
    f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_locality"
)
PAGE = 50


def submission(_id: int) -> dict:
    return {
        "_id": _id,
        "_uuid": f"uuid-{_id}",
        "meta/rootUuid": f"uuid:root-{_id}",
        "_submission_time": "2026-11-02T10:00:00",
        "__version__": "v1",
        "answer": str(_id % 7),
    }


def serve(ids: list[int]) -> MockKoboServer:
    version = FormVersion("v1", locality_form.form_content(), "2026-08-01T06:00:00.000000Z")
    form = MockForm(
        uid=FORM.uid,
        name="test form",
        versions=[version],
        store=SubmissionStore(ListSource([submission(i) for i in ids])),
    )
    return MockKoboServer(token=TOKEN, forms=[form]).start()


def client_for(server: MockKoboServer, **options) -> KoboClient:
    return KoboClient(
        server.url, TOKEN, **{"timeout": 5.0, "backoff_base": 0.01, "page_size": PAGE, "max_in_flight": 4, **options}
    )


def landed(con) -> list[int]:
    return [r[0] for r in con.execute(f"select _id from raw.{FORM.raw_table} order by _id").fetchall()]


def served(server: MockKoboServer) -> list[int]:
    return [s["_id"] for s in server.forms[FORM.uid].submissions]


# dense ids; ids numbered across a server's many forms (gaps of every size); a burst of
# ids packed at the end, which the even-spread estimate gets badly wrong
SPACINGS = {
    "dense": list(range(1, 1001)),
    "gaps": sorted({(i * 7919) % 1_000_003 + 1 for i in range(900)}),
    "burst at the end": list(range(1, 101)) + list(range(50_000, 50_800)),
}


@pytest.mark.parametrize("ids", SPACINGS.values(), ids=SPACINGS.keys())
def test_landing_in_parallel_lands_exactly_the_server_in_order(ids):
    with serve(ids) as server, client_for(server) as client:
        server.latency_seconds = 0.02  # long enough for requests to overlap
        con = duckdb.connect()
        handed_over: list[int] = []
        for page in iter_pages_in_order(client, FORM.uid, None):
            handed_over.extend(s["_id"] for s in page)
        assert handed_over == ids  # in _id order, each once
        result = land_new_submissions(con, client, FORM)
        assert landed(con) == ids and result.new_submissions == len(ids)
        assert 2 <= server.max_data_in_flight <= 4  # several in flight, never above the bound


def test_one_request_in_flight_pages_sequentially():
    ids = SPACINGS["dense"]
    with serve(ids) as server, client_for(server, max_in_flight=1) as client:
        con = duckdb.connect()
        land_new_submissions(con, client, FORM)
        assert landed(con) == ids
        assert server.max_data_in_flight == 1


def test_submissions_arriving_during_the_run_are_landed(monkeypatch):
    ids = SPACINGS["dense"]
    with serve(ids) as server, client_for(server) as client:
        store = server.forms[FORM.uid].store
        look = client.look_above

        def look_then_receive(*args, **kwargs):
            answer = look(*args, **kwargs)
            if not store.arrivals:  # right after the plan is made, 120 more arrive
                store.receive([submission(i) for i in range(5_000, 5_120)])
            return answer

        monkeypatch.setattr(client, "look_above", look_then_receive)
        con = duckdb.connect()
        result = land_new_submissions(con, client, FORM)
        assert landed(con) == served(server) == ids + list(range(5_000, 5_120))
        assert result.new_submissions == 1_120


def test_deletions_during_the_run_never_leave_a_gap():
    ids = SPACINGS["dense"]
    with serve(ids) as server, client_for(server) as client:
        server.latency_seconds = 0.01
        store = server.forms[FORM.uid].store
        pages = iter_pages_in_order(client, FORM.uid, None)
        first = next(pages)
        for i in range(600, 650):  # deleted while later ranges are still being fetched
            store.delete(i)
        handed_over = [s["_id"] for s in first] + [s["_id"] for page in pages for s in page]
    # what was deleted may have been fetched already (reconciliation marks it later);
    # everything still on the server was handed over, once and in order
    assert handed_over == sorted(set(handed_over))
    assert set(served(server)) <= set(handed_over) <= set(ids)


def test_a_failure_mid_run_keeps_a_gap_free_start_and_the_rerun_completes_it():
    ids = SPACINGS["gaps"]
    with serve(ids) as server:
        # the looks and a few ranges are served, then the server fails for good
        server.inject(Fault("delay", seconds=0.0, times=6), Fault("status", 503, times=200))
        con = duckdb.connect()
        with client_for(server, max_retries=1) as client, pytest.raises(KoboError) as failure:
            land_new_submissions(con, client, FORM)
        assert TOKEN not in str(failure.value)
        first_run = landed(con)
        assert first_run == ids[: len(first_run)] and len(first_run) < len(ids)
        assert landing.high_water_mark(con, FORM) == (first_run[-1] if first_run else None)

        server.faults.clear()
        with client_for(server) as client:
            result = land_new_submissions(con, client, FORM)
        assert landed(con) == ids
        assert result.new_submissions == len(ids) - len(first_run)


def test_a_failed_insert_stops_the_landing_and_nothing_after_it_lands(monkeypatch):
    """Batches are inserted on a thread of their own: a failure there reaches the caller,
    and no later batch lands after it (raw stays a gap-free start of the form)."""
    ids = SPACINGS["dense"]
    insert = landing._insert_table
    calls = []

    def failing_second(con, form, table):
        calls.append(table.num_rows)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return insert(con, form, table)

    monkeypatch.setattr(landing, "_insert_table", failing_second)
    with serve(ids) as server, client_for(server) as client:
        con = duckdb.connect()
        with pytest.raises(RuntimeError, match="disk full"):
            land_new_submissions(con, client, FORM, batch_rows=200)
        first = landed(con)
        assert first == ids[: len(first)] and 200 <= len(first) < 400
        monkeypatch.setattr(landing, "_insert_table", insert)
        land_new_submissions(con, client, FORM)
        assert landed(con) == ids


# --- bounds whatever the server says ----------------------------------------------------------


def held_pages(window) -> int:
    """Pages the fetcher holds or waits for: in flight, or fetched with results."""
    return sum(
        1
        for s in window.slots
        if s.future is not None
        and (not s.future.done() or (s.future.exception() is None and s.future.result().results))
    )


CLUSTERS = list(range(1, 301)) + list(range(10**9, 10**9 + 300)) + list(range(10**15, 10**15 + 300))


@pytest.mark.parametrize("ids", [SPACINGS["burst at the end"], CLUSTERS], ids=["burst at the end", "three clusters"])
def test_the_pages_held_stay_within_the_window_however_the_ids_bunch(ids, monkeypatch):
    from dtm_platform.kobo import parallel

    peaks = []
    room = parallel._Window.room_for_one_more

    def watched(window):
        peaks.append(held_pages(window))
        return room(window)

    monkeypatch.setattr(parallel._Window, "room_for_one_more", watched)
    with serve(ids) as server, client_for(server) as client:
        server.latency_seconds = 0.01
        handed_over = [s["_id"] for page in iter_pages_in_order(client, FORM.uid, None) for s in page]
    assert handed_over == ids
    # a window of two pages per worker, and the head of the line, which always moves
    assert max(peaks) <= 2 * client.max_in_flight + 1


def test_a_lying_count_costs_a_bounded_number_of_requests(monkeypatch):
    ids = [1 + k * 10**9 for k in range(120)]  # a wide, sparse span
    with serve(ids) as server, client_for(server) as client:
        weigh = client.look_and_weigh
        monkeypatch.setattr(client, "look_and_weigh", lambda uid, after, fields: (10**9, *weigh(uid, after)[1:]))
        handed_over = [s["_id"] for page in iter_pages_in_order(client, FORM.uid, None) for s in page]
        requests = [r for r in server.requests if "/data/" in r]
    assert handed_over == ids
    # two looks, a window of (nearly) empty ranges, then the open-ended rest: 3 pages of 50
    assert len(requests) <= 2 + 2 * client.max_in_flight + 3 * math.ceil(len(ids) / PAGE) + 1, len(requests)

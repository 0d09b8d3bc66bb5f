"""Every way a real KPI server misbehaves, each as a scenario against the embedded server:
raw must end with exactly the server's submissions, or, when the failure is permanent, the
run must fail loudly and leave only whole pages behind."""

from __future__ import annotations

import json
import time

import duckdb
import pytest

from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.settings import PROJECT_ROOT

TOKEN = "reliability-token-7f3a"
FORM = next(
    f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_locality"
)
PAGE = 100


@pytest.fixture(scope="module")
def dataset():
    return generate(11, localities_per_admin2=2)


@pytest.fixture
def server(dataset):
    with MockKoboServer(token=TOKEN, datasets={FORM.uid: dataset}) as server:
        yield server


def client_for(server, **options):
    return KoboClient(
        server.url, TOKEN, **{"timeout": 2.0, "backoff_base": 0.01, "page_size": PAGE, "max_retries": 6, **options}
    )


def landed(con) -> list[int]:
    return [r[0] for r in con.execute(f"select _id from raw.{FORM.raw_table} order by _id").fetchall()]


def expected(server) -> list[int]:
    return [s["_id"] for s in server.forms[FORM.uid].submissions]


def payloads_match_server(con, server) -> bool:
    served = {s["_id"]: s for s in server.forms[FORM.uid].submissions}
    rows = con.execute(f"select _id, payload from raw.{FORM.raw_table}").fetchall()
    return all(json.loads(payload) == served[i] for i, payload in rows)


# Each fault hits a data request in the middle of the run (after two good pages).
SCENARIOS = {
    "429 with Retry-After": [Fault("status", 429, retry_after=0.05)],
    "500": [Fault("status", 500)],
    "502": [Fault("status", 502)],
    "503 three times": [Fault("status", 503, times=3)],
    "504": [Fault("status", 504)],
    "timeout": [Fault("delay", seconds=3.0)],
    "dropped connection": [Fault("drop")],
    "truncated JSON": [Fault("truncate")],
    "a body that is not UTF-8": [Fault("invalid_utf8")],
    "empty page with a next link": [Fault("empty_next", times=2)],
    "a record repeated across pages": [Fault("repeat", times=3)],
    "server restart between pages": [Fault("restart", seconds=0.5)],
}


@pytest.mark.parametrize("faults", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_raw_ends_with_exactly_the_servers_submissions(server, faults):
    server.inject(Fault("delay", seconds=0.0, times=2), *faults)  # two good pages first
    con = duckdb.connect()
    # A restart needs backoff long enough to outlast the downtime, as the defaults do.
    options = {"backoff_base": 0.5} if faults[0].kind == "restart" else {}
    with client_for(server, **options) as client:
        result = land_new_submissions(con, client, FORM)
        assert result.retries >= 1 or faults[0].kind == "repeat"
    assert landed(con) == expected(server)
    assert payloads_match_server(con, server)


def test_a_revoked_token_fails_loudly_and_leaves_only_whole_pages(server):
    server.inject(Fault("delay", seconds=0.0, times=2), Fault("revoke"))
    con = duckdb.connect()
    with client_for(server) as client, pytest.raises(KoboError) as failure:
        land_new_submissions(con, client, FORM)
    assert "401" in str(failure.value) and "DTM_KOBO_TOKEN" in str(failure.value)
    assert TOKEN not in str(failure.value)
    ids = landed(con)
    # Pages are fetched several at a time and handed over in _id order: whatever got through
    # before the revocation, raw holds the start of the form with no gap, each row complete.
    assert ids == expected(server)[: len(ids)] and len(ids) < len(expected(server))
    assert payloads_match_server(con, server)


def test_a_server_that_never_recovers_fails_after_the_retries(server):
    server.inject(Fault("status", 503, times=100))
    con = duckdb.connect()
    started = time.monotonic()
    with client_for(server, max_retries=3) as client, pytest.raises(KoboError, match="after 3 retries"):
        land_new_submissions(con, client, FORM)
    assert time.monotonic() - started < 10
    assert landed(con) == []

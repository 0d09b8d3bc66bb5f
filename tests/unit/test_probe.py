"""The submission-count probe: one small request per form, and what a change in it means."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.probe import FormCount, probe_form, what_changed
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import Fault, MockKoboServer

TOKEN = "probe-test-token"
UID = "aProbeForm1"


@pytest.fixture
def server():
    with MockKoboServer(token=TOKEN, datasets={UID: generate(seed=7, localities_per_admin2=1)}) as server:
        yield server


def client_for(server: MockKoboServer) -> KoboClient:
    return KoboClient(server.url, TOKEN, max_retries=1, backoff_base=0.01)


def test_the_probe_reads_the_count_and_newest_id_in_one_small_request(server):
    store = server.forms[UID].store
    with client_for(server) as client:
        look = probe_form(client, UID)
    assert look == FormCount(count=store.count(), max_id=store.max_id())
    assert len(server.requests) == 1
    params = parse_qs(urlsplit(server.requests[0]).query)
    assert params["limit"] == ["1"]
    assert json.loads(params["fields"][0]) == ["_id"]
    assert json.loads(params["sort"][0]) == {"_id": -1}


def test_new_submissions_and_deletions_show_in_the_next_look(server):
    store = server.forms[UID].store
    with client_for(server) as client:
        first = probe_form(client, UID)
        newest = store.get(store.max_id())
        store.receive([{**newest, "_id": newest["_id"] + 10, "_uuid": "new-arrival"}])
        second = probe_form(client, UID)
        store.delete(store.iter_after(None).__next__()["_id"])
        third = probe_form(client, UID)
    assert (second.count, second.max_id) == (first.count + 1, first.max_id + 10)
    assert what_changed(first, second) == "new_submissions"
    assert (third.count, third.max_id) == (second.count - 1, second.max_id)
    assert what_changed(second, third) == "count_changed"
    assert what_changed(third, third) is None


def test_an_empty_form_has_no_newest_id():
    with MockKoboServer(token=TOKEN, datasets={UID: generate(seed=7, localities_per_admin2=1)}) as server:
        store = server.forms[UID].store
        for submission in list(store.iter_after(None)):
            store.delete(submission["_id"])
        with client_for(server) as client:
            assert probe_form(client, UID) == FormCount(count=0, max_id=None)


def test_a_failing_server_raises_without_the_token(server):
    server.inject(Fault("status", status=503, times=5))
    with client_for(server) as client, pytest.raises(KoboError) as raised:
        probe_form(client, UID)
    assert TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (None, FormCount(10, 110), "new_submissions"),  # first look: let the sync decide
        (None, FormCount(0, None), None),  # an empty form needs nothing
        (FormCount(0, None), FormCount(1, 5), "new_submissions"),
        (FormCount(10, 110), FormCount(12, 130), "new_submissions"),
        (FormCount(10, 110), FormCount(9, 130), "new_submissions"),  # one new, two deleted: sync first
        (FormCount(10, 110), FormCount(8, 110), "count_changed"),  # deletions only
        (FormCount(10, 110), FormCount(9, 100), "count_changed"),  # the newest one was deleted
        (FormCount(10, 110), FormCount(11, 110), "count_changed"),  # a submission below the top
        (FormCount(10, 110), FormCount(10, 110), None),  # edits need reconciliation
    ],
)
def test_what_changed(previous, current, expected):
    assert what_changed(previous, current) == expected

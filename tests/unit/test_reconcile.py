"""Reconciliation: edits, deletions and validation-status changes that incremental sync on
``_id`` cannot see, picked up without losing anything that had landed."""

from __future__ import annotations

import json

import duckdb
import pytest

from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.reconcile import reconcile
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.settings import PROJECT_ROOT

TOKEN = "reconcile-token"
FORM = next(
    f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_locality"
)
TABLE = f"raw.{FORM.raw_table}"


@pytest.fixture
def server():
    with MockKoboServer(token=TOKEN, datasets={FORM.uid: generate(7, localities_per_admin2=2)}) as server:
        yield server


@pytest.fixture
def landed(server):
    """A warehouse where every submission has landed, and a client to the server."""
    con = duckdb.connect()
    with KoboClient(server.url, TOKEN, backoff_base=0.01, page_size=100, timeout=5) as client:
        land_new_submissions(con, client, FORM)
        yield con, client
    con.close()


def store(server):
    return server.forms[FORM.uid].store


def row(con, submission_id):
    cursor = con.execute(f"select * from {TABLE} where _id = ?", [submission_id])
    names = [c[0] for c in cursor.description]
    return dict(zip(names, cursor.fetchone()))


def test_an_edit_replaces_the_payload_and_keeps_the_old_one(server, landed):
    con, client = landed
    target = store(server).source.id_at(3)
    before = row(con, target)
    edited = store(server).edit(target, {"grp_idp/idp_hh": "999"})

    result = reconcile(con, client, FORM)

    after = row(con, target)
    assert result.edited == 1 and result.deleted == 0 and result.new == 0
    assert json.loads(after["payload"]) == edited
    assert after["_uuid"] == edited["_uuid"] != before["_uuid"]
    assert after["previous_payload_hash"] == before["payload_hash"]
    assert after["previous_landed_at"] == before["landed_at"]
    [history] = con.execute("select _id, _uuid, payload from raw.kobo_submission_history").fetchall()
    assert history[0] == target and history[1] == before["_uuid"]
    assert json.loads(history[2]) == json.loads(before["payload"])


def test_a_deletion_is_marked_not_deleted(server, landed):
    con, client = landed
    target = store(server).source.id_at(10)
    store(server).delete(target)
    total = con.execute(f"select count(*) from {TABLE}").fetchone()[0]

    result = reconcile(con, client, FORM)

    assert result.deleted == 1
    assert row(con, target)["deleted_at"] is not None
    assert con.execute(f"select count(*) from {TABLE}").fetchone()[0] == total  # nothing removed
    assert reconcile(con, client, FORM).deleted == 0  # an old deletion is not news


def test_a_validation_status_change_is_recorded(server, landed):
    con, client = landed
    target = store(server).source.id_at(5)
    store(server).set_validation_status(target, "validation_status_not_approved")

    result = reconcile(con, client, FORM)

    assert result.validation_changed == 1 and result.edited == 0
    assert row(con, target)["validation_status"] == "validation_status_not_approved"
    assert con.execute("select _id, previous_status, new_status from raw.kobo_validation_status_log").fetchall() == [
        (target, None, "validation_status_not_approved")
    ]


def test_a_submission_that_never_landed_is_fetched(server, landed):
    con, client = landed
    target = store(server).source.id_at(20)
    original = row(con, target)
    con.execute(f"delete from {TABLE} where _id = ?", [target])  # as if a page had dropped it

    result = reconcile(con, client, FORM)

    assert result.new == 1
    assert row(con, target)["payload_hash"] == original["payload_hash"]


def test_the_sync_log_counts_each_kind_of_change(server, landed):
    con, client = landed
    ids = [store(server).source.id_at(i) for i in range(3)]
    store(server).edit(ids[0], {"grp_location/locality_name": "Renamed"})
    store(server).delete(ids[1])
    store(server).set_validation_status(ids[2], "validation_status_approved")
    total = store(server).count()

    reconcile(con, client, FORM, run_id="run-1")

    [(mode, new, edited, deleted, unchanged)] = con.execute(
        "select mode, new_submissions, edited_submissions, deleted_submissions, unchanged_submissions "
        "from raw.kobo_sync_log where run_id = 'run-1'"
    ).fetchall()
    assert (mode, new, edited, deleted) == ("reconcile", 0, 1, 1)
    assert unchanged == total - 1  # everything still on the server but the edited one


def test_reconciliation_survives_server_faults(server, landed):
    con, client = landed
    ids = [store(server).source.id_at(i) for i in (1, 2)]
    store(server).edit(ids[0], {"grp_idp/idp_ind": "1"})
    store(server).delete(ids[1])
    server.inject(Fault("status", 503), Fault("status", 429, retry_after=0.01), Fault("drop"), Fault("truncate"))

    result = reconcile(con, client, FORM)

    assert (result.edited, result.deleted) == (1, 1)
    assert result.retries == 4
    alive = {r[0] for r in con.execute(f"select _id from {TABLE} where deleted_at is null").fetchall()}
    assert alive == {s["_id"] for s in server.forms[FORM.uid].submissions}


def test_a_server_that_lost_most_submissions_is_not_believed(server, landed):
    con, client = landed
    for position in range(len(store(server).source) - 5):
        store(server).delete(store(server).source.id_at(position))
    before = con.execute(f"select count(*) from {TABLE} where deleted_at is null").fetchone()[0]

    with pytest.raises(KoboError, match="refusing to mark them deleted"):
        reconcile(con, client, FORM)
    assert con.execute(f"select count(*) from {TABLE} where deleted_at is null").fetchone()[0] == before

    result = reconcile(con, client, FORM, allow_mass_deletion=True)
    assert result.deleted == before - 5

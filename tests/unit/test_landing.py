"""Landing Kobo submissions in raw: everything once, payloads intact, resumable after a crash,
with a sync log row per run and the form content kept once per version."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from dtm_platform.kobo import landing
from dtm_platform.kobo.client import KoboClient, KoboError
from dtm_platform.kobo.landing import high_water_mark, land_form_content, land_new_submissions
from dtm_platform.kobo.pages import Page
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.kobo_mock.store import FormVersion
from dtm_platform.settings import PROJECT_ROOT

TOKEN = "landing-token"
FORM = next(
    f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_locality"
)
TABLE = f"raw.{FORM.raw_table}"


@pytest.fixture(scope="module")
def dataset():
    return generate(2026, localities_per_admin2=2)


@pytest.fixture
def server(dataset):
    # Each test gets its own server: some change the form (a new version) or queue faults.
    with MockKoboServer(token=TOKEN, datasets={FORM.uid: dataset}) as server:
        yield server


@pytest.fixture
def con():
    con = duckdb.connect()
    yield con
    con.close()


def make_client(server: MockKoboServer, **options) -> KoboClient:
    options = {"timeout": 5.0, "backoff_base": 0.01, "page_size": 100, **options}
    return KoboClient(server.url, TOKEN, **options)


def landed_ids(con) -> list[int]:
    return [r[0] for r in con.execute(f"select _id from {TABLE} order by _id").fetchall()]


def server_ids(server: MockKoboServer) -> list[int]:
    return [s["_id"] for s in server.forms[FORM.uid].submissions]


def data_queries(server: MockKoboServer) -> list[dict]:
    """The ``query`` of each data request the server received, decoded."""
    return [
        json.loads(parse_qs(urlsplit(p).query)["query"][-1])
        for p in server.requests
        if urlsplit(p).path.endswith("/data/")
    ]


def sync_log(con) -> list[dict]:
    cursor = con.execute("select * from raw.kobo_sync_log order by finished_at")
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def test_registry_form_is_the_served_form(server):
    assert FORM.uid in server.forms
    assert FORM.raw_table == "kobo_dtm_locality"


def test_first_run_lands_everything_then_nothing(server, con):
    expected = server_ids(server)
    with make_client(server) as client:
        first = land_new_submissions(con, client, FORM, run_id="run-1")
        assert landed_ids(con) == expected
        assert first.new_submissions == first.total_rows == len(expected)
        assert first.max_id == max(expected)
        # pages counts every request: a look at what lies above the mark, then the pages
        assert first.pages == len(data_queries(server))
        assert first.pages <= -(-len(expected) // 100) + 3
        assert first.retries == 0

        second = land_new_submissions(con, client, FORM, run_id="run-2")
    assert second.new_submissions == 0
    assert second.total_rows == len(expected)
    assert second.max_id == max(expected)
    assert landed_ids(con) == expected
    # the second run asked only for what lies above the mark
    assert data_queries(server)[-1] == {"_id": {"$gt": max(expected)}}


def test_payload_round_trips(server, con):
    with make_client(server) as client:
        land_new_submissions(con, client, FORM)
    originals = {s["_id"]: s for s in server.forms[FORM.uid].submissions}
    rows = con.execute(
        f"select _id, payload, payload_hash, _uuid, root_uuid, form_version, "
        f"submission_time::varchar, validation_status from {TABLE}"
    ).fetchall()
    assert len(rows) == len(originals)
    hashes = set()
    for _id, payload, payload_hash, uuid, root_uuid, version, submitted, validation in rows:
        original = originals[_id]
        assert json.loads(payload) == original
        assert uuid == original["_uuid"]
        assert root_uuid == original["meta/rootUuid"]
        assert version == original["__version__"]
        assert submitted.replace(" ", "T") == original["_submission_time"]
        assert validation is None  # `{}` on the server: not validated
        assert len(payload_hash) == 64
        hashes.add(payload_hash)
    assert len(hashes) == len(rows)


def test_new_submissions_on_the_server_land_on_the_next_run(dataset, con):
    early = type(dataset)(submissions=dataset.submissions[:150], assessments=dataset.assessments, errors={})
    with MockKoboServer(token=TOKEN, datasets={FORM.uid: early}) as server, make_client(server) as client:
        assert land_new_submissions(con, client, FORM).new_submissions == 150
        # the server receives more submissions
        server.forms[FORM.uid].store.receive(dataset.submissions[150:])
        later = land_new_submissions(con, client, FORM)
    assert later.new_submissions == len(dataset.submissions) - 150
    assert landed_ids(con) == [s["_id"] for s in dataset.submissions]


def pages_then(monkeypatch, change):
    """Landing receives its pages through ``change(pages)`` (each a list of results) instead
    of as fetched."""
    fetch = landing.iter_pages

    def changed(*args, **kwargs):
        for results in change(page.results for page in fetch(*args, **kwargs) if page.results):
            yield Page(results, body_bytes=0, rows_asked=len(results), more=False, last_id=None)

    monkeypatch.setattr(landing, "iter_pages", changed)


def crash_after_first_page(pages):
    """The run dies (a killed process, say) once the first page has been handed over."""
    yield next(pages)
    raise RuntimeError("killed after the first page")


def test_rerun_after_a_crash_lands_exactly_the_rest(server, con, monkeypatch):
    expected = server_ids(server)
    with monkeypatch.context() as patched, make_client(server) as crashing:
        pages_then(patched, crash_after_first_page)
        with pytest.raises(RuntimeError, match="killed"):
            land_new_submissions(con, crashing, FORM, run_id="crashed", batch_rows=1)
    landed = landed_ids(con)
    assert landed == expected[: len(landed)] and 0 < len(landed) <= 100  # the first page is committed
    assert high_water_mark(con, FORM) == landed[-1]
    assert sync_log(con) == []  # the crashed run logged nothing

    server.requests.clear()
    with make_client(server) as client:
        result = land_new_submissions(con, client, FORM, run_id="rerun")
    assert result.new_submissions == len(expected) - len(landed)
    assert landed_ids(con) == expected
    assert con.execute(f"select count(*), count(distinct _id) from {TABLE}").fetchone() == (len(expected),) * 2
    assert data_queries(server)[0] == {"_id": {"$gt": landed[-1]}}  # resumed from the mark
    assert [row["run_id"] for row in sync_log(con)] == ["rerun"]


def test_rerun_after_the_server_fails_mid_run(server, con):
    expected = server_ids(server)
    # the two looks and one page are served (zero delays), then the server fails for good
    server.inject(Fault("delay", seconds=0.0, times=3), Fault("status", 503, times=50))
    with make_client(server, max_retries=1) as client, pytest.raises(KoboError) as caught:
        land_new_submissions(con, client, FORM)
    assert TOKEN not in str(caught.value)
    landed = landed_ids(con)
    # pages are fetched several at a time: which one got through varies, but only whole
    # pages from the start of the form are kept, never one with a gap before it
    assert landed == expected[: len(landed)] and len(landed) <= 100

    server.faults.clear()
    with make_client(server) as client:
        result = land_new_submissions(con, client, FORM)
    assert result.new_submissions == len(expected) - len(landed)
    assert landed_ids(con) == expected
    assert con.execute(f"select count(*) - count(distinct _id) from {TABLE}").fetchone()[0] == 0


def test_a_repeated_page_lands_once(server, con, monkeypatch):
    """Pages that overlap (a server repeating records) must not create duplicates."""

    def overlapping(pages):
        previous = None
        for page in pages:
            yield page if previous is None else previous[-10:] + page
            previous = page

    pages_then(monkeypatch, overlapping)
    with make_client(server) as client:
        result = land_new_submissions(con, client, FORM)
    assert result.new_submissions == len(server_ids(server))
    assert landed_ids(con) == server_ids(server)


def test_sync_log_has_one_row_per_run(server, con):
    expected = server_ids(server)
    server.inject(Fault("status", 503))
    with make_client(server) as client:
        land_new_submissions(con, client, FORM, run_id="run-1")
        land_new_submissions(con, client, FORM, run_id="run-2")
    log = sync_log(con)
    assert [row["run_id"] for row in log] == ["run-1", "run-2"]
    first, second = log
    for row in log:
        assert row["dataset"] == FORM.dataset
        assert row["form_uid"] == FORM.uid
        assert row["mode"] == "incremental"
        assert row["started_at"] <= row["finished_at"]
        assert row["max_id"] == max(expected)
        assert (row["edited_submissions"], row["deleted_submissions"]) == (0, 0)
    assert first["new_submissions"] == len(expected)
    assert first["pages"] <= -(-len(expected) // 100) + 3  # with the looks above the mark
    assert first["retries"] == 1
    assert second["new_submissions"] == 0
    assert second["pages"] == 1  # one look says there is nothing new
    assert second["retries"] == 0
    assert second["started_at"] >= first["finished_at"]


def test_form_content_is_kept_once_per_version(server, con):
    form = server.forms[FORM.uid]
    with make_client(server) as client:
        land_form_content(con, client, FORM)
        land_form_content(con, client, FORM)
        rows = con.execute(
            "select form_uid, dataset, version_id, form_name, content from raw.kobo_form_content order by date_deployed"
        ).fetchall()
        # every deployed version, the earlier ones too: submissions map to the one they used
        assert [r[2] for r in rows] == [v.uid for v in form.versions]
        for (form_uid, dataset, _version, name, content), deployed in zip(rows, form.versions):
            assert (form_uid, dataset, name) == (FORM.uid, FORM.dataset, form.name)
            assert json.loads(content) == deployed.content

        # a new version is deployed: its content is kept beside the old ones
        form.deploy(
            FormVersion(
                "vR20newVersion0000000",
                {**form.content, "settings": {**form.content["settings"], "version": "vR20newVersion0000000"}},
                "2026-11-01T08:00:00.000000Z",
            )
        )
        assert land_form_content(con, client, FORM) == "vR20newVersion0000000"
        land_form_content(con, client, FORM)
    versions = con.execute("select version_id from raw.kobo_form_content order by date_deployed").fetchall()
    assert [v[0] for v in versions] == [v.uid for v in form.versions]
    assert versions[-1][0] == "vR20newVersion0000000"


@pytest.mark.parametrize(
    "submission",
    [
        {
            "_id": 1,
            "text": 'ligne\nnouvelle\t"cité" \\ \u0000\u001f\u2028 😀',
            "gps": [4.3612, 18.5582],
            "empty": None,
            "flag": True,
            "nested": [{"members/member/age": "34"}],
        },
        {"_id": 2, "huge": 10**30},  # beyond 64 bits: orjson refuses, the standard library writes it
        {"_id": 3, "broken": "\ud800"},  # a lone surrogate, as broken clients send
    ],
    ids=["text and numbers", "huge integer", "lone surrogate"],
)
def test_payload_text_is_what_the_standard_library_writes(submission):
    """Payload hashes compare what landed earlier with what the server holds now: the text
    a payload is hashed from must not depend on which JSON library wrote it."""
    assert landing.payload_json(submission) == json.dumps(submission, ensure_ascii=False, separators=(",", ":"))

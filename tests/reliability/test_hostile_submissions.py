"""Submissions a server should never send, served by a crafted KPI data endpoint (an httpx
transport in the test): each is kept aside in raw.kobo_quarantine with a reason naming the
form, the submission and what was wrong; every other submission lands, the ones after the
poisoned ones included; nothing is lost, doubled or fetched again."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import duckdb
import httpx
import pytest

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.landing import land_new_submissions
from dtm_platform.kobo.quarantine import usable_id
from dtm_platform.kobo.reconcile import reconcile
from dtm_platform.kobo.registry import load_registry
from dtm_platform.settings import PROJECT_ROOT

FORM = next(f for f in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml") if f.dataset == "dtm_site")


def good(i: int, **extra) -> dict:
    return {
        "_id": i,
        "_uuid": f"uuid-{i}",
        "_submission_time": "2026-10-01T10:00:00",
        "__version__": "v1",
        "grp_location/site_name": f"Site {i}",
        **extra,
    }


# (what is wrong, the result, words the reason must hold)
HOSTILE = [
    (
        "a lone surrogate in an answer",
        good(3, **{"grp_location/site_name": "Bria \ud800"}),
        "not valid Unicode (a lone surrogate) in grp_location/site_name",
    ),
    ("a text _id", {**good(0), "_id": "7a"}, "_id '7a' is not a whole number"),
    ("a null _id", {**good(0), "_id": None}, "_id None is not a whole number"),
    ("no _id", {k: v for k, v in good(0).items() if k != "_id"}, "no _id"),
    ("a boolean _id", {**good(0), "_id": True}, "_id True is not a whole number"),
    ("a fractional _id", {**good(0), "_id": 12.5}, "_id 12.5 is not a whole number"),
    ("an _id beyond 64 bits", {**good(0), "_id": 2**64}, "is not a whole number between 1 and 2**63 - 1"),
    ("a number for the submission time", good(9, _submission_time=20261001), "_submission_time is a number"),
    ("a result that is a text", "oops", "not a JSON object but a text"),
    ("a result that is a list", [1, 2], "not a JSON object but a list"),
    (
        "a second payload under _id 5",
        good(5, **{"grp_location/site_name": "Other"}),
        "a second submission with _id 5 and another payload",
    ),
]
LANDABLE = [i for i in range(1, 31) if i not in (3, 9)]


def transport(results: list) -> httpx.MockTransport:
    """A KPI data endpoint over ``results``: the query's _id bounds, sort and limit honoured for
    usable ids; a result without one is served with the first page, as a server sorting mixed
    types might."""

    def handle(request: httpx.Request) -> httpx.Response:
        params = {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}
        bounds = json.loads(params.get("query", "{}")).get("_id", {})
        newest = json.loads(params.get("sort", "{}")).get("_id", 1) == -1
        limit = int(params.get("limit", 1000))
        usable = [
            r
            for r in results
            if isinstance(r, dict)
            and usable_id(r.get("_id")) is not None
            and r["_id"] > bounds.get("$gt", 0)
            and r["_id"] <= bounds.get("$lte", 2**63)
            and r["_id"] in bounds.get("$in", [r["_id"]])
        ]
        usable.sort(key=lambda r: r["_id"], reverse=newest)
        others = [r for r in results if r not in usable and not (isinstance(r, dict) and usable_id(r.get("_id")))]
        page = (others if not ({"$gt", "$in"} & set(bounds)) and not newest else []) + usable
        body = json.dumps({"count": len(page), "next": None, "previous": None, "results": page[:limit]})
        return httpx.Response(
            200, content=body.encode("utf-8", "surrogatepass"), headers={"Content-Type": "application/json"}
        )

    return httpx.MockTransport(handle)


@pytest.fixture
def landed(tmp_path):
    # the hostile results after the good ones: the server sends _id 5's first payload first
    results = [good(i) for i in LANDABLE] + [r for _, r, _ in HOSTILE]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    with KoboClient("http://kpi.test", "token", page_size=15, max_in_flight=1, transport=transport(results)) as client:
        first = land_new_submissions(con, client, FORM, run_id="run-1")
        second = land_new_submissions(con, client, FORM, run_id="run-2")
    yield con, first, second
    con.close()


def test_every_landable_submission_lands_once_the_ones_after_the_poisoned_ones_included(landed):
    con, first, second = landed
    ids = [r[0] for r in con.execute(f"select _id from raw.{FORM.raw_table} order by _id").fetchall()]
    assert ids == LANDABLE and first.new_submissions == len(LANDABLE)
    assert (
        json.loads(con.execute(f"select payload from raw.{FORM.raw_table} where _id = 5").fetchone()[0])[
            "grp_location/site_name"
        ]
        == "Site 5"
    )  # the first of two payloads landed
    assert second.new_submissions == 0 and second.quarantined == 0  # nothing fetched twice, nothing doubled


def test_each_hostile_result_is_quarantined_with_a_reason_naming_what_was_wrong(landed):
    con, first, _ = landed
    quarantined = con.execute(
        "select submission_id, reason, payload_text from raw.kobo_quarantine where dataset = ?", [FORM.dataset]
    ).fetchall()
    assert first.quarantined == len(quarantined) == len(HOSTILE)
    for case, result, words in HOSTILE:
        [reason] = [r for _, r, text in quarantined if text == json.dumps(result, ensure_ascii=True)] or [None]
        assert reason is not None and words in reason, case
    assert {i for i, *_ in quarantined if i is not None} == {3, 5, 9}
    assert all(f"form {FORM.dataset}, submission" in r for r in first.quarantine_reasons)
    assert any("submission 3:" in r and "lone surrogate" in r for r in first.quarantine_reasons)


def test_a_poisoned_newest_submission_is_not_fetched_again(tmp_path):
    results = [good(1), good(2, **{"grp_location/site_name": "\udfff"})]
    asked = []
    served = transport(results)

    def counting(request: httpx.Request) -> httpx.Response:
        asked.append(json.loads(parse_qs(urlsplit(str(request.url)).query)["query"][0]))
        return served.handle_request(request)

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    with KoboClient(
        "http://kpi.test", "token", page_size=10, max_in_flight=1, transport=httpx.MockTransport(counting)
    ) as client:
        assert land_new_submissions(con, client, FORM).quarantined == 1
        asked.clear()
        again = land_new_submissions(con, client, FORM)
    assert (again.new_submissions, again.quarantined) == (0, 0)
    assert asked == [{"_id": {"$gt": 2}}]  # one look above the quarantined newest: nothing fetched again
    assert con.execute("select count(*) from raw.kobo_quarantine").fetchone()[0] == 1


def test_a_full_page_without_one_usable_id_fails_naming_the_form_and_the_url(tmp_path):
    results = [{**good(0), "_id": f"x{i}"} for i in range(10)] + [good(1)]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    with (
        KoboClient("http://kpi.test", "token", page_size=5, max_in_flight=1, transport=transport(results)) as client,
        pytest.raises(
            Exception,
            match=(
                f"form {FORM.uid}: a full page of 5 results from "
                r"http://kpi.test/api/v2/assets/.*/data/ without one usable _id"
            ),
        ),
    ):
        land_new_submissions(con, client, FORM)


def test_the_reconciliation_keeps_a_poisoned_submission_aside_and_lands_it_once_corrected(tmp_path):
    results = [good(1), good(2, **{"grp_location/site_name": "\ud800"}), good(3)]
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    with KoboClient("http://kpi.test", "token", page_size=10, max_in_flight=1, transport=transport(results)) as client:
        land_new_submissions(con, client, FORM)
        reconcile(con, client, FORM)  # still poisoned: still aside, once
    assert con.execute("select count(*) from raw.kobo_quarantine").fetchone()[0] == 1
    results[1] = good(2, _uuid="uuid-2-corrected")  # corrected at the source
    with KoboClient("http://kpi.test", "token", page_size=10, max_in_flight=1, transport=transport(results)) as client:
        reconcile(con, client, FORM)
    assert [r[0] for r in con.execute(f"select _id from raw.{FORM.raw_table} order by _id").fetchall()] == [1, 2, 3]

"""The embedded KPI mock, over real HTTP: the shapes of ARCHITECTURE.md, Kobo, the query language,
authentication, errors and fault injection."""

from __future__ import annotations

import json
import math

import httpx
import pytest

from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import DEFAULT_LIMIT, PAGE_CAP, Fault, MockKoboServer

UID = "aDtmLoc7Kq2xY9mN4pR8sT"
TOKEN = "t"
# Metadata that is not a string on a real server; every other value is a string.
NON_STRING_KEYS = {
    "_id": int,
    "_geolocation": list,
    "_attachments": list,
    "_validation_status": dict,
    "_tags": list,
    "_notes": list,
    "key_informants": list,
}
KI_KEYS = {"key_informants/ki_name", "key_informants/ki_role", "key_informants/ki_sex", "key_informants/ki_phone"}


@pytest.fixture(scope="module")
def small_dataset():
    return generate(2026, localities_per_admin2=2)


@pytest.fixture(scope="module")
def server(small_dataset):
    with MockKoboServer(token=TOKEN, datasets={UID: small_dataset}) as server:
        yield server


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as client:
        yield client


@pytest.fixture
def fresh_server(server):
    """The shared server with no queued fault and no recorded request, left that way.

    (Sharing one server keeps the suite fast: stopping one takes up to half a second.)
    """
    server.faults.clear()
    server.requests.clear()
    yield server
    server.faults.clear()
    server.requests.clear()


def data(http: httpx.Client, **params) -> dict:
    params = {"format": "json", **{k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in params.items()}}
    response = http.get(f"/api/v2/assets/{UID}/data/", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def all_ids(server: MockKoboServer) -> list[int]:
    return [s["_id"] for s in server.forms[UID].submissions]


# --- forms ------------------------------------------------------------------------------------


def test_asset_list_has_the_form(http, server):
    response = http.get("/api/v2/assets/", params={"asset_type": "survey", "format": "json"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) == 1
    (asset,) = body["results"]
    assert asset["uid"] == UID
    assert asset["asset_type"] == "survey"
    assert asset["deployment__submission_count"] == len(server.forms[UID].submissions)
    assert asset["url"] == f"{server.url}/api/v2/assets/{UID}/"


def test_asset_list_of_another_type_is_empty(http):
    body = http.get("/api/v2/assets/", params={"asset_type": "block"}).json()
    assert body["count"] == 0 and body["results"] == []


def test_asset_detail_content(http):
    response = http.get(f"/api/v2/assets/{UID}/", params={"format": "json"})
    assert response.status_code == 200
    asset = response.json()
    assert asset["uid"] == UID
    content = asset["content"]
    assert content["translations"] == ["English (en)", "Français (fr)"]
    n_lang = len(content["translations"])

    survey = content["survey"]
    assert survey
    for row in survey:
        assert {"type", "name", "$xpath"} <= set(row), row
        assert row["$xpath"].rsplit("/", 1)[-1] == row["name"]
        if "label" in row:
            assert isinstance(row["label"], list) and len(row["label"]) == n_lang, row
    by_xpath = {row["$xpath"]: row for row in survey if row["type"] not in ("end_group", "end_repeat")}
    assert by_xpath["grp_location/admin2"]["type"] == "select_one"
    assert by_xpath["grp_location/admin2"]["select_from_list_name"] == "admin2"
    assert by_xpath["grp_location/admin2"]["label"] == ["Sub-prefecture", "Sous-préfecture"]
    assert by_xpath["grp_needs/priority_needs"]["type"] == "select_multiple"
    assert by_xpath["key_informants"]["type"] == "begin_repeat"
    assert by_xpath["key_informants/ki_role"]["select_from_list_name"] == "ki_role"

    choices = content["choices"]
    list_names = {c["list_name"] for c in choices}
    for choice in choices:
        assert {"list_name", "name", "label"} <= set(choice)
        assert isinstance(choice["label"], list) and len(choice["label"]) == n_lang
    # every list a question draws from is defined
    used = {row["select_from_list_name"] for row in survey if "select_from_list_name" in row}
    assert used <= list_names
    yes = next(c for c in choices if c["list_name"] == "yes_no" and c["name"] == "yes")
    assert yes["label"] == ["Yes", "Oui"]

    # the version the detail names is a deployed version
    versions = [v["uid"] for v in asset["deployed_versions"]["results"]]
    assert asset["deployed_version_id"] in versions
    assert content["settings"]["version"] == asset["deployed_version_id"]


# --- the data endpoint ------------------------------------------------------------------------


def test_data_envelope_and_default_limit(http, server):
    body = data(http)
    assert set(body) == {"count", "next", "previous", "results"}
    total = len(server.forms[UID].submissions)
    assert total > DEFAULT_LIMIT == 100
    assert body["count"] == total
    assert len(body["results"]) == DEFAULT_LIMIT
    assert body["previous"] is None
    assert body["next"] is not None
    assert [s["_id"] for s in body["results"]] == all_ids(server)[:DEFAULT_LIMIT]


def test_limit_is_capped_at_1000():
    with MockKoboServer(token=TOKEN, localities_per_admin2=8) as big:
        assert len(big.forms[UID].submissions) > PAGE_CAP == 1000
        with httpx.Client(base_url=big.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as http:
            body = data(http, limit=5000)
            assert len(body["results"]) == 1000
            assert body["count"] == len(big.forms[UID].submissions)
            assert "limit=1000" in body["next"]
            rest = http.get(body["next"]).json()
            assert len(rest["results"]) == body["count"] - 1000
            assert rest["next"] is None
            assert rest["results"][0]["_id"] == big.forms[UID].submissions[1000]["_id"]


def test_start_is_a_zero_based_offset(http, server):
    ids = all_ids(server)
    body = data(http, start=10, limit=5)
    assert [s["_id"] for s in body["results"]] == ids[10:15]
    assert body["previous"] is not None
    assert data(http, start=0, limit=1)["results"][0]["_id"] == ids[0]
    assert data(http, start=len(ids), limit=5)["results"] == []


def test_next_links_walk_every_submission(http, server):
    url, params = f"/api/v2/assets/{UID}/data/", {"format": "json", "limit": 70}
    seen, pages = [], 0
    while url:
        body = http.get(url, params=params).json()
        seen.extend(body["results"])
        url, params, pages = body["next"], None, pages + 1
    assert seen == server.forms[UID].submissions
    assert pages == math.ceil(len(seen) / 70)


def test_previous_link(http, server):
    body = data(http, start=20, limit=10)
    back = http.get(body["previous"]).json()
    assert [s["_id"] for s in back["results"]] == all_ids(server)[10:20]


def test_query_gt(http, server):
    ids = all_ids(server)
    pivot = ids[150]
    body = data(http, query={"_id": {"$gt": pivot}}, limit=1000)
    assert [s["_id"] for s in body["results"]] == ids[151:]
    assert body["count"] == len(ids) - 151


def test_query_gte_lt_range(http, server):
    ids = all_ids(server)
    body = data(http, query={"_id": {"$gte": ids[5], "$lt": ids[9]}})
    assert [s["_id"] for s in body["results"]] == ids[5:9]


def test_query_in(http, server):
    ids = all_ids(server)
    wanted = [ids[3], ids[77], ids[-1]]
    body = data(http, query={"_id": {"$in": [*wanted, 1, 2]}})
    assert [s["_id"] for s in body["results"]] == wanted
    assert body["count"] == 3


def test_query_or(http, server):
    ids = all_ids(server)
    body = data(http, query={"$or": [{"_id": ids[0]}, {"_id": {"$gte": ids[-2]}}]})
    assert [s["_id"] for s in body["results"]] == [ids[0], ids[-2], ids[-1]]


def test_query_on_an_answer(http, server):
    admin2 = server.forms[UID].submissions[0]["grp_location/admin2"]
    expected = [s["_id"] for s in server.forms[UID].submissions if s.get("grp_location/admin2") == admin2]
    body = data(http, query={"grp_location/admin2": admin2}, limit=1000)
    assert [s["_id"] for s in body["results"]] == expected
    assert 0 < len(expected) < len(server.forms[UID].submissions)


@pytest.mark.parametrize("exists", [True, False])
def test_query_exists(http, server, exists):
    key = "grp_idp/idp_hh"
    expected = [s["_id"] for s in server.forms[UID].submissions if (key in s) == exists]
    assert expected  # both kinds occur, so the filter is tested both ways
    body = data(http, query={key: {"$exists": exists}}, limit=1000)
    assert [s["_id"] for s in body["results"]] == expected
    assert all((key in s) == exists for s in body["results"])


def test_sort_descending(http, server):
    body = data(http, sort={"_id": -1}, limit=1000)
    assert [s["_id"] for s in body["results"]] == all_ids(server)[::-1]


def test_sort_by_submission_time(http, server):
    body = data(http, sort={"_submission_time": -1}, limit=1000)
    times = [s["_submission_time"] for s in body["results"]]
    assert times == sorted(times, reverse=True)
    assert len(times) == len(server.forms[UID].submissions)


def test_fields_projection(http, server):
    body = data(http, fields=["_id", "grp_location/admin2", "_validation_status"], limit=1000)
    assert len(body["results"]) == len(server.forms[UID].submissions)
    for row, original in zip(body["results"], server.forms[UID].submissions):
        assert set(row) == {"_id", "grp_location/admin2", "_validation_status", "_uuid", "meta/rootUuid"}
        assert row == {k: original[k] for k in row}


def test_fields_projection_of_an_absent_field(http, server):
    body = data(http, fields=["grp_idp/idp_hh"], limit=1000)
    for row, original in zip(body["results"], server.forms[UID].submissions):
        expected = {"_uuid", "meta/rootUuid"} | ({"grp_idp/idp_hh"} & set(original))
        assert set(row) == expected


# --- authentication and errors ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v2/assets/", f"/api/v2/assets/{UID}/", f"/api/v2/assets/{UID}/data/"])
def test_wrong_token_is_401(server, path):
    response = httpx.get(f"{server.url}{path}", headers={"Authorization": "Token nope"}, timeout=10)
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("path", ["/api/v2/assets/", f"/api/v2/assets/{UID}/data/"])
def test_no_authorization_header_is_401(server, path):
    response = httpx.get(f"{server.url}{path}", timeout=10)
    assert response.status_code == 401
    assert "not provided" in response.json()["detail"]


def test_token_scheme_is_required(server):
    response = httpx.get(f"{server.url}/api/v2/assets/", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/assets/aNoSuchForm000000000/",
        "/api/v2/assets/aNoSuchForm000000000/data/",
        "/api/v1/data/",
        f"/api/v2/assets/{UID}/data/extra/",
    ],
)
def test_unknown_paths_are_404(http, path):
    response = http.get(path)
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{not json"},
        {"sort": "{'_id': 1}"},
        {"fields": "[_id]"},
        {"query": json.dumps(["_id"])},
        {"query": json.dumps({"_id": {"$regex": "1"}})},
        {"query": json.dumps({"$where": "true"})},
        {"limit": "ten"},
        {"start": "-1"},
    ],
)
def test_bad_parameters_are_400(http, params):
    response = http.get(f"/api/v2/assets/{UID}/data/", params={"format": "json", **params})
    assert response.status_code == 400
    assert response.json()["detail"]


# --- submissions look like a real server's ----------------------------------------------------


def test_submission_value_types(server):
    submissions = server.forms[UID].submissions
    for s in submissions:
        for key, value in s.items():
            if key in NON_STRING_KEYS:
                assert isinstance(value, NON_STRING_KEYS[key]), (s["_id"], key, value)
            else:
                assert isinstance(value, str), (s["_id"], key, value)
                assert value != "", (s["_id"], key)  # blank answers are absent, not empty


def test_submissions_over_http_are_the_dataset(http, server):
    body = data(http, limit=1000)
    assert body["results"] == server.forms[UID].submissions
    first = body["results"][0]
    assert isinstance(first["_id"], int)
    assert isinstance(first["grp_general/round"], str)


def test_metadata(server):
    for s in server.forms[UID].submissions:
        assert s["meta/instanceID"] == f"uuid:{s['_uuid']}"
        assert s["meta/rootUuid"] == s["meta/instanceID"]
        assert len(s["_submission_time"]) == 19 and s["_submission_time"][10] == "T"  # no zone
        assert len(s["_geolocation"]) == 2
        assert s["_validation_status"] == {}
        assert s["_xform_id_string"] == UID
    assert len({s["_uuid"] for s in server.forms[UID].submissions}) == len(server.forms[UID].submissions)


def test_blank_answers_are_absent(server):
    no_idp = [s for s in server.forms[UID].submissions if s["grp_idp/idp_present"] == "no"]
    with_idp = [s for s in server.forms[UID].submissions if s["grp_idp/idp_present"] == "yes"]
    assert no_idp and with_idp
    for s in no_idp:
        assert not any(key.startswith("grp_idp/") and key != "grp_idp/idp_present" for key in s), s["_id"]
    for s in with_idp:
        assert int(s["grp_idp/idp_hh"]) > 0


def test_group_answers_are_path_keys(server):
    for s in server.forms[UID].submissions:
        assert "grp_location/admin2" in s and "admin2" not in s
        assert s["grp_location/admin2"].startswith("CF")
        assert "grp_general/round" in s and s["grp_general/round"] in ("18", "19")
        assert "grp_location" not in s  # groups are not nested dicts


def test_select_multiple_is_space_separated_codes(http, server):
    asset = http.get(f"/api/v2/assets/{UID}/").json()
    needs = {c["name"] for c in asset["content"]["choices"] if c["list_name"] == "priority_need"}
    multi = [s["grp_needs/priority_needs"] for s in server.forms[UID].submissions]
    assert any(" " in value for value in multi)
    for value in multi:
        codes = value.split(" ")
        assert codes and set(codes) <= needs
        assert len(set(codes)) == len(codes)


def test_repeat_is_a_list_of_dicts_keyed_by_full_path(server):
    for s in server.forms[UID].submissions:
        informants = s["key_informants"]
        assert isinstance(informants, list) and informants
        # an informant estimates the IDPs of a locality that has some
        estimate = {"key_informants/ki_idp_estimate"} if s["grp_idp/idp_present"] == "yes" else set()
        for ki in informants:
            assert isinstance(ki, dict)
            assert set(ki) == KI_KEYS | estimate
            assert all(isinstance(v, str) for v in ki.values())


# --- fault injection --------------------------------------------------------------------------


def test_fault_status_with_retry_after(fresh_server):
    fresh_server.inject(Fault("status", 429, retry_after=0.01))
    with httpx.Client(base_url=fresh_server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as http:
        # Faults apply to data requests only: the form detail is unaffected.
        assert http.get(f"/api/v2/assets/{UID}/").status_code == 200
        response = http.get(f"/api/v2/assets/{UID}/data/", params={"format": "json"})
        assert response.status_code == 429
        assert float(response.headers["Retry-After"]) == pytest.approx(0.01)
        # one fault, one request: the next one is served
        assert http.get(f"/api/v2/assets/{UID}/data/", params={"format": "json"}).status_code == 200


def test_fault_times_and_order(fresh_server):
    fresh_server.inject(Fault("status", 502, times=2), Fault("status", 504))
    with httpx.Client(base_url=fresh_server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as http:
        statuses = [http.get(f"/api/v2/assets/{UID}/data/").status_code for _ in range(4)]
    assert statuses == [502, 502, 504, 200]
    assert not fresh_server.faults


def test_fault_drop_closes_the_connection(fresh_server):
    fresh_server.inject(Fault("drop"))
    with httpx.Client(base_url=fresh_server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as http:
        with pytest.raises(httpx.TransportError):
            http.get(f"/api/v2/assets/{UID}/data/")
        assert http.get(f"/api/v2/assets/{UID}/data/").status_code == 200


def test_fault_truncate_sends_half_a_body(fresh_server):
    fresh_server.inject(Fault("truncate"))
    with httpx.Client(base_url=fresh_server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as http:
        response = http.get(f"/api/v2/assets/{UID}/data/")
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            response.json()


def test_fault_delay(fresh_server):
    fresh_server.inject(Fault("delay", seconds=0.3))
    with httpx.Client(base_url=fresh_server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.get(f"/api/v2/assets/{UID}/data/", timeout=0.1)
        response = http.get(f"/api/v2/assets/{UID}/data/", params={"limit": 1})
        assert response.status_code == 200 and len(response.json()["results"]) == 1


def test_requests_are_recorded(fresh_server):
    with httpx.Client(base_url=fresh_server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=10) as http:
        http.get(f"/api/v2/assets/{UID}/data/", params={"limit": 3})
    assert fresh_server.requests == [f"/api/v2/assets/{UID}/data/?limit=3"]


@pytest.mark.parametrize("dataset", ["dtm_locality", "dtm_flow_counts"])  # a list and a lazy source
def test_newest_first_matches_a_full_sort_with_edits_deletions_and_arrivals(dataset):
    """The fast path for ``sort={"_id": -1}`` (probes, looks above the mark) answers what
    sorting every submission would."""
    from dtm_platform.kobo_mock.catalogue import synthetic_forms
    from dtm_platform.kobo_mock.query import select

    form = next(s.form for s in synthetic_forms(seed=7, localities_per_admin2=1) if s.dataset == dataset)
    store = form.store
    ids = [s["_id"] for s in store.iter_after(None)]
    store.delete(ids[-1])
    store.edit(ids[-2], {"note": "edited"})
    store.receive([{**store.get(ids[0]), "_id": ids[-1] + 10, "_uuid": "new-arrival"}])
    everything = sorted(store.iter_after(None), key=lambda s: -s["_id"])
    for after in (None, ids[0], ids[len(ids) // 2], ids[-1] + 100):
        above = [s for s in everything if after is None or s["_id"] > after]
        for start, limit in ((0, 1), (0, 5), (3, 4)):
            query = {} if after is None else {"_id": {"$gt": after}}
            count, page = select(store, query, {"_id": -1}, start, limit)
            assert count == len(above)
            assert page == above[start : start + limit]


def test_an_id_range_without_a_lower_bound_is_paged_without_building_the_whole_form():
    """The first range of a form never landed asks ``{"_id": {"$lte": N}}``: a million-row
    benchmark form timed out there when the server built every submission to answer it."""
    from dtm_platform.kobo_mock.query import select
    from dtm_platform.kobo_mock.store import LazySource, SubmissionStore

    built: list[int] = []

    def build(position: int, submission_id: int) -> dict:
        built.append(position)
        return {"_id": submission_id, "_uuid": f"u{submission_id}"}

    store = SubmissionStore(LazySource(100_000, build, first_id=50_000_001, id_step=2))
    count, page = select(store, {"_id": {"$lte": 50_000_021}}, {"_id": 1}, start=0, limit=1000)
    assert count == 11 and [s["_id"] for s in page] == list(range(50_000_001, 50_000_022, 2))
    assert len(built) <= 12  # the range and the one past it, not 100,000

"""Attachment files: downloaded only for forms that ask, only from the configured server,
once, under safe names inside DTM_HOME, and never with the token in a log or a message."""

from __future__ import annotations

import dataclasses
import json
import logging

import dagster as dg
import duckdb
import httpx
import pytest

from dtm_platform.kobo.attachments import (
    AttachmentError,
    attachments_dir,
    attachments_of,
    download_all,
    download_attachments,
    safe_file_name,
    strip_credentials,
)
from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.forms import site
from dtm_platform.kobo_mock.media import attachment_bytes
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.settings import PROJECT_ROOT

TOKEN = "attachments-secret-token"
REGISTRY = load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml")
SITE = dataclasses.replace(next(f for f in REGISTRY if f.dataset == "dtm_site"), download_attachments=True)


@pytest.fixture(scope="module")
def site_form():
    return site.build(2026, 0.2).form


@pytest.fixture
def server(site_form):
    with MockKoboServer(token=TOKEN, forms=[site_form]) as server:
        yield server


@pytest.fixture
def con(site_form):
    """raw.kobo_dtm_site as landing leaves it (the columns this module reads)."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.kobo_dtm_site (_id bigint, payload json, deleted_at timestamptz)")
    for s in site_form.submissions:
        con.execute("insert into raw.kobo_dtm_site values (?, ?, null)", [s["_id"], json.dumps(s)])
    yield con
    con.close()


def client_for(server: MockKoboServer, token: str = TOKEN) -> KoboClient:
    return KoboClient(server.url, token, timeout=5.0, backoff_base=0.01)


def with_photos(site_form) -> list[dict]:
    return [s for s in site_form.submissions if s["_attachments"]]


def test_the_embedded_server_serves_the_download_url_with_the_token_only(server, site_form):
    import httpx

    submission = with_photos(site_form)[0]
    (attachment,) = submission["_attachments"]
    path = attachment["download_url"].removeprefix("https://kf.kobotoolbox.org")
    ok = httpx.get(server.url + path, headers={"Authorization": f"Token {TOKEN}"})
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg"
    assert ok.content == attachment_bytes(attachment["uid"]) and ok.content.startswith(b"\xff\xd8")
    small = httpx.get(server.url + path + "small/", headers={"Authorization": f"Token {TOKEN}"})
    assert small.status_code == 200 and len(small.content) < len(ok.content)
    assert httpx.get(server.url + path).status_code == 401
    assert (
        httpx.get(
            server.url + path.replace(attachment["uid"], "attNOPE"), headers={"Authorization": f"Token {TOKEN}"}
        ).status_code
        == 404
    )


def test_every_attachment_lands_once_under_its_submission(server, site_form, con, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    first = download_attachments(con, SITE, client=client_for(server), home=tmp_path)
    expected = {
        (s["_id"], a["media_file_basename"]): a["uid"] for s in with_photos(site_form) for a in s["_attachments"]
    }
    assert first.downloaded == len(expected) > 0 and first.failed == 0
    root = attachments_dir(tmp_path, "dtm_site")
    on_disk = {(int(p.parent.name), p.name): p for p in root.glob("*/*")}
    assert set(on_disk) == set(expected)  # no temporary file left behind either
    for key, uid in expected.items():
        assert on_disk[key].read_bytes() == attachment_bytes(uid)
    downloads = [r for r in server.requests if "/attachments/" in r]
    assert len(downloads) == len(expected)

    again = download_attachments(con, SITE, client=client_for(server), home=tmp_path)
    assert (again.downloaded, again.already_present) == (0, len(expected))
    assert len([r for r in server.requests if "/attachments/" in r]) == len(expected)  # nothing refetched
    assert TOKEN not in caplog.text


def test_a_busy_server_is_retried_then_the_file_is_left_for_the_next_run(tmp_path):
    answers = iter([503, 429, 200, 502, 502, 502])
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        status = next(answers)
        return httpx.Response(status, content=b"jpeg" if status == 200 else b"busy")

    listed = [
        {"uid": "attA", "filename": "a.jpg", "download_url": "https://kf.kobotoolbox.org/api/x/attA/"},
        {"uid": "attB", "filename": "b.jpg", "download_url": "https://kf.kobotoolbox.org/api/x/attB/"},
    ]
    with KoboClient(
        "https://kobo.example/", TOKEN, transport=httpx.MockTransport(handler), max_retries=2, backoff_base=0.001
    ) as client:
        result = download_all(attachments_of(5, listed), SITE, client=client, home=tmp_path)
    assert (result.downloaded, result.failed) == (1, 1)
    assert seen == ["https://kobo.example/api/x/attA/"] * 3 + ["https://kobo.example/api/x/attB/"] * 3
    assert (attachments_dir(tmp_path, "dtm_site") / "5" / "a.jpg").read_bytes() == b"jpeg"
    assert [p.name for p in (attachments_dir(tmp_path, "dtm_site") / "5").iterdir()] == ["a.jpg"]


def test_attachments_deleted_from_the_server_are_counted_and_tried_again(server, site_form, con, tmp_path):
    submission = with_photos(site_form)[0]
    (attachment,) = submission["_attachments"]
    gone = dict(
        attachment, uid="attGONE", download_url=attachment["download_url"].replace(attachment["uid"], "attGONE")
    )
    con.execute(
        "update raw.kobo_dtm_site set payload = ? where _id = ?",
        [json.dumps({**submission, "_attachments": [gone]}), submission["_id"]],
    )
    result = download_attachments(con, SITE, client=client_for(server), home=tmp_path)
    assert result.failed == 1 and result.downloaded == len(with_photos(site_form)) - 1
    assert not (attachments_dir(tmp_path, "dtm_site") / str(submission["_id"])).exists()


def test_a_refused_token_fails_without_showing_it(server, con, tmp_path):
    with pytest.raises(AttachmentError) as caught:
        download_attachments(con, SITE, client=client_for(server, token="wrong-" + TOKEN), home=tmp_path)
    assert "401" in str(caught.value) and TOKEN not in str(caught.value)


def test_requests_go_to_the_configured_server_whatever_host_the_url_names(server, site_form, con, tmp_path):
    submission = with_photos(site_form)[0]
    (attachment,) = submission["_attachments"]
    moved = dict(
        attachment,
        download_url=attachment["download_url"].replace(
            "https://kf.kobotoolbox.org", "https://user:pw@elsewhere.example"
        )
        + "?token=abc",
    )
    con.execute("delete from raw.kobo_dtm_site where _id <> ?", [submission["_id"]])
    con.execute("update raw.kobo_dtm_site set payload = ?", [json.dumps({**submission, "_attachments": [moved]})])
    result = download_attachments(con, SITE, client=client_for(server), home=tmp_path)
    assert result.downloaded == 1
    assert [r for r in server.requests if "/attachments/" in r] == [
        attachment["download_url"].removeprefix("https://kf.kobotoolbox.org")
    ]


# --- names and URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("enum01/attachments/abc/uuid/1723456789000.jpg", "1723456789000.jpg"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("photo école n°1.JPG", "photo_ecole_n1.JPG"),
        (".hidden", "hidden"),
        ("", "attXYZ"),
        (None, "attXYZ"),
        ("///", "attXYZ"),
    ],
)
def test_safe_file_names(name, expected):
    assert safe_file_name(name, "attXYZ") == expected


def test_long_names_keep_their_extension():
    name = safe_file_name("a" * 400 + ".jpeg", "attXYZ")
    assert len(name) == 150 and name.endswith(".jpeg")


def test_two_files_of_the_same_name_in_one_submission_get_distinct_names():
    listed = [
        {"uid": "attA", "filename": "x/photo.jpg", "download_url": "https://k/1/"},
        {"uid": "attB", "filename": "y/photo.jpg", "download_url": "https://k/2/"},
        {"uid": "attC", "filename": "z/old.jpg", "download_url": "https://k/3/", "is_deleted": True},
        {"uid": "attD", "filename": "z/nourl.jpg"},
    ]
    found = attachments_of(7, listed)
    assert [(a.position, a.attachment_id, a.file_name) for a in found] == [
        (1, "attA", "photo.jpg"),
        (2, "attB", "attB_photo.jpg"),
    ]
    assert attachments_of(7, None) == [] and attachments_of(7, "nope") == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://kf.kobotoolbox.org/api/v2/assets/a/data/1/attachments/att1/",
            "https://kf.kobotoolbox.org/api/v2/assets/a/data/1/attachments/att1/",
        ),
        (
            "https://user:secret@kobo.example:8443/media/x.jpg?token=abc&x=1#frag",
            "https://kobo.example:8443/media/x.jpg",
        ),
    ],
)
def test_strip_credentials(url, expected):
    assert strip_credentials(url) == expected


# --- the ingestion asset ----------------------------------------------------------------------


def test_the_ingestion_asset_downloads_only_when_the_registry_asks(server, site_form, tmp_path):
    from dtm_platform.defs.kobo.assets import form_content_asset, ingestion_asset
    from dtm_platform.defs.resources import platform_resources

    # the home, server and token given to the assets as resources, not through DTM_* variables
    resources = platform_resources(tmp_path, kobo_url=server.url, kobo_token=TOKEN)
    off = dataclasses.replace(SITE, download_attachments=False)
    # Entered, so that loading the definitions finds this instance and not one an earlier
    # test in the same process left behind.
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [form_content_asset([off]), ingestion_asset(off)], resources=resources, instance=instance
        )
    assert result.success
    assert not attachments_dir(tmp_path, "dtm_site").exists()

    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [form_content_asset([SITE]), ingestion_asset(SITE)], resources=resources, instance=instance
        )
    assert result.success
    (materialization,) = list(result.asset_materializations_for_node(ingestion_asset(SITE).op.name))
    photos = sum(len(s["_attachments"]) for s in site_form.submissions)
    assert materialization.metadata["attachments_downloaded"].value == photos
    assert materialization.metadata["attachments_failed"].value == 0
    assert len(list(attachments_dir(tmp_path, "dtm_site").glob("*/*"))) == photos


# --- the size limit ---------------------------------------------------------------------------


def test_an_attachment_past_the_limit_is_recorded_and_the_others_download(server, site_form, con, tmp_path, caplog):
    photos = [(s["_id"], a["uid"]) for s in with_photos(site_form) for a in s["_attachments"]]
    big_submission, big = photos[0]
    sizes = {uid: len(attachment_bytes(uid)) for _, uid in photos}
    server.forms[site_form.uid].attachment_bodies[big] = b"\xff\xd8" + b"x" * 300_000  # a 300 KB photo
    limit = 200_000
    assert max(sizes.values()) < limit
    with client_for(server) as client:
        first = download_attachments(con, SITE, client=client, home=tmp_path, max_bytes=limit)
        again = download_attachments(con, SITE, client=client, home=tmp_path, max_bytes=limit)
    (refused,) = first.too_large
    assert (refused.submission_id, refused.attachment_id) == (big_submission, big)
    assert str(refused) == (
        f"form dtm_site: submission {big_submission}, attachment {big}: 0.3 MB declared, past the "
        "limit of 0.190735 MB (DTM_KOBO_MAX_ATTACHMENT_MB); not downloaded"
    )
    assert first.downloaded == len(photos) - 1 and first.failed == 0
    assert con.execute("select submission_id, attachment_id, reason from raw.kobo_attachment_refusals").fetchall() == [
        (big_submission, big, str(refused))
    ]
    assert str(refused) in caplog.text and TOKEN not in caplog.text
    root = attachments_dir(tmp_path, "dtm_site")
    assert not (root / str(big_submission)).exists()  # nothing half-written left behind
    # refused under this limit: not asked for again; under a higher one, downloaded
    assert (again.refused_before, again.too_large, again.already_present) == (1, [], len(photos) - 1)
    asked = len([r for r in server.requests if f"/attachments/{big}/" in r])
    with client_for(server) as client:
        raised = download_attachments(con, SITE, client=client, home=tmp_path, max_bytes=400_000)
    assert raised.downloaded == 1 and len([r for r in server.requests if f"/attachments/{big}/" in r]) == asked + 1


def test_an_attachment_without_a_length_is_streamed_to_disk_and_cut_at_the_limit(tmp_path):
    def endless(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/attBIG/"):
            return httpx.Response(200, content=iter([b"\x00" * 65536] * 10_000))  # 655 MB, chunked
        return httpx.Response(200, content=iter([b"\xff\xd8", b"rest of a photo"]))

    listed = [
        {"uid": "attBIG", "filename": "video.mp4", "download_url": "https://k/api/x/attBIG/"},
        {"uid": "attA", "filename": "a.jpg", "download_url": "https://k/api/x/attA/"},
    ]
    with KoboClient("https://kobo.example/", TOKEN, transport=httpx.MockTransport(endless)) as client:
        result = download_all(attachments_of(9, listed), SITE, client=client, home=tmp_path, max_bytes=1_000_000)
    (refused,) = result.too_large
    assert "attachment attBIG: more, past the limit of 0.953674 MB" in str(refused)
    assert [p.name for p in (attachments_dir(tmp_path, "dtm_site") / "9").iterdir()] == ["a.jpg"]
    assert (attachments_dir(tmp_path, "dtm_site") / "9" / "a.jpg").read_bytes() == b"\xff\xd8rest of a photo"

"""The one mechanism that keeps secrets out of messages, logs, alerts and step failures."""

from __future__ import annotations

import logging
import traceback

import dagster as dg
import pytest

import dtm_platform.secrets as secrets_module
from dtm_platform.secrets import (
    MASK,
    SecretSafeError,
    install_log_filter,
    known_secrets,
    scrub,
    scrub_value,
    secret_safe,
    url_credentials,
    without_credentials,
)

TOKEN = "kobo-token-3c9e51d0aa"
SALT = "salt-secret-81f2c7"
WEBHOOK = "https://hooks.example.org/services/T000/B000/webhooksecret42"
KOBO_PASSWORD = "proxy-pw-6d1b"
PG_PASSWORD = "pub-pw-2e7f90"
DAGSTER_PASSWORD = "dagster-pw-44ab1c"
UNPARSABLE = "pg%zz-9a0c"  # '%' not followed by two hex digits


@pytest.fixture
def settings_with_secrets(monkeypatch):
    monkeypatch.setenv("DTM_KOBO_TOKEN", TOKEN)
    monkeypatch.setenv("DTM_HASH_SALT", SALT)
    monkeypatch.setenv("DTM_ALERT_WEBHOOK", WEBHOOK)
    monkeypatch.setenv("DTM_KOBO_URL", f"https://dtm-proxy:{KOBO_PASSWORD}@kf.example.org")
    monkeypatch.setenv("DTM_POSTGRES_URL", f"postgresql://publisher:{PG_PASSWORD}@db.example.org:5432/dtm_marts")
    monkeypatch.setenv(
        "DTM_DAGSTER_POSTGRES_URL", f"postgresql+psycopg2://dagster:{DAGSTER_PASSWORD}@127.0.0.1:5432/dagster"
    )


def test_every_secret_the_settings_hold_is_masked(settings_with_secrets):
    text = (
        f"Token {TOKEN}; salt {SALT}; posting to {WEBHOOK}; GET https://dtm-proxy:{KOBO_PASSWORD}@kf.example.org/"
        f"api/v2/assets/; password authentication failed: {PG_PASSWORD}; dagster storage {DAGSTER_PASSWORD}"
    )
    scrubbed = scrub(text)
    for secret in (TOKEN, SALT, WEBHOOK, KOBO_PASSWORD, PG_PASSWORD, DAGSTER_PASSWORD):
        assert secret not in scrubbed
    assert scrubbed.count(MASK) == 6
    assert "kf.example.org/api/v2/assets/" in scrubbed  # the host stays: it says where


def test_a_password_that_makes_the_url_unparsable_is_still_found(monkeypatch):
    monkeypatch.setenv("DTM_POSTGRES_URL", f"postgresql://publisher:{UNPARSABLE}@db:5432/dtm_marts")
    # what psycopg says about such a URL
    assert scrub(f'invalid percent-encoded token: "{UNPARSABLE}"') == f'invalid percent-encoded token: "{MASK}"'


@pytest.mark.parametrize(
    ("url", "password"),
    [
        ("postgresql://u:p@ss/w0rd@db:5432/x", "p@ss/w0rd"),  # '@' and '/' not encoded
        ("postgresql://u:pw%zzabc@db:5432/x", "pw%zzabc"),  # stray '%'
        ("https://u:abc%40def@host", "abc%40def"),  # encoded, and decoded below
        ("http://u:pw12@[::1:bad/x", "pw12"),  # urllib refuses the host
    ],
)
def test_url_credentials_are_taken_by_hand_when_urllib_cannot(url, password):
    found = url_credentials(url)
    assert password in found and f"u:{password}" in found


def test_a_percent_encoded_password_is_masked_as_written_and_decoded():
    assert {"abc%40def", "abc@def"} <= set(url_credentials("https://u:abc%40def@host"))


def test_a_user_name_alone_is_not_a_secret():
    assert url_credentials("https://reader@host/x") == []
    assert url_credentials("http://127.0.0.1:8765") == []


def test_without_credentials_keeps_the_host_and_path():
    assert without_credentials("https://u:p@ss/w@kf.example.org/api/v2/") == "https://kf.example.org/api/v2/"
    assert without_credentials("https://kf.example.org/api/") == "https://kf.example.org/api/"


def test_the_longer_secret_is_masked_first(monkeypatch):
    url = f"postgresql://publisher:{PG_PASSWORD}@db:5432/dtm_marts"
    assert scrub(f"connect to {url} failed", also=[url]) == f"connect to {MASK} failed"


def test_values_given_with_also_and_their_credentials_are_masked():
    url = "postgresql://someone:given-pw-77@db/x"
    assert scrub("password given-pw-77 refused", also=[url, None, ""]) == f"password {MASK} refused"


def test_short_values_are_not_treated_as_secrets(monkeypatch):
    monkeypatch.setenv("DTM_KOBO_URL", "https://u:pw@host")  # "pw" would mask every "pw" in every message
    assert "pw" not in known_secrets()


def test_settings_that_do_not_load_still_give_their_secrets(monkeypatch):
    monkeypatch.setenv("DTM_KOBO_TOKEN", TOKEN)
    monkeypatch.setenv("DTM_TIMEZONE", "Not/AZone")  # load_settings refuses it
    assert scrub(f"Token {TOKEN}") == f"Token {MASK}"


def test_scrub_value_reaches_into_nested_metadata(settings_with_secrets):
    value = {"errors": [f"refused {TOKEN}"], "nested": {"pair": (SALT, 3), SALT: None}, "count": 7}
    assert scrub_value(value) == {"errors": [f"refused {MASK}"], "nested": {"pair": (MASK, 3), MASK: None}, "count": 7}


def test_the_log_filter_masks_every_logger_even_a_child_that_propagates(settings_with_secrets, caplog):
    install_log_filter()
    child = logging.getLogger("httpx.some_child")  # a logger that never had a filter of its own
    with caplog.at_level(logging.INFO):
        child.info('HTTP Request: GET %s "HTTP/1.1 200 OK"', f"https://dtm-proxy:{KOBO_PASSWORD}@kf.example.org/")
        try:
            raise ValueError(f"bad token {TOKEN}")
        except ValueError:
            logging.getLogger("dtm_platform.test").exception("it failed")
    assert KOBO_PASSWORD not in caplog.text and TOKEN not in caplog.text
    assert "kf.example.org" in caplog.text and "it failed" in caplog.text and "ValueError" in caplog.text
    assert all(KOBO_PASSWORD not in r.getMessage() for r in caplog.records)


def test_a_record_that_cannot_be_checked_is_withheld_not_dropped(monkeypatch, caplog):
    install_log_filter()

    def broken(environment):
        raise RuntimeError("settings store unreachable")

    monkeypatch.setattr(secrets_module, "_settings_secrets", broken)
    with caplog.at_level(logging.INFO):
        logging.getLogger("dtm_platform.test").info("token %s", TOKEN)
    assert TOKEN not in caplog.text and "log message withheld" in caplog.text and "RuntimeError" in caplog.text


def test_a_failure_comes_out_scrubbed_and_without_its_original(settings_with_secrets):
    def fail():
        try:
            raise ConnectionError(f"cannot reach postgresql://publisher:{PG_PASSWORD}@db")
        except ConnectionError as inner:
            raise RuntimeError(f"wrapped {TOKEN}") from inner

    with pytest.raises(SecretSafeError) as raised:
        secret_safe("serving/postgres")(fail)()
    error = raised.value
    assert str(error).startswith("serving/postgres: RuntimeError: wrapped ***")
    assert "test_secrets.py" in str(error)  # where it was raised
    assert error.__cause__ is None and error.__context__ is None
    rendered = "".join(traceback.format_exception(error))
    assert TOKEN not in rendered and PG_PASSWORD not in rendered


def test_a_dagster_failure_keeps_its_type_description_and_metadata_scrubbed(settings_with_secrets):
    @secret_safe("raw/kobo_x")
    def refuse():
        raise dg.Failure(description=f"refused with {TOKEN}", metadata={"why": f"salt {SALT}"}, allow_retries=False)

    with pytest.raises(dg.Failure) as raised:
        refuse()
    failure = raised.value
    assert failure.description == f"refused with {MASK}" and failure.allow_retries is False
    assert failure.metadata["why"].value == f"salt {MASK}"
    assert failure.__context__ is None


def test_a_body_that_succeeds_returns_its_value():
    @secret_safe("raw/kobo_x")
    def body(context, *, config):
        return (context, config)

    assert body(1, config=2) == (1, 2) and body.__name__ == "body"

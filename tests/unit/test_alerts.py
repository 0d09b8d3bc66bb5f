"""Failed-run alerts: what they say, where they go, and that no secret leaks on the way."""

from __future__ import annotations

import logging
import socket

from dtm_platform.defs.automation.alerts import RunFailure, alert_payload, send_alert
from tests.webhook_receiver import WebhookReceiver

UI = "http://dagster.iom-car.example:3000"
RUN_ID = "3f2a9c1e-0b7d-4c55-9e8a-5d1f7a2b6c90"


def gate_failure(**overrides) -> RunFailure:
    fields = dict(
        run_id=RUN_ID,
        job_name="full_build",
        failed_checks=["raw/kobo_dtm_locality:gx_suite (expect_column_values_to_not_be_null(form_version) on 25 rows)"],
        not_built=["staging/stg_kobo__dtm_locality", "reports/dtm_situation_report"],
    )
    return RunFailure(**{**fields, **overrides})


def test_the_alert_names_the_failed_check_what_it_stopped_and_links_the_run():
    payload = alert_payload(gate_failure(), UI)

    text = payload["text"]
    assert "raw/kobo_dtm_locality:gx_suite" in text and "on 25 rows" in text
    assert "full_build" in text
    assert "reports/dtm_situation_report" in text  # what the readers of the report will miss
    assert f"{UI}/runs/{RUN_ID}" in text
    assert payload["run_url"] == f"{UI}/runs/{RUN_ID}"
    assert payload["failed_checks"][0].startswith("raw/kobo_dtm_locality:gx_suite")
    assert payload["not_built"] == ["staging/stg_kobo__dtm_locality", "reports/dtm_situation_report"]


def test_an_asset_that_failed_is_named_with_its_error():
    failure = RunFailure(
        run_id=RUN_ID,
        job_name="ingest_dtm_site",
        failed_assets=["raw/kobo_dtm_site"],
        errors=["raw__kobo_dtm_site: KoboError: form aDtmSite: answered HTTP 401"],
    )
    text = alert_payload(failure, UI)["text"]
    assert "failed: raw/kobo_dtm_site" in text
    assert "HTTP 401" in text


def test_long_lists_are_shortened_in_the_text_but_complete_in_the_fields():
    not_built = [f"marts/m{i}" for i in range(25)]
    payload = alert_payload(gate_failure(not_built=not_built), UI)
    assert "and 15 more" in payload["text"]
    assert payload["not_built"] == not_built


def test_every_secret_of_the_settings_is_scrubbed_from_every_field(monkeypatch):
    token, password = "kobo-token-5be1d7c2a9", "pg%zz-7c1e0b"  # a stray %: the URL does not parse
    monkeypatch.setenv("DTM_KOBO_TOKEN", token)
    monkeypatch.setenv("DTM_POSTGRES_URL", f"postgresql://publisher:{password}@db:5432/dtm_marts")
    failure = gate_failure(
        errors=[
            f"raw__kobo_x: request with Token {token} refused",
            f'serving__postgres: invalid percent-encoded token: "{password}"',
        ],
        failed_assets=[f"odd/{token}"],
    )
    payload = alert_payload(failure, UI)
    assert token not in str(payload) and password not in str(payload)
    assert "***" in payload["text"] and "***" in payload["errors"][0] and "***" in payload["errors"][1]
    assert payload["failed_assets"] == ["odd/***"]


def test_the_alert_is_posted_as_json_to_the_webhook(caplog):
    payload = alert_payload(gate_failure(), UI)
    with WebhookReceiver() as hook, caplog.at_level(logging.INFO):
        assert send_alert(payload, hook.url)
    assert hook.received == [payload]
    assert hook.paths == [WebhookReceiver.SECRET_PATH]
    assert WebhookReceiver.SECRET_PATH not in caplog.text  # the URL is a secret


def test_a_busy_webhook_is_retried():
    with WebhookReceiver(statuses=[503, 429]) as hook:
        assert send_alert(alert_payload(gate_failure(), UI), hook.url, backoff_seconds=0.01)
    assert len(hook.received) == 3


def test_a_refused_alert_is_not_retried_and_is_logged_without_the_url(caplog):
    with WebhookReceiver(statuses=[400]) as hook, caplog.at_level(logging.INFO):
        assert not send_alert(alert_payload(gate_failure(), UI), hook.url, backoff_seconds=0.01)
    assert len(hook.received) == 1
    assert "HTTP 400" in caplog.text and "raw/kobo_dtm_locality:gx_suite" in caplog.text
    assert WebhookReceiver.SECRET_PATH not in caplog.text


def test_an_unreachable_webhook_does_not_raise_and_does_not_leak_its_url(caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}{WebhookReceiver.SECRET_PATH}"
    with caplog.at_level(logging.INFO):
        assert not send_alert(alert_payload(gate_failure(), UI), url, retries=1, backoff_seconds=0.01)
    assert "ConnectionRefusedError" in caplog.text
    assert WebhookReceiver.SECRET_PATH not in caplog.text


def test_without_a_webhook_the_alert_is_logged(caplog):
    with caplog.at_level(logging.INFO):
        assert not send_alert(alert_payload(gate_failure(), UI), None)
    assert "DTM_ALERT_WEBHOOK is not set" in caplog.text
    assert "raw/kobo_dtm_locality:gx_suite" in caplog.text and f"/runs/{RUN_ID}" in caplog.text

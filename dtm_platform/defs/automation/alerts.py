"""Alerts for failed runs: the message, and posting it as JSON to an incoming webhook.

Dagster's run-failure sensor (``sensors.py``) reads a failed run's event log into a
``RunFailure`` (``run_history.py``); this module says it in words a data engineer
acts on (which check or asset failed, what was therefore not built, the run's link in the
UI) and posts it to ``DTM_ALERT_WEBHOOK``. The body carries ``text``, which Slack and Teams
incoming webhooks display, plus the same facts as fields for anything that parses JSON.

Every secret the platform knows (``secrets.py``) is masked in every field of the body: an
error's text may quote one. The webhook URL is a secret too (whoever has it can post to the
channel): it is never logged, and a failed post is reported by its status or error type only. The post goes through the
standard library rather than httpx, whose logger records every request's full URL at INFO.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from dtm_platform.secrets import scrub_value

log = logging.getLogger(__name__)

MAX_LISTED = 10  # names per list in the text; the JSON fields carry them all
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class RunFailure:
    run_id: str
    job_name: str
    failed_checks: list[str] = field(default_factory=list)  # "raw/kobo_x:gx_suite"
    failed_assets: list[str] = field(default_factory=list)  # their step failed before materializing
    not_built: list[str] = field(default_factory=list)  # skipped because of the failures
    errors: list[str] = field(default_factory=list)  # one line per failed step


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def alert_payload(failure: RunFailure, ui_url: str) -> dict:
    """The JSON body of the alert, every secret masked in every string of it."""
    run_url = f"{ui_url.rstrip('/')}/runs/{failure.run_id}"
    if failure.failed_checks:
        headline = f"gate failed: {_listed(failure.failed_checks)}"
    elif failure.failed_assets:
        headline = f"failed: {_listed(failure.failed_assets)}"
    else:
        headline = "the run failed"
    lines = [f"DTM platform: run {failure.run_id[:8]} of {failure.job_name}: {headline}."]
    if failure.failed_checks and failure.failed_assets:
        lines.append(f"Failed assets: {_listed(failure.failed_assets)}.")
    if failure.not_built:
        lines.append(f"Not built because of it: {_listed(failure.not_built)}.")
    for error in failure.errors[:MAX_LISTED]:
        lines.append(f"Error: {error[:MAX_ERROR_CHARS]}")
    lines.append(f"Run: {run_url}")
    payload = {
        "text": "\n".join(lines),
        "run_id": failure.run_id,
        "job": failure.job_name,
        "failed_checks": failure.failed_checks,
        "failed_assets": failure.failed_assets,
        "not_built": failure.not_built,
        "errors": [e[:MAX_ERROR_CHARS] for e in failure.errors],
        "run_url": run_url,
    }
    return scrub_value(payload)


def send_alert(
    payload: dict,
    webhook: str | None,
    *,
    timeout: float = 10.0,
    retries: int = 2,
    backoff_seconds: float = 1.0,
    logger: logging.Logger | logging.LoggerAdapter = log,
) -> bool:
    """Post ``payload`` to ``webhook``; without one, log the alert's text instead.

    True when the webhook accepted it. Never raises: a broken webhook must not stop the
    sensor from reporting the next failure (and the text is logged either way).
    """
    if not webhook:
        logger.warning("DTM_ALERT_WEBHOOK is not set; the alert:\n%s", payload["text"])
        return False
    body = json.dumps(payload).encode("utf-8")
    reason = ""
    for attempt in range(retries + 1):
        status = _post(webhook, body, timeout)
        if isinstance(status, int) and 200 <= status < 300:
            logger.info("alert for run %s posted to DTM_ALERT_WEBHOOK", payload["run_id"])
            return True
        reason = f"HTTP {status}" if isinstance(status, int) else status
        if isinstance(status, int) and status < 500 and status != 429:
            break  # the webhook refuses this body or this URL: retrying will not help
        if attempt < retries:
            time.sleep(backoff_seconds * 2**attempt)
    logger.error("could not post the alert to DTM_ALERT_WEBHOOK (%s); the alert:\n%s", reason, payload["text"])
    return False


def _post(url: str, body: bytes, timeout: float) -> int | str:
    """The response status, or the error's type name (never its message: it may quote the URL)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # the URL is configuration, not input
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None)
        return type(reason).__name__ if isinstance(reason, BaseException) else type(error).__name__

"""A client for the KoboToolbox KPI API v2 that a slow, flaky server cannot fool.

Token auth in a header (never in a URL, never in a message), a timeout on every request,
retries with exponential backoff and jitter on the answers and failures that pass
(429, 5xx gateways, timeouts, dropped connections, truncated JSON), ``Retry-After``
honoured, and a bound on the requests in flight across all threads using the client.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from dtm_platform.kobo.quarantine import usable_id
from dtm_platform.secrets import without_credentials

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_SECONDS = 120.0


class KoboError(RuntimeError):
    """A request failed for good. The message names the form and the URL, never the token;
    ``status`` is the HTTP status the server refused it with, if it answered."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class SyncStats:
    pages: int = 0
    retries: int = 0


class KoboClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 60.0, max_retries: int = 6,
                 max_in_flight: int = 4, backoff_base: float = 1.0, page_size: int = 1000,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.page_size = min(page_size, 1000)  # KPI caps pages at 1000 rows
        self.max_in_flight = max_in_flight
        self.stats = SyncStats()
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._stats_lock = threading.Lock()
        self._http = httpx.Client(
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "KoboClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the endpoints --------------------------------------------------------------------

    def list_forms(self) -> list[dict]:
        url = f"{self.base_url}/api/v2/assets/"
        params: dict[str, Any] | None = {"asset_type": "survey", "format": "json", "limit": 1000}
        forms: list[dict] = []
        while url:
            body = self.get_json(url, params, form="(form list)")
            forms.extend(_results(body, "(form list)", url))
            url, params = body.get("next"), None
            if url and not _same_origin(url, self.base_url):
                # The token goes with every request: never to a host the operator did not name.
                raise KoboError(f"form list: the server's next page is on another host "
                                f"({without_credentials(url)}); refusing to send the token there")
        return forms

    def get_form(self, uid: str) -> dict:
        return self.get_json(f"{self.base_url}/api/v2/assets/{uid}/", {"format": "json"}, form=uid)

    def iter_submission_pages(self, uid: str, after_id: int | None,
                              fields: list[str] | None = None,
                              up_to_id: int | None = None) -> Iterator[list[dict]]:
        """Pages of submissions with ``_id`` above ``after_id`` (and at most ``up_to_id``
        when given), in ``_id`` order (keyset paging).

        Keyset rather than ``start`` offsets: a deletion between two pages shifts offsets and
        would silently skip a submission; ``_id > last seen`` cannot. ``fields`` asks for
        only those keys (KPI always adds ``_uuid`` and ``meta/rootUuid``).
        """
        last_id = after_id
        empty_pages = 0
        while True:
            bounds = {} if last_id is None else {"$gt": last_id}
            if up_to_id is not None:
                bounds["$lte"] = up_to_id
            query = {"_id": bounds} if bounds else {}
            params = {"format": "json", "query": json.dumps(query), "sort": json.dumps({"_id": 1}),
                      "limit": self.page_size}
            if fields is not None:
                params["fields"] = json.dumps(fields)
            url = f"{self.base_url}/api/v2/assets/{uid}/data/"
            page = self.get_json(url, params, form=uid)
            results = _results(page, uid, url)
            if not results and page.get("next"):
                # An empty page that promises more is a server glitch, not the end: ask again.
                empty_pages += 1
                if empty_pages > self.max_retries:
                    raise KoboError(f"form {uid}: the server keeps answering empty pages with a next link")
                with self._stats_lock:
                    self.stats.retries += 1
                time.sleep(self._backoff(empty_pages))
                continue
            empty_pages = 0
            if not results:
                return
            # a result without a usable _id is handed on for landing to quarantine; paging
            # follows the usable ones
            ids = [i for i in (usable_id(r.get("_id")) if isinstance(r, dict) else None for r in results)
                   if i is not None]
            if not ids:
                if page.get("next") is None and len(results) < self.page_size:
                    yield results
                    return
                raise KoboError(f"form {uid}: a full page of {len(results)} results from {url} without one usable "
                                "_id: paging cannot go on past it")
            if last_id is not None and min(ids) <= last_id:
                if max(ids) <= last_id:
                    if page.get("next") is None and len(results) < self.page_size:
                        # The end, with an already-seen record repeated onto the last page.
                        return
                    raise KoboError(f"form {uid}: the server returned _id {min(ids)} for _id > {last_id}; "
                                    "it does not honour the query")
                # Overlapping pages: drop what was already seen (landing is idempotent anyway).
                results = [r for r in results
                           if not isinstance(r, dict) or usable_id(r.get("_id")) is None or r["_id"] > last_id]
                ids = [i for i in ids if i > last_id]
            yield results
            # A server that ignores ``sort`` still honours the query: max() keeps us moving.
            last_id = max(ids)
            if page.get("next") is None and len(results) < self.page_size:
                return

    def look_above(self, uid: str, after_id: int | None, *, newest: bool = True) -> tuple[int, int | None]:
        """(how many submissions have ``_id`` above ``after_id``, the highest of their ids, or
        the lowest with ``newest=False``) in one cheap request: one row, ``_id`` only."""
        query = {"_id": {"$gt": after_id}} if after_id is not None else {}
        page = self.get_json(
            f"{self.base_url}/api/v2/assets/{uid}/data/",
            {"format": "json", "query": json.dumps(query), "sort": json.dumps({"_id": -1 if newest else 1}),
             "limit": 1, "fields": json.dumps(["_id"])},
            form=uid,
        )
        results = page.get("results")
        if not isinstance(page.get("count"), int) or not isinstance(results, list):
            raise KoboError(f"form {uid}: the data endpoint answered without a count and a results list")
        # a newest result without a usable _id: None, and the caller pages one page at a time
        top = results[0] if results else None
        return page["count"], (usable_id(top.get("_id")) if isinstance(top, dict) else None)

    def fetch_by_ids(self, uid: str, ids: list[int]) -> list[dict]:
        """The current version of the given submissions (one ``$in`` request; keep batches
        small, the query travels in the URL)."""
        page = self.get_json(
            f"{self.base_url}/api/v2/assets/{uid}/data/",
            {"format": "json", "query": json.dumps({"_id": {"$in": ids}}), "sort": json.dumps({"_id": 1}),
             "limit": max(len(ids), 1)},
            form=uid,
        )
        return page["results"]

    def get_form_version(self, uid: str, version_uid: str) -> dict:
        return self.get_json(f"{self.base_url}/api/v2/assets/{uid}/versions/{version_uid}/",
                             {"format": "json"}, form=uid)

    # --- one request, with retries --------------------------------------------------------

    def get_json(self, url: str, params: dict | None, *, form: str) -> dict:
        return self._get(url, params, form=form, parse=_parse)

    def get_bytes(self, url: str, *, form: str) -> bytes:
        """A file (an attachment) with the same auth, retries and bound as the API calls."""
        return self._get(url, None, form=form, parse=bytes)

    def _get(self, url: str, params: dict | None, *, form: str, parse):
        attempt = 0
        while True:
            try:
                with self._in_flight:
                    response = self._http.get(url, params=params)
                if response.status_code == 200:
                    if parse is _parse and _is_html(response):
                        # A login page or a proxy's error page: retrying does not change it.
                        raise KoboError(f"form {form}: {without_credentials(url)} answered an HTML page, not "
                                        "the API's JSON (a login or proxy page?): check DTM_KOBO_URL "
                                        "(the server's root, e.g. https://kf.kobotoolbox.org) and DTM_KOBO_TOKEN",
                                        status=200)
                    # orjson: the same values as the standard library, several times faster;
                    # its errors (cut-short or non-UTF-8 bodies) are json.JSONDecodeError too.
                    body = parse(response.content)
                    with self._stats_lock:
                        self.stats.pages += 1
                    return body
                if response.status_code not in RETRYABLE_STATUS:
                    raise KoboError(_describe_failure(form, url, response), status=response.status_code)
                reason: str = f"HTTP {response.status_code}"
                wait = _retry_after(response)
            # a body cut short (JSONDecodeError) or not UTF-8 at all (UnicodeDecodeError)
            # or a compressed body that does not decompress (DecodingError; zlib's own error
            # where httpx lets it through): a transfer gone wrong, worth another try
            except (httpx.TimeoutException, httpx.TransportError, httpx.DecodingError, zlib.error,
                    json.JSONDecodeError, UnicodeDecodeError) as error:
                reason, wait = type(error).__name__, None
            attempt += 1
            if attempt > self.max_retries:
                raise KoboError(f"form {form}: {without_credentials(url)} still failing after "
                                f"{self.max_retries} retries (last: {reason})")
            delay = wait if wait is not None else self._backoff(attempt)
            with self._stats_lock:
                self.stats.retries += 1
            log.warning("form %s: %s (%s); retry %d/%d in %.1fs", form, without_credentials(url), reason, attempt,
                        self.max_retries, delay)
            time.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so parallel clients do not retry in step."""
        return random.uniform(0, min(MAX_BACKOFF_SECONDS, self.backoff_base * 2 ** (attempt - 1)))


def _parse(body: bytes) -> dict:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        # orjson refuses escaped lone surrogates, which broken clients do send and the
        # standard library accepts; a body that is cut short fails both ways.
        return json.loads(body)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return min(max(float(value), 0.0), MAX_BACKOFF_SECONDS)
    except ValueError:
        pass
    try:  # the other form the header takes: an HTTP date
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(parsed.timestamp() - time.time(), 0.0), MAX_BACKOFF_SECONDS)


def _describe_failure(form: str, url: str, response: httpx.Response) -> str:
    hint = {
        401: "the token was refused: check DTM_KOBO_TOKEN",
        403: "the token's account has no access to this form",
        404: "no such form or endpoint: check the uid in the form registry and DTM_KOBO_URL",
    }.get(response.status_code, "the server refused the request")
    return f"form {form}: {without_credentials(url)} answered HTTP {response.status_code}: {hint}"


def _results(page: object, form: str, url: str) -> list:
    """The ``results`` list of a KPI list answer; anything else fails naming what came."""
    if isinstance(page, dict) and isinstance(page.get("results"), list):
        return page["results"]
    where = f"form {form}: {without_credentials(url)}"
    if isinstance(page, dict) and "detail" in page:
        raise KoboError(f"{where} answered an error instead of results: {str(page['detail'])[:200]}")
    shape = type(page).__name__ if not isinstance(page, dict) else f"an object with keys {sorted(page)[:8]}"
    raise KoboError(f"{where} answered {shape}, not a list of results")


def _is_html(response: httpx.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    # the body's first bytes only: a data page can be megabytes
    return "html" in content_type or response.content[:512].lstrip()[:1] == b"<"


def _same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)

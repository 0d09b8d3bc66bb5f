"""A client for the KoboToolbox KPI API v2 that a slow, flaky or lying server cannot fool.

Token auth in a header (never in a URL, never in a message), a timeout on every request,
retries with exponential backoff and jitter on the failures that another try can mend
(429, 5xx gateways, timeouts, dropped connections, bodies cut short, mangled or trickled),
``Retry-After`` honoured, and a bound on the requests in flight across all threads using
the client. Every body is streamed and bounded (transfer.py): no answer is read past
``max_page_bytes`` and no file past its own limit, whatever the server declares. What is
not the API's answer (an HTML page, a redirect, an error ``detail``, another shape) fails at
once with a named error (errors.py): asking again would get the same. Paging a form's data
within those bounds is pages.py's job; this module is one request at a time.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson

from dtm_platform.kobo.errors import AnswerTooLarge, KoboError, RetriesExhausted, UnexpectedAnswer
from dtm_platform.kobo.transfer import MIN_BYTES_PER_SECOND, BodyTooLarge, BodyTooSlow, read_body
from dtm_platform.secrets import without_credentials

__all__ = ["KoboClient", "KoboError", "SyncStats", "data_count", "data_results"]

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
ACCEPTED_ENCODINGS = frozenset({"gzip", "deflate", "identity"})
MAX_BACKOFF_SECONDS = 120.0
DEFAULT_MAX_PAGE_BYTES = 16 * 2**20
T = TypeVar("T")
_NOTHING = object()

# Failures of the transfer, not of the answer: each worth another try.
TRANSFER_FAILURES = (
    httpx.TimeoutException,
    httpx.TransportError,
    httpx.DecodingError,
    zlib.error,
    json.JSONDecodeError,
    UnicodeDecodeError,
    BodyTooSlow,
)


@dataclass
class SyncStats:
    pages: int = 0
    retries: int = 0


class KoboClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 60.0,
        max_retries: int = 6,
        max_in_flight: int = 4,
        backoff_base: float = 1.0,
        page_size: int = 1000,
        max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.page_size = min(page_size, 1000)  # KPI caps pages at 1000 rows
        self.max_in_flight = max_in_flight
        # no answer is read past this; paging aims at a quarter of it per page (pages.py)
        self.max_page_bytes = max_page_bytes
        self.stats = SyncStats()
        self._in_flight = threading.BoundedSemaphore(max_in_flight)
        self._stats_lock = threading.Lock()
        self._http = httpx.Client(
            # the encodings transfer.py's bound on decompression was measured with, whatever
            # decoders happen to be installed
            headers={
                "Authorization": f"Token {token}",
                "Accept": "application/json",
                "Accept-Encoding": ", ".join(sorted(ACCEPTED_ENCODINGS - {"identity"})),
            },
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KoboClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the endpoints --------------------------------------------------------------------

    def data_url(self, uid: str) -> str:
        return f"{self.base_url}/api/v2/assets/{uid}/data/"

    def list_forms(self) -> list[dict]:
        url = f"{self.base_url}/api/v2/assets/"
        params: dict[str, Any] | None = {"asset_type": "survey", "format": "json", "limit": 1000}
        forms: list[dict] = []
        while url:
            body = self.get_json(url, params, form="(form list)")
            forms.extend(data_results(body, "(form list)", url))
            url, params = body.get("next"), None
            if url and not _same_origin(url, self.base_url):
                # The token goes with every request: never to a host the operator did not name.
                raise UnexpectedAnswer(
                    f"form list: the server's next page is on another host "
                    f"({shown_url(url)}); refusing to send the token there"
                )
        return forms

    def get_form(self, uid: str) -> dict:
        url = f"{self.base_url}/api/v2/assets/{uid}/"
        return _object(self.get_json(url, {"format": "json"}, form=uid), uid, url, "the form")

    def get_form_version(self, uid: str, version_uid: str) -> dict:
        url = f"{self.base_url}/api/v2/assets/{uid}/versions/{version_uid}/"
        return _object(self.get_json(url, {"format": "json"}, form=uid), uid, url, "the form version")

    def iter_submission_pages(
        self, uid: str, after_id: int | None, fields: list[str] | None = None, up_to_id: int | None = None
    ) -> Iterator[list[dict]]:
        """Pages of submissions with ``_id`` above ``after_id`` (and at most ``up_to_id``
        when given), in ``_id`` order (keyset paging, bounded: pages.py)."""
        from dtm_platform.kobo.pages import iter_range  # pages.py builds on this module

        for page in iter_range(self, uid, after_id, up_to_id, fields=fields):
            if page.results:
                yield page.results

    def look_above(self, uid: str, after_id: int | None, *, newest: bool = True) -> tuple[int, int | None]:
        """(how many submissions have ``_id`` above ``after_id`` as the server counts them,
        the highest of their ids, or the lowest with ``newest=False``) in one cheap request:
        one row, ``_id`` only. Both are hints: the server may count wrong (parallel.py)."""
        count, found, _ = self._look(uid, after_id, newest=newest, fields=["_id"])
        return count, found

    def look_and_weigh(
        self, uid: str, after_id: int | None, fields: list[str] | None = None
    ) -> tuple[int, int | None, int | None]:
        """``look_above``, with the newest submission as the pages will ask for it (whole, or
        only ``fields``): its bytes (the third) size the first pages before any has come
        (pages.PageSizer). One past the cap weighs the cap."""
        try:
            return self._look(uid, after_id, newest=True, fields=None if fields is None else sorted({*fields, "_id"}))
        except AnswerTooLarge:
            count, found, _ = self._look(uid, after_id, newest=True, fields=["_id"])
            return count, found, self.max_page_bytes

    def _look(
        self, uid: str, after_id: int | None, *, newest: bool, fields: list[str] | None
    ) -> tuple[int, int | None, int | None]:
        from dtm_platform.kobo.quarantine import usable_id

        query = {"_id": {"$gt": after_id}} if after_id is not None else {}
        url = self.data_url(uid)
        params = {
            "format": "json",
            "query": json.dumps(query),
            "sort": json.dumps({"_id": -1 if newest else 1}),
            "limit": 1,
        }
        if fields is not None:
            params["fields"] = json.dumps(fields)
        page, size = self.fetch_json(url, params, form=uid)
        results = data_results(page, uid, url)
        # a result without a usable _id: None, and the caller pages one page at a time
        top = results[0] if results else None
        return (
            data_count(page, uid, url),
            usable_id(top.get("_id")) if isinstance(top, dict) else None,
            size if results else None,
        )

    def fetch_by_ids(self, uid: str, ids: list[int]) -> list[dict]:
        """The current version of the given submissions (``$in`` requests; keep batches
        small, the query travels in the URL). Bounded like paging (pages.py)."""
        from dtm_platform.kobo.pages import fetch_ids

        return fetch_ids(self, uid, ids)

    # --- one request, with retries --------------------------------------------------------

    def get_json(self, url: str, params: dict | None, *, form: str) -> Any:
        return self.fetch_json(url, params, form=form)[0]

    def fetch_json(self, url: str, params: dict | None, *, form: str) -> tuple[Any, int]:
        """The parsed body and its size in bytes (decompressed)."""
        return self._get(
            url,
            params,
            form=form,
            receive=lambda response: self._receive_json(response, form, url),
            then=lambda body: (self._parse_json(body, form, url), len(body)),
        )

    def download(self, url: str, target: Path, *, form: str, limit: int) -> int:
        """A file (an attachment) streamed to ``target`` (rewritten on each attempt) with the
        same auth, retries and bound on requests in flight as the API calls; at most
        ``limit`` bytes, else ``AnswerTooLarge``. Returns its size."""

        def receive(response: httpx.Response) -> int:
            with target.open("wb") as file:
                return self._read(response, file.write, limit, form, url)

        return self._get(url, None, form=form, receive=receive)

    def _receive_json(self, response: httpx.Response, form: str, url: str) -> bytearray:
        if "html" in response.headers.get("Content-Type", "").lower():
            raise _html_page(form, url)
        encodings = {e.strip().lower() for e in response.headers.get("Content-Encoding", "").split(",") if e.strip()}
        if not encodings <= ACCEPTED_ENCODINGS:
            # httpx would hand the bytes over undecoded: garbage that no retry can mend
            raise UnexpectedAnswer(
                f"form {form}: {shown_url(url)} answered in Content-Encoding "
                f"{_short(', '.join(sorted(encodings - ACCEPTED_ENCODINGS)), 40)}, which the "
                "client did not ask for (a proxy in between?)",
                status=200,
            )
        body = bytearray()
        self._read(response, body.extend, self.max_page_bytes, form, url)
        if body[:512].lstrip()[:1] == b"<":  # an HTML page served as something else
            raise _html_page(form, url)
        return body

    @staticmethod
    def _parse_json(body: bytearray, form: str, url: str) -> Any:
        try:
            return _parse(body)
        except RecursionError:
            raise AnswerTooLarge(
                f"form {form}: {shown_url(url)} answered JSON nested deeper than a parser goes",
                reason="nested deeper than a JSON parser goes",
            ) from None

    def _read(self, response: httpx.Response, write: Callable[[bytes], object], limit: int, form: str, url: str) -> int:
        try:
            return read_body(response, write, limit=limit, grace_seconds=self.timeout)
        except BodyTooLarge as error:
            size = (
                f"{error.declared / 2**20:.1f} MB" if error.declared is not None else f"more than {limit / 2**20:g} MB"
            )
            raise AnswerTooLarge(
                f"form {form}: {shown_url(url)} answered {size}, past the limit of "
                f"{limit / 2**20:g} MB (DTM_KOBO_MAX_PAGE_MB for the API's answers)",
                limit_bytes=limit,
                declared_bytes=error.declared,
                reason=f"{size}, past the limit of {limit / 2**20:g} MB",
            ) from None

    def _get(
        self,
        url: str,
        params: dict | None,
        *,
        form: str,
        receive: Callable[[httpx.Response], Any],
        then: Callable[[Any], T] = lambda value: value,
    ) -> T:
        """``then(receive(response))`` of a 200, retrying the failures another try can mend.
        ``receive`` reads the body (bounded) within the bound on requests in flight; ``then``
        (parsing) runs outside it, so the bound counts the network, not the interpreter."""
        attempt = 0
        while True:
            try:
                received = _NOTHING
                with self._in_flight:
                    request = self._http.build_request("GET", url, params=params)
                    response = self._http.send(request, stream=True)
                    try:
                        if response.status_code == 200:
                            received = receive(response)
                        elif 300 <= response.status_code < 400:
                            # not followed: the token would go with it, and an API never redirects
                            raise _redirected(form, url, response)
                        elif response.status_code not in RETRYABLE_STATUS:
                            raise KoboError(_describe_failure(form, url, response), status=response.status_code)
                        else:
                            reason: str = f"HTTP {response.status_code}"
                            wait = _retry_after(response)
                    finally:
                        response.close()
                if received is not _NOTHING:
                    value = then(received)
                    with self._stats_lock:
                        self.stats.pages += 1
                    return value
            except TRANSFER_FAILURES as error:
                reason, wait = _what_went_wrong(error), None
            attempt += 1
            if attempt > self.max_retries:
                raise RetriesExhausted(
                    f"form {form}: {shown_url(url)} still failing after {self.max_retries} retries (last: {reason})",
                    reason,
                )
            delay = wait if wait is not None else self._backoff(attempt)
            self.note_retry()
            log.warning(
                "form %s: %s (%s); retry %d/%d in %.1fs", form, shown_url(url), reason, attempt, self.max_retries, delay
            )
            time.sleep(delay)

    def note_retry(self) -> None:
        with self._stats_lock:
            self.stats.retries += 1

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so parallel clients do not retry in step."""
        return random.uniform(0, min(MAX_BACKOFF_SECONDS, self.backoff_base * 2 ** (attempt - 1)))


def _parse(body: bytes | bytearray) -> Any:
    # orjson: the same values as the standard library, several times faster; its errors
    # (cut-short or non-UTF-8 bodies) are json.JSONDecodeError too.
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        # orjson refuses escaped lone surrogates, which broken clients do send and the
        # standard library accepts (as it reads UTF-16 and a byte-order mark); a body that is
        # cut short fails both ways; one nested past the recursion limit raises RecursionError.
        return json.loads(bytes(body))


def _what_went_wrong(error: BaseException) -> str:
    """A retried failure in words, for the warning and the final error."""
    if isinstance(error, BodyTooSlow):
        return (
            f"a body trickling in: {error.received} bytes in {error.seconds:.0f}s, "
            f"under {MIN_BYTES_PER_SECOND // 1024} KiB/s"
        )
    if isinstance(error, (httpx.DecodingError, zlib.error)):
        return "a compressed body that does not decompress (DecodingError)"
    if isinstance(error, json.JSONDecodeError):
        return "a body that is not whole JSON, cut short? (JSONDecodeError)"
    if isinstance(error, UnicodeDecodeError):
        return "a body that is not UTF-8 (UnicodeDecodeError)"
    return type(error).__name__


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
    return f"form {form}: {shown_url(url)} answered HTTP {response.status_code}: {hint}"


def _html_page(form: str, url: str) -> UnexpectedAnswer:
    # A login page or a proxy's error page: retrying does not change it.
    return UnexpectedAnswer(
        f"form {form}: {shown_url(url)} answered an HTML page, not the API's JSON (a login or "
        "proxy page?): check DTM_KOBO_URL (the server's root, e.g. "
        "https://kf.kobotoolbox.org) and DTM_KOBO_TOKEN",
        status=200,
    )


def _redirected(form: str, url: str, response: httpx.Response) -> UnexpectedAnswer:
    location = response.headers.get("Location", "")
    target = shown_url(str(response.url.join(location))) if location else "(no Location)"
    return UnexpectedAnswer(
        f"form {form}: {shown_url(url)} answered HTTP {response.status_code}, a redirect to "
        f"{target} (a login page, or the server moved?): not followed, the token stays home; "
        "check DTM_KOBO_URL",
        status=response.status_code,
    )


def data_results(page: object, form: str, url: str) -> list:
    """The ``results`` list of a KPI list answer; anything else fails naming what came."""
    if isinstance(page, dict) and isinstance(page.get("results"), list):
        return page["results"]
    where = f"form {form}: {shown_url(url)}"
    if isinstance(page, dict) and "detail" in page:
        raise UnexpectedAnswer(f"{where} answered an error instead of results: {_short(page['detail'])}", status=200)
    raise UnexpectedAnswer(f"{where} answered {_shape(page)}, not a list of results", status=200)


def data_count(page: dict, form: str, url: str) -> int:
    """The ``count`` of a data answer: a whole number, or a named error."""
    count = page.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise UnexpectedAnswer(
            f"form {form}: {shown_url(url)} answered a count of {_short(count, 40)}, not a number of submissions",
            status=200,
        )
    return count


def _object(body: object, form: str, url: str, what: str) -> dict:
    if isinstance(body, dict) and "detail" in body and len(body) == 1:
        raise UnexpectedAnswer(
            f"form {form}: {shown_url(url)} answered an error instead of {what}: {_short(body['detail'])}", status=200
        )
    if not isinstance(body, dict):
        raise UnexpectedAnswer(f"form {form}: {shown_url(url)} answered {_shape(body)}, not {what}", status=200)
    return body


def _shape(value: object) -> str:
    if isinstance(value, dict):
        keys = sorted(str(k) for k in value)[:8]
        return f"an object with keys {keys}" + (f" (results: {_shape(value['results'])})" if "results" in value else "")
    return {list: "list", str: "a text", type(None): "null", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _short(value: object, limit: int = 200) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown_url(url: str) -> str:
    """A URL as a message may name it: no credentials, no query string (where tokens travel
    in some setups), no fragment."""
    url = without_credentials(str(url))
    try:
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]


def _same_origin(url: str, base_url: str) -> bool:
    a, b = urlsplit(url), urlsplit(base_url)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)

"""Every secret the platform holds, and the one mechanism that keeps them out of what it says.

The secrets are the settings ``settings.py`` keeps out of ``repr`` (the Kobo token, the hash
salt, the alert webhook, the Dagster and serving Postgres URLs) and the ``user:password`` of
every URL setting (``DTM_KOBO_URL`` is refused with one, but its value is still masked). A URL's credentials are
found by hand as well as by ``urllib``: a password with a stray ``%``, ``@`` or ``/`` makes
the URL unparsable, and that is exactly when a driver's error quotes it.

Three ways out are closed here:

- ``scrub`` / ``scrub_value``: text, or nested metadata, with each secret replaced by
  ``MASK`` (alerts, publication errors);
- ``SecretFilter``, installed by ``install_log_filter`` on every log record the process
  creates (Python's loggers, httpx's request lines, Dagster's ``context.log``);
- ``secret_safe``: wraps a step's body, so an exception reaches Dagster's event log, run
  storage, compute logs and the failure alert scrubbed and without its original chained
  (Dagster stores an exception's message, its cause and context chain, and its stack).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit

MASK = "***"
F = TypeVar("F", bound=Callable)
MIN_LENGTH = 4  # shorter values (an empty password, "pw") would mask ordinary words


class SecretSafeError(RuntimeError):
    """A step failed; the message names the original error's type and place, with every
    secret masked. The original is deliberately not chained: its text may quote a secret."""


def url_credentials(url: str | None) -> list[str]:
    """The ``user:password`` of ``url`` and its password, as written and decoded.

    By hand first: what sits between ``//`` and the last ``@`` (a password may hold an
    ``@`` or a ``/`` when it was not percent-encoded). A bare user name is not a secret.
    """
    found: list[str] = []
    userinfo = _userinfo(url or "")
    if userinfo is not None and ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        found += [userinfo, password, unquote(password)]
    try:
        parsed = urlsplit(url or "")
        if parsed.password:
            found += [f"{parsed.username}:{parsed.password}", parsed.password, unquote(parsed.password)]
    except ValueError:  # an unparsable port or netloc: the by-hand part above still holds
        pass
    return found


def without_credentials(url: str) -> str:
    """``url`` with its ``user:password@`` (or ``user@``) removed, even where it does not parse:
    for naming a URL in a message."""
    url = str(url)
    start = url.find("//")
    at = url.rfind("@")
    if start < 0 or at < start:
        return url
    return url[: start + 2] + url[at + 1 :]


def known_secrets(also: Iterable[str | None] = ()) -> list[str]:
    """The settings' secrets and ``also`` (each with its URL credentials), longest first."""
    settings = _settings_secrets(_secret_environment())
    extra = _with_credentials(also)
    return _ordered([*settings, *extra]) if extra else list(settings)


def scrub(text: str, also: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret, and each of ``also``, replaced by ``MASK``."""
    return _replace(str(text), known_secrets(also))


def scrub_value(value, also: Iterable[str | None] = ()):
    """``scrub`` through nested dicts, lists and tuples (keys too): metadata, JSON bodies."""
    secrets = known_secrets(also)

    def walk(item):
        if isinstance(item, str):
            return _replace(item, secrets)
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        if type(item) in (list, tuple):  # exactly: named tuples and Dagster's records are left alone
            return type(item)(walk(v) for v in item)
        return item

    return walk(value)


class SecretFilter(logging.Filter):
    """Masks secrets in a record's message, exception and stack; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            scrub_record(record)
        except Exception as error:  # noqa: BLE001 (logging must go on; the text must not go out unchecked)
            record.msg = f"(log message withheld: secrets could not be checked: {type(error).__name__})"
            record.args = ()
            record.exc_info = record.exc_text = record.stack_info = None
        return True


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    secrets = known_secrets()
    if not secrets:
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 (a bad format string: logging reports it itself, later)
        message = None
    if message is not None:
        scrubbed = _replace(message, secrets)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        scrubbed = _replace(record.exc_text, secrets)
        if scrubbed != record.exc_text:
            # handlers print exc_text when it is set; the live exception would quote the secret
            record.exc_text, record.exc_info = scrubbed, None
    if record.stack_info:
        record.stack_info = _replace(record.stack_info, secrets)
    return record


_installed = False


def install_log_filter() -> None:
    """Every log record this process creates, from any logger, passes ``SecretFilter``.

    Through the record factory rather than on loggers or handlers: a logger's filter does not
    see records its children propagate (httpx logs each request's full URL on its own logger),
    and handlers come and go (Dagster's per-step capture, pytest's). Idempotent.
    """
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()
    keep = SecretFilter()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        keep.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def secret_safe(what: str) -> Callable[[F], F]:
    """Decorates a step's body: whatever it raises comes out scrubbed, as ``SecretSafeError``
    naming ``what`` failed, the original's type and where it was raised.

    Dagster's own ``Failure`` keeps its type (its description, metadata and retry policy
    are how a step explains itself), rebuilt scrubbed. A decorator, not a context manager:
    an exception raised from ``__exit__`` always gets the original as its ``__context__``,
    raised here after the ``except`` block it has none. Installs the log filter, so a step
    run outside the code location (a test, a script) is covered too.
    """

    def decorate(body: F) -> F:
        @functools.wraps(body)  # Dagster reads the body's parameters (context, config) through it
        def guarded(*args, **kwargs):
            install_log_filter()
            try:
                return body(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 (every failure leaves through here, scrubbed)
                safe = _safe_copy(what, error)
            raise safe

        return guarded  # type: ignore[return-value]

    return decorate


def _safe_copy(what: str, error: Exception) -> Exception:
    import dagster as dg  # here: this module is imported by code that never runs Dagster

    if isinstance(error, dg.Failure):
        # each MetadataValue by its plain value, which Failure turns back into the same kind
        metadata = {key: scrub_value(getattr(value, "value", value)) for key, value in (error.metadata or {}).items()}
        return dg.Failure(
            description=scrub(error.description or ""), metadata=metadata, allow_retries=error.allow_retries
        )
    frames = traceback.extract_tb(error.__traceback__)
    place = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return SecretSafeError(scrub(f"{what}: {type(error).__name__}: {error}{place}"))


# --- where the secrets come from --------------------------------------------------------------


def _secret_environment() -> tuple[tuple[str, str], ...]:
    """The environment the settings are read from (their cache key: cheap to take per record)."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("DTM_")))


@functools.lru_cache(maxsize=8)
def _settings_secrets(environment: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    from dtm_platform.settings import Settings, load_settings

    secret_fields = {f.name for f in dataclasses.fields(Settings) if not f.repr}
    try:
        settings = load_settings()
        values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(Settings)}
    except ValueError:
        # A setting that does not load (the step fails on it anyway): the variables as set,
        # by the naming convention DTM_<FIELD> that load_settings follows.
        variables = dict(environment)
        values = {f.name: variables.get(f"DTM_{f.name.upper()}") for f in dataclasses.fields(Settings)}
    found: list[str] = []
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        if name in secret_fields:
            found.append(value)
        found += url_credentials(value)
    return tuple(_ordered(found))


def _with_credentials(values: Iterable[str | None]) -> list[str]:
    return [found for value in values if value for found in (value, *url_credentials(value))]


def _ordered(secrets: Iterable[str | None]) -> list[str]:
    # Longest first: one secret may contain another (a URL its password).
    return sorted({s for s in secrets if s and len(s) >= MIN_LENGTH}, key=len, reverse=True)


def _replace(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _userinfo(url: str) -> str | None:
    start, at = url.find("//"), url.rfind("@")
    return url[start + 2 : at] if 0 <= start < at else None

"""Reading one answer's body without trusting the server about its size or its pace.

- Never more than ``limit`` bytes, counted after decompression: a ``Content-Length`` past it
  (on a body that is not compressed) is refused before a byte is read, and a body that
  runs past it is abandoned there. httpx decompresses one network read (64 KiB) at a time,
  so even a gzip bomb is never decoded more than about 64 MiB beyond the limit.
- Never slower than ``MIN_BYTES_PER_SECOND`` on average once a grace period (the client's
  timeout) has passed: httpx's timeout is per read, so a server trickling a byte at a time
  (a slow loris) would otherwise hold a request for ever. A body therefore takes at most
  ``grace + received / MIN_BYTES_PER_SECOND`` seconds, plus one read timeout.

Both are raised as the plain exceptions below; the client turns them into its named errors,
since only it knows the form and the URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

# A quarter of a slow satellite link: an honest server stays well above it, a trickle does not.
MIN_BYTES_PER_SECOND = 16 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int, declared: int | None = None):
        super().__init__(f"more than {limit} bytes")
        self.limit, self.declared = limit, declared


class BodyTooSlow(Exception):
    def __init__(self, received: int, seconds: float):
        super().__init__(f"{received} bytes in {seconds:.1f}s")
        self.received, self.seconds = received, seconds


def declared_length(response: httpx.Response) -> int | None:
    """The body's length as the server declares it, when that is the length we will read
    (not compressed) and a number at all."""
    if response.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity"):
        return None
    try:
        value = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def read_body(
    response: httpx.Response,
    write: Callable[[bytes], object],
    *,
    limit: int,
    grace_seconds: float,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Hands the decoded body to ``write`` chunk by chunk; returns how many bytes it was."""
    declared = declared_length(response)
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit, declared)
    started, received = clock(), 0
    for chunk in response.iter_bytes():
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge(limit, declared)
        write(chunk)
        elapsed = clock() - started
        if elapsed > grace_seconds + received / MIN_BYTES_PER_SECOND:
            raise BodyTooSlow(received, elapsed)
    return received

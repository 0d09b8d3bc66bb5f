"""Downloads the files of a form's ``_attachments`` (photos, signatures, audio) to
``DTM_HOME/attachments/<dataset>/<_id>/<file name>``, for the forms whose registry entry
says ``download_attachments: true``; staging lists every form's attachments as metadata
(``stg_kobo__attachments``) whether or not their bytes are downloaded.

- Only to the configured server: the path of each ``download_url`` is requested from
  ``DTM_KOBO_URL``, with the same ``Authorization: Token`` header as the API, so a URL in a
  submission can never send the token to another host. No URL is logged with its query
  string or user info, and the token never appears in a message.
- Side by side: as many submissions' files at once as the client has requests in flight
  (``DTM_KOBO_MAX_IN_FLIGHT``), each submission's in turn.
- Idempotent: a file already on disk is not fetched again; each file is streamed to a
  temporary name in chunks (never held in memory whole) and moved into place, so a crash
  never leaves half a photo under its name. A download that fails is counted and logged
  (submission and attachment uid) and tried again at the next run; a refused token fails
  the run.
- Bounded: a file past ``DTM_KOBO_MAX_ATTACHMENT_MB`` (by its declared length, or once that
  many bytes have arrived) is abandoned and recorded in ``raw.kobo_attachment_refusals``
  with the reason (``AttachmentTooLarge``: form, submission, attachment); the form's other
  files go on, and it is not asked for again until the limit is raised.
- Attachments may hold personal data (a photo shows people, a document, a house): the files
  stay under ``DTM_HOME``, which no export, publication or report reads.
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb

from dtm_platform.kobo.client import KoboClient
from dtm_platform.kobo.errors import AnswerTooLarge, AttachmentTooLarge, KoboError
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.warehouse import transaction_retrying

log = logging.getLogger(__name__)

MAX_FILE_NAME = 150
SAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
DEFAULT_MAX_BYTES = 100 * 2**20  # DTM_KOBO_MAX_ATTACHMENT_MB: a long audio recording, a short video

REFUSALS_DDL = """
create table if not exists raw.kobo_attachment_refusals (
    dataset varchar not null,
    submission_id bigint not null,
    attachment_id varchar not null,
    reason varchar not null,
    limit_bytes bigint not null,
    refused_at timestamptz not null
)"""


class AttachmentError(RuntimeError):
    """The server refused the token: downloading cannot go on. Never names the token."""


@dataclass(frozen=True)
class Attachment:
    submission_id: int
    position: int  # 1-based, in the order of the submission's _attachments
    attachment_id: str  # the attachment's uid (its numeric id on servers without uids)
    file_name: str  # a safe basename of Kobo's filename
    download_url: str  # as the submission gives it


@dataclass
class DownloadResult:
    downloaded: int = 0
    already_present: int = 0
    failed: int = 0
    bytes_written: int = 0
    too_large: list[AttachmentTooLarge] = field(default_factory=list)  # refused, with why
    refused_before: int = 0  # recorded too large by an earlier run under the same limit: not asked for


def attachments_dir(home: Path, dataset: str) -> Path:
    return Path(home) / "attachments" / dataset


def strip_credentials(url: str) -> str:
    """The URL without user info, query string or fragment (where a token could travel)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def safe_file_name(name: str | None, fallback: str) -> str:
    """The last path segment of Kobo's ``filename`` reduced to ``[A-Za-z0-9._-]``: no
    directory, no leading dot, accents folded, at most 150 characters; ``fallback`` (the
    attachment uid) when nothing usable is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = SAFE_CHARACTERS.sub("_", base).strip("._-")
    if not base:
        base = SAFE_CHARACTERS.sub("_", fallback).strip("._-") or "attachment"
    if len(base) > MAX_FILE_NAME:
        stem, dot, suffix = base.rpartition(".")
        base = (
            (stem[: MAX_FILE_NAME - len(suffix) - 1] + dot + suffix)
            if dot and len(suffix) <= 10
            else base[:MAX_FILE_NAME]
        )
    return base


def attachments_of(submission_id: int, attachments: object) -> list[Attachment]:
    """A submission's ``_attachments`` that can be downloaded (not deleted, with a URL), with
    one safe file name each (a second file of the same name gets its uid as a prefix)."""
    if not isinstance(attachments, list):
        return []
    found: list[Attachment] = []
    used: set[str] = set()
    for position, attachment in enumerate(attachments, 1):
        if not isinstance(attachment, dict) or attachment.get("is_deleted"):
            continue
        url = attachment.get("download_url")
        if not isinstance(url, str) or not url:
            continue
        attachment_id = str(attachment.get("uid") or attachment.get("id") or position)
        name = safe_file_name(attachment.get("media_file_basename") or attachment.get("filename"), attachment_id)
        if name in used:
            name = safe_file_name(f"{attachment_id}_{name}", attachment_id)
        used.add(name)
        found.append(Attachment(submission_id, position, attachment_id, name, url))
    return found


def landed_attachments(con: duckdb.DuckDBPyConnection, form: FormEntry) -> Iterator[Attachment]:
    """Every attachment of the form's current (not deleted) submissions in raw."""
    rows = con.execute(
        f"""select _id, cast(payload -> '$._attachments' as varchar)
            from raw.{form.raw_table}
            where deleted_at is null and json_array_length(payload -> '$._attachments') > 0
            order by _id"""
    ).fetchall()
    for submission_id, listed in rows:
        yield from attachments_of(int(submission_id), json.loads(listed))


def download_attachments(
    con: duckdb.DuckDBPyConnection,
    form: FormEntry,
    *,
    client: KoboClient,
    home: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> DownloadResult:
    """Download the form's attachments not yet on disk (see the module's docstring); record
    those past ``max_bytes`` in raw.kobo_attachment_refusals."""
    con.execute("create schema if not exists raw")
    con.execute(REFUSALS_DDL)
    # refused under this limit or a higher one: asking again would be refused again
    refused = {
        (i, a)
        for i, a in con.execute(
            (
                "select submission_id, attachment_id from raw.kobo_attachment_refusals where dataset = ? and "
                "limit_bytes >= ?"
            ),
            [form.dataset, max_bytes],
        ).fetchall()
    }
    result = download_all(
        landed_attachments(con, form), form, client=client, home=home, max_bytes=max_bytes, skip=refused
    )
    now = datetime.now(UTC)
    if result.too_large:
        # one row per attachment, the latest refusal's: refused again under a higher limit
        def replace_refusals() -> None:
            con.executemany(
                "delete from raw.kobo_attachment_refusals "
                "where dataset = ? and submission_id = ? and attachment_id = ?",
                [[form.dataset, e.submission_id, e.attachment_id] for e in result.too_large],
            )
            con.executemany(
                "insert into raw.kobo_attachment_refusals values (?, ?, ?, ?, ?, ?)",
                [
                    [form.dataset, e.submission_id, e.attachment_id, str(e), e.limit_bytes, now]
                    for e in result.too_large
                ],
            )

        transaction_retrying(con, replace_refusals, f"form {form.dataset}: recording refused attachments")
    return result


def download_all(
    attachments: Iterable[Attachment],
    form: FormEntry,
    *,
    client: KoboClient,
    home: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    skip: set[tuple[int, str]] = frozenset(),
) -> DownloadResult:
    result = DownloadResult()
    root = attachments_dir(home, form.dataset).resolve()
    server = urlsplit(client.base_url)
    wanted: dict[int, list[tuple[Attachment, Path, str]]] = {}  # by submission
    for attachment in attachments:
        target = (root / str(attachment.submission_id) / attachment.file_name).resolve()
        if target.parent.parent != root:  # cannot happen with safe names; never write elsewhere
            raise AttachmentError(f"form {form.dataset}: refusing to write outside {root}")
        if target.is_file() and target.stat().st_size > 0:
            result.already_present += 1
            continue
        if (attachment.submission_id, attachment.attachment_id) in skip:
            result.refused_before += 1
            continue
        # the path (and its query, which KPI does not use for downloads) on the configured server
        path = urlsplit(attachment.download_url).path
        url = urlunsplit((server.scheme, server.netloc, server.path + path, "", ""))
        wanted.setdefault(attachment.submission_id, []).append((attachment, target, url))

    def one_submission(files: list[tuple[Attachment, Path, str]]) -> list[tuple[int | None, AttachmentTooLarge | None]]:
        """A submission's files in turn, so that only this thread creates or removes its folder."""
        outcomes = []
        folder = files[0][1].parent
        folder.mkdir(parents=True, exist_ok=True)
        for attachment, target, url in files:
            partial = target.with_name(f".{target.name}.part")
            try:
                size, refused = _fetch(client, url, partial, form, attachment, max_bytes), None
            except AttachmentTooLarge as too_large:  # recorded by the caller; the next file goes on
                size, refused = None, too_large
            if size is None:
                partial.unlink(missing_ok=True)
            else:
                os.replace(partial, target)
            outcomes.append((size, refused))
        if not any(folder.iterdir()):
            folder.rmdir()
        return outcomes

    # Submissions side by side, as many as the client lets be in flight (its semaphore bounds
    # the requests): one at a time, 60,000 audit logs took 40 minutes on loopback.
    with ThreadPoolExecutor(max_workers=max(1, client.max_in_flight)) as pool:
        futures = [pool.submit(one_submission, files) for files in wanted.values()]
        try:
            for future in futures:  # in submission order
                for size, refused in future.result():
                    if refused is not None:
                        log.warning("%s", refused)
                        result.too_large.append(refused)
                    elif size is None:
                        result.failed += 1
                    else:
                        result.downloaded += 1
                        result.bytes_written += size
        except BaseException:  # a refused token (AttachmentError) stops the rest
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return result


def _fetch(
    client: KoboClient, url: str, partial: Path, form: FormEntry, attachment: Attachment, max_bytes: int
) -> int | None:
    """Streams the file to ``partial``; its size, or None (logged) when the server cannot give
    it this time (the client's retries, backoff and ``Retry-After`` apply)."""
    what = f"form {form.dataset}: submission {attachment.submission_id}, attachment {attachment.attachment_id}"
    try:
        return client.download(url, partial, form=what, limit=max_bytes)
    except AnswerTooLarge as error:
        raise AttachmentTooLarge(
            form.dataset, attachment.submission_id, attachment.attachment_id, max_bytes, error.declared_bytes
        ) from None
    except KoboError as error:  # its message names the URL (no query, no user info), never the token
        if error.status in (401, 403):
            raise AttachmentError(f"{error} (check DTM_KOBO_TOKEN)") from None
        log.warning("%s; not downloaded, tried again at the next run", error)
        return None

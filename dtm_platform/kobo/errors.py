"""The named failures of talking to a KPI server. Each message names the form (or what was
being fetched) and the URL without credentials, never the token; the type says whether
trying again could help, so callers and tests need not read the text to decide.
"""

from __future__ import annotations


class KoboError(RuntimeError):
    """A request failed for good. The message names the form and the URL, never the token;
    ``status`` is the HTTP status the server refused it with, if it answered."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class RetriesExhausted(KoboError):
    """A failure another try could have mended (a busy server, a timeout, a body cut short,
    mangled or trickling in) went on through every retry; ``reason`` says what it last was."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


class UnexpectedAnswer(KoboError):
    """The server answered, but not as the API does: an HTML page (a login or proxy page), a
    redirect, an error ``detail``, another shape, ids outside what was asked. Asking again
    gets the same answer, so it is never retried."""


class AnswerTooLarge(KoboError):
    """An answer larger than the cap (``DTM_KOBO_MAX_PAGE_MB``), or nested deeper than a JSON
    parser goes: abandoned mid-stream, never held whole. Paging asks for fewer rows when it
    meets one, and keeps a single submission of that kind aside (quarantine.py)."""

    def __init__(self, message: str, *, reason: str, limit_bytes: int | None = None, declared_bytes: int | None = None):
        super().__init__(message, status=200)
        self.reason = reason  # what was too large, without the form and URL: for a quarantine reason
        self.limit_bytes, self.declared_bytes = limit_bytes, declared_bytes


class AttachmentTooLarge(KoboError):
    """An attachment larger than ``DTM_KOBO_MAX_ATTACHMENT_MB``: not downloaded, recorded with
    this message as its reason; the form's other files and submissions go on."""

    def __init__(
        self, dataset: str, submission_id: int, attachment_id: str, limit_bytes: int, declared_bytes: int | None = None
    ):
        size = f"{declared_bytes / 2**20:.1f} MB declared" if declared_bytes is not None else "more"
        super().__init__(
            f"form {dataset}: submission {submission_id}, attachment {attachment_id}: {size}, "
            f"past the limit of {limit_bytes / 2**20:g} MB (DTM_KOBO_MAX_ATTACHMENT_MB); not downloaded",
            status=200,
        )
        self.dataset, self.submission_id, self.attachment_id = dataset, submission_id, attachment_id
        self.limit_bytes = limit_bytes

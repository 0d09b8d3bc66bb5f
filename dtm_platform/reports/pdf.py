"""PDF from the report's HTML with headless Chromium: the same page a browser prints."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dtm_platform.reports.files import write_atomically


class PdfError(RuntimeError):
    """Chromium could not print the page."""


def find_chromium(configured: str | None = None) -> str | None:
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_to_pdf(html: Path, pdf: Path, chromium: str, timeout: float = 120) -> Path:
    with tempfile.TemporaryDirectory() as profile:
        temporary = pdf.with_name(f".{pdf.name}.tmp")
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={temporary}",
            html.resolve().as_uri(),
        ]
        completed = subprocess.run(command, capture_output=True, timeout=timeout)
        if completed.returncode != 0 or not temporary.exists():
            raise PdfError(f"Chromium could not print {html.name} (exit {completed.returncode})")
        temporary.replace(pdf)  # atomic: a reader never sees half a PDF
    return pdf


# --- many pages, one Chromium ---------------------------------------------------------------
# Starting Chromium takes about a second; printing a page once it runs, a tenth of that. The
# profiles print a few hundred pages: one browser, driven over the DevTools protocol through
# a pipe (--remote-debugging-pipe: no port is opened), prints them all.

_PIPE_TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); os.execv(sys.argv[3], sys.argv[3:])"
)


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF Chromium printed (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


class _DevTools:
    """A headless Chromium driven over the DevTools protocol through a pipe: messages are
    JSON, each ended by a NUL byte, written to its fd 3 and read from its fd 4."""

    def __init__(self, chromium: str, profile: str, timeout: float):
        self.timeout, self.next_id, self.buffer = timeout, 0, b""
        self.answers: dict[int, dict] = {}
        self.loaded: set[str] = set()
        ours_read, its_write = (self._high(fd) for fd in os.pipe())
        its_read, ours_write = (self._high(fd) for fd in os.pipe())
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        try:
            # Python puts the pipe's ends on fds 3 and 4 and becomes Chromium (no preexec_fn,
            # which is unsafe in a threaded process such as Dagster's).
            self.process = subprocess.Popen(
                [sys.executable, "-c", _PIPE_TRAMPOLINE, str(its_read), str(its_write), *command],
                pass_fds=(its_read, its_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.close(its_read)
            os.close(its_write)
        self.reader, self.writer = ours_read, ours_write

    @staticmethod
    def _high(fd: int) -> int:
        """The fd moved above 4, so that putting the pipe on 3 and 4 overwrites neither end."""
        moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(fd)
        return moved

    def _message(self, deadline: float) -> None:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.reader], [], [], left)[0]:
                raise PdfError("Chromium did not answer in time")
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                raise PdfError(f"Chromium stopped (exit {self.process.poll()})")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        message = json.loads(message)
        if "id" in message:
            self.answers[message["id"]] = message
        elif message.get("method") == "Page.lifecycleEvent" and message["params"].get("name") == "load":
            self.loaded.add(message["params"].get("loaderId"))

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        """Sends a command without waiting: its id, for result()."""
        self.next_id += 1
        request = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        data = json.dumps(request).encode() + b"\0"
        while data:
            data = data[os.write(self.writer, data) :]
        return self.next_id

    def result(self, request: int, method: str = "") -> dict:
        """The answer to a command sent (answers to others are kept for their turn)."""
        deadline = time.monotonic() + self.timeout
        while request not in self.answers:
            self._message(deadline)
        answer = self.answers.pop(request)
        if "error" in answer:
            raise PdfError(f"Chromium refused {method or 'a command'}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        return self.result(self.send(method, params, session), method)

    def wait_loaded(self, loader: str) -> None:
        """Until the document of that navigation (its loader id) has fired its load event."""
        deadline = time.monotonic() + self.timeout
        while loader not in self.loaded:
            self._message(deadline)

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                self.call("Browser.close")
        except (PdfError, OSError):
            pass
        finally:
            for fd in (self.reader, self.writer):
                os.close(fd)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def print_many_to_pdf(
    pages: list[tuple[Path, Path]], chromium: str, timeout: float = 120, tabs: int | None = None
) -> dict[Path, int]:
    """Prints each (html, pdf) pair with one Chromium, as print_to_pdf would (the page's CSS
    sets the paper, A4, and its margins), each PDF written atomically; ``tabs`` pages at a
    time (4 by default: more tabs than processors still overlap Chromium's waits, more than
    4 mostly add memory).
    Returns the pages of each PDF."""
    printed: dict[Path, int] = {}
    if not pages:
        return printed
    tabs = max(1, min(tabs or 4, len(pages)))
    with tempfile.TemporaryDirectory() as profile:
        browser = _DevTools(chromium, profile, timeout)
        try:
            sessions = []
            for _ in range(tabs):
                target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
                session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
                browser.call("Page.enable", session=session)
                browser.call("Page.setLifecycleEventsEnabled", {"enabled": True}, session=session)
                sessions.append(session)
            for start in range(0, len(pages), tabs):
                batch = list(zip(sessions, pages[start : start + tabs]))
                opened = [
                    browser.send("Page.navigate", {"url": html.resolve().as_uri()}, session)
                    for session, (html, _) in batch
                ]
                for request, (_, (html, _)) in zip(opened, batch):
                    navigation = browser.result(request, "Page.navigate")
                    if navigation.get("errorText"):
                        raise PdfError(f"Chromium could not open {html.name}: {navigation['errorText']}")
                    browser.wait_loaded(navigation["loaderId"])
                printing = [
                    browser.send(
                        "Page.printToPDF",
                        {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False},
                        session,
                    )
                    for session, _ in batch
                ]
                for request, (_, (_, pdf)) in zip(printing, batch):
                    content = base64.b64decode(browser.result(request, "Page.printToPDF")["data"])
                    write_atomically(pdf, content)  # a reader never sees half a PDF
                    printed[pdf] = pdf_page_count(content)
        finally:
            browser.close()
    return printed

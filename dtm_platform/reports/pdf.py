"""PDF from the report's HTML with headless Chromium: the same page a browser prints."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


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
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={temporary}", html.resolve().as_uri()]
        completed = subprocess.run(command, capture_output=True, timeout=timeout)
        if completed.returncode != 0 or not temporary.exists():
            raise PdfError(f"Chromium could not print {html.name} (exit {completed.returncode})")
        temporary.replace(pdf)  # atomic: a reader never sees half a PDF
    return pdf

"""Drop folders: where officers put files for the platform to import (the field teams'
returned verification workbooks, the finance system's exports), and which of the files
there are whole.

A file may still be being copied in (a shared drive, a slow USB key): it waits for a later
run rather than be read half-written and refused. Changed in the last SETTLE_SECONDS, it is
being written. A workbook (XLSX, a zip archive) older than that but not yet a whole archive
may be a copy that kept its source's time: it waits until UNFINISHED_SECONDS, then it is
imported, and refused with its reason if it is no workbook. A text file (CSV) has no such
mark of being whole: settled is enough.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

SETTLE_SECONDS = 10
UNFINISHED_SECONDS = 600
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def waiting_files(folder: Path, now: float | None = None) -> list[Path]:
    """The whole files waiting in ``folder``, by name (not hidden files, not Excel's lock
    files, not a file still being copied)."""
    if not folder.is_dir():
        return []
    now = time.time() if now is None else now
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and _whole(p, now - p.stat().st_mtime)
    )


def _whole(path: Path, age: float) -> bool:
    if age < SETTLE_SECONDS:
        return False
    if path.suffix.lower() in WORKBOOK_SUFFIXES or zipfile.is_zipfile(path):
        return zipfile.is_zipfile(path) or age >= UNFINISHED_SECONDS
    return True

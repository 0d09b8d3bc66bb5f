"""Parquet and CSV of every mart, and a manifest, for Power BI, Excel and analysts.

DTM_HOME/exports/parquet/<mart>.parquet, DTM_HOME/exports/csv/<mart>.csv and
DTM_HOME/exports/manifest.json (columns, types, rows, refreshed_at, run id, sha256 per
file).

A publication is a whole set or nothing. DTM_HOME/exports is a symbolic link to the current
set, a folder under DTM_HOME/.exports-sets/; each publication writes a new set there (every
file, scanned, then the manifest; the HDX files of the current set carried over as hard
links), and only then points the link at it with one ``os.replace``. Killed at any moment,
it leaves readers the previous set and its manifest, whole; the next publication removes
what the killed one left. A reader holding a file open while a set is retired keeps reading
it (the files are unlinked, not rewritten). An exports folder from before (a real folder)
is moved into the sets on the first publication.

CSV is UTF-8 with a header row. A text cell starting with ``= + - @`` (or a tab or carriage
return) gets a leading apostrophe, so Excel shows it instead of running it as a formula
(CSV injection); the scan strips it again before comparing values.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dtm_platform.reports.files import write_atomically
from dtm_platform.serving.disclosure import Column, literal
from dtm_platform.serving.inventory import Published, duckdb_query, refuse_if_unsafe, scan
from dtm_platform.serving.marts import described, discover_marts, relation
from dtm_platform.serving.personal import PersonalFields
from dtm_platform.warehouse import connect_duckdb

FORMATS = ("parquet", "csv")
MANIFEST = "manifest.json"
CARRIED = ("hdx",)  # folders other publications keep inside the exports, carried into each new set


class ExportsFolderError(RuntimeError):
    """The exports path is a folder that holds something else than a publication's files."""


@dataclass
class ExportResult:
    directory: Path
    manifest: dict
    published: list[Published]
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # files of marts that are gone


def sets_root(directory: Path) -> Path:
    return directory.parent / f".{directory.name}-sets"


def write_exports(
    warehouse: Path,
    directory: Path,
    *,
    min_count: int,
    personal: PersonalFields,
    run_id: str,
    refreshed_at: datetime,
    only: list[str] | None = None,
) -> ExportResult:
    token = uuid.uuid4().hex[:12]
    new_set = sets_root(directory) / f"{refreshed_at:%Y%m%dT%H%M%S}-{token}"
    for fmt in FORMATS:
        (new_set / fmt).mkdir(parents=True, exist_ok=True)
    swapped = False
    previous = _current_set(directory)
    try:
        entries, published, skipped = _write_set(
            warehouse,
            new_set,
            min_count=min_count,
            personal=personal,
            run_id=run_id,
            refreshed_at=refreshed_at,
            only=only,
        )
        refuse_if_unsafe(published)
        for name in CARRIED:
            if previous is not None and (previous / name).is_dir():
                shutil.copytree(previous / name, new_set / name, copy_function=_link_or_copy)
        manifest = {
            "refreshed_at": refreshed_at.isoformat(timespec="seconds"),
            "run_id": run_id,
            "source": "marts",
            "min_cell_count": min_count,
            "files": entries,
        }
        write_atomically(new_set / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _point_at(directory, new_set, token)
        swapped = True
    finally:
        if not swapped:
            shutil.rmtree(new_set, ignore_errors=True)
    removed = _removed_files(previous, entries)
    _remove_old_sets(directory, keep=new_set)
    return ExportResult(directory, manifest, published, skipped, removed)


def _write_set(
    warehouse: Path,
    folder: Path,
    *,
    min_count: int,
    personal: PersonalFields,
    run_id: str,
    refreshed_at: datetime,
    only: list[str] | None,
) -> tuple[list[dict], list[Published], list[str]]:
    """Every mart's Parquet and CSV in ``folder``, each scanned as written; their manifest
    entries; the marts skipped."""
    entries, published = [], []
    with connect_duckdb(warehouse, read_only=True) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        marts, skipped = discover_marts(con, catalog, min_count, only)
        for mart in marts:
            source = relation(catalog, mart.name)
            for fmt in FORMATS:
                path = folder / fmt / f"{mart.name}.{fmt}"
                if fmt == "parquet":
                    select = mart.select_sql(source)
                    options = "format parquet, compression zstd"
                else:
                    select = mart.select_sql(source, flat=True, neutralise_formulas=True)
                    options = "format csv, header true, delimiter ','"
                columns = described(con, select)
                con.execute(f"copy ({select}) to {literal(str(path))} ({options})")
                os.chmod(path, 0o644)  # readable by the Power BI gateway's account
                reader = _reader(path, fmt, columns)
                item = scan(
                    duckdb_query(con),
                    reader,
                    columns,
                    target=fmt,
                    table_name=mart.name,
                    location=f"{fmt}/{path.name}",
                    personal=personal,
                    min_count=min_count,
                    strip_apostrophe=fmt == "csv",
                )
                published.append(item)
                entries.append(
                    {
                        "file": f"{fmt}/{path.name}",
                        "format": fmt,
                        "table": mart.name,
                        "rows": item.rows,
                        "description": mart.description,
                        "columns": [
                            {"name": c.name, "type": c.type, "description": mart.column_descriptions.get(c.name)}
                            for c in columns
                        ],
                        "bytes": path.stat().st_size,
                        "sha256": _sha256(path),
                        "disclosure": {
                            "rule": item.disclosure_rule,
                            "min_cell_count": min_count,
                            "suppressed_rows": item.suppressed_rows,
                        }
                        if item.disclosure_rule
                        else None,
                        "refreshed_at": refreshed_at.isoformat(timespec="seconds"),
                        "run_id": run_id,
                    }
                )
    return entries, published, skipped


def _current_set(directory: Path) -> Path | None:
    """The folder the exports path shows now: the set it links to, or a folder from before sets."""
    if directory.is_symlink():
        target = directory.resolve()
        return target if target.is_dir() else None
    return directory if directory.is_dir() else None


def _point_at(directory: Path, new_set: Path, token: str) -> None:
    """The exports path made a link to ``new_set`` in one rename (the link replaces the old one)."""
    if directory.exists() and not directory.is_symlink():
        _retire_folder(directory, token)
    link = directory.parent / f".{directory.name}.{token}.link"
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(new_set, directory.parent), link)
    os.replace(link, directory)


def _retire_folder(directory: Path, token: str) -> None:
    """An exports folder from before sets, moved into them (once): only if it holds nothing
    but what a publication writes, never a folder that holds other things."""
    known = {*FORMATS, *CARRIED, MANIFEST}
    strangers = sorted(p.name for p in directory.iterdir() if p.name not in known and not p.name.startswith("."))
    if strangers:
        raise ExportsFolderError(
            f"{directory} holds {', '.join(strangers[:5])}, which no publication wrote: "
            "move them elsewhere (the exports path becomes a link to the current set)"
        )
    os.rename(directory, sets_root(directory) / f"before-sets-{token}")


def _removed_files(previous: Path | None, entries: list[dict]) -> list[str]:
    if previous is None:
        return []
    now = {entry["file"] for entry in entries}
    return sorted(
        f"{fmt}/{p.name}" for fmt in FORMATS for p in (previous / fmt).glob(f"*.{fmt}") if f"{fmt}/{p.name}" not in now
    )


def _remove_old_sets(directory: Path, keep: Path) -> None:
    """Every set but the current one, and links a killed publication left."""
    for old in sets_root(directory).iterdir():
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    for link in directory.parent.glob(f".{directory.name}.*.link"):
        link.unlink(missing_ok=True)


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links there
        shutil.copy2(source, target)


def _reader(path: Path, fmt: str, columns: list[Column]) -> str:
    if fmt == "parquet":
        return f"read_parquet({literal(str(path))})"
    # Read back with the types written, so a count column is compared as a number, and with
    # the quoting COPY wrote: given the columns, DuckDB guesses quote and escape from the
    # first rows only, and a text with quotes ("" inside a quoted field) further down failed.
    types = ", ".join(f"{literal(c.name)}: {literal(c.type)}" for c in columns)
    return (
        f"read_csv({literal(str(path))}, header = true, delim = ',', quote = '\"', escape = '\"', "
        f"columns = {{{types}}})"
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""Parquet and CSV of every mart, and a manifest, for Power BI, Excel and analysts.

DTM_HOME/exports/parquet/<mart>.parquet, DTM_HOME/exports/csv/<mart>.csv and
DTM_HOME/exports/manifest.json (columns, types, rows, refreshed_at, run id, sha256 per
file). Every file is written under a temporary name in its folder, scanned, and moved onto
its name with ``os.replace`` once all of them passed; the manifest is written last, so a
reader that finds a file in the manifest finds that version of it. Files of marts that no
longer exist are removed after the manifest.

CSV is UTF-8 with a header row. A text cell starting with ``= + - @`` (or a tab or carriage
return) gets a leading apostrophe, so Excel shows it instead of running it as a formula
(CSV injection); the scan strips it again before comparing values.
"""

from __future__ import annotations

import hashlib
import json
import os
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


@dataclass
class ExportResult:
    directory: Path
    manifest: dict
    published: list[Published]
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)   # files of marts that are gone


def write_exports(warehouse: Path, directory: Path, *, min_count: int, personal: PersonalFields, run_id: str,
                  refreshed_at: datetime, only: list[str] | None = None) -> ExportResult:
    for fmt in FORMATS:
        (directory / fmt).mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    pending: list[tuple[Path, Path]] = []  # (temporary, final)
    entries, published = [], []
    try:
        with connect_duckdb(warehouse, read_only=True) as con:
            catalog = con.execute("select current_database()").fetchone()[0]
            marts, skipped = discover_marts(con, catalog, min_count, only)
            for mart in marts:
                source = relation(catalog, mart.name)
                for fmt in FORMATS:
                    final = directory / fmt / f"{mart.name}.{fmt}"
                    temporary = final.with_name(f".{final.name}.{token}.tmp")
                    pending.append((temporary, final))
                    if fmt == "parquet":
                        select = mart.select_sql(source)
                        options = "format parquet, compression zstd"
                    else:
                        select = mart.select_sql(source, flat=True, neutralise_formulas=True)
                        options = "format csv, header true, delimiter ','"
                    columns = described(con, select)
                    con.execute(f"copy ({select}) to {literal(str(temporary))} ({options})")
                    reader = _reader(temporary, fmt, columns)
                    item = scan(duckdb_query(con), reader, columns, target=fmt, table_name=mart.name,
                                location=f"{fmt}/{final.name}", personal=personal, min_count=min_count,
                                strip_apostrophe=fmt == "csv")
                    published.append(item)
                    entries.append({
                        "file": f"{fmt}/{final.name}", "format": fmt, "table": mart.name, "rows": item.rows,
                        "description": mart.description,
                        "columns": [{"name": c.name, "type": c.type,
                                     "description": mart.column_descriptions.get(c.name)} for c in columns],
                        "bytes": temporary.stat().st_size, "sha256": _sha256(temporary),
                        "disclosure": {"rule": item.disclosure_rule, "min_cell_count": min_count,
                                       "suppressed_rows": item.suppressed_rows} if item.disclosure_rule else None,
                        "refreshed_at": refreshed_at.isoformat(timespec="seconds"), "run_id": run_id,
                    })
        refuse_if_unsafe(published)
        for temporary, final in pending:
            os.replace(temporary, final)
    finally:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
    manifest = {"refreshed_at": refreshed_at.isoformat(timespec="seconds"), "run_id": run_id,
                "source": "marts", "min_cell_count": min_count, "files": entries}
    write_atomically(directory / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    current = {final for _, final in pending}
    removed = []
    for fmt in FORMATS:
        for stale in sorted((directory / fmt).glob(f"*.{fmt}")):
            if stale not in current:
                stale.unlink(missing_ok=True)
                removed.append(f"{fmt}/{stale.name}")
    return ExportResult(directory, manifest, published, skipped, removed)


def _reader(path: Path, fmt: str, columns: list[Column]) -> str:
    if fmt == "parquet":
        return f"read_parquet({literal(str(path))})"
    # Read back with the types written, so a count column is compared as a number.
    types = ", ".join(f"{literal(c.name)}: {literal(c.type)}" for c in columns)
    return f"read_csv({literal(str(path))}, header = true, delim = ',', columns = {{{types}}})"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

"""What a serving step published, scanned from the published copy itself.

Each step scans what it wrote (the new snapshot file, the Parquet and CSV files, the new
Postgres schema) before it becomes visible: the row and column counts, the small cells
left unsuppressed, the columns named like a declared personal field, and the published
text values equal to a declared personal value. A step refuses to publish when the scan
finds anything, and records the scan in ``serving.<asset>`` in the warehouse, which that
asset's Great Expectations suite (``expectations/serving/<asset>.json``) gates.

The scan runs plain SQL that DuckDB and Postgres both understand, through ``query``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from dtm_platform.serving.disclosure import RULES, SUPPRESSION_FLAG, Column, DisclosureRule, plan_for, quote
from dtm_platform.serving.marts import PUBLISHED_SCHEMA
from dtm_platform.serving.personal import PersonalFields

INVENTORY_SCHEMA = "serving"
Query = Callable[[str], list[tuple]]

COLUMNS: list[tuple[str, str]] = [
    ("target", "varchar"),  # snapshot | parquet | csv | postgres | hdx
    ("source_schema", "varchar"),  # always marts
    ("table_name", "varchar"),  # the mart it comes from
    ("location", "varchar"),  # where it was published
    ("rows", "bigint"),
    ("columns", "integer"),
    ("disclosure_rule", "varchar"),  # the interviews it is built from, if any
    ("suppressed_rows", "bigint"),
    ("suppression_flag_missing", "boolean"),
    ("small_cells_unsuppressed", "bigint"),
    ("personal_columns_found", "integer"),
    ("personal_values_found", "integer"),
]
RUN_COLUMNS: list[tuple[str, str]] = [("refreshed_at", "timestamptz"), ("run_id", "varchar")]


class PublicationRefused(RuntimeError):
    """The scan of a candidate publication found personal data or unsuppressed small cells."""

    def __init__(self, message: str, published: Sequence[Published] = ()):
        super().__init__(message)
        self.published = list(published)


@dataclass
class Published:
    target: str
    table_name: str
    location: str
    rows: int
    columns: int
    disclosure_rule: str | None = None
    suppressed_rows: int | None = None
    suppression_flag_missing: bool = False
    small_cells_unsuppressed: int = 0
    personal_columns_found: int = 0
    personal_values_found: int = 0
    source_schema: str = PUBLISHED_SCHEMA
    extra: dict = field(default_factory=dict)  # target-specific columns (Postgres privileges...)

    def problems(self) -> list[str]:
        found = []
        if self.source_schema != PUBLISHED_SCHEMA:
            found.append(f"comes from {self.source_schema}, not {PUBLISHED_SCHEMA}")
        if self.small_cells_unsuppressed:
            found.append(f"{self.small_cells_unsuppressed} row(s) with a count below the minimum cell count")
        if self.suppression_flag_missing:
            found.append(f"no {SUPPRESSION_FLAG} column")
        if self.personal_columns_found:
            found.append(f"{self.personal_columns_found} column(s) named like a declared personal field")
        if self.personal_values_found:
            found.append(f"{self.personal_values_found} declared personal value(s)")
        return [f"{self.target} {self.location}: {problem}" for problem in found]


def scan(
    query: Query,
    relation: str,
    columns: Sequence[Column],
    *,
    target: str,
    table_name: str,
    location: str,
    personal: PersonalFields,
    min_count: int,
    rules: tuple[DisclosureRule, ...] = RULES,
    strip_apostrophe: bool = False,
) -> Published:
    """Scan one published table (``relation``: a SQL table reference or table function).

    ``table_name`` is the mart it comes from: its name decides the disclosure rule.
    ``strip_apostrophe``: CSV text cells may carry the apostrophe that neutralises formulas.
    """
    columns = list(columns)
    names = [c.name for c in columns]
    rows = query(f"select count(*) from {relation}")[0][0]
    published = Published(target, table_name, location, rows, len(columns))
    published.personal_columns_found = len(personal.columns_in(names))
    plan = plan_for(table_name, [c for c in columns if c.name != SUPPRESSION_FLAG], min_count, rules)
    if plan.sensitive:
        published.disclosure_rule = plan.rule.survey
        published.small_cells_unsuppressed = query(
            f"select count(*) from {relation} where {plan.small_row_condition()}"
        )[0][0]
        if SUPPRESSION_FLAG in names:
            published.suppressed_rows = query(f"select count(*) from {relation} where {quote(SUPPRESSION_FLAG)}")[0][0]
        else:
            published.suppression_flag_missing = True
    if personal.values:
        found = 0
        for column in columns:
            if column.kind != "text":
                continue
            values = [
                v
                for (v,) in query(
                    f"select distinct {quote(column.name)} from {relation} where {quote(column.name)} is not null"
                )
            ]
            if strip_apostrophe:
                values = [v[1:] if isinstance(v, str) and v.startswith("'") else v for v in values]
            found += personal.values_in(values)
        published.personal_values_found = found
    return published


def duckdb_query(con: duckdb.DuckDBPyConnection) -> Query:
    return lambda sql: con.execute(sql).fetchall()


def refuse_if_unsafe(published: Sequence[Published]) -> None:
    problems = [problem for item in published for problem in item.problems()]
    if problems:
        raise PublicationRefused("not published: " + "; ".join(problems), published)


def write_inventory(
    warehouse_con: duckdb.DuckDBPyConnection,
    asset: str,
    published: Sequence[Published],
    *,
    run_id: str,
    refreshed_at: datetime,
    extra_columns: Sequence[tuple[str, str]] = (),
) -> None:
    """Replace ``serving.<asset>`` with one row per published table or file."""
    columns = [*COLUMNS, *extra_columns, *RUN_COLUMNS]
    table = f"{INVENTORY_SCHEMA}.{quote(asset)}"
    warehouse_con.execute(f"create schema if not exists {INVENTORY_SCHEMA}")
    warehouse_con.execute("begin")
    try:
        warehouse_con.execute(
            f"create or replace table {table} ("
            + ", ".join(f"{quote(name)} {data_type}" for name, data_type in columns)
            + ")"
        )
        if published:
            warehouse_con.executemany(
                f"insert into {table} values ({', '.join('?' for _ in columns)})",
                [
                    [
                        *(getattr(item, name) for name, _ in COLUMNS),
                        *(item.extra.get(name) for name, _ in extra_columns),
                        refreshed_at,
                        run_id,
                    ]
                    for item in published
                ],
            )
        warehouse_con.execute("commit")
    except BaseException:
        warehouse_con.execute("rollback")
        raise


def summary(published: Sequence[Published]) -> dict:
    """Counts for the asset's metadata."""
    return {
        "tables": len(published),
        "rows": sum(item.rows for item in published),
        "suppressed_rows": sum(item.suppressed_rows or 0 for item in published),
        "sensitive_tables": sorted({item.table_name for item in published if item.disclosure_rule}),
    }

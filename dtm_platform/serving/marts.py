"""Which tables are published, and the one SELECT every target publishes each with.

Only the ``marts`` schema is ever read: raw, staging, cleaned and reference stay in the
warehouse. The mart tables are discovered when a step runs, so a new mart is published
without code changes; when the caller passes the mart assets of the code location
(``only``), a table in the warehouse that is not one of them (a model since deleted, say)
is left out, so everything published was built and gated in this code location.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb

from dtm_platform.serving.disclosure import RULES, Column, DisclosurePlan, DisclosureRule, plan_for, quote

PUBLISHED_SCHEMA = "marts"
# What a spreadsheet reads as the start of a formula (OWASP: CSV injection).
FORMULA_CHARACTERS = "=+-@\t\r"
FORMULA_START = r"^[=+\-@\t\r]"

# Types analysts' tools read badly or not at all, cast on the way out.
_WIDE_INTEGERS = {"HUGEINT", "UHUGEINT", "UBIGINT"}


class MartsError(ValueError):
    """A mart asset has no table in the warehouse."""


@dataclass(frozen=True)
class MartTable:
    name: str
    columns: tuple[Column, ...]
    plan: DisclosurePlan
    # the dbt docs, as dbt persisted them in the warehouse (persist_docs): what the mart and
    # each column mean, for every target to carry to its readers
    description: str | None = None
    column_descriptions: Mapping[str, str] = field(default_factory=dict)

    def table_comment(self, provenance: str) -> str:
        """The published table's comment: what it is, then where this copy comes from."""
        return f"{self.description.strip()} ({provenance})" if self.description else provenance

    def select_sql(self, relation: str, *, flat: bool = False, neutralise_formulas: bool = False) -> str:
        """``select ... from relation`` with disclosure control applied.

        flat: lists, structs, maps and JSON become text (CSV, Postgres).
        neutralise_formulas: a text cell a spreadsheet would run as a formula gets a
        leading apostrophe (CSV).
        """

        def expression(column: Column) -> str:
            sql = quote(column.name)
            data_type = column.type.upper()
            if data_type in _WIDE_INTEGERS:
                sql = f"cast({sql} as BIGINT)"
            elif flat and column.kind == "other" and _is_nested(data_type):
                sql = f"cast({sql} as VARCHAR)"
            if neutralise_formulas and column.kind == "text":
                sql = f"case when regexp_matches({sql}, '{FORMULA_START}') then '''' || {sql} else {sql} end"
            return sql

        return self.plan.select_sql(list(self.columns), relation, expression)


def _is_nested(data_type: str) -> bool:
    return data_type.endswith("]") or data_type.startswith(("STRUCT", "MAP", "UNION", "JSON"))


def discover_marts(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    min_count: int,
    only: Iterable[str] | None = None,
    rules: tuple[DisclosureRule, ...] = RULES,
) -> tuple[list[MartTable], list[str]]:
    """The mart tables of ``catalog`` (a DuckDB database name) to publish, and the names of
    tables left out because they are not mart assets."""
    found: dict[str, list[Column]] = {}
    comments: dict[str, dict[str, str]] = {}
    for table, column, data_type, comment in con.execute(
        "select table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = ? and schema_name = ? order by table_name, column_index",
        [catalog, PUBLISHED_SCHEMA],
    ).fetchall():
        found.setdefault(table, []).append(Column(column, data_type))
        if comment:
            comments.setdefault(table, {})[column] = comment
    descriptions = dict(
        con.execute(
            "select table_name, comment from duckdb_tables() where database_name = ? and schema_name = ? "
            "and comment is not null",
            [catalog, PUBLISHED_SCHEMA],
        ).fetchall()
    )
    wanted = sorted(found) if only is None else sorted(set(only))
    missing = [name for name in wanted if name not in found]
    if missing:
        raise MartsError(f"mart(s) {', '.join(missing)} have no table in {PUBLISHED_SCHEMA}: build them before serving")
    skipped = sorted(set(found) - set(wanted))
    return [
        MartTable(
            name,
            tuple(found[name]),
            plan_for(name, found[name], min_count, rules),
            descriptions.get(name),
            comments.get(name, {}),
        )
        for name in wanted
    ], skipped


def relation(catalog: str, table: str) -> str:
    return f"{quote(catalog)}.{quote(PUBLISHED_SCHEMA)}.{quote(table)}"


def described(con: duckdb.DuckDBPyConnection, select: str) -> list[Column]:
    """Names and DuckDB types of a query's columns, without running it."""
    return [Column(name, data_type) for name, data_type, *_ in con.execute(f"describe {select}").fetchall()]

"""Disclosure control: small-cell suppression for marts built from interviews (ARCHITECTURE.md, Personal data).

Tables aggregated from individual or household interviews (flow monitoring survey,
post-distribution monitoring, perception survey) can single people out when a cell counts
only a few of them. Wherever such a mart is published (snapshot, Parquet/CSV, Postgres,
HDX), a count from 1 to ``DTM_MIN_CELL_COUNT`` - 1 never shows, and ``is_suppressed``
says which rows lost something. Two tiers:

- the row's base: the number of respondents (households, travellers ...) it describes,
  integer columns named ``respondents``, ``households``, ``individuals``, ``interviews``,
  ``travellers``, ``persons``, ``count`` or ``n``, or ending in ``_asked`` (those a question
  was put to). A small base suppresses the row: every count and every value derived from
  them (shares, means, coordinates ...) becomes NULL; the dimensions (round, p-codes,
  labels, dates) stay, so the row still says what was withheld;
- every other count of the row (any other integer column that is not a dimension, such as
  ``female_respondents``, ``satisfied``, ``with_safety_concerns``, ``members_with_passport``):
  a small one is blanked on its own, with the values derived from it, found by name
  (``share_satisfied`` for ``satisfied``, ``satisfaction_mean`` for
  ``satisfaction_respondents``).

A zero is not suppressed: it describes nobody. A mart that already flags rows
(``is_suppressed``) keeps them flagged, and blanked. Differences between rows of a table
(a total minus the other answers) are not protected: that needs complementary suppression,
which this rule does not do.

Which marts are sensitive is a registry of name prefixes (``RULES``): a new mart whose
name starts with one of them is covered without code changes. A sensitive mart without
any count column is refused, not published unprotected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPPRESSION_FLAG = "is_suppressed"

_COUNT_WORDS = "respondents|households|individuals|interviews|travellers|persons"
BASE_COLUMN = re.compile(rf"^(?:{_COUNT_WORDS}|count|n)$|_asked$")
# How a count is named around what it counts: stripped to find the values derived from it.
_COUNT_AFFIXES = re.compile(rf"^(?:{_COUNT_WORDS}|members|answers)_|_(?:count|{_COUNT_WORDS}|answers)$")
# Numeric columns that are dimensions, not values derived from the respondents: kept.
DIMENSION_COLUMN = re.compile(
    r"^(?:round|previous_round|year|month|week|quarter|day)$"
    r"|_(?:round|year|month|week|quarter|id|code|pcode|rank|order|position|number|group)$")


class DisclosureError(ValueError):
    """A sensitive mart cannot be protected (no count column to test)."""


@dataclass(frozen=True)
class DisclosureRule:
    survey: str                  # what the interviews are, for people reading the metadata
    prefixes: tuple[str, ...]    # mart names starting with one of these are sensitive

    def matches(self, table: str) -> bool:
        return table.startswith(self.prefixes)


RULES: tuple[DisclosureRule, ...] = (
    DisclosureRule("flow monitoring survey (individual interviews of travellers)", ("dtm_flow_survey",)),
    DisclosureRule("post-distribution monitoring (household interviews)", ("me_pdm",)),
    DisclosureRule("perception survey (individual interviews)", ("me_perception",)),
)


def rule_for(table: str, rules: tuple[DisclosureRule, ...] = RULES) -> DisclosureRule | None:
    return next((rule for rule in rules if rule.matches(table)), None)


# --- column types, from DuckDB or Postgres ------------------------------------------------

_INTEGER_TYPES = {"tinyint", "smallint", "integer", "int", "bigint", "hugeint", "utinyint", "usmallint",
                  "uinteger", "ubigint", "uhugeint", "int2", "int4", "int8"}
_FLOAT_TYPES = {"double", "float", "real", "double precision", "float4", "float8"}
_TEXT_TYPES = {"varchar", "text", "character varying", "string", "char", "character", "bpchar"}


def column_kind(data_type: str) -> str:
    """integer | numeric | text | boolean | other, from a DuckDB or Postgres type name."""
    t = data_type.strip().lower()
    if t.endswith("]"):
        return "other"  # a list
    if t in _INTEGER_TYPES:
        return "integer"
    decimal = re.fullmatch(r"(?:decimal|numeric)\s*(?:\(\s*\d+\s*(?:,\s*(\d+)\s*)?\))?", t)
    if decimal:
        return "integer" if decimal.group(1) in (None, "0") and "(" in t else "numeric"
    if t in _FLOAT_TYPES:
        return "numeric"
    if t in _TEXT_TYPES or t.startswith(("varchar", "character varying")):
        return "text"
    if t in ("boolean", "bool"):
        return "boolean"
    return "other"


@dataclass(frozen=True)
class Column:
    name: str
    type: str

    @property
    def kind(self) -> str:
        return column_kind(self.type)


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class DisclosurePlan:
    """How one table is protected; ``rule`` None means it is not built from interviews."""

    table: str
    rule: DisclosureRule | None
    base_columns: tuple[str, ...]                 # a small one suppresses the row
    cell_columns: tuple[str, ...]                 # a small one is blanked on its own
    dependent_columns: tuple[str, ...]            # derived values: NULL in a suppressed row
    cell_dependents: dict[str, tuple[str, ...]]   # cell column -> values derived from it
    min_count: int
    has_flag: bool  # the table already has an is_suppressed column

    @property
    def sensitive(self) -> bool:
        return self.rule is not None

    @property
    def count_columns(self) -> tuple[str, ...]:
        return self.base_columns + self.cell_columns

    def small(self, column: str) -> str:
        """SQL (DuckDB and Postgres alike): TRUE when the column shows a count from 1 to min_count - 1."""
        return f"coalesce({quote(column)} > 0 and {quote(column)} < {self.min_count}, false)"

    def small_row_condition(self) -> str:
        """TRUE when any count of the row is small: what the scan of a published table counts."""
        return " or ".join(self.small(c) for c in self.count_columns) or "false"

    def row_condition(self) -> str:
        """TRUE for a row to suppress whole: a small base, or the mart flagged it already."""
        conditions = [self.small(c) for c in self.base_columns]
        if self.has_flag:
            conditions.insert(0, f"coalesce({quote(SUPPRESSION_FLAG)}, false)")
        return " or ".join(conditions) or "false"

    def select_list(self, columns: list[Column], expression=None) -> list[str]:
        """The columns as published: small counts and what derives from them blanked, and
        ``is_suppressed`` added (or combined with the mart's own flag).

        ``expression(column)`` gives the SQL for a column (a cast, say); by default its name.
        """
        expression = expression or (lambda column: quote(column.name))
        if not self.sensitive:
            return [f"{expression(c)} as {quote(c.name)}" for c in columns]
        row = self.row_condition()
        blanked_by: dict[str, list[str]] = {}
        for cell in self.cell_columns:
            blanked_by.setdefault(cell, []).append(self.small(cell))
            for dependent in self.cell_dependents.get(cell, ()):
                blanked_by.setdefault(dependent, []).append(self.small(cell))
        whole_row = set(self.base_columns) | set(self.cell_columns) | set(self.dependent_columns)
        flag = " or ".join([f"({row})", *(self.small(c) for c in self.cell_columns)])
        items = []
        for column in columns:
            if column.name == SUPPRESSION_FLAG:
                items.append(f"({flag}) as {quote(SUPPRESSION_FLAG)}")
            elif column.name in whole_row:
                condition = " or ".join([f"({row})", *blanked_by.get(column.name, [])])
                items.append(f"case when {condition} then null else {expression(column)} end as {quote(column.name)}")
            else:
                items.append(f"{expression(column)} as {quote(column.name)}")
        if not self.has_flag:
            items.append(f"({flag}) as {quote(SUPPRESSION_FLAG)}")
        return items


def plan_for(table: str, columns: list[Column], min_count: int,
             rules: tuple[DisclosureRule, ...] = RULES) -> DisclosurePlan:
    rule = rule_for(table, rules)
    has_flag = any(c.name == SUPPRESSION_FLAG for c in columns)
    if rule is None:
        return DisclosurePlan(table, None, (), (), (), {}, min_count, has_flag)
    measures = [c for c in columns if c.kind in ("integer", "numeric") and not DIMENSION_COLUMN.search(c.name)]
    counts = [c.name for c in measures if c.kind == "integer"]
    if not counts:
        raise DisclosureError(
            f"marts.{table} is built from the {rule.survey} but has no count column (an integer column "
            "that is not a dimension): it is not published")
    base = tuple(name for name in counts if BASE_COLUMN.search(name))
    cells = tuple(name for name in counts if name not in base)
    dependent = tuple(c.name for c in measures if c.name not in counts)
    cell_dependents = {}
    for cell in cells:
        stem = _COUNT_AFFIXES.sub("", cell)
        if len(stem) >= 4:
            cell_dependents[cell] = tuple(d for d in dependent if stem in d)
    return DisclosurePlan(table, rule, base, cells, dependent, cell_dependents, min_count, has_flag)

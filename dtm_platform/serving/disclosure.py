"""Disclosure control: small-cell and complementary suppression for marts built from interviews
(ARCHITECTURE.md, Personal data).

Tables aggregated from individual or household interviews (flow monitoring survey,
post-distribution monitoring, perception survey, and the M&E indicators measured by the last
two, with the actuals set against their targets), and from complaints and feedback cases,
can single people out when a cell counts only a few of them. Wherever such a mart is
published (snapshot, Parquet/CSV, Postgres, HDX, the indicator tracker and its IATI file), a
count from 1 to ``DTM_MIN_CELL_COUNT`` - 1 never shows, nor can it be worked out from what
does; ``is_suppressed`` says which rows lost something.

Primary suppression, two tiers:

- the row's base: the number of respondents (households, travellers ...) it describes,
  integer columns named ``respondents``, ``households``, ``individuals``, ``interviews``,
  ``travellers``, ``persons``, ``cases``, ``count`` or ``n``, or ending in ``_asked`` (those a question
  was put to). A small base suppresses the row: every count and every value derived from
  them (shares, means, coordinates ...) becomes NULL; the dimensions (round, p-codes,
  labels, dates) stay, so the row still says what was withheld;
- every other count of the row (any other integer column that is not a dimension, such as
  ``female_respondents``, ``satisfied``, ``with_safety_concerns``, ``members_with_passport``):
  a small one is blanked on its own, with the values derived from it, found by name
  (``share_satisfied`` for ``satisfied``, ``satisfaction_mean`` for
  ``satisfaction_respondents``). A column named as a count is never taken for a dimension
  (``respondents_in_group``, ``members_with_national_id``).

A zero is not suppressed: it describes nobody. A mart that already flags rows
(``is_suppressed``) keeps them flagged, and blanked. A rule may name the rows that come from
interviews (``rows``: the M&E indicator marts mix them with attendance lists, which pass
unchanged) and numeric columns that owe nothing to the interviews (``kept``: baselines,
targets), which are never blanked.

Complementary suppression. A blank is no protection when the table also shows what the
hidden cell adds up with: the answers to one question add up to those asked, the
disaggregations of an indicator to its total, so a total minus the visible cells gives the
hidden one back. ``MARGINS`` says, mart by mart, which cells add up to which total:

- ``RowMargin``: the rows sharing some columns (one question, at one point, in one month)
  are the cells, one count each; their total is a column every row repeats
  (``respondents_asked``) or a row of its own (me_indicator_tracking's ``total``
  disaggregation, the total of each other disaggregation of the indicator and period);
  where every count of the rows adds up to the total row's (the disability groups of
  me_pdm_results_by_disability), each count is a margin of its own over the same rows;
- ``ColumnMargin``: counts of one row adding up to another (``respondents_in_group`` +
  ``group_members`` = ``travellers``).

In each group a reader does not know the hidden cells, the total if it is hidden, and the
part of the total that no cell shows (respondents whose sex is not recorded, say). When
exactly one of these is unknown, subtraction gives it back: the smallest non-zero cell still
visible in the group is hidden too, the group's ``order`` settling ties, and its row is
flagged. A zero does not protect, everyone can see it is zero; an unshown part that is
itself at least the threshold needs no protecting. A cell hidden this way is hidden as a
small count would be: a row's base takes the whole row. One pass is enough: no cell belongs
to two groups of a table (``plan_for`` refuses it), complements are cells, never totals, so
groups sharing a total (an indicator's disaggregations) leave one another alone, and every
total is a count under the primary rule: a visible total is at least the threshold, so a
lone hidden cell always has a non-zero partner or an unshown part beside it. (Should a group
still have no cell left to hide, all its cells are hidden.) For a measure averaged over the
respondents (an indicator's score or share) the respondents are the weights, published
beside it: the same count decides, and zero respondents means no value.

``CARRIED``: a column repeating the latest measurement of its series (me_indicator_tracking's
``cumulative`` of a score or share, in periods without a survey) is withheld, and its row
flagged, wherever the row it repeats is withheld.

A mart taking its figures from another's rows carries what decides them instead:
me_indicator_targets_vs_actuals sets each target beside an actual taken from a total row of
me_indicator_tracking (the period's ``actual``, or a milestone's or the project's
``cumulative``) and carries that row's ``data_source`` and ``respondents``: for a value to
date, those of the latest total row measured by then (``respondents`` above zero), the one
CARRIED finds. A total row is never a complement (complements are cells), so it is withheld
exactly when its respondents are small, and the primary rule withholds the target's actual,
its percentages and (DERIVED) its status where me_indicator_tracking withholds the figure.

``DERIVED``: a text column read from a figure (the status band of me_indicator_tracking and
me_indicator_targets_vs_actuals, from their ``percent_achieved_to_date``) would tell what the
figure is when the figure is withheld ("on track" says 90% or more): it is withheld wherever
that figure is, by the same condition.

The plan is SQL (``select_sql``): window functions over the table find each group's unknowns,
so every target runs the same select. Asked, it also says why a row lost something
(``suppression_reason``: small, complementary or carried), for the tracker's notes.

Not covered: figures that only add up across marts (the same interviews counted by sex in one
mart and by point in another), or across the months or places of a mart that publishes no
total for them. Multiple-choice answers do not add up to those asked; they are treated as if
they did, which only hides more.

Which marts are sensitive is a registry of name prefixes (``RULES``): a new mart whose
name starts with one of them is covered without code changes, by the primary rule (its margins
must be added to ``MARGINS``). A sensitive mart without any count column is refused, not
published unprotected; so is one that lacks a column its margins name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPPRESSION_FLAG = "is_suppressed"
SUPPRESSION_REASON = "suppression_reason"  # small | complementary | carried: on request (the tracker)

_COUNT_WORDS = "respondents|households|individuals|interviews|travellers|persons|cases"
BASE_COLUMN = re.compile(rf"^(?:{_COUNT_WORDS}|count|n)$|_asked$")
# How a count is named around what it counts: stripped to find the values derived from it.
_COUNT_AFFIXES = re.compile(rf"^(?:{_COUNT_WORDS}|members|answers)_|_(?:count|{_COUNT_WORDS}|answers)$")
# Numeric columns that are dimensions, not values derived from the respondents: kept; unless
# named as a count (``respondents_in_group``, ``members_with_national_id`` count people).
DIMENSION_COLUMN = re.compile(
    r"^(?:round|previous_round|year|month|week|quarter|day)$"
    r"|_(?:round|year|month|week|quarter|id|code|pcode|rank|order|position|number|group)$"
)


def is_dimension(name: str) -> bool:
    return bool(DIMENSION_COLUMN.search(name)) and not _COUNT_AFFIXES.search(name)


_HELPER = "__disclosure_"  # prefix of the working columns of a published select (never published)


class DisclosureError(ValueError):
    """A sensitive mart cannot be protected (no count column to test, a margin's column missing)."""


@dataclass(frozen=True)
class DisclosureRule:
    survey: str  # what the interviews are, for people reading the metadata
    prefixes: tuple[str, ...]  # mart names starting with one of these are sensitive
    rows: str | None = None  # SQL: the rows built from the interviews (default all); others pass unchanged
    kept: tuple[str, ...] = ()  # numeric columns that owe nothing to the interviews: never blanked

    def matches(self, table: str) -> bool:
        return table.startswith(self.prefixes)


# the M&E indicators measured by interviews (the others count attendance lists and sessions)
_SURVEY_MEASURED = "data_source in ('me_perception', 'me_pdm')"

RULES: tuple[DisclosureRule, ...] = (
    DisclosureRule("flow monitoring survey (individual interviews of travellers)", ("dtm_flow_survey",)),
    DisclosureRule("post-distribution monitoring (household interviews)", ("me_pdm",)),
    DisclosureRule("perception survey (individual interviews)", ("me_perception",)),
    # a complaint's count can single out the person who made it, a sensitive one above all
    DisclosureRule("complaints and feedback (individual cases)", ("me_feedback",)),
    DisclosureRule(
        "M&E indicators measured by the perception survey and post-distribution monitoring",
        ("me_indicator_tracking",),
        rows=_SURVEY_MEASURED,
        kept=("baseline", "target", "life_of_project_target", "share_of_period_elapsed"),
    ),
    # each target beside its actual, taken from me_indicator_tracking's total row: the row
    # carries that measurement's respondents (for a value to date, those of the measurement it
    # repeats), so the primary rule withholds the actual, its percentages and (DERIVED) its
    # status exactly where me_indicator_tracking withholds the figure it comes from
    DisclosureRule(
        "M&E indicator targets and actuals measured by the perception survey and post-distribution monitoring",
        ("me_indicator_targets_vs_actuals",),
        rows=_SURVEY_MEASURED,
        kept=("baseline", "target"),
    ),
)


def rule_for(table: str, rules: tuple[DisclosureRule, ...] = RULES) -> DisclosureRule | None:
    return next((rule for rule in rules if rule.matches(table)), None)


# --- what adds up to what ------------------------------------------------------------------


@dataclass(frozen=True)
class RowMargin:
    """The rows sharing ``group`` are cells adding up to a total: the ``total`` column every row
    repeats, or, with ``total_row``, the row whose ``total_row`` column (one of ``group``) holds
    ``total_value``: the total of the rows with any other value there and the same other
    ``group`` columns."""

    group: tuple[str, ...]
    cell: str  # each row's count
    order: tuple[str, ...]  # tells the rows of a group apart: settles ties between equal cells
    total: str | None = None
    total_row: str | None = None
    total_value: str = "total"

    def __post_init__(self):
        if (self.total is None) == (self.total_row is None) or self.total_row not in (None, *self.group):
            raise ValueError("a row margin's total is a column (total) or a row (total_row, one of group)")

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.group, self.cell, *self.order, *((self.total,) if self.total else ()))


@dataclass(frozen=True)
class ColumnMargin:
    """Counts of one row (``cells``, in the order that settles ties) adding up to ``total``."""

    cells: tuple[str, ...]
    total: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.cells, self.total)


@dataclass(frozen=True)
class Carried:
    """``columns`` repeat the latest measurement of their ``series`` up to the row (in ``order``),
    a measurement being a row whose ``measured`` count is above zero: withheld where it is."""

    columns: tuple[str, ...]
    series: tuple[str, ...]
    order: str
    measured: str

    @property
    def all_columns(self) -> tuple[str, ...]:
        return (*self.columns, *self.series, self.order, self.measured)


@dataclass(frozen=True)
class Derived:
    """``column`` (text) is read from ``figure`` (a numeric column of the same row): withheld
    wherever the figure is."""

    column: str
    figure: str


Margin = RowMargin | ColumnMargin

# Exact mart names. Checked against the marts' SQL: a new additive mart, or a new total beside
# an existing one, is declared here.
MARGINS: dict[str, tuple[Margin, ...]] = {
    # each answer's respondents add up to those asked the question (at the point, in the month)
    "dtm_flow_survey_profiles": (
        RowMargin(
            group=("survey_month", "fmp_id", "question"),
            cell="respondents",
            order=("answer",),
            total="respondents_asked",
        ),
    ),
    # each answer's households add up to those asked the question (for the activity)
    "me_pdm_answers": (
        RowMargin(
            group=("activity_code", "question"), cell="respondents", order=("answer",), total="respondents_asked"
        ),
    ),
    # an activity's disability groups add up to its total row, count by count (the total row is
    # also what me_pdm_results adds up to over the activity's sub-prefectures)
    "me_pdm_results_by_disability": tuple(
        RowMargin(
            group=("activity_code", "row_level"),
            cell=count,
            order=("disability", "disability_source"),
            total_row="row_level",
        )
        for count in (
            "respondents",
            "received_assistance",
            "satisfaction_respondents",
            "satisfied",
            "with_problems",
            "with_safety_concerns",
        )
    ),
    # a round's and index's disability groups add up to its total row (me_perception_scores'
    # sub-prefectures add up to it too)
    "me_perception_scores_by_disability": tuple(
        RowMargin(
            group=("round", "domain", "row_level"),
            cell=count,
            order=("disability", "disability_source"),
            total_row="row_level",
        )
        for count in ("respondents", "respondents_positive")
    ),
    # a month's cases of one type and channel are closed or still open
    "me_feedback_cases_by_month": (ColumnMargin(cells=("closed", "still_open"), total="cases"),),
    # a period's categories (the sensitive ones among them) add up to its total row
    "me_feedback_cases_by_category": (
        RowMargin(group=("period", "row_level"), cell="cases", order=("category",), total_row="row_level"),
    ),
    # a row's travellers are its respondents and the members of their groups
    "dtm_flow_survey_travellers": (ColumnMargin(cells=("respondents_in_group", "group_members"), total="travellers"),),
    # an indicator's categories of one disaggregation add up to its total row (respondents, and
    # respondents x score or share)
    "me_indicator_tracking": (
        RowMargin(
            group=("indicator_code", "period", "disaggregation"),
            cell="respondents",
            order=("disaggregation_value",),
            total_row="disaggregation",
        ),
    ),
    # me_indicator_targets_vs_actuals: none. A target's row is no cell of any sum: one row per
    # indicator and target, each taken from one total row of me_indicator_tracking (itself never
    # a complement, so withheld only by its small respondents, which the row carries); no
    # categories sit beside it, and the rows of an indicator's targets repeat measurements
    # rather than add up to one another.
}
CARRIED: dict[str, tuple[Carried, ...]] = {
    "me_indicator_tracking": (
        Carried(
            columns=("cumulative", "percent_of_life_of_project_target"),
            series=("indicator_code", "disaggregation", "disaggregation_value"),
            order="period_start",
            measured="respondents",
        ),
    ),
}
DERIVED: dict[str, tuple[Derived, ...]] = {
    # the status band (on track, behind, off track) of an indicator's total row
    "me_indicator_tracking": (Derived(column="status", figure="percent_achieved_to_date"),),
    # a target's status band, from the % achieved to date of its actual
    "me_indicator_targets_vs_actuals": (Derived(column="status", figure="percent_achieved_to_date"),),
}


# --- column types, from DuckDB or Postgres ------------------------------------------------

_INTEGER_TYPES = {
    "tinyint",
    "smallint",
    "integer",
    "int",
    "bigint",
    "hugeint",
    "utinyint",
    "usmallint",
    "uinteger",
    "ubigint",
    "uhugeint",
    "int2",
    "int4",
    "int8",
}
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


def _any(conditions) -> str:
    conditions = [c for c in conditions if c]
    return " or ".join(f"({c})" for c in conditions) if conditions else "false"


def _partition(columns) -> str:
    return f"partition by {', '.join(quote(c) for c in columns)}" if columns else ""


@dataclass(frozen=True)
class DisclosurePlan:
    """How one table is protected; ``rule`` None means it is not built from interviews."""

    table: str
    rule: DisclosureRule | None
    base_columns: tuple[str, ...]  # a small one suppresses the row
    cell_columns: tuple[str, ...]  # a small one is blanked on its own
    dependent_columns: tuple[str, ...]  # derived values: NULL in a suppressed row
    cell_dependents: dict[str, tuple[str, ...]]  # cell column -> values derived from it
    min_count: int
    has_flag: bool  # the table already has an is_suppressed column
    margins: tuple[Margin, ...] = ()  # cells adding up to a published total
    carried: tuple[Carried, ...] = ()  # columns repeating an earlier row's figure
    derived: tuple[Derived, ...] = ()  # text columns read from a figure

    @property
    def sensitive(self) -> bool:
        return self.rule is not None

    @property
    def count_columns(self) -> tuple[str, ...]:
        return self.base_columns + self.cell_columns

    # --- primary suppression: row by row, plain SQL (DuckDB and Postgres alike) -------------

    def small(self, column: str) -> str:
        """SQL (DuckDB and Postgres alike): TRUE when the column shows a count from 1 to min_count - 1
        (in a row built from interviews)."""
        small = f"{quote(column)} > 0 and {quote(column)} < {self.min_count}"
        if self.rule is not None and self.rule.rows:
            small = f"({self.rule.rows}) and {small}"
        return f"coalesce({small}, false)"

    def small_row_condition(self) -> str:
        """TRUE when any count of the row is small: what the scan of a published table counts."""
        return " or ".join(self.small(c) for c in self.count_columns) or "false"

    def row_condition(self) -> str:
        """TRUE for a row to suppress whole: a small base, or the mart flagged it already."""
        conditions = [self.small(c) for c in self.base_columns]
        if self.has_flag:
            conditions.insert(0, f"coalesce({quote(SUPPRESSION_FLAG)}, false)")
        return " or ".join(conditions) or "false"

    def hidden(self, column: str) -> str:
        """TRUE when the primary rule hides this count: its row's, or its own."""
        if column in self.base_columns:
            return self.row_condition()
        return _any([self.row_condition(), self.small(column)])

    # --- complementary suppression: working columns over the table -------------------------

    def _row_margin_windows(self, k: int, margin: RowMargin) -> list[str]:
        """The window figures of a row margin's group, as working columns of the row."""
        cell, hidden, prefix = quote(margin.cell), self.hidden(margin.cell), f"{_HELPER}r{k}_"
        is_cell = (
            "true"
            if margin.total_row is None
            else f"({quote(margin.total_row)} is distinct from {literal(margin.total_value)})"
        )
        group = _partition(margin.group)
        if margin.total_row is None:
            total_hidden = f"bool_and({self.hidden(margin.total)}) over ({group})"
            total = f"max({quote(margin.total)}) over ({group})"
        else:
            family = _partition([c for c in margin.group if c != margin.total_row])
            total_hidden = f"coalesce(bool_or(not {is_cell} and ({hidden})) over ({family}), false)"
            total = f"max(case when not {is_cell} then {cell} end) over ({family})"
        candidate = f"({is_cell} and not ({hidden}) and coalesce({cell} > 0, false))"
        order = ", ".join(
            [
                f"case when {candidate} then 0 else 1 end",
                f"{cell} nulls last",
                *(f"{quote(c)} nulls last" for c in margin.order),
            ]
        )
        return [
            f"{is_cell} as {quote(prefix + 'is_cell')}",
            f"{candidate} as {quote(prefix + 'candidate')}",
            f"sum(case when {is_cell} and ({hidden}) then 1 else 0 end) over ({group}) as {quote(prefix + 'hidden')}",
            f"{total_hidden} as {quote(prefix + 'total_hidden')}",
            (
                f"coalesce({total} - sum(case when {is_cell} then coalesce({cell}, 0) else 0 end) over ({group}), 0)"
                f" as {quote(prefix + 'unshown')}"
            ),
            f"bool_or({candidate}) over ({group}) as {quote(prefix + 'any_candidate')}",
            f"row_number() over ({group} order by {order}) as {quote(prefix + 'rank')}",
        ]

    def _lone_unknown(self, hidden: str, total_hidden: str, unshown: str) -> str:
        """Exactly one figure of the group is unknown, and it wants protecting."""
        unknowns = (
            f"{hidden} + case when {total_hidden} then 1 else 0 end"
            f" + case when not {total_hidden} and {unshown} > 0 then 1 else 0 end"
        )
        return f"({unknowns}) = 1 and not (not {total_hidden} and {unshown} >= {self.min_count})"

    def _row_margin_hides(self, k: int) -> str:
        """TRUE when the row margin ``k`` hides this row's cell to protect another."""
        h = {
            name: quote(f"{_HELPER}r{k}_{name}")
            for name in ("is_cell", "candidate", "hidden", "total_hidden", "unshown", "any_candidate", "rank")
        }
        lone = self._lone_unknown(h["hidden"], h["total_hidden"], h["unshown"])
        return f"({lone}) and {h['is_cell']} and (({h['candidate']} and {h['rank']} = 1) or not {h['any_candidate']})"

    def _column_margin_hides(self, margin: ColumnMargin, cell: str) -> str:
        """TRUE when the column margin hides ``cell`` of this row to protect another (row by row)."""
        hidden = {c: f"({self.hidden(c)})" for c in margin.cells}
        total_hidden = f"({self.hidden(margin.total)})"
        unshown = (
            f"coalesce({quote(margin.total)} - ("
            + " + ".join(f"coalesce({quote(c)}, 0)" for c in margin.cells)
            + "), 0)"
        )
        count = " + ".join(f"case when {hidden[c]} then 1 else 0 end" for c in margin.cells)
        lone = self._lone_unknown(f"({count})", total_hidden, unshown)
        candidate = {c: f"(not {hidden[c]} and coalesce({quote(c)} > 0, false))" for c in margin.cells}
        i = margin.cells.index(cell)
        # the smallest candidate; on a tie, the first in ``cells``
        first = " and ".join(
            [
                candidate[cell],
                *(
                    f"(not {candidate[other]} or {quote(other)} {'>' if j < i else '>='} {quote(cell)})"
                    for j, other in enumerate(margin.cells)
                    if j != i
                ),
            ]
        )
        none = " and ".join(f"not {candidate[c]}" for c in margin.cells)
        return f"({lone}) and (({first}) or ({none}))"

    # --- the published select -------------------------------------------------------------

    def _hides(self) -> list[tuple[str, str, str]]:
        """(working column, count column it hides, SQL) for every cell a margin may hide to
        protect another."""
        hides = []
        for k, margin in enumerate(self.margins):
            if isinstance(margin, RowMargin):
                hides.append((f"{_HELPER}hide{k}", margin.cell, self._row_margin_hides(k)))
            else:
                hides += [
                    (f"{_HELPER}hide{k}_{i}", cell, self._column_margin_hides(margin, cell))
                    for i, cell in enumerate(margin.cells)
                ]
        return hides

    def _complementary(self) -> tuple[list[str], dict[str, list[str]]]:
        """(working columns that hide the whole row, {count column: working columns that hide it
        alone}): a cell hidden to protect another goes as a small one would."""
        whole_row, by_column = [], {}
        for name, cell, _ in self._hides():
            if cell in self.base_columns:
                whole_row.append(quote(name))
            else:
                by_column.setdefault(cell, []).append(quote(name))
        return whole_row, by_column

    def source(self, relation: str) -> str:
        """What the published select reads: ``relation``, with the working columns the margins
        and carried columns need (window functions) when the table has any."""
        if not (self.sensitive and (self.margins or self.carried)):
            return relation
        source = relation
        windows = [
            item
            for k, m in enumerate(self.margins)
            if isinstance(m, RowMargin)
            for item in self._row_margin_windows(k, m)
        ]
        if windows:
            source = f"(select *, {', '.join(windows)} from {source}) as {quote(_HELPER + 'groups')}"
        if self.margins:
            hides = [f"({sql}) as {quote(name)}" for name, _, sql in self._hides()]
            source = f"(select *, {', '.join(hides)} from {source}) as {quote(_HELPER + 'complements')}"
        if self.carried:
            whole_row, _ = self._complementary()
            row_hidden = _any([self.row_condition(), *whole_row])
            items = [
                f"coalesce(last_value(case when {quote(c.measured)} > 0 then ({row_hidden}) end ignore nulls) over ("
                f"{_partition(c.series)} order by {quote(c.order)} rows between unbounded preceding and current row),"
                f" false) as {quote(f'{_HELPER}carried{k}')}"
                for k, c in enumerate(self.carried)
            ]
            source = f"(select *, {', '.join(items)} from {source}) as {quote(_HELPER + 'carried')}"
        return source

    def select_list(self, columns: list[Column], expression=None, *, reason: bool = False) -> list[str]:
        """The columns as published, read from ``source(relation)``: small counts, the cells that
        would give them back, and what derives from them blanked, and ``is_suppressed`` added
        (or combined with the mart's own flag); with ``reason``, ``suppression_reason`` too.

        ``expression(column)`` gives the SQL for a column (a cast, say); by default its name.
        """
        expression = expression or (lambda column: quote(column.name))
        if not self.sensitive:
            return [f"{expression(c)} as {quote(c.name)}" for c in columns]
        row = self.row_condition()
        complementary_row, complementary_cells = self._complementary()
        carried_by = {}
        for k, carried in enumerate(self.carried):
            for column in carried.columns:
                carried_by.setdefault(column, []).append(quote(f"{_HELPER}carried{k}"))
        blanked_by: dict[str, list[str]] = {}
        for cell in self.cell_columns:
            conditions = [self.small(cell), *complementary_cells.get(cell, [])]
            for target in (cell, *self.cell_dependents.get(cell, ())):
                blanked_by.setdefault(target, []).extend(conditions)
        whole_row_columns = set(self.base_columns) | set(self.cell_columns) | set(self.dependent_columns)
        whole = _any([row, *complementary_row])
        primary = _any([row, *(self.small(c) for c in self.cell_columns)])
        complementary = _any([*complementary_row, *(c for cs in complementary_cells.values() for c in cs)])
        carried = _any(dict.fromkeys(c for cs in carried_by.values() for c in cs))
        flag = _any([primary, complementary, carried])

        def withheld(name: str) -> str | None:
            """SQL: TRUE where the column ``name`` is withheld; None for a column never withheld."""
            if name in whole_row_columns or name in carried_by:
                return _any([whole, *blanked_by.get(name, []), *carried_by.get(name, [])])
            return None

        read_from = {d.column: d.figure for d in self.derived}
        items = []
        for column in columns:
            condition = withheld(read_from.get(column.name, column.name))
            if column.name == SUPPRESSION_FLAG:
                items.append(f"({flag}) as {quote(SUPPRESSION_FLAG)}")
            elif condition is not None:
                items.append(f"case when {condition} then null else {expression(column)} end as {quote(column.name)}")
            else:
                items.append(f"{expression(column)} as {quote(column.name)}")
        if not self.has_flag:
            items.append(f"({flag}) as {quote(SUPPRESSION_FLAG)}")
        if reason:
            items.append(
                f"case when {primary} then 'small' when {complementary} then 'complementary' "
                f"when {carried} then 'carried' end as {quote(SUPPRESSION_REASON)}"
            )
        return items

    def select_sql(self, columns: list[Column], relation: str, expression=None, *, reason: bool = False) -> str:
        """``select ... from relation`` as published (see ``select_list``)."""
        return f"select {', '.join(self.select_list(columns, expression, reason=reason))} from {self.source(relation)}"


def plan_for(
    table: str,
    columns: list[Column],
    min_count: int,
    rules: tuple[DisclosureRule, ...] = RULES,
    margins: dict[str, tuple[Margin, ...]] = MARGINS,
    carried: dict[str, tuple[Carried, ...]] = CARRIED,
    derived: dict[str, tuple[Derived, ...]] = DERIVED,
) -> DisclosurePlan:
    rule = rule_for(table, rules)
    has_flag = any(c.name == SUPPRESSION_FLAG for c in columns)
    if rule is None:
        return DisclosurePlan(table, None, (), (), (), {}, min_count, has_flag)
    measures = [
        c for c in columns if c.kind in ("integer", "numeric") and not is_dimension(c.name) and c.name not in rule.kept
    ]
    counts = [c.name for c in measures if c.kind == "integer"]
    if not counts:
        raise DisclosureError(
            f"marts.{table} is built from the {rule.survey} but has no count column (an integer column "
            "that is not a dimension): it is not published"
        )
    base = tuple(name for name in counts if BASE_COLUMN.search(name))
    cells = tuple(name for name in counts if name not in base)
    dependent = tuple(c.name for c in measures if c.name not in counts)
    cell_dependents = {}
    for cell in cells:
        stem = _COUNT_AFFIXES.sub("", cell)
        if len(stem) >= 4:
            cell_dependents[cell] = tuple(d for d in dependent if stem in d)
    table_margins, table_carried = margins.get(table, ()), carried.get(table, ())
    names = {c.name for c in columns}
    # a text read from a figure is published only beside that figure, withheld with it
    table_derived = tuple(d for d in derived.get(table, ()) if d.column in names)
    named = (
        {name for m in table_margins for name in m.columns}
        | {name for c in table_carried for name in c.all_columns}
        | {d.figure for d in table_derived}
    )
    missing = sorted(named - names)
    if missing:
        raise DisclosureError(
            f"marts.{table} has no column {', '.join(missing)}, which its margins (what adds up to a published "
            "total, disclosure.MARGINS / CARRIED / DERIVED) name: declare them again; it is not published"
        )
    margin_cells = [c for m in table_margins for c in ((m.cell,) if isinstance(m, RowMargin) else m.cells)]
    shared = sorted({c for c in margin_cells if margin_cells.count(c) > 1} | (set(margin_cells) - set(counts)))
    if shared:
        raise DisclosureError(
            f"marts.{table}: {', '.join(shared)} in two margins, or not a count: one pass of complementary "
            "suppression cannot protect it; it is not published"
        )
    return DisclosurePlan(
        table,
        rule,
        base,
        cells,
        dependent,
        cell_dependents,
        min_count,
        has_flag,
        table_margins,
        table_carried,
        table_derived,
    )

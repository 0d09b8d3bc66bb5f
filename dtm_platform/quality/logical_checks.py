"""The logical checks a data officer writes in the rules seed, without SQL.

A row of ``dbt_project/seeds/ref_dq_rules.csv`` with an ``expression`` is a check: the
expression says what a correct submission of the form satisfies, over the fields of its
cleaned model, and a submission for which it is false raises the row's rule (an answer
left blank makes no finding: that is what required answers are for). The language is
small on purpose, so that no text of the seed ever reaches DuckDB as SQL:

    idp_individuals >= idp_households
    respondent_age < 18 and respondent_sex = "female"
    not is_managed or management_agency is not blank
    site_type in ("planned_camp", "spontaneous_site") and households * 3 <= individuals

fields (lower-case names), numbers, text in double or single quotes, ``true`` and
``false`` (a text holds any character but its own quote: "it's" or 'say "no"');
``+ - * /``; comparisons ``= != < <= > >=`` (``==`` and ``<>`` too); ``is blank``
and ``is not blank``; ``in (...)`` and ``not in (...)`` over literals; ``and``, ``or``,
``not`` and parentheses. Each check is parsed here and rendered as SQL whose every field is
a quoted identifier and every text a quoted literal; dbt then checks that the fields exist
in the form's model (``dq_logical_check_findings``). A malformed expression stops the build
with an error naming the seed's row, the rule and where the expression goes wrong.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

KEYWORDS = {"and", "or", "not", "is", "blank", "in", "true", "false"}
NAME = re.compile(r"[a-z][a-z0-9_]*")
COMPARISONS = {"=": "=", "==": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<text>"[^"]*"|'[^']*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<operator><=|>=|==|!=|<>|[=<>+\-*/(),])
""",
    re.VERBOSE,
)


class LogicalCheckError(ValueError):
    """A check of the rules seed that cannot be read."""


@dataclass(frozen=True)
class LogicalCheck:
    row: int  # the seed's line number (the header is line 1)
    rule: str
    form: str
    field: str
    expression: str
    sql: str  # true for a submission that satisfies the check
    fields: tuple[str, ...]

    def as_var(self) -> dict:
        return {
            "row": self.row,
            "rule": self.rule,
            "form": self.form,
            "field": self.field,
            "expression": self.expression,
            "sql": self.sql,
            "fields": list(self.fields),
        }


def tokens(expression: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) of every token; an unknown character is an error."""
    found, position = [], 0
    while position < len(expression):
        match = TOKEN.match(expression, position)
        if not match:
            raise LogicalCheckError(f"unexpected {expression[position]!r} at character {position + 1}")
        kind = match.lastgroup
        if kind != "space":
            text = match.group()
            if kind == "name":
                text = text.lower()
                kind = "keyword" if text in KEYWORDS else "name"
            found.append((kind, text, position + 1))
        position = match.end()
    return found


class _Parser:
    """Recursive descent over the tokens, rendering SQL as it goes (every sub-expression
    parenthesised, so precedence is the language's, not DuckDB's)."""

    def __init__(self, expression: str):
        self.tokens = tokens(expression)
        self.at = 0
        self.fields: list[str] = []

    def parse(self) -> str:
        if not self.tokens:
            raise LogicalCheckError("the expression is empty")
        sql = self.disjunction()
        if self.at < len(self.tokens):
            _kind, text, position = self.tokens[self.at]
            raise LogicalCheckError(f"unexpected {text!r} at character {position}")
        return sql

    # --- the grammar, loosest first -----------------------------------------------------------
    def disjunction(self) -> str:
        sql = self.conjunction()
        while self.accept("keyword", "or"):
            sql = f"({sql} or {self.conjunction()})"
        return sql

    def conjunction(self) -> str:
        sql = self.negation()
        while self.accept("keyword", "and"):
            sql = f"({sql} and {self.negation()})"
        return sql

    def negation(self) -> str:
        if self.accept("keyword", "not"):
            return f"(not {self.negation()})"
        return self.comparison()

    def comparison(self) -> str:
        left = self.sum()
        kind, text, _ = self.peek()
        if kind == "operator" and text in COMPARISONS:
            self.at += 1
            return f"({left} {COMPARISONS[text]} {self.sum()})"
        if self.accept("keyword", "is"):
            negated = self.accept("keyword", "not")
            self.expect("keyword", "blank")
            blank = f"({left} is null or trim(cast({left} as varchar)) = '')"
            return f"(not {blank})" if negated else blank
        if (kind, text) == ("keyword", "not") and self.peek(1)[:2] == ("keyword", "in"):
            self.at += 2
            return f"({left} not in ({self.literal_list()}))"
        if self.accept("keyword", "in"):
            return f"({left} in ({self.literal_list()}))"
        return left

    def sum(self) -> str:
        sql = self.product()
        while operator := self.accept_operator("+", "-"):
            sql = f"({sql} {operator} {self.product()})"
        return sql

    def product(self) -> str:
        sql = self.factor()
        while operator := self.accept_operator("*", "/"):
            sql = f"({sql} {operator} {self.factor()})"
        return sql

    def factor(self) -> str:
        kind, text, _position = self.peek()
        if kind == "end":
            raise LogicalCheckError("the expression ends too early")
        if self.accept_operator("("):
            sql = self.disjunction()
            self.expect("operator", ")")
            return f"({sql})"
        if self.accept_operator("-"):
            return f"(- {self.factor()})"
        if kind == "name":
            self.at += 1
            if text not in self.fields:
                self.fields.append(text)
            return f'"{text}"'
        return self.literal()

    def literal(self) -> str:
        kind, text, position = self.peek()
        if kind == "number":
            self.at += 1
            return text
        if kind == "text":
            self.at += 1
            return "'" + text[1:-1].replace("'", "''") + "'"
        if kind == "keyword" and text in ("true", "false"):
            self.at += 1
            return text
        shown = "the end" if kind == "end" else repr(text)
        raise LogicalCheckError(
            f"expected a field, a number or a text, found {shown}"
            + (f" at character {position}" if kind != "end" else "")
        )

    def literal_list(self) -> str:
        self.expect("operator", "(")
        values = [self.literal()]
        while self.accept_operator(","):
            values.append(self.literal())
        self.expect("operator", ")")
        return ", ".join(values)

    # --- tokens -----------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> tuple[str, str, int]:
        index = self.at + ahead
        return self.tokens[index] if index < len(self.tokens) else ("end", "", 0)

    def accept(self, kind: str, text: str) -> bool:
        if self.peek()[:2] == (kind, text):
            self.at += 1
            return True
        return False

    def accept_operator(self, *texts: str) -> str | None:
        kind, text, _ = self.peek()
        if kind == "operator" and text in texts:
            self.at += 1
            return text
        return None

    def expect(self, kind: str, text: str) -> None:
        if not self.accept(kind, text):
            found_kind, found, position = self.peek()
            shown = "the end" if found_kind == "end" else f"{found!r} at character {position}"
            raise LogicalCheckError(f"expected {text!r}, found {shown}")


def compile_expression(expression: str) -> tuple[str, tuple[str, ...]]:
    """(SQL, fields it reads) of one expression; LogicalCheckError says what is wrong."""
    parser = _Parser(expression)
    sql = parser.parse()
    return sql, tuple(parser.fields)


def load_logical_checks(seed: Path) -> list[LogicalCheck]:
    """Every check of the rules seed (the rows with an expression), compiled; every
    malformed one named in one error. Whether its form and fields exist, dbt checks
    against the models (dq_logical_check_findings)."""
    checks, problems = [], []
    with seed.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            expression = (row.get("expression") or "").strip()
            if not expression:
                continue
            where = f"{seed.name} row {line} (rule {row.get('rule')!r}, form {row.get('form')!r})"
            named = {"rule": row.get("rule") or "", "form": row.get("form") or "", "field": row.get("field") or "x"}
            unnamed = [key for key, value in named.items() if not NAME.fullmatch(value)]
            if unnamed:
                problems.append(f"{where}: {' and '.join(unnamed)} must be a lower-case name (letters, digits, _)")
                continue
            try:
                sql, fields = compile_expression(expression)
                if not fields:
                    raise LogicalCheckError("the expression reads no field of the form")
            except LogicalCheckError as error:
                problems.append(f"{where}: {error} in {expression!r}")
                continue
            checks.append(
                LogicalCheck(line, row["rule"], row["form"], row.get("field") or fields[0], expression, sql, fields)
            )
    if problems:
        raise LogicalCheckError("; ".join(problems))
    return checks

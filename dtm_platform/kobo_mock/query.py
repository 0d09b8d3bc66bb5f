"""The subset of Mongo query syntax that KPI's ``query`` parameter accepts (ARCHITECTURE.md, Kobo),
and the page of a form's submissions a data request selects with it."""

from __future__ import annotations

import itertools
from typing import Any

from dtm_platform.kobo_mock.store import SubmissionStore

_MISSING = object()


class QueryError(ValueError):
    """The query uses an operator or shape KPI would reject."""


def matches(document: dict, query: dict) -> bool:
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(document, part) for part in _clauses(key, condition)):
                return False
        elif key == "$or":
            if not any(matches(document, part) for part in _clauses(key, condition)):
                return False
        elif key.startswith("$"):
            raise QueryError(f"unknown top-level operator {key}")
        elif not _field_matches(document.get(key, _MISSING), condition):
            return False
    return True


def _clauses(operator: str, condition: Any) -> list[dict]:
    if not isinstance(condition, list) or not all(isinstance(c, dict) for c in condition):
        raise QueryError(f"{operator} takes a list of queries")
    return condition


def _field_matches(value: Any, condition: Any) -> bool:
    if not (isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition)):
        return value is not _MISSING and value == condition
    for operator, operand in condition.items():
        if operator == "$exists":
            if (value is not _MISSING) != bool(operand):
                return False
        elif operator == "$eq":
            if value is _MISSING or value != operand:
                return False
        elif operator == "$ne":
            if value is not _MISSING and value == operand:
                return False
        elif operator in ("$in", "$nin"):
            if not isinstance(operand, list):
                raise QueryError(f"{operator} takes a list")
            if (value is not _MISSING and value in operand) != (operator == "$in"):
                return False
        elif operator in ("$gt", "$gte", "$lt", "$lte"):
            if value is _MISSING or not _compare(value, operator, operand):
                return False
        else:
            raise QueryError(f"unknown operator {operator}")
    return True


def _compare(value: Any, operator: str, operand: Any) -> bool:
    try:
        if operator == "$gt":
            return value > operand
        if operator == "$gte":
            return value >= operand
        if operator == "$lt":
            return value < operand
        return value <= operand
    except TypeError:  # Mongo never matches across types (a string against a number)
        return False


def sort_key(sort: dict):
    """A key function for ``sorted`` from a KPI ``sort`` document such as ``{"_id": -1}``."""
    for direction in sort.values():
        if direction not in (1, -1):
            raise QueryError("sort directions are 1 or -1")
    fields = list(sort.items())

    def key(document: dict):
        return tuple(_Directed(document.get(name), direction) for name, direction in fields)

    return key


class _Directed:
    """Orders values (None first, as Mongo does) in the requested direction."""

    __slots__ = ("direction", "value")

    def __init__(self, value: Any, direction: int):
        self.value, self.direction = value, direction

    def __lt__(self, other: _Directed) -> bool:
        a, b = (self.value, other.value) if self.direction == 1 else (other.value, self.value)
        if a is None or b is None:
            return a is None and b is not None
        try:
            return a < b
        except TypeError:
            return str(type(a)) < str(type(b))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Directed) and self.value == other.value


def select(store: SubmissionStore, query: dict, sort: dict, start: int, limit: int) -> tuple[int, list[dict]]:
    """(how many of the store's submissions match, the page asked for)."""
    condition = query.get("_id") if set(query) == {"_id"} else None
    # Fast paths for what the platform asks (keyset on _id, refetch by $in), so a large
    # lazy form pages in proportion to the page, not to the form.
    if (
        sort == {"_id": 1}
        and isinstance(condition, dict)
        and set(condition) in ({"$gt", "$lte"}, {"$lte"})
        and all(isinstance(v, int) for v in condition.values())
    ):
        # an _id range, as concurrent landing asks for it (the first range of a form never
        # landed has no lower bound: without this path it built every submission of the form)
        after, up_to = condition.get("$gt"), condition["$lte"]
        in_range = itertools.takewhile(lambda s: s["_id"] <= up_to, store.iter_after(after, skip=start))
        return max(store.count_after(after) - store.count_after(up_to), 0), list(itertools.islice(in_range, limit))
    if sort == {"_id": -1} and (
        not query or (isinstance(condition, dict) and set(condition) == {"$gt"} and isinstance(condition["$gt"], int))
    ):
        # the newest first, as a probe or a look above the high-water mark asks
        after = condition["$gt"] if query else None
        page = list(itertools.islice(store.iter_newest_first(after), start, start + limit))
        return store.count_after(after), page
    if sort == {"_id": 1} and (not query or (isinstance(condition, dict) and len(condition) == 1)):
        operator, operand = next(iter(condition.items())) if query else ("$gt", None)
        if operator in ("$gt", "$gte") and (operand is None or isinstance(operand, int)):
            after = None if operand is None else operand - (operator == "$gte")
            page = list(itertools.islice(store.iter_after(after, skip=start), limit))
            return store.count_after(after), page
        if operator == "$in" and isinstance(operand, list):
            found = [s for s in (store.get(i) for i in sorted(set(operand)) if isinstance(i, int)) if s]
            return len(found), found[start : start + limit]
    selected = sorted((s for s in store.iter_after(None) if matches(s, query)), key=sort_key(sort))
    return len(selected), selected[start : start + limit]

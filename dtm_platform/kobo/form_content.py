"""Reading a form's XLSForm content as KPI serves it (``/api/v2/assets/<uid>/`` ``content``):
its questions with their paths, types, choice lists and English and French labels, and the
codes of each choice list. Shared by the registry's kinds, ``dtm forms check`` and
``dtm forms add``.
"""

from __future__ import annotations

from dataclasses import dataclass

GROUP_TYPES = {"begin_group", "begin_repeat"}
STRUCTURE_TYPES = GROUP_TYPES | {"end_group", "end_repeat"}


@dataclass(frozen=True)
class Question:
    path: str
    name: str
    type: str  # the XLSForm type's first word: integer, select_one, begin_repeat, ...
    label_en: str
    label_fr: str
    in_repeat: bool
    list_name: str | None = None
    required: bool = False


def form_questions(content: dict, *, with_groups: bool = False) -> list[Question]:
    """The questions of a form's content, in form order, with the English and French labels
    found among its translations; groups and repeats (their ``begin_`` rows) only when
    ``with_groups``."""
    translations = [str(t or "").lower() for t in content.get("translations") or [None]]

    def label(row: dict, language: str) -> str:
        labels = row.get("label")
        if isinstance(labels, str):
            return labels
        if not isinstance(labels, list) or not labels:
            return ""
        for position, name in enumerate(translations):
            if f"({language})" in name and position < len(labels):
                return labels[position] or ""
        return labels[0] or ""

    questions, repeats = [], []
    for row in content.get("survey") or []:
        words = str(row.get("type", "")).split()
        kind = words[0] if words else ""
        path = row.get("$xpath") or row.get("name") or ""
        in_repeat = bool(repeats)
        if kind == "begin_repeat":
            repeats.append(path)
        elif kind == "end_repeat" and repeats:
            repeats.pop()
        if not path or (kind in STRUCTURE_TYPES and not (with_groups and kind in GROUP_TYPES)):
            continue
        # "select_one yes_no" (XLSForm shorthand) or select_from_list_name (KPI's JSON)
        list_name = row.get("select_from_list_name") or (words[1] if len(words) > 1 else None)
        questions.append(
            Question(
                path,
                str(row.get("name") or path.rsplit("/", 1)[-1]),
                kind,
                label(row, "en"),
                label(row, "fr"),
                in_repeat,
                list_name if kind.startswith("select") else None,
                row.get("required") in (True, "true", "yes", "TRUE"),
            )
        )
    return questions


def choice_codes(content: dict) -> dict[str, list[str]]:
    """Each choice list's codes, in form order."""
    codes: dict[str, list[str]] = {}
    for choice in content.get("choices") or []:
        if choice.get("list_name") and choice.get("name") is not None:
            codes.setdefault(str(choice["list_name"]), []).append(str(choice["name"]))
    return codes

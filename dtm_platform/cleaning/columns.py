"""The columns of a verification workbook, shared by the writer (workbooks.py) and the
reader of returned ones (answers.py): what each holds, its bilingual header, and whether the
field team may edit it. Headers are how a returned workbook's columns are found again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from dtm_platform.kobo.form_content import choice_codes
from dtm_platform.kobo.kinds import KIND_NAMES, kind_fields, reference_content

SHEET = "Verification"
README_SHEET = "Lisez-moi (Readme)"
CHOICES_SHEET = "Choix (Choices)"

DECISIONS = ("change_response", "blank_response", "no_action", "remove_survey")
# What a field team may decide on an answer the cleaning log cannot correct (outside the
# correctable fields): confirm it, or remove the survey; a correction is made in Kobo.
DECISIONS_WITHOUT_CORRECTION = ("no_action", "remove_survey")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    editable: bool = False
    hidden: bool = False


COLUMNS = (  # widths sum to what an A4 landscape page prints at about 70%
    Column("issue_key", "Clé / Key", 10, hidden=True),
    Column("form", "Formulaire / Form", 12),
    Column("submission_id", "Soumission / Submission", 10),
    Column("submitted_on", "Reçue le / Received", 10),
    Column("enumerator_id", "Enquêteur / Enumerator", 11),
    Column("place", "Lieu / Place", 16),
    Column("question", "Question (FR / EN)", 26),
    Column("field", "Champ / Field", 12),
    Column("current_value", "Valeur actuelle / Current value", 14),
    Column("rule", "Règle / Rule", 14),
    Column("explanation", "Explication / Explanation", 38),
    Column("severity", "Gravité / Severity", 9),
    Column("decision", "Décision / Decision", 16, editable=True),
    Column("new_value", "Nouvelle valeur / New value", 13, editable=True),
    Column("comment", "Commentaire / Comment", 24, editable=True),
    Column("verified_by", "Vérifié par / Verified by", 12, editable=True),
    Column("checksum", "Contrôle / Check", 10, hidden=True),
)
WRAPPED = ("place", "question", "current_value", "explanation", "comment")
PROTECTED = tuple(c.key for c in COLUMNS if not c.editable and c.key != "checksum")
BY_HEADER = {c.header: c for c in COLUMNS}


def text(value) -> str:
    """A cell as the workbook shows it and the checksum reads it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def bilingual(french, english) -> str:
    """French first, English below it, once when they are the same."""
    french, english = text(french), text(english)
    return french if not english or french == english else f"{french}\n{english}"


def checksum(row: dict) -> str:
    """A fingerprint of a row's protected cells: a returned row whose fingerprint differs had
    a protected cell edited (sheet protection in XLSX only asks politely)."""
    joined = "\x1f".join(text(row.get(key)) for key in PROTECTED)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


@cache
def question_codes(form: str, question: str | None) -> tuple[str, ...]:
    """The codes a select-one question of a kind's reference form takes (all of them, the
    sub-prefectures' too): what a new value must be, and what its drop-down lists."""
    reference = kind_fields(form).get(question or "") if form in KIND_NAMES else None
    if not reference or reference.type != "select_one" or not reference.list_name:
        return ()
    return tuple(choice_codes(reference_content(form)).get(reference.list_name, ()))

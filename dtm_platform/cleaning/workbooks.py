"""Daily verification workbooks: one XLSX per field team listing the open data-quality
issues of its enumerators' recent submissions (marts.dq_verification_queue), with columns
for the team's answer. Read by supervisors on laptops and printed for the field: bilingual
(French first), a readme sheet, drop-down lists, protected columns, A4 landscape.

The figures come from the mart; this module only lays them out."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

from dtm_platform.cleaning.columns import (
    CHOICES_SHEET,
    COLUMNS,
    DECISIONS,
    DECISIONS_WITHOUT_CORRECTION,
    README_SHEET,
    SHEET,
    WRAPPED,
    bilingual,
    checksum,
    question_codes,
    text,
)
from dtm_platform.kobo.kinds import kind_fields
from dtm_platform.reports.files import write_atomically
from dtm_platform.reports.xlsx import WORKBOOK_OPTIONS, Formats, write_text
from dtm_platform.warehouse import connect_duckdb

QUEUE = "marts.dq_verification_queue"
POSITION = {c.key: i for i, c in enumerate(COLUMNS)}
TEAM_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
BLUE, GREY, ANSWER = "#0033a0", "#F2F2F2", "#FFF2CC"


@dataclass
class Workbooks:
    directory: Path
    paths: dict[str, Path] = field(default_factory=dict)  # team -> its workbook
    issues: dict[str, int] = field(default_factory=dict)  # team -> issues listed
    removed: list[Path] = field(default_factory=list)  # earlier workbooks of teams with none now


def write_verification_workbooks(warehouse: Path, directory: Path, generated: datetime) -> Workbooks:
    """One workbook per team with open issues on recent submissions, under ``directory``;
    a team's workbook of an earlier day is removed once it has nothing left to verify."""
    rows, choices = _read(warehouse)
    by_team: dict[str, list[dict]] = {}
    for row in rows:
        by_team.setdefault(row["team"], []).append(row)
    outcome = Workbooks(directory)
    manifest = directory / ".written"  # the workbooks this platform wrote: the only ones it removes
    earlier = manifest.read_text(encoding="utf-8").split() if manifest.exists() else []
    for team, team_rows in sorted(by_team.items()):
        if not TEAM_NAME.fullmatch(team):  # the seed's suite holds this; never a path outside
            raise ValueError(f"ref_enumerator_teams: team {team!r} is not a file name (a-z, 0-9, -)")
        path = directory / f"{team}.xlsx"
        write_atomically(path, workbook_bytes(team, team_rows, choices, generated))
        outcome.paths[team], outcome.issues[team] = path, len(team_rows)
    for name in earlier:
        path = directory / name
        if path.stem not in outcome.paths and TEAM_NAME.fullmatch(path.stem) and path.exists():
            path.unlink()
            outcome.removed.append(path)
    if outcome.paths or earlier:
        write_atomically(manifest, "".join(f"{p.name}\n" for p in outcome.paths.values()))
    return outcome


def _read(warehouse: Path) -> tuple[list[dict], dict[tuple[str, str], list[tuple[str, str, str]]]]:
    with connect_duckdb(warehouse, read_only=True) as con:
        cursor = con.execute(f"""
            select *, strftime(submitted_at, '%Y-%m-%d') as submitted_on from {QUEUE}
            where is_recent
            order by team, form, submitted_at, submission_id, severity, rule, field""")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r)) for r in cursor.fetchall()]
        labels = {
            (kind, lst, code): (en, fr)
            for kind, lst, code, en, fr in con.execute(
                "select kind, choice_list, choice_code, label_en, label_fr from staging.stg_kobo__kind_choices"
            ).fetchall()
        }
    return rows, _choices({(r["form"], r["question_name"]) for r in rows if r["is_correctable"]}, labels)


def _choices(fields: set[tuple[str, str]], labels: dict) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(form, question) -> [(code, French label, English label)] for the select questions
    among ``fields``, in the codes the models hold."""
    out = {}
    for form, name in sorted(fields):
        codes = question_codes(form, name)
        if codes:
            list_name = kind_fields(form)[name].list_name
            out[(form, name)] = [(code, *reversed(labels.get((form, list_name, code), (code, code)))) for code in codes]
    return out


def workbook_bytes(team: str, rows: list[dict], choices: dict, generated: datetime) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties(
        {
            "title": f"Vérification des données / Data verification: {team}",
            "author": "DTM CAR data platform",
            "created": generated.replace(tzinfo=None),
        }
    )
    formats = Formats(workbook)
    _readme(workbook.add_worksheet(README_SHEET), team, rows, generated, formats)
    sheet = workbook.add_worksheet(SHEET)
    ranges = _choices_sheet(workbook.add_worksheet(CHOICES_SHEET), rows, choices, formats)
    _verification_sheet(sheet, team, rows, ranges, generated, formats)
    workbook.worksheets()[1].activate()
    workbook.close()
    return buffer.getvalue()


README = [
    (
        "Ce classeur / This workbook",
        (
            "Les problèmes de qualité des données trouvés dans les soumissions récentes des enquêteurs de l'équipe, "
            "à vérifier avec eux (appel, fiche papier, revisite).\n"
            "The data-quality issues found in the recent submissions of the team's enumerators, to verify with "
            "them (a call, the paper form, a revisit)."
        ),
    ),
    (
        "Que faire / What to do",
        (
            "Feuille « Verification » : pour chaque ligne, choisir une décision, remplir la nouvelle valeur si "
            "besoin et un commentaire qui dit comment la valeur a été vérifiée. Ne modifier que les colonnes jaunes : "
            "une ligne dont une colonne grise a été changée est refusée. Une ligne sans décision reste ouverte et "
            "revient dans le classeur suivant.\n"
            'Sheet "Verification": for each row choose a decision, fill in the new value where needed and a '
            "comment saying how the value was checked. Edit the yellow columns only: a row whose grey column was "
            "changed is rejected. A row without a decision stays open and comes back in the next workbook."
        ),
    ),
    ("change_response", "Remplacer la réponse par la nouvelle valeur / Replace the answer with the new value."),
    (
        "blank_response",
        "Effacer la réponse (inconnue, ne s'applique pas) / Empty the answer (unknown, does not apply).",
    ),
    (
        "no_action",
        ("La réponse est juste, la garder : le problème est clos / The answer is right, keep it: the issue is closed."),
    ),
    (
        "remove_survey",
        (
            "Retirer toute l'enquête des résultats (faux entretien, doublon, mauvais lieu) / Remove the "
            "whole survey from the results (fake interview, duplicate, wrong place)."
        ),
    ),
    (
        "Nouvelle valeur / New value",
        (
            "Pour une question à choix, un code de la liste (feuille « Choix »); pour un nombre, un nombre; pour une "
            "date, une date. Les réponses de questions que le journal de nettoyage ne corrige pas (colonne grisée) "
            "se corrigent dans Kobo : seules no_action et remove_survey y sont possibles.\n"
            'For a select question, a code of the list (sheet "Choices"); for a number, a number; for a date, a '
            "date. Answers the cleaning log cannot correct (greyed column) are corrected in Kobo: only no_action and "
            "remove_survey apply there."
        ),
    ),
    (
        "Lignes grisées / Greyed rows",
        (
            "Les formulaires que le journal de nettoyage ne couvre pas (comptages des flux) : les problèmes sont "
            "montrés pour information, la soumission se corrige dans Kobo.\n"
            "Forms the cleaning log does not cover (flow counts): the issues are shown for information, the "
            "submission is corrected in Kobo."
        ),
    ),
    (
        "Retour / Return",
        (
            "Renvoyer le classeur rempli au chargé des données, sans le renommer ni en changer les feuilles. Il "
            "l'importe (dtm cleaning import, ou le dossier cleaning/inbox) ; chaque ligne refusée revient avec sa "
            "raison.\n"
            "Send the filled workbook back to the data officer, without renaming it or changing its sheets. They "
            "import it (dtm cleaning import, or the cleaning/inbox folder); each rejected row comes back with its "
            "reason."
        ),
    ),
    (
        "Données personnelles / Personal data",
        (
            "Aucune valeur personnelle (nom, téléphone, identifiant) n'est dans ce classeur : n'en écrivez pas dans "
            "les commentaires.\n"
            "No personal value (name, phone, ID) is in this workbook: do not write any in the comments."
        ),
    ),
]


def _readme(sheet, team: str, rows: list[dict], generated: datetime, formats: Formats) -> None:
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 110)
    write_text(
        sheet,
        0,
        0,
        f"Vérification des données / Data verification: {team}",
        formats,
        bold=True,
        font_size=14,
        font_color=BLUE,
    )
    blocking = sum(r["severity"] == "blocking" for r in rows)
    facts = [
        ("Équipe / Team", team),
        ("Superviseur / Supervisor", next((r["supervisor"] for r in rows if r["supervisor"]), "")),
        ("Produit le / Generated", generated.strftime("%d/%m/%Y %H:%M UTC")),
        (
            "Problèmes / Issues",
            (
                f"{len(rows)} ({blocking} bloquants / blocking: la soumission reste hors des "
                f"résultats tant qu'ils ne sont pas réglés / kept out of the results until settled)"
            ),
        ),
    ]
    row = 2
    for label, value in [*facts, ("", ""), *README]:
        write_text(sheet, row, 0, label, formats, bold=True, valign="top")
        write_text(sheet, row, 1, value, formats, text_wrap=True, valign="top")
        sheet.set_row(row, 13.0 * sum(1 + int(len(part) * 0.75) // 110 for part in value.split("\n")) + 3)
        row += 1
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


def _choices_sheet(sheet, rows: list[dict], choices: dict, formats: Formats) -> dict[tuple[str, str], str]:
    """The codes of each select question in the workbook; returns (form, field) -> the range
    a new-value drop-down lists."""
    header = formats.get(bold=True, font_color="#FFFFFF", bg_color=BLUE)
    for col, (title, width) in enumerate(
        [("Formulaire / Form", 14), ("Champ / Field", 18), ("Code", 20), ("Libellé (FR)", 40), ("Label (EN)", 40)]
    ):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, header)
    ranges, line = {}, 1
    for key in sorted({(r["form"], r["question_name"]) for r in rows} & choices.keys()):
        first = line
        for code, label_fr, label_en in choices[key]:
            for col, value in enumerate((*key, code, label_fr, label_en)):
                write_text(sheet, line, col, value, formats)
            line += 1
        ranges[key] = f"='{CHOICES_SHEET}'!$C${first + 1}:$C${line}"
    sheet.freeze_panes(1, 0)
    sheet.protect("", {"autofilter": True, "select_locked_cells": True, "select_unlocked_cells": True})
    return ranges


VALIDATIONS = {  # a correctable value's type -> the new value's data validation
    "integer": {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "input_title": "Nombre entier",
        "input_message": "Whole number, 0 or more",
    },
    "double": {
        "validate": "decimal",
        "criteria": "between",
        "minimum": -1e9,
        "maximum": 1e9,
        "input_title": "Nombre",
        "input_message": "Number (decimal point)",
    },
    "date": {
        "validate": "date",
        "criteria": "between",
        "minimum": datetime(2000, 1, 1),
        "maximum": datetime(2100, 12, 31),
        "input_title": "Date",
        "input_message": "Date",
    },
    "boolean": {"validate": "list", "source": ["true", "false"]},
    "varchar": {
        "validate": "length",
        "criteria": "<=",
        "value": 200,
        "input_title": "Texte",
        "input_message": "Text, 200 characters at most",
    },
}


def _verification_sheet(
    sheet, team: str, rows: list[dict], ranges: dict, generated: datetime, formats: Formats
) -> None:
    header = formats.get(
        bold=True, font_color="#FFFFFF", bg_color=BLUE, text_wrap=True, valign="top", border=1, border_color="#FFFFFF"
    )
    answer_header = formats.get(bold=True, bg_color="#FFD966", text_wrap=True, valign="top", border=1)
    for col, column in enumerate(COLUMNS):
        sheet.set_column(col, col, column.width, None, {"hidden": column.hidden})
        sheet.write_string(0, col, column.header, answer_header if column.editable else header)
    sheet.set_row(0, 32)
    # a new value by its question's type, grouped so that each rule covers many cells at once
    decisions: dict[tuple[str, ...], list[str]] = {}
    new_values: dict[str, list[str]] = {}
    for line, row in enumerate(rows, 1):
        cells = workbook_row(row)
        shade = {"bg_color": GREY, "valign": "top"} if row["severity"] == "blocking" else {"valign": "top"}
        for col, column in enumerate(COLUMNS):
            if column.editable:
                # a form the cleaning log does not cover is corrected in Kobo: nothing to answer here
                open_cell = row["is_answerable"] and (column.key != "new_value" or row["is_correctable"])
                write_text(
                    sheet,
                    line,
                    col,
                    None,
                    formats,
                    locked=not open_cell,
                    border=1,
                    border_color="#BFBFBF",
                    bg_color=ANSWER if open_cell else "#D9D9D9",
                    text_wrap=column.key == "comment",
                )
            else:
                write_text(sheet, line, col, cells[column.key], formats, text_wrap=column.key in WRAPPED, **shade)
        sheet.set_row(line, row_height(cells))
        if not row["is_answerable"]:
            continue
        allowed = DECISIONS if row["is_correctable"] else DECISIONS_WITHOUT_CORRECTION
        decisions.setdefault(allowed, []).append(_cell(line, POSITION["decision"]))
        if row["is_correctable"]:
            kind = (
                f"list:{ranges[(row['form'], row['question_name'])]}"
                if (row["form"], row["question_name"]) in ranges
                else row["value_type"]
            )
            new_values.setdefault(kind, []).append(_cell(line, POSITION["new_value"]))
    for allowed, cells in decisions.items():
        _validate(
            sheet,
            cells,
            {
                "validate": "list",
                "source": list(allowed),
                "error_title": "Décision / Decision",
                "error_message": "Choisir dans la liste / Choose from the list: " + ", ".join(allowed),
            },
        )
    for kind, cells in new_values.items():
        if kind.startswith("list:"):
            rule = {
                "validate": "list",
                "source": kind[5:],
                "error_title": "Code",
                "error_message": "Un code de la feuille Choix / A code of the Choices sheet",
            }
        else:
            rule = {
                **VALIDATIONS.get(kind, VALIDATIONS["varchar"]),
                "error_title": "Valeur / Value",
                "error_message": "Valeur du mauvais type / A value of the wrong type",
            }
        _validate(sheet, cells, rule)
    last = max(len(rows), 1)
    sheet.freeze_panes(1, POSITION["submission_id"] + 1)
    sheet.autofilter(0, 0, last, len(COLUMNS) - 1)
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # every column on the page's width, as many pages as it takes
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_header(f"&L&8{team}&R&8{generated.strftime('%d/%m/%Y')}")
    sheet.set_footer("&C&8Page &P / &N")
    sheet.protect(
        "",
        {
            "autofilter": True,
            "sort": False,
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )


def workbook_row(row: dict) -> dict[str, str]:
    """A queue row as the workbook shows it (the protected cells, as text, and their checksum)."""
    cells = {
        key: text(row.get(key))
        for key in (
            "issue_key",
            "form",
            "submission_id",
            "submitted_on",
            "enumerator_id",
            "place",
            "field",
            "current_value",
            "rule",
            "severity",
        )
    }
    cells["question"] = bilingual(row.get("question_label_fr"), row.get("question_label_en"))
    cells["explanation"] = bilingual(row.get("rule_description_fr"), row.get("rule_description_en"))
    if text(row.get("finding")):  # what tripped the rule, when the current value does not say it
        cells["explanation"] += f"\n→ {text(row.get('finding'))}"
    cells["checksum"] = checksum(cells)
    return cells


def row_height(cells: dict[str, str]) -> float:
    """Enough lines for the longest wrapped cell (xlsxwriter cannot fit rows to their text,
    and a spreadsheet opening the file does not either)."""
    widths = {c.key: c.width for c in COLUMNS}
    lines = max(
        sum(1 + int(len(part) * 0.85) // widths[key] for part in (cells.get(key) or "").split("\n"))
        for key in WRAPPED
        if key in cells
    )
    return 13.0 * max(lines, 1)


def _cell(row: int, col: int) -> str:
    return xlsxwriter.utility.xl_rowcol_to_cell(row, col)


def _validate(sheet, cells: list[str], rule: dict) -> None:
    """One data validation over many cells (Excel keeps one rule per range list, not per cell)."""
    first = cells[0]
    sheet.data_validation(first, {**rule, "multi_range": " ".join(cells)})

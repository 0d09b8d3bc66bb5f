"""Typed tables of a registered form, derived from its own Kobo form content (no SQL written
by hand): ``forms.<dataset>``, one row per live submission and one column per question, and
one child table per repeat group, ``forms.<dataset>__<repeat>`` (nested:
``forms.<dataset>__<outer>__<inner>``), keyed to its parent by ``submission_id`` and the
1-based ``<repeat>_position`` of every repeat above and at its level.

The layout (which tables, which columns, which type) is computed in Python from the
content of every version in ``raw.kobo_form_content``; the data is read in DuckDB SQL over
the JSON payloads (one JSON parse per row and table, ``try_cast`` for every typed value),
so a form of a million submissions never passes through Python row by row. A form's tables,
its rows of ``forms.type_changes`` and of ``forms.form_tables`` are replaced in one
transaction: a reader sees the previous build or the new one, never half of one.

Personal data (ARCHITECTURE.md, Personal data): the registry's policy is applied here too,
and a question that looks personal (``form_check.suspected_personal``) without a policy is
dropped, its path reported so that an officer can declare one.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from dtm_platform.kobo.form_check import form_questions, suspected_personal
from dtm_platform.kobo.form_content import STRUCTURE_TYPES
from dtm_platform.kobo.registry import FormEntry
from dtm_platform.transform.duckdb_functions import register_functions
from dtm_platform.warehouse import transaction_retrying

SCHEMA = "forms"
TYPE_CHANGES_TABLE = "type_changes"
CATALOG_TABLE = "form_tables"

# The submission's own columns in every parent table, before the questions.
METADATA_COLUMNS = (
    ("submission_id", "BIGINT"),
    ("submission_uuid", "VARCHAR"),
    ("submitted_at", "TIMESTAMPTZ"),
    ("form_version", "VARCHAR"),
    ("validation_status", "VARCHAR"),
)
# Rows of the survey that hold no answer.
SKIPPED_TYPES = STRUCTURE_TYPES | {"note", ""}
SCALAR_TYPES = {
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "range": "DOUBLE",
    "date": "DATE",
    "today": "DATE",
    "datetime": "TIMESTAMPTZ",
    "start": "TIMESTAMPTZ",
    "end": "TIMESTAMPTZ",
    "time": "TIME",
}
GEOPOINT_PARTS = ("latitude", "longitude", "altitude", "accuracy")
LANGUAGES = {"en": ("english", "anglais"), "fr": ("french", "français", "francais")}

TYPE_CHANGES_DDL = f"""
create table if not exists {SCHEMA}.{TYPE_CHANGES_TABLE} (
    dataset varchar not null,
    question_path varchar not null,
    table_name varchar not null,
    column_name varchar,
    newest_type varchar not null,
    version_types struct(version_id varchar, type varchar)[] not null,
    values_not_fitting bigint,
    built_at timestamptz not null
)"""
CATALOG_DDL = f"""
create table if not exists {SCHEMA}.{CATALOG_TABLE} (
    dataset varchar not null,
    table_name varchar not null,
    parent_table varchar,
    repeat_path varchar,
    key_columns varchar[] not null,
    rows bigint not null,
    built_at timestamptz not null
)"""


@dataclass(frozen=True)
class Question:
    path: str
    name: str
    type: str  # XLSForm type of the newest version that has the question
    list_name: str | None
    repeat: str | None  # path of the innermost repeat holding it; None at the top level
    label_en: str
    label_fr: str
    versions: tuple[tuple[str, str], ...]  # (version_id, XLSForm type), newest first

    @property
    def type_changed(self) -> bool:
        return len({kind for _, kind in self.versions}) > 1


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    expression: str  # over the question's raw text, written as {v}
    question: Question | None = None
    role: str = "value"  # value, label_en, label_fr, hash, a geopoint part, ...


@dataclass
class Table:
    name: str
    repeat: str | None  # the repeat path, None for the parent table
    chain: tuple[str, ...]  # repeat paths from the outermost down to this one
    key_columns: list[str]
    parent: str | None
    questions: list[Question] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)


@dataclass
class FormLayout:
    dataset: str
    versions: list[str]  # versions with content, newest first
    tables: list[Table]
    choices: dict[str, dict[str, tuple[str, str]]]  # list -> code -> (label en, label fr)
    policies: dict[str, str]  # path -> drop | hash | coarsen_gps, as applied
    dropped_without_policy: list[str]  # looked personal, no policy in the registry: dropped
    type_changes: list[tuple[Table, Question, str | None]]  # table, question, its value column

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


@dataclass(frozen=True)
class BuildResult:
    dataset: str
    rows: dict[str, int]  # table -> rows
    columns: dict[str, list[str]]  # table -> columns
    versions: list[str]
    policies: dict[str, str]
    dropped_without_policy: list[str]
    type_changes: list[dict]  # paths, versions, types and counts: never values


# --- the layout, from the form's content -------------------------------------------------------


def sql_name(text: str) -> str:
    """A lower-case identifier from a Kobo name or path (always quoted in SQL as well)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9_]+", "_", ascii_text).strip("_")
    return name if re.match(r"[a-z_]", name or "") else f"q_{name}"


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_path(key: str) -> str:
    # Kobo keys are full paths with slashes, e.g. grp_idp/idp_hh: quoted as one JSONPath key.
    return literal('$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"')


def language_index(translations: list, code: str) -> int | None:
    """Where ``code``'s labels are among a form's translations: "Français (fr)" by its code,
    else by the language's name."""
    names = [str(t or "").lower() for t in translations]
    for position, name in enumerate(names):
        if f"({code})" in name:
            return position
    for position, name in enumerate(names):
        if any(word in name for word in LANGUAGES[code]):
            return position
    return None


def pick_label(label, index: int | None) -> str:
    """The label in the language at ``index``; a form in one language gives that one label for
    both languages, rather than an empty column."""
    if isinstance(label, str):
        return label
    if not isinstance(label, list) or not label:
        return ""
    if index is not None and index < len(label) and label[index]:
        return str(label[index])
    return next((str(text) for text in label if text), "")


def _survey_questions(content: dict) -> tuple[list[tuple], dict[str, str | None]]:
    """(path, name, type, list, innermost repeat, label en, label fr) of each answer, and each
    repeat with the repeat around it."""
    translations = content.get("translations") or [None]
    en, fr = language_index(translations, "en"), language_index(translations, "fr")
    questions, repeats, stack = [], {}, []
    for row in content.get("survey") or []:
        tokens = str(row.get("type") or "").split()
        kind = tokens[0] if tokens else ""
        name = str(row.get("name") or "")
        path = row.get("$xpath") or ("/".join([stack[-1][1], name]) if stack and name else name)
        if kind in ("begin_group", "begin_repeat"):
            if kind == "begin_repeat":
                repeats[path] = next((p for k, p in reversed(stack) if k == "repeat"), None)
            stack.append(("repeat" if kind == "begin_repeat" else "group", path))
            continue
        if kind in ("end_group", "end_repeat"):
            if stack:
                stack.pop()
            continue
        if kind in SKIPPED_TYPES or not path:
            continue
        list_name = row.get("select_from_list_name") or (
            tokens[1] if kind.startswith("select_") and len(tokens) > 1 else None
        )
        repeat = next((p for k, p in reversed(stack) if k == "repeat"), None)
        questions.append(
            (
                path,
                name or path.rsplit("/", 1)[-1],
                kind,
                list_name,
                repeat,
                pick_label(row.get("label"), en),
                pick_label(row.get("label"), fr),
            )
        )
    return questions, repeats


def form_layout(form: FormEntry, contents: list[tuple[str, dict]]) -> FormLayout:
    """The tables and columns of ``form`` from its versions' ``contents`` (version_id,
    content), newest first: the union of every version's questions, each typed as in the
    newest version that has it."""
    merged: dict[str, dict] = {}
    order: list[str] = []
    repeats: dict[str, str | None] = {}
    choices: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    suspects: set[str] = set()
    for version_id, content in contents:  # newest first: the first seen of a question wins
        questions, version_repeats = _survey_questions(content)
        for repeat, parent in version_repeats.items():
            repeats.setdefault(repeat, parent)
        for path, name, kind, list_name, repeat, label_en, label_fr in questions:
            if path not in merged:
                merged[path] = {
                    "name": name,
                    "type": kind,
                    "list_name": list_name,
                    "repeat": repeat,
                    "label_en": label_en,
                    "label_fr": label_fr,
                    "versions": [],
                }
                order.append(path)
            merged[path]["versions"].append((version_id, kind))
        suspects |= set(suspected_personal(form_questions(content)))
    for _, content in reversed(contents):  # oldest first: the newest label of a code wins
        translations = content.get("translations") or [None]
        en, fr = language_index(translations, "en"), language_index(translations, "fr")
        for choice in content.get("choices") or []:
            if choice.get("list_name") and choice.get("name") is not None:
                choices[str(choice["list_name"])][str(choice["name"])] = (
                    pick_label(choice.get("label"), en),
                    pick_label(choice.get("label"), fr),
                )

    questions = [
        Question(
            path, m["name"], m["type"], m["list_name"], m["repeat"], m["label_en"], m["label_fr"], tuple(m["versions"])
        )
        for path, m in ((p, merged[p]) for p in order)
    ]
    policies, dropped_without_policy = {}, []
    for q in questions:
        if q.path in form.personal_fields:
            policies[q.path] = form.personal_fields[q.path]
        elif q.path in suspects:
            # Personal data is dropped by default: an officer declares a policy to keep it hashed.
            policies[q.path] = "drop"
            dropped_without_policy.append(q.path)

    tables = _tables(form.dataset, repeats)
    type_changes = []
    for table in tables:
        table.questions = [q for q in questions if q.repeat == table.repeat]
        names = _base_names(table.questions, table.repeat, set(table.key_columns))
        used = set(table.key_columns)
        for q in table.questions:
            columns = _columns(q, names[q.path], policies.get(q.path))
            for column in columns:
                name, n = column.name, 2
                while name in used:  # a derived name (x_label_en) another question already has
                    name, n = f"{column.name}_{n}", n + 1
                used.add(name)
                table.columns.append(Column(name, column.sql_type, column.expression, q, column.role))
            if q.type_changed:
                value = next((c.name for c in table.columns if c.question is q and c.role == "value"), None)
                type_changes.append((table, q, value))
    return FormLayout(
        form.dataset, [v for v, _ in contents], tables, dict(choices), policies, dropped_without_policy, type_changes
    )


def _tables(dataset: str, repeats: dict[str, str | None]) -> list[Table]:
    """The parent table and one per repeat, named after the repeats' names; two repeats of
    the same name (in different groups) are named by their whole paths instead."""

    def chain(repeat: str) -> tuple[str, ...]:
        up = repeats.get(repeat)
        return (*chain(up), repeat) if up else (repeat,)

    short = {r: f"{dataset}__" + "__".join(sql_name(p.rsplit("/", 1)[-1]) for p in chain(r)) for r in repeats}
    taken = defaultdict(list)
    for repeat, name in short.items():
        taken[name].append(repeat)
    names = {r: (n if len(taken[n]) == 1 else f"{dataset}__{sql_name(r.replace('/', '__'))}") for r, n in short.items()}
    tables = [Table(dataset, None, (), [c for c, _ in METADATA_COLUMNS], None)]
    for repeat in sorted(repeats, key=lambda r: (len(chain(r)), r)):
        keys = ["submission_id"]
        for level in chain(repeat):
            key, n = f"{sql_name(level.rsplit('/', 1)[-1])}_position", 2
            while key in keys:
                key, n = f"{sql_name(level.rsplit('/', 1)[-1])}_{n}_position", n + 1
            keys.append(key)
        parent = repeats.get(repeat)
        tables.append(Table(names[repeat], repeat, chain(repeat), keys, names[parent] if parent else dataset))
    return tables


def _base_names(questions: list[Question], repeat: str | None, reserved: set[str]) -> dict[str, str]:
    """Each question's column name: its own name; questions of one table sharing a name (in
    different groups), or named like a key column, take their path below the table's repeat,
    ``grp_a__age``, so the choice never depends on the order of the versions."""
    by_name = defaultdict(list)
    for q in questions:
        by_name[sql_name(q.name)].append(q)
    names = {}
    for name, shared in by_name.items():
        for q in shared:
            if len(shared) == 1 and name not in reserved:
                names[q.path] = name
            else:
                relative = q.path[len(repeat) + 1 :] if repeat and q.path.startswith(repeat + "/") else q.path
                names[q.path] = sql_name(relative.replace("/", "__"))
    return names


def _columns(q: Question, name: str, policy: str | None) -> list[Column]:
    """The columns of one question, as expressions over its raw text ``{v}``."""
    parts = "list_filter(string_split(trim({v}), ' '), p -> p <> '')"
    if policy == "drop":
        return []
    if policy == "hash":
        # The platform's keyed pseudonym: the salt lives in the registered function, never in SQL.
        return [Column(f"{name}_hash", "VARCHAR", "dtm_pseudonymize({v})", role="hash")]
    if policy == "coarsen_gps":
        return [
            Column(
                f"{name}_{part}_coarse",
                "DOUBLE",
                f"round(try_cast(({parts})[{i}] as double), 1)",
                role=f"{part}_coarse",
            )
            for i, part in enumerate(("latitude", "longitude"), 1)
        ]
    if q.type == "geopoint":
        return [
            Column(f"{name}_{part}", "DOUBLE", f"try_cast(({parts})[{i}] as double)", role="value" if i == 1 else part)
            for i, part in enumerate(GEOPOINT_PARTS, 1)
        ]
    if q.type == "select_one":
        columns = [Column(name, "VARCHAR", "{v}")]
        if q.list_name:
            columns += [
                Column(f"{name}_label_{lang}", "VARCHAR", f"{{labels}}.{lang}[{{v}}]", role=f"label_{lang}")
                for lang in LANGUAGES
            ]
        return columns
    if q.type == "select_multiple":
        columns = [Column(name, "VARCHAR[]", parts)]
        if q.list_name:
            columns += [
                Column(
                    f"{name}_labels_{lang}",
                    "VARCHAR[]",
                    f"list_transform({parts}, c -> {{labels}}.{lang}[c])",
                    role=f"label_{lang}",
                )
                for lang in LANGUAGES
            ]
        return columns
    if q.type in SCALAR_TYPES:
        return [Column(name, SCALAR_TYPES[q.type], f"try_cast({{v}} as {SCALAR_TYPES[q.type]})")]
    return [Column(name, "VARCHAR", "{v}")]  # text, calculate, barcode, media file names...


# --- the SQL ------------------------------------------------------------------------------------


def _label_ctes(table: Table) -> dict[str, str]:
    lists = sorted({q.list_name for q in table.questions if q.list_name and q.type.startswith("select_")})
    return {list_name: f"labels_{position}" for position, list_name in enumerate(lists, 1)}


def source_sql(form: FormEntry, table: Table, choices_table: str) -> str:
    """The WITH clause ending in ``src``: the table's rows (live submissions, or repeat items
    under their parents) with each row's answers read in one JSON extraction, as text ``v``;
    then one row of label maps per choice list the table uses."""
    ctes = [f"live as (select * from raw.{quote(form.raw_table)} where deleted_at is null)"]
    if table.repeat is None:
        ctes.append(
            "items as (select _id as submission_id, _uuid as submission_uuid, "
            "timezone('UTC', submission_time) as submitted_at, form_version, validation_status, "
            "payload as item from live)"
        )
    else:
        previous, keys = "live", []
        for level, repeat in enumerate(table.chain, 1):
            key = table.key_columns[level]
            parent_item = "payload" if level == 1 else "item"
            parent_keys = "_id as submission_id" if level == 1 else ", ".join(["submission_id", *map(quote, keys)])
            # One row per item of the repeat: the array and its 1-based positions unnested together.
            ctes.append(
                f"level_{level} as (select {parent_keys}, unnest(generate_series(1, len(a))) as {quote(key)}, "
                f"unnest(a) as item from (select *, try_cast({parent_item} -> {json_path(repeat)} as json[]) as a "
                f"from {previous}))"
            )
            previous, keys = f"level_{level}", [*keys, key]
        ctes.append(f"items as (select * from {previous})")
    paths = [q.path for q in table.questions]
    extract = f", json_extract_string(item, [{', '.join(json_path(p) for p in paths)}]) as v" if paths else ""
    ctes.append(f"src as (select * exclude (item){extract} from items)")
    for list_name, cte in _label_ctes(table).items():
        ctes.append(
            f"{cte} as (select map_from_entries(list(row(code, label_en))) as en, "
            f"map_from_entries(list(row(code, label_fr))) as fr from {choices_table} "
            f"where list_name = {literal(list_name)})"
        )
    return "with " + ",\n".join(ctes)


def _from_src(table: Table) -> str:
    return "from src" + "".join(f" cross join {cte}" for cte in _label_ctes(table).values())


def table_sql(form: FormEntry, table: Table, choices_table: str) -> str:
    """The SELECT that builds ``table``, in key order."""
    position = {q.path: i for i, q in enumerate(table.questions, 1)}
    labels = _label_ctes(table)
    selected = [quote(k) for k in table.key_columns] + [
        f"cast({column_expression(c, position, labels)} as {c.sql_type}) as {quote(c.name)}" for c in table.columns
    ]
    order = ", ".join(quote(k) for k in table.key_columns)
    return (
        f"{source_sql(form, table, choices_table)}\nselect {', '.join(selected)}\n{_from_src(table)}\norder by {order}"
    )


def column_expression(column: Column, position: dict[str, int], labels: dict[str, str]) -> str:
    q = column.question
    labels_cte = labels.get(q.list_name or "", "null")
    return column.expression.replace("{labels}", labels_cte).replace("{v}", f"src.v[{position[q.path]}]")


def load_contents(con: duckdb.DuckDBPyConnection, form: FormEntry) -> list[tuple[str, dict]]:
    """Every version's content of the form, newest deployment first."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'kobo_form_content'"
    ).fetchone()[0]
    if not exists:
        return []
    rows = con.execute(
        "select version_id, content from raw.kobo_form_content where form_uid = ? "
        "order by date_deployed desc nulls last, fetched_at desc, version_id desc",
        [form.uid],
    ).fetchall()
    return [(version_id, json.loads(content)) for version_id, content in rows]


def build_form_tables(con: duckdb.DuckDBPyConnection, form: FormEntry, salt: str) -> BuildResult:
    """(Re)build the typed tables of ``form`` in schema ``forms``, in one transaction."""
    layout = form_layout(form, load_contents(con, form))
    register_functions(con, salt)

    def build_once() -> tuple[dict[str, int], list[dict]]:
        choices_table = quote(f"dtm_choices_{form.dataset}")  # a temporary table of this connection
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(TYPE_CHANGES_DDL)
        con.execute(CATALOG_DDL)
        con.execute(
            f"create or replace temp table {choices_table} "
            "(list_name varchar, code varchar, label_en varchar, label_fr varchar)"
        )
        rows = [
            (list_name, code, en, fr) for list_name, codes in layout.choices.items() for code, (en, fr) in codes.items()
        ]
        if rows:
            con.executemany(f"insert into {choices_table} values (?, ?, ?, ?)", rows)
        previous = {
            r[0]
            for r in con.execute(
                f"select table_name from {SCHEMA}.{CATALOG_TABLE} where dataset = ?", [form.dataset]
            ).fetchall()
        }
        counts: dict[str, int] = {}
        for table in layout.tables:
            target = f"{SCHEMA}.{quote(table.name)}"
            con.execute(f"create or replace table {target} as {table_sql(form, table, choices_table)}")
            counts[table.name] = con.execute(f"select count(*) from {target}").fetchone()[0]
            con.execute(f"comment on table {target} is {literal(_table_comment(form, table))}")
            for column in table.columns:  # what an analyst sees beside the column: the question
                if column.question is not None:
                    con.execute(
                        f"comment on column {target}.{quote(column.name)} is {literal(_column_comment(column))}"
                    )
        for stale in sorted(previous - set(counts)):  # a table an earlier layout had
            con.execute(f"drop table if exists {SCHEMA}.{quote(stale)}")
        changes = _type_changes(con, form, layout, choices_table)
        con.execute(f"delete from {SCHEMA}.{TYPE_CHANGES_TABLE} where dataset = ?", [form.dataset])
        for change in changes:
            con.execute(
                f"insert into {SCHEMA}.{TYPE_CHANGES_TABLE} values (?, ?, ?, ?, ?, ?, ?, now())",
                [
                    form.dataset,
                    change["question_path"],
                    change["table"],
                    change["column"],
                    change["newest_type"],
                    [{"version_id": v, "type": t} for v, t in change["versions"]],
                    change["values_not_fitting"],
                ],
            )
        con.execute(f"delete from {SCHEMA}.{CATALOG_TABLE} where dataset = ?", [form.dataset])
        for table in layout.tables:
            con.execute(
                f"insert into {SCHEMA}.{CATALOG_TABLE} values (?, ?, ?, ?, ?, ?, now())",
                [form.dataset, table.name, table.parent, table.repeat, table.key_columns, counts[table.name]],
            )
        con.execute(f"drop table {choices_table}")
        return counts, changes

    # On a lake, two forms built at once both rewrite their rows of forms.form_tables and
    # forms.type_changes: the later commit conflicts, and is made again on the new snapshot.
    counts, changes = transaction_retrying(con, build_once, f"form {form.dataset}: building its typed tables")
    return BuildResult(
        dataset=form.dataset,
        rows=counts,
        columns={t.name: [*t.key_columns, *(c.name for c in t.columns)] for t in layout.tables},
        versions=layout.versions,
        policies=layout.policies,
        dropped_without_policy=layout.dropped_without_policy,
        type_changes=changes,
    )


def _type_changes(con, form: FormEntry, layout: FormLayout, choices_table: str) -> list[dict]:
    """Each question whose XLSForm type changed across versions, with how many of its answers
    the newest type cannot read (those are NULL in its column)."""
    changes = []
    for table, q, value_column in layout.type_changes:
        not_fitting = None
        column = next((c for c in table.columns if c.name == value_column), None)
        if column is not None:
            position = {p.path: i for i, p in enumerate(table.questions, 1)}
            expression = column_expression(column, position, _label_ctes(table))
            not_fitting = con.execute(
                f"{source_sql(form, table, choices_table)}\nselect count(*) {_from_src(table)} "
                f"where nullif(trim(src.v[{position[q.path]}]), '') is not null and ({expression}) is null"
            ).fetchone()[0]
        changes.append(
            {
                "question_path": q.path,
                "table": table.name,
                "column": value_column,
                "newest_type": q.type,
                "versions": list(q.versions),
                "values_not_fitting": not_fitting,
            }
        )
    return changes


def _table_comment(form: FormEntry, table: Table) -> str:
    if table.repeat is None:
        return f"{form.title}: one row per live submission, typed from the form's content (dtm_platform)"
    return (
        f"{form.title}: repeat {table.repeat}, one row per item, keyed by "
        f"{', '.join(table.key_columns)} to {table.parent}"
    )


def _column_comment(column: Column) -> str:
    q = column.question
    labels = " / ".join(dict.fromkeys(label for label in (q.label_en, q.label_fr) if label))
    return f"{q.path} ({q.type})" + (f": {labels}" if labels else "")

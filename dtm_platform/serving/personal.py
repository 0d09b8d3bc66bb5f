"""The declared personal fields, as column names and as values, that no published table
may carry (ARCHITECTURE.md, Personal data).

Names: each registry entry's Kobo paths (``key_informants/ki_name``), their last segment
(``ki_name``) and flattened form (``key_informants_ki_name``), and the staging columns the
``personal_field`` macro makes of them (``informant_name``, ``informant_phone_hash``,
``respondent_hh_gps_latitude_coarse`` ...), read from the staging models' SQL.

Values: what respondents answered in those fields, read from the raw payloads (current and
superseded), and the pseudonyms staging keeps of the hashed ones. Values shorter than
``MIN_VALUE_LENGTH`` are left out of the scan: a two-letter answer says nothing and would
match codes and labels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dtm_platform.kobo.registry import FormEntry
from dtm_platform.settings import PROJECT_ROOT
from dtm_platform.warehouse import connect_duckdb, warehouse_exists

MODELS_DIR = PROJECT_ROOT / "dbt_project" / "models"
MIN_VALUE_LENGTH = 4
POLICY_SUFFIXES = {"drop": ("",), "hash": ("", "_hash"), "coarsen_gps": ("", "_latitude_coarse", "_longitude_coarse")}
_MACRO_CALL = re.compile(r"personal_field\((.*?)\)\s*\}\}", re.DOTALL)
_QUOTED = re.compile(r"'([^']*)'")


@dataclass(frozen=True)
class PersonalFields:
    column_names: frozenset[str]
    values: frozenset[str] = frozenset()

    def columns_in(self, names: Iterable[str]) -> list[str]:
        declared = {n.lower() for n in self.column_names}
        return [name for name in names if name.lower() in declared]

    def values_in(self, values: Iterable[object]) -> int:
        """How many distinct published values are declared personal values."""
        if not self.values:
            return 0
        return len({str(v) for v in values if v is not None} & self.values)


def declared_column_names(forms: list[FormEntry], models_dir: Path = MODELS_DIR) -> frozenset[str]:
    names: set[str] = set()
    for form in forms:
        for path, policy in form.personal_fields.items():
            flat = re.sub(r"[^A-Za-z0-9_]", "_", path)
            for base in (path, path.rsplit("/", 1)[-1], flat):
                names.update(base + suffix for suffix in POLICY_SUFFIXES[policy])
    for sql_file in sorted(models_dir.rglob("*.sql")):
        for call in _MACRO_CALL.finditer(sql_file.read_text(encoding="utf-8")):
            quoted = _QUOTED.findall(call.group(1))
            if len(quoted) >= 3:  # personal_field('dataset', 'kobo/path', <expression>, 'alias')
                alias = quoted[-1]
                names.update(alias + suffix for suffixes in POLICY_SUFFIXES.values() for suffix in suffixes)
    return frozenset(n.lower() for n in names)


def personal_values(
    con: duckdb.DuckDBPyConnection, forms: list[FormEntry], column_names: frozenset[str]
) -> frozenset[str]:
    """Answers to declared personal fields in raw, and their pseudonyms in staging."""
    tables = {
        (schema, table)
        for schema, table in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    values: set[str] = set()
    for form in forms:
        paths = [p for p, policy in form.personal_fields.items() if policy in ("drop", "hash")]
        sources = []
        if ("raw", form.raw_table) in tables:
            sources.append(f'select payload from raw."{form.raw_table}"')
        if ("raw", "kobo_submission_history") in tables:
            sources.append(f"select payload from raw.kobo_submission_history where dataset = '{form.dataset}'")
        for path in paths:
            pattern = '"' + re.escape(path) + r'"\s*:\s*"((?:[^"\\]|\\.)*)"'
            for source in sources:
                for (raw_value,) in con.execute(
                    f"select distinct unnest(regexp_extract_all(payload::varchar, ?, 1)) from ({source})", [pattern]
                ).fetchall():
                    try:
                        value = json.loads(f'"{raw_value}"').strip()
                    except json.JSONDecodeError:
                        value = raw_value.strip()
                    if len(value) >= MIN_VALUE_LENGTH:
                        values.add(value)
    hashed = [
        (schema, table, column)
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema = 'staging' and column_name like '%\\_hash' escape '\\'"
        ).fetchall()
        if column.lower() in column_names
    ]
    for schema, table, column in hashed:
        values.update(
            v
            for (v,) in con.execute(
                f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null'
            ).fetchall()
        )
    return frozenset(values)


def load_personal_fields(warehouse: Path, forms: list[FormEntry], models_dir: Path = MODELS_DIR) -> PersonalFields:
    names = declared_column_names(forms, models_dir)
    if not warehouse_exists(warehouse):
        return PersonalFields(names)
    with connect_duckdb(warehouse, read_only=True) as con:
        return PersonalFields(names, personal_values(con, forms, names))

"""Publication of the marts to Postgres (DTM_POSTGRES_URL), for Power BI and analysts.

One transaction does everything a reader could see:

1. create a fresh schema ``marts_new_<suffix>`` and its tables, and COPY the marts into
   them (psycopg ``cursor.copy``), disclosure control applied as everywhere else;
2. scan the new tables in Postgres (small cells, personal columns and values): a finding
   rolls the whole transaction back;
3. rename ``marts`` to ``marts_previous_<suffix>`` and take the reader role's privileges
   off it, rename the new schema to ``marts``, grant the reader role (created NOLOGIN when
   missing) USAGE on ``marts`` and SELECT on its tables, and nothing else; take TEMPORARY on
   the database from PUBLIC and the reader, and give the database (and the reader role,
   where the login may) a ``statement_timeout``.

What the reader role can then do is measured after the commit (``PRIVILEGE_COLUMNS``) and
gated by ``expectations/serving/postgres.json``. Role settings are not inherited by the
logins that are members of a role, so the timeout Power BI's login gets is the database's:
the publisher's own session sets its timeout back to none. What a database owner cannot
take away (CONNECT to other databases, large objects, the catalogue) is the README's
administrator's steps (Deploy).

Renaming a schema takes no lock on its tables, so the swap never waits for a reader: a
query that started before the commit finishes on the previous tables, a query that starts
after it reads the new ones, and nobody sees half a publication. The previous schema is
then dropped in a transaction of its own that gives up after ``CLEANUP_LOCK_TIMEOUT`` when
a reader still has it open (dropping would make that reader wait and block those queued
behind it); a later publication drops it. Nothing from raw, staging or cleaned is read,
so nothing from them can be published.

The URL is a secret: it never reaches a log, an error message or Dagster metadata (only
database, host, port and user do). A URL libpq cannot parse is refused before connecting,
without quoting the parser (it quotes the part it choked on: the password); any other
error is masked by ``secrets.scrub``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from dtm_platform.secrets import scrub
from dtm_platform.serving.disclosure import Column
from dtm_platform.serving.inventory import Published, refuse_if_unsafe, scan
from dtm_platform.serving.marts import PUBLISHED_SCHEMA, MartTable, described, discover_marts, relation
from dtm_platform.serving.personal import PersonalFields
from dtm_platform.settings import DEFAULT_READER_TIMEOUT_SECONDS
from dtm_platform.warehouse import connect_duckdb

NEW_PREFIX = f"{PUBLISHED_SCHEMA}_new_"
RETIRED_PREFIX = f"{PUBLISHED_SCHEMA}_previous"
SWAP_LOCK_TIMEOUT = "30s"
CLEANUP_LOCK_TIMEOUT = "2s"
COPY_BATCH_ROWS = 10_000

# Inventory columns only this target has: what the reader role can do once published.
PRIVILEGE_COLUMNS = [
    ("reader_can_select", "boolean"),  # SELECT on this table
    ("reader_can_write", "boolean"),  # INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES or TRIGGER on it
    ("reader_can_create", "boolean"),  # CREATE on the database or on any schema
    ("reader_other_tables", "integer"),  # tables outside marts it could read
    ("reader_can_temp", "boolean"),  # TEMPORARY on the database (temporary tables and functions)
    ("reader_statement_timeout_seconds", "integer"),  # what a member login starts with; 0: none
    ("reader_other_databases", "integer"),  # other databases it may connect to
]

_DUCKDB_TO_POSTGRES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "BLOB": "bytea",
}


class PostgresPublicationError(RuntimeError):
    """The publication failed; the message never carries the URL or its password."""


@dataclass
class PostgresResult:
    target: str  # "dbname on host:port as user", no password
    published: list[Published]
    retired: str | None = None  # the schema the previous marts were moved to
    retired_left: list[str] = field(default_factory=list)  # previous schemas a reader still holds
    skipped: list[str] = field(default_factory=list)


def postgres_type(duckdb_type: str) -> str:
    upper = duckdb_type.strip().upper()
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", upper)
    if decimal:
        return f"numeric({decimal.group(1)},{decimal.group(2)})"
    return _DUCKDB_TO_POSTGRES.get(upper, "text")


def describe_target(url: str) -> str:
    """Where the marts go, for logs and metadata: never the password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "Postgres (DTM_POSTGRES_URL cannot be parsed)"
    where = f"{info.get('host') or 'localhost'}:{info.get('port') or 5432}"
    return f"{info.get('dbname') or info.get('user') or '?'} on {where} as {info.get('user') or '?'}"


def publish_to_postgres(
    warehouse: Path,
    url: str,
    *,
    reader_role: str,
    min_count: int,
    personal: PersonalFields,
    run_id: str,
    refreshed_at: datetime,
    only: list[str] | None = None,
    reader_timeout_seconds: int = DEFAULT_READER_TIMEOUT_SECONDS,
    log: Callable[[str], None] = lambda message: None,
    warn: Callable[[str], None] | None = None,
) -> PostgresResult:
    warn = warn or log
    target = describe_target(url)
    suffix = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + "_" + uuid.uuid4().hex[:6]
    new_schema, retired = f"{NEW_PREFIX}{suffix}", f"{RETIRED_PREFIX}_{suffix}"
    _refuse_unparsable(url)
    try:
        pg = psycopg.connect(url, autocommit=True, connect_timeout=30, application_name="dtm_platform serving")
    except psycopg.Error as error:
        raise PostgresPublicationError(f"cannot connect to {target}: {scrub(str(error), also=[url])}") from None
    with pg:
        # The timeout given to the database below is the readers'; a publication takes what it takes.
        pg.execute("set statement_timeout = 0")
        left = _drop_old_schemas(pg, log)
        with connect_duckdb(warehouse, read_only=True) as con:
            catalog = con.execute("select current_database()").fetchone()[0]
            marts, skipped = discover_marts(con, catalog, min_count, only)
            with pg.transaction():
                pg.execute(sql.SQL("create schema {}").format(sql.Identifier(new_schema)))
                note = f"DTM CAR marts, refreshed {refreshed_at.isoformat(timespec='seconds')}, run {run_id}"
                for mart in marts:
                    _copy_mart(con, pg, catalog, mart, new_schema, note)
                published = [
                    scan(
                        lambda q: pg.execute(q).fetchall(),
                        _table(new_schema, mart.name),
                        _postgres_columns(pg, new_schema, mart.name),
                        target="postgres",
                        table_name=mart.name,
                        location=f"{PUBLISHED_SCHEMA}.{mart.name}",
                        personal=personal,
                        min_count=min_count,
                    )
                    for mart in marts
                ]
                refuse_if_unsafe(published)  # raising here rolls everything back
                had_previous = _swap(pg, new_schema, retired, reader_role)
                _confine_reader(pg, reader_role, reader_timeout_seconds, warn)
        privileges = _reader_privileges(pg, reader_role)
        if privileges["other_databases"]:
            warn(
                f"the reader role {reader_role} may connect to other databases: "
                f"{', '.join(privileges['other_databases'])} (REVOKE CONNECT ... FROM PUBLIC: README, Deploy)"
            )
        for item in published:
            item.extra = {
                **privileges["tables"].get(item.table_name, {"reader_can_select": False, "reader_can_write": True}),
                "reader_can_create": privileges["can_create"],
                "reader_other_tables": privileges["other_tables"],
                "reader_can_temp": privileges["can_temp"],
                "reader_statement_timeout_seconds": privileges["timeout_seconds"],
                "reader_other_databases": len(privileges["other_databases"]),
            }
        if had_previous:
            left += _drop_schema(pg, retired, log)
    log(
        f"published {len(published)} marts to {target}"
        + (f"; previous schema(s) still in use, dropped later: {', '.join(left)}" if left else "")
    )
    return PostgresResult(target, published, retired if had_previous else None, left, skipped)


def _copy_mart(
    con: duckdb.DuckDBPyConnection, pg: psycopg.Connection, catalog: str, mart: MartTable, schema: str, note: str
) -> None:
    select = mart.select_sql(relation(catalog, mart.name), flat=True)
    columns = described(con, select)
    table = sql.Identifier(schema, mart.name)
    pg.execute(
        sql.SQL("create table {} ({})").format(
            table,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(postgres_type(c.type))) for c in columns
            ),
        )
    )
    pg.execute(sql.SQL("comment on table {} is {}").format(table, sql.Literal(mart.table_comment(note))))
    for column in columns:
        if column.name in mart.column_descriptions:
            pg.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    table, sql.Identifier(column.name), sql.Literal(mart.column_descriptions[column.name])
                )
            )
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    with pg.cursor() as cursor, cursor.copy(sql.SQL("copy {} ({}) from stdin").format(table, names)) as copy:
        result = con.execute(select)
        while batch := result.fetchmany(COPY_BATCH_ROWS):
            for row in batch:
                copy.write_row(row)


def _swap(pg: psycopg.Connection, new_schema: str, retired: str, reader_role: str) -> bool:
    """Inside the publication's transaction: the new schema becomes ``marts``."""
    role = sql.Identifier(reader_role)
    pg.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(SWAP_LOCK_TIMEOUT)))
    if not pg.execute("select 1 from pg_roles where rolname = %s", [reader_role]).fetchone():
        try:
            with pg.transaction():  # a savepoint: the error message below is the useful one
                pg.execute(sql.SQL("create role {} nologin").format(role))
        except psycopg.errors.InsufficientPrivilege:
            raise PostgresPublicationError(
                f"the reader role {reader_role} (DTM_POSTGRES_READER_ROLE) does not exist and the publishing "
                f"login may not create it: run CREATE ROLE {reader_role} NOLOGIN as an administrator"
            ) from None
    had_previous = bool(pg.execute("select 1 from pg_namespace where nspname = %s", [PUBLISHED_SCHEMA]).fetchone())
    if had_previous:
        pg.execute(
            sql.SQL("alter schema {} rename to {}").format(sql.Identifier(PUBLISHED_SCHEMA), sql.Identifier(retired))
        )
        pg.execute(sql.SQL("revoke all on schema {} from {}").format(sql.Identifier(retired), role))
        pg.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(sql.Identifier(retired), role))
    pg.execute(
        sql.SQL("alter schema {} rename to {}").format(sql.Identifier(new_schema), sql.Identifier(PUBLISHED_SCHEMA))
    )
    database = pg.execute("select current_database()").fetchone()[0]
    pg.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role))
    pg.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(PUBLISHED_SCHEMA), role))
    pg.execute(sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(PUBLISHED_SCHEMA), role))
    pg.execute(sql.SQL("revoke create on schema public from {}").format(role))
    return had_previous


def _confine_reader(
    pg: psycopg.Connection, reader_role: str, timeout_seconds: int, warn: Callable[[str], None]
) -> None:
    """Inside the publication's transaction: no TEMP for the reader, a statement timeout.

    Each step that needs more than owning the database runs in a savepoint and is skipped
    with a warning when the login may not; the gate then says what is still open.
    """
    role, database = sql.Identifier(reader_role), sql.Identifier(pg.execute("select current_database()").fetchone()[0])
    timeout = sql.Literal(f"{timeout_seconds}s")
    steps = [
        (
            "take TEMPORARY on the database from PUBLIC and the reader role",
            [
                sql.SQL("revoke temporary on database {} from public").format(database),
                sql.SQL("revoke temporary on database {} from {}").format(database, role),
            ],
        ),
        # every login in the database starts with it, members of the reader role included
        (
            "set the database's statement_timeout",
            [sql.SQL("alter database {} set statement_timeout = {}").format(database, timeout)],
        ),
        # for the role itself, should an administrator make it a login
        (
            "set the reader role's statement_timeout",
            [sql.SQL("alter role {} set statement_timeout = {}").format(role, timeout)],
        ),
    ]
    for what, statements in steps:
        try:
            with pg.transaction():  # a savepoint: a refusal leaves the publication whole
                for statement in statements:
                    pg.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            warn(
                f"could not {what}: the publishing login lacks the privilege (an administrator's step, README, Deploy)"
            )


def _drop_old_schemas(pg: psycopg.Connection, log: Callable[[str], None]) -> list[str]:
    """Previous schemas a reader held at the last publication, and new ones a crash left."""
    old = [
        name
        for (name,) in pg.execute(
            "select nspname from pg_namespace where nspname like %s or nspname like %s order by 1",
            [RETIRED_PREFIX.replace("_", r"\_") + "%", NEW_PREFIX.replace("_", r"\_") + "%"],
        ).fetchall()
    ]
    left = []
    for name in old:
        left += _drop_schema(pg, name, log)
    return left


def _drop_schema(pg: psycopg.Connection, name: str, log: Callable[[str], None]) -> list[str]:
    try:
        with pg.transaction():
            pg.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(CLEANUP_LOCK_TIMEOUT)))
            pg.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(name)))
        return []
    except psycopg.errors.LockNotAvailable:
        log(f"{name} is still read by somebody: left for the next publication")
        return [name]


def _reader_privileges(pg: psycopg.Connection, role: str) -> dict:
    tables = {
        name: {"reader_can_select": bool(can_select), "reader_can_write": bool(can_write)}
        for name, can_select, can_write in pg.execute(
            "select c.relname, has_table_privilege(%(role)s, c.oid, 'SELECT'), "
            "has_table_privilege(%(role)s, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %(schema)s and c.relkind in ('r', 'p', 'v', 'm', 'f')",
            {"role": role, "schema": PUBLISHED_SCHEMA},
        ).fetchall()
    }
    can_create = pg.execute(
        "select has_database_privilege(%(role)s, current_database(), 'CREATE') "
        "or coalesce(bool_or(has_schema_privilege(%(role)s, n.oid, 'CREATE')), false) "
        "from pg_namespace n where n.nspname not like 'pg\\_%%' and n.nspname <> 'information_schema'",
        {"role": role},
    ).fetchone()[0]
    other_tables = pg.execute(
        "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "where c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname <> %(schema)s "
        "and n.nspname not like 'pg\\_%%' and n.nspname <> 'information_schema' "
        "and has_schema_privilege(%(role)s, n.oid, 'USAGE') "
        "and has_table_privilege(%(role)s, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')",
        {"role": role, "schema": PUBLISHED_SCHEMA},
    ).fetchone()[0]
    can_temp = pg.execute("select has_database_privilege(%s, current_database(), 'TEMPORARY')", [role]).fetchone()[0]
    other_databases = [
        name
        for (name,) in pg.execute(
            "select datname from pg_database where datallowconn and datname <> current_database() "
            "and has_database_privilege(%s, oid, 'CONNECT') order by 1",
            [role],
        ).fetchall()
    ]
    return {
        "tables": tables,
        "can_create": bool(can_create),
        "other_tables": int(other_tables),
        "can_temp": bool(can_temp),
        "timeout_seconds": _member_timeout_seconds(pg, role),
        "other_databases": other_databases,
    }


def _member_timeout_seconds(pg: psycopg.Connection, role: str) -> int:
    """The statement_timeout a login that is a member of ``role`` starts with in this database,
    in seconds (0: none): the database's setting (a role's settings do not pass to its
    members), else the server's built-in none (a postgresql.conf value is not counted: the
    gate would rather warn than assume it)."""
    setting = pg.execute(
        "select s.cfg from pg_db_role_setting d cross join unnest(d.setconfig) s(cfg) "
        "where d.setdatabase = (select oid from pg_database where datname = current_database()) "
        r"and d.setrole = 0 and s.cfg like 'statement\_timeout=%%'"
    ).fetchone()
    value = (
        setting[0].split("=", 1)[1]
        if setting
        else pg.execute("select boot_val from pg_settings where name = 'statement_timeout'").fetchone()[0]
    )
    if value == "0":
        return 0
    # Postgres says it in its own units ('5min', '300s', '300000' ms): let it convert them.
    milliseconds = pg.execute(
        "select extract(epoch from %s::interval) * 1000", [value if not value.isdigit() else f"{value} milliseconds"]
    ).fetchone()[0]
    return int(milliseconds // 1000)


def _postgres_columns(pg: psycopg.Connection, schema: str, table: str) -> list[Column]:
    return [
        Column(name, data_type)
        for name, data_type in pg.execute(
            "select column_name, case when data_type = 'numeric' and numeric_scale is not null "
            "then format('numeric(%%s,%%s)', numeric_precision, numeric_scale) else data_type end "
            "from information_schema.columns where table_schema = %s and table_name = %s order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _table(schema: str, table: str) -> str:
    return '"' + schema.replace('"', '""') + '"."' + table.replace('"', '""') + '"'


def _refuse_unparsable(url: str) -> None:
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        raise PostgresPublicationError(
            "DTM_POSTGRES_URL cannot be parsed: write it as postgresql://user:password@host:5432/dbname, "
            "with any %, @, /, : or space in the user name or password percent-encoded (% as %25, @ as %40, "
            "/ as %2F, : as %3A, space as %20)"
        ) from None

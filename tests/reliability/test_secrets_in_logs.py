"""No secret and no declared personal value reaches the Dagster event log, the compute logs,
anything else under DAGSTER_HOME or DTM_HOME (but the warehouse's raw layer, which keeps
the answers by design), or the test's own captured output (ARCHITECTURE.md, Personal data).

Five small runs in one Dagster instance on disk, the way the daemon runs them (SQLite event
log, compute logs under DAGSTER_HOME/storage), with a Kobo token, a hash salt and a Postgres
password made up for this test:

1. the raw layer of the locality form from the embedded Kobo server (and its form content),
   then its two staging models with dbt (pseudonyms keyed with the salt), with their gates;
2. a bad batch arrives: the raw gate fails and logs examples of what it rejected;
3. the same form after the token was revoked: the step fails, with its error and stack;
4. the serving assets and their gates on the small serving warehouse, published to Postgres
   as a login role with a password;
5. the Postgres publication to a server that is not there, password in the URL: it fails;
6. the same form with credentials in DTM_KOBO_URL (``https://user:password@host``): the
   settings refuse them when they load, the step fails naming the variable;
7. the Postgres publication with a password holding a stray ``%``, so the URL cannot be
   parsed (the driver's error quotes the password): it fails.

Each failed run is posted to a webhook stand-in by the failure sensor, as the daemon does:
the alerts are scanned too, and the webhook's URL is one more secret.

The personal values are the generator's ground truth (key informants' names and phone
numbers, and their pseudonyms) and the serving warehouse's names and phones.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import psycopg
import pytest
from dagster._serdes import serialize_value
from psycopg import sql

from dtm_platform.defs.automation.sensors import FAILURE_SENSOR, failure_sensor
from dtm_platform.defs.kobo.assets import FORM_CONTENT_KEY, form_content_asset, ingestion_asset
from dtm_platform.defs.quality.checks import build_gx_check
from dtm_platform.defs.resources import platform_resources
from dtm_platform.defs.serving.assets import serving_assets
from dtm_platform.defs.transform.dbt_assets import dbt_layer_assets, dbt_resource
from dtm_platform.instance import prepare_dagster_home
from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import Fault, MockKoboServer
from dtm_platform.quality.suites import load_suites
from dtm_platform.serving.personal import MIN_VALUE_LENGTH
from dtm_platform.settings import PROJECT_ROOT, load_settings
from dtm_platform.transform.pseudonymize import pseudonymize
from tests.postgres_server import SERVER, require_postgres
from tests.serving_warehouse import MARTS, make_warehouse
from tests.serving_warehouse import PERSONAL_VALUES as SERVING_PERSONAL_VALUES
from tests.webhook_receiver import WebhookReceiver

FORMS = load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml")
FORM = next(f for f in FORMS if f.dataset == "dtm_locality")
SERVING_MARTS = list(MARTS)
SERVING = ["marts_snapshot", "exports", "postgres", "hdx"]
STAGING = [("staging", "stg_kobo__dtm_locality"), ("staging", "stg_kobo__dtm_locality__key_informants")]


@pytest.fixture
def secrets() -> dict[str, str]:
    tag = uuid.uuid4().hex
    return {
        "kobo token": f"kobotok{tag[:24]}",
        "hash salt": f"saltsecret{tag[8:28]}",
        "postgres password": f"pgpw{tag[4:24]}",
        "kobo url password": f"kobopw{tag[2:22]}",
        # '%' not followed by two hex digits: neither libpq nor urllib can parse the URL
        "unparsable postgres password": f"pg%zz{tag[6:26]}",
        "webhook path": WebhookReceiver.SECRET_PATH,
    }


@pytest.fixture
def publisher(secrets):
    """A database owned by a login role with a password, and the reader role (created by an
    administrator, as the README's Deploy section says)."""
    require_postgres()
    suffix = uuid.uuid4().hex[:10]
    name, login, reader = f"dtm_secrets_test_{suffix}", f"dtm_publisher_test_{suffix}", f"dtm_reader_test_{suffix}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(
            sql.SQL("create role {} login password {}").format(
                sql.Identifier(login), sql.Literal(secrets["postgres password"])
            )
        )
        con.execute(sql.SQL("create role {} nologin").format(sql.Identifier(reader)))
        con.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(name), sql.Identifier(login)))
    with psycopg.connect(f"{SERVER}/{name}", autocommit=True) as con:
        con.execute(sql.SQL("alter schema public owner to {}").format(sql.Identifier(login)))
    yield f"postgresql://{login}:{secrets['postgres password']}@127.0.0.1:5432/{name}", reader, name
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as con:
        con.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        for role in (reader, login):
            con.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))


def strings(value) -> Iterator[str]:
    """Every string inside a JSON document (keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def spellings(value: str) -> set[str]:
    """A value as it can sit in a file: as is, and JSON-escaped (non-ASCII, quotes)."""
    return {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


def find(needles: dict[str, str], haystacks: dict[str, str]) -> list[str]:
    found = []
    for where, text in haystacks.items():
        for what, needle in needles.items():
            if any(spelling in text for spelling in spellings(needle)):
                found.append(f"{what} in {where}")
    return found


def test_no_secret_or_personal_value_reaches_the_event_log_the_compute_logs_or_the_test_output(
    tmp_path, monkeypatch, capfd, caplog, secrets, publisher
):
    caplog.set_level(logging.DEBUG)
    url, reader_role, _database = publisher
    ingest_home, serve_home = tmp_path / "ingest", tmp_path / "serve"
    dagster_home = ingest_home / "dagster"  # DTM_HOME/dagster, kept for every run below
    for name in ("DTM_FORMS_FILE", "DTM_POSTGRES_URL", "DTM_DAGSTER_POSTGRES_URL", "DTM_ALERT_WEBHOOK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))  # prepare_dagster_home sets it too
    monkeypatch.setenv("DTM_HOME", str(ingest_home))
    monkeypatch.setenv("DTM_KOBO_TOKEN", secrets["kobo token"])
    monkeypatch.setenv("DTM_HASH_SALT", secrets["hash salt"])
    # dbt's own files (dbt.log, compiled and run SQL, run_results.json) under tmp_path, scanned below
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "dbt_target"))
    monkeypatch.setenv("DTM_WAREHOUSE_PATH", str(ingest_home / "warehouse.duckdb"))  # dbt's steps set it
    settings = load_settings()
    assert prepare_dagster_home(settings) == dagster_home  # the platform's dagster.yaml

    clean = generate(2026, localities_per_admin2=2)
    dataset = generate(2026, localities_per_admin2=2, bad_batch=3)  # the same, and 3 broken ones after
    assert dataset.submissions[: len(clean.submissions)] == clean.submissions
    personal = {
        value
        for s in dataset.submissions
        for ki in s.get("key_informants", [])
        for value in (ki.get("key_informants/ki_name"), ki.get("key_informants/ki_phone"))
        if value
    }
    personal |= {pseudonymize(p, secrets["hash salt"]) for p in list(personal)}
    personal |= set(SERVING_PERSONAL_VALUES)
    personal = {p for p in personal if len(p) >= MIN_VALUE_LENGTH}
    assert len(personal) > 50

    suites = load_suites(forms=[FORM])
    raw_checks = [build_gx_check(suites[("raw", name)]) for name in ("kobo_form_content", FORM.raw_table)]
    transform = dbt_layer_assets(FORMS)  # dbt: the salt reaches DuckDB through the plugin
    staging_checks = [build_gx_check(suites[tuple(key)]) for key in STAGING]
    serving = serving_assets([dg.AssetKey(["marts", name]) for name in SERVING_MARTS])
    serving_checks = [build_gx_check(suites[("serving", name)]) for name in SERVING]
    # the sensor as defined, not through a repository: resolving one opens Dagster's definitions
    # state storage, which may still point at an instance an earlier test closed
    on_failure = failure_sensor(dg.DefaultSensorStatus.RUNNING)
    # the resources as a deployment configures them: each reads the settings when it is used
    resources = {**platform_resources(), "dbt": dbt_resource()}
    runs = {}
    haystacks: dict[str, str] = {}
    with dg.DagsterInstance.get() as instance, WebhookReceiver() as webhook:
        monkeypatch.setenv("DTM_ALERT_WEBHOOK", webhook.url)

        def alert(label: str) -> None:
            """The failure sensor on a failed run, with the settings the run had (the daemon's)."""
            result = runs[label]
            with dg.build_run_status_sensor_context(
                sensor_name=FAILURE_SENSOR,
                dagster_event=result.get_run_failure_event(),
                dagster_instance=instance,
                dagster_run=result.dagster_run,
                resources=resources,
            ) as context:
                on_failure(context.for_run_failure())

        with MockKoboServer(token=secrets["kobo token"], datasets={FORM.uid: clean}) as server:
            monkeypatch.setenv("DTM_KOBO_URL", server.url)
            runs["raw and staging"] = dg.materialize(
                [form_content_asset([FORM]), ingestion_asset(FORM), *raw_checks, *transform, *staging_checks],
                resources=resources,
                instance=instance,
                raise_on_error=False,
                selection=dg.AssetSelection.assets(FORM_CONTENT_KEY, ("raw", FORM.raw_table), *STAGING),
            )
        with MockKoboServer(token=secrets["kobo token"], datasets={FORM.uid: dataset}) as server:
            monkeypatch.setenv("DTM_KOBO_URL", server.url)
            runs["raw, bad batch"] = dg.materialize(
                [ingestion_asset(FORM), raw_checks[1]], resources=resources, instance=instance, raise_on_error=False
            )
            server.inject(Fault("revoke"))
            runs["revoked token"] = dg.materialize(
                [ingestion_asset(FORM)], resources=resources, instance=instance, raise_on_error=False
            )
            alert("revoked token")
        with MockKoboServer(token=secrets["kobo token"], datasets={FORM.uid: dataset}) as server:
            monkeypatch.setenv(
                "DTM_KOBO_URL", server.url.replace("://", f"://dtm-proxy-user:{secrets['kobo url password']}@", 1)
            )
            runs["kobo url with credentials"] = dg.materialize(
                [ingestion_asset(FORM)], resources=resources, instance=instance, raise_on_error=False
            )
            # the daemon could not have loaded the code location with that URL: the alert is
            # sent with the settings put right (the failed run's error is what it carries)
            monkeypatch.setenv("DTM_KOBO_URL", server.url)
            alert("kobo url with credentials")
        monkeypatch.setenv("DTM_HOME", str(serve_home))
        make_warehouse(serve_home / "warehouse.duckdb")
        monkeypatch.setenv("DTM_POSTGRES_URL", url)
        monkeypatch.setenv("DTM_POSTGRES_READER_ROLE", reader_role)
        runs["serving"] = dg.materialize(
            [*serving, *serving_checks], resources=resources, instance=instance, raise_on_error=False
        )
        monkeypatch.setenv("DTM_POSTGRES_URL", url.replace("@127.0.0.1:5432/", "@127.0.0.1:1/"))
        runs["postgres unreachable"] = dg.materialize(
            [*serving, *serving_checks],
            resources=resources,
            instance=instance,
            raise_on_error=False,
            selection=["serving/postgres"],
        )
        alert("postgres unreachable")
        monkeypatch.setenv(
            "DTM_POSTGRES_URL", url.replace(secrets["postgres password"], secrets["unparsable postgres password"])
        )
        runs["postgres url unparsable"] = dg.materialize(
            [*serving, *serving_checks],
            resources=resources,
            instance=instance,
            raise_on_error=False,
            selection=["serving/postgres"],
        )
        alert("postgres url unparsable")

        # The runs did what they were meant to, so the scan below looks at real messages.
        assert runs["raw and staging"].success
        built = {e.asset_key.to_user_string() for e in runs["raw and staging"].get_asset_materialization_events()}
        assert {"/".join(key) for key in STAGING} <= built
        assert all(
            e.passed
            for e in runs["raw and staging"].get_asset_check_evaluations()
            if e.severity == dg.AssetCheckSeverity.ERROR
        )
        [raw_gate] = runs["raw, bad batch"].get_asset_check_evaluations()
        assert raw_gate.passed is False
        failed = ["revoked token", "kobo url with credentials", "postgres unreachable", "postgres url unparsable"]
        assert not any(runs[label].success for label in failed)
        # 4. The alerts the failure sensor posted for them, whole.
        assert len(webhook.received) == len(failed)
        for label, posted in zip(failed, webhook.received):
            assert posted["run_id"] == runs[label].run_id and posted["failed_assets"], posted
            haystacks[f"alert for run '{label}'"] = json.dumps(posted, ensure_ascii=False)
        assert runs["serving"].success
        # no error-severity check failed; the reader role may connect to other databases of the
        # test server, and the login may not alter it: warnings by design (README, Deploy)
        assert all(
            e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in runs["serving"].get_asset_check_evaluations()
        )
        with psycopg.connect(url.replace(f":{secrets['postgres password']}", "")) as con:
            assert con.execute("select count(*) from marts.dtm_idp_returnees_by_admin2").fetchone()[0] == 6
        with duckdb.connect(str(ingest_home / "warehouse.duckdb"), read_only=True) as con:
            landed = con.execute(f"select string_agg(payload::varchar, ' ') from raw.{FORM.raw_table}").fetchone()[0]
            hashes = {
                r[0]
                for r in con.execute(
                    "select informant_phone_hash from staging.stg_kobo__dtm_locality__key_informants"
                ).fetchall()
            }
        # The scan looks for the right strings: raw keeps the answers, staging the pseudonyms
        # made with this test's salt.
        assert find({"a personal value": min(p for p in personal if p[0] == "+")}, {"raw": landed})
        assert hashes and hashes <= personal

        # 1. Every event of every run, as stored: messages, metadata, check results, errors
        # and stacks; and the runs themselves (config, tags).
        events = 0
        for label, result in runs.items():
            entries = instance.all_logs(result.run_id)
            events += len(entries)
            for number, entry in enumerate(entries):
                haystacks[f"run '{label}' event {number} ({entry.dagster_event_type})"] = "\n".join(
                    strings(json.loads(serialize_value(entry)))
                )
            haystacks[f"run '{label}' record"] = "\n".join(
                strings(json.loads(serialize_value(instance.get_run_by_id(result.run_id))))
            )
        kinds = {entry.dagster_event_type for r in runs.values() for entry in instance.all_logs(r.run_id)}
        assert {
            dg.DagsterEventType.STEP_FAILURE,
            dg.DagsterEventType.ASSET_CHECK_EVALUATION,
            dg.DagsterEventType.ASSET_MATERIALIZATION,
            dg.DagsterEventType.LOGS_CAPTURED,
        } <= kinds
    messages = "\n".join(haystacks.values())
    assert "e.g." in messages and "401" in messages and "127.0.0.1:1" in messages  # examples, errors: scanned
    # the failures still say what broke, with the secrets masked
    assert "DTM_POSTGRES_URL cannot be parsed" in haystacks["alert for run 'postgres url unparsable'"]
    assert "DTM_KOBO_URL must not carry credentials" in haystacks["alert for run 'kobo url with credentials'"]

    # 2. Every file the runs wrote under DAGSTER_HOME (event log, run storage, compute logs),
    # DTM_HOME (snapshot, exports, HDX, validation results, Data Docs) and dbt's target
    # folder; for personal values all but the warehouses, whose raw layer keeps the answers.
    compute_logs = sorted((dagster_home / "storage").rglob("*.err")) + sorted((dagster_home / "storage").rglob("*.out"))
    assert any("new submissions" in p.read_text(errors="replace") for p in compute_logs), compute_logs
    files = {}
    for path in sorted(tmp_path.rglob("*")):
        if path.is_file():
            files[str(path.relative_to(tmp_path))] = path.read_bytes().decode("utf-8", errors="replace")
    warehouses = {k for k in files if Path(k).name.startswith("warehouse.duckdb")}
    assert warehouses and any("storage" in k for k in files) and any(k.endswith(".db") for k in files)
    assert any(k.startswith("dbt_target/") and k.endswith("dbt.log") for k in files)
    assert any(k.startswith("dbt_target/") and "/run/" in k and k.endswith(".sql") for k in files)

    # 3. What this test printed and logged (pytest's capture of file descriptors 1 and 2,
    # so the Dagster console logger and any child process too, and the logging records).
    captured = capfd.readouterr()
    output = {
        "captured stdout": captured.out,
        "captured stderr": captured.err,
        "caplog": caplog.text,
        "caplog records": "\n".join(str(r.__dict__) for r in caplog.records),
    }
    assert "new submissions" in captured.err + caplog.text

    leaks = find(secrets, {**haystacks, **files, **output})
    leaks += find(
        {f"personal value {p!r}": p for p in personal},
        {**haystacks, **{k: v for k, v in files.items() if k not in warehouses}, **output},
    )
    print(
        json.dumps(
            {
                "runs": len(runs),
                "events": events,
                "files": len(files),
                "compute_log_files": len(compute_logs),
                "personal_values": len(personal),
                "secrets": len(secrets),
            }
        )
    )
    assert leaks == [], "\n".join(leaks[:40])

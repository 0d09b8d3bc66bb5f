"""The ``dtm`` command: demo, mock-server, dev, docs, worker, forms check, forms add, cleaning
import, finance import."""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from datetime import UTC

from dtm_platform.secrets import install_log_filter, without_credentials
from dtm_platform.settings import DEFAULT_CELERY_QUEUE, MOCK_DEFAULT_PORT, PROJECT_ROOT, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dtm", description="DTM CAR data platform")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run every asset and check against the embedded Kobo server")
    demo.add_argument(
        "--bad-batch",
        action="store_true",
        help="inject a broken batch of submissions, to see a gate fail and the report skipped",
    )
    mock = commands.add_parser("mock-server", help="serve the embedded Kobo server until interrupted")
    mock.add_argument("--port", type=int, default=MOCK_DEFAULT_PORT)
    commands.add_parser("dev", help="the embedded Kobo server plus the Dagster UI (dagster dev) and the Data Docs")
    docs = commands.add_parser(
        "docs",
        help=(
            "serve the gates' Data Docs pages until interrupted (set DTM_DOCS_URL "
            "to its address so the checks link to it)"
        ),
    )
    docs.add_argument("--host", default="127.0.0.1")
    docs.add_argument("--port", type=int, default=None, help="default 3001")
    worker = commands.add_parser(
        "worker",
        help=(
            "a Celery worker that runs the platform's Dagster steps (DTM_EXECUTOR=celery), "
            "taking them from DTM_CELERY_BROKER until stopped"
        ),
    )
    worker.add_argument(
        "--concurrency", "-c", type=int, default=None, help="steps run at once (processes); default: one per core"
    )
    worker.add_argument(
        "--queue",
        "-Q",
        action="append",
        default=None,
        help=f"a queue to take steps from (repeat for several; default {DEFAULT_CELERY_QUEUE}, where every step goes "
        "unless its dagster-celery/queue tag names another)",
    )
    worker.add_argument("--name", "-n", default=None, help="the worker's name (default dtm-<process id>), @host added")
    worker.add_argument("--loglevel", "-l", default="INFO")
    forms = commands.add_parser("forms", help="the form registry (DTM_FORMS_FILE) against the Kobo server")
    forms_commands = forms.add_subparsers(dest="forms_command", required=True)
    forms_commands.add_parser("check", help="check every entry's mapped and personal fields against its form")
    add = forms_commands.add_parser("add", help="write a registry entry for a form on the server")
    add.add_argument("uid", help="the form's asset uid (in its URL on the server)")
    add.add_argument("--append", action="store_true", help="append the entry to DTM_FORMS_FILE (else print it)")
    cleaning = commands.add_parser("cleaning", help="the cleaning loop with the field teams")
    cleaning_commands = cleaning.add_subparsers(dest="cleaning_command", required=True)
    imports = cleaning_commands.add_parser(
        "import", help="import returned verification workbooks into the cleaning log (applied by the next build)"
    )
    imports.add_argument("files", nargs="+", help="the returned XLSX workbooks")
    imports.add_argument("--by", default=None, help="who imports (default: this account)")
    finance = commands.add_parser("finance", help="the programme's expenditures")
    finance_commands = finance.add_subparsers(dest="finance_command", required=True)
    expenditures = finance_commands.add_parser(
        "import", help="import the finance system's expenditure exports (CSV or XLSX; the next build uses them)"
    )
    expenditures.add_argument("files", nargs="+", help="the exports")
    expenditures.add_argument("--by", default=None, help="who imports (default: this account)")
    args = parser.parse_args(argv)
    install_log_filter()

    if args.command == "cleaning":
        return _cleaning_import(args.files, args.by)
    if args.command == "finance":
        return _finance_import(args.files, args.by)
    if args.command == "forms":
        return _forms_check() if args.forms_command == "check" else _forms_add(args.uid, args.append)

    if args.command == "demo":
        from dtm_platform.demo import main as demo_main

        return demo_main(bad_batch=args.bad_batch)
    if args.command == "mock-server":
        return _serve_mock(args.port)
    if args.command == "docs":
        return _serve_docs(args.host, args.port)
    if args.command == "worker":
        return _worker(args.concurrency, args.queue or [DEFAULT_CELERY_QUEUE], args.name, args.loglevel)
    return _dev()


def _serve_docs(host: str, port: int | None) -> int:
    from dtm_platform.quality.docs_server import DEFAULT_PORT, docs_server

    settings = load_settings()
    with docs_server(settings.quality_dir, host, port or DEFAULT_PORT) as server:
        print(f"Data Docs of {settings.quality_dir} on http://{host}:{server.server_address[1]}/", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


def _worker(concurrency: int | None, queues: list[str], name: str | None, loglevel: str) -> int:
    """A Celery worker on the configured broker, with dagster-celery's step task registered
    (defs/automation/celery_worker.py). The broker URL reaches Celery from the settings, not
    through a command line or a file, so its password shows in neither."""
    from dtm_platform.defs.automation.executor import CELERY, ExecutorSettingsError, check_executor
    from dtm_platform.instance import prepare_dagster_home

    settings = load_settings()
    try:
        check_executor(settings)
    except ExecutorSettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if settings.executor != CELERY:
        print(
            f"DTM_EXECUTOR is {settings.executor}: runs execute their steps themselves and no worker would "
            "receive any. Set DTM_EXECUTOR=celery (with DTM_WAREHOUSE=ducklake) here and for the Dagster services.",
            file=sys.stderr,
        )
        return 2
    if concurrency is not None and concurrency < 1:
        print("--concurrency must be at least 1", file=sys.stderr)
        return 2
    prepare_dagster_home(settings)  # the instance the steps' events go to, as in the services
    from dtm_platform.defs.automation.celery_worker import app

    node = f"{name or f'dtm-{os.getpid()}'}@%h"
    print(
        f"Celery worker {node} on {without_credentials(settings.celery_broker)}, queues {', '.join(queues)}",
        flush=True,
    )
    argv = ["worker", f"--loglevel={loglevel}", "--prefetch-multiplier=1", "-Q", ",".join(queues), "-n", node]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    app.worker_main(argv)
    return 0


def _cleaning_import(files: list[str], by: str | None) -> int:
    from dtm_platform.cleaning.answers import NoQueueError, import_answers
    from dtm_platform.defs.cleaning.assets import INBOX

    settings = load_settings()
    return _import_files(
        files,
        lambda source, **common: import_answers(
            source, warehouse=settings.warehouse, cleaning_dir=settings.cleaning_dir, **common
        ),
        settings.cleaning_dir / INBOX,
        by=by,
        refused=(NoQueueError,),
    )


def _finance_import(files: list[str], by: str | None) -> int:
    from dtm_platform.defs.finance.assets import INBOX
    from dtm_platform.finance.expenditures import import_expenditures
    from dtm_platform.transform.project import DBT_PROJECT_DIR

    settings = load_settings()
    return _import_files(
        files,
        lambda source, **common: import_expenditures(
            source,
            warehouse=settings.warehouse,
            finance_dir=settings.finance_dir,
            seeds_dir=DBT_PROJECT_DIR / "seeds",
            **common,
        ),
        settings.finance_dir / INBOX,
        by=by,
    )


def _import_files(files: list[str], import_one, inbox, *, by: str | None = None, refused: tuple = ()) -> int:
    """Each file checked and imported now (rejected rows printed with their reasons); while a
    build holds the warehouse, put in the drop folder instead, for the next build to import.
    Exit status: 1 for a missing file, 2 when a file or a row was refused."""
    import getpass
    from datetime import datetime
    from pathlib import Path

    import duckdb

    status = 0
    for name in files:
        source = Path(name)
        if not source.is_file():
            print(f"{source}: no such file", file=sys.stderr)
            status = 1
            continue
        try:
            outcome = import_one(source, imported_by=by or getpass.getuser(), now=datetime.now(UTC))
        except refused as error:
            print(error, file=sys.stderr)
            status = 2
            continue
        except duckdb.IOException:  # a build is writing the warehouse (one writer at a time)
            print(
                f"{source.name}: a build is using the warehouse; copied to {_drop(source, inbox)}, "
                "the next build imports it"
            )
            continue
        print(outcome.summary())
        for row in outcome.rows:
            if row.outcome == "rejected":
                print(f"  row {row.row}: {row.reason}")
        status = status or (2 if outcome.count("rejected") else 0)
    return status


def _drop(source, inbox):
    """A copy of ``source`` in a drop folder, hidden until whole (the build never reads half a file)."""
    import shutil

    inbox.mkdir(parents=True, exist_ok=True)
    partial = inbox / f".{source.name}.part"
    shutil.copy2(source, partial)
    os.replace(partial, inbox / source.name)
    return inbox


def _forms_check() -> int:
    from dtm_platform.defs.resources import KoboApi, PlatformSettings
    from dtm_platform.kobo.form_check import check_registry
    from dtm_platform.kobo.registry import load_registry

    settings = load_settings()
    forms = load_registry(settings.forms_file)
    with KoboApi(platform=PlatformSettings()).client() as client:
        findings = check_registry(client, forms)
    for finding in findings:
        print(finding)
    errors = sum(f.severity == "error" for f in findings)
    print(
        f"{len(forms)} forms checked against {without_credentials(settings.kobo_url)}: {errors} errors, "
        f"{len(findings) - errors} warnings"
    )
    return 1 if errors else 0


def _forms_add(uid: str, append: bool) -> int:
    import yaml

    from dtm_platform.defs.resources import KoboApi, PlatformSettings
    from dtm_platform.kobo.form_check import suggested_entry
    from dtm_platform.kobo.registry import load_registry

    settings = load_settings()
    forms = load_registry(settings.forms_file)
    if any(f.uid == uid for f in forms):
        print(f"{uid} is already in {settings.forms_file}", file=sys.stderr)
        return 1
    with KoboApi(platform=PlatformSettings()).client() as client:
        entry, review = suggested_entry(client.get_form(uid), {f.dataset for f in forms})
    text = (
        "".join(f"  # REVIEW: {line}\n" for line in review)
        + "\n".join(
            ("  - " if i == 0 else "    ") + line
            for i, line in enumerate(yaml.safe_dump(entry, sort_keys=False, allow_unicode=True).splitlines())
        )
        + "\n"
    )
    if append:
        with settings.forms_file.open("a", encoding="utf-8") as registry:
            registry.write("\n" + text)
        load_registry(settings.forms_file)  # the file still loads, with the new entry
        print(f"{entry['dataset']} added to {settings.forms_file}; review it, then run `dtm forms check`")
    else:
        print(text, end="")
    return 0


def _serve_mock(port: int) -> int:
    from dtm_platform.kobo_mock.server import MockKoboServer

    settings = load_settings()
    server = MockKoboServer(
        token=settings.kobo_token,
        port=port,
        seed=settings.mock_seed,
        localities_per_admin2=settings.mock_localities_per_admin2,
    )
    print(f"Embedded Kobo server on {server.url} (token from DTM_KOBO_TOKEN); Ctrl-C stops it.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def _dev() -> int:
    import threading

    from dtm_platform.instance import prepare_dagster_home
    from dtm_platform.kobo_mock.server import MockKoboServer
    from dtm_platform.quality.docs_server import DEFAULT_PORT, docs_server

    settings = load_settings()
    prepare_dagster_home(settings)
    with (
        MockKoboServer(
            token=settings.kobo_token,
            port=MOCK_DEFAULT_PORT,
            seed=settings.mock_seed,
            localities_per_admin2=settings.mock_localities_per_admin2,
        ) as server,
        docs_server(settings.quality_dir, port=DEFAULT_PORT) as docs,
    ):
        threading.Thread(target=docs.serve_forever, daemon=True).start()
        docs_url = f"http://127.0.0.1:{DEFAULT_PORT}"
        env = {**os.environ, "DTM_KOBO_URL": server.url, "DTM_DOCS_URL": docs_url}
        print(
            f"Embedded Kobo server on {server.url}; Dagster UI on http://127.0.0.1:3000; Data Docs on {docs_url}",
            flush=True,
        )
        dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
        try:
            return subprocess.call(
                [dagster, "dev", "-w", str(PROJECT_ROOT / "workspace.yaml")], env=env, cwd=PROJECT_ROOT
            )
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())

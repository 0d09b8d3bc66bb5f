"""``dtm demo``: the whole platform end to end against the embedded Kobo server.

Starts the mock server, runs ``full_build`` in the Dagster instance under DTM_HOME (so ``make
dev`` shows the runs afterwards) in its two parts, as the daily build does: the sources (every
form's ingestion, the imports), then what is not current (``data_versions.py``). The first demo
of a home builds everything; a later one, with nothing new on the server, nothing below the
sources. Then it stops the server and prints what was built. On a home's first build, the
demo's finance export (finance/synthetic.py) is dropped in the finance inbox, as the finance
unit would.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import dagster as dg

from dtm_platform.data_versions import PART_TAG, SOURCES, WhatChanged
from dtm_platform.defs.automation.jobs import FULL_BUILD, build_in_two_parts, execute_full_build
from dtm_platform.defs.automation.tags import DEMO_TRIGGER, TRIGGER_TAG
from dtm_platform.defs.finance.assets import INBOX as FINANCE_INBOX
from dtm_platform.drop_folder import SETTLE_SECONDS
from dtm_platform.finance import synthetic as finance_export
from dtm_platform.finance.expenditures import IMPORTED_DIR
from dtm_platform.instance import prepare_dagster_home
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.settings import load_settings
from dtm_platform.warehouse import connect_duckdb, create_warehouse, warehouse_exists

LAYERS = ("raw", "forms", "reference", "staging", "cleaned", "marts", "reports", "serving")


@dataclass
class DemoOutcome:
    success: bool
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)  # failed with ERROR: blocks downstream
    checks_warned: list[str] = field(default_factory=list)  # failed with WARN: flagged only
    materialized: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # current: nothing they are built from changed
    not_built: list[str] = field(default_factory=list)  # assets left alone: a gate upstream failed
    stale: dict[str, str] = field(default_factory=dict)  # below the sources, not current before the build: why
    waiting: dict[str, str] = field(default_factory=dict)  # not current, left to their own schedule: why
    report_path: str | None = None
    run_id: str = ""  # the run that built what changed (the sources' run when nothing did)
    run_ids: list[str] = field(default_factory=list)  # the sources' run, then the run of what changed
    check_metadata: dict[str, dict] = field(default_factory=dict)  # check -> its metadata


def run_full_build(bad_batch: int = 0, forms: list | None = None, through_queue: bool = False) -> DemoOutcome:
    """Serve the synthetic forms (or ``forms``), run a full build (its sources, then what
    changed), and report what happened.

    ``through_queue`` (``dtm demo``): the runs go through the instance's run queue and a
    daemon, as the UI's do, printing a line per step; otherwise (the tests) they execute in
    this process."""
    settings = load_settings()
    prepare_dagster_home(settings)
    create_warehouse(settings.warehouse)
    drop_demo_finance_export(settings)
    with MockKoboServer(
        token=settings.kobo_token,
        forms=forms,
        seed=settings.mock_seed,
        localities_per_admin2=settings.mock_localities_per_admin2,
        bad_batch=bad_batch,
    ) as server:
        saved = {name: os.environ.get(name) for name in ("DTM_KOBO_URL", "DTM_AUTOMATION")}
        os.environ["DTM_KOBO_URL"] = server.url
        try:
            # The code location as dagster loads it, from the registry DTM_FORMS_FILE names now
            # (not the module-level defs, which a process keeps from its first import).
            from dtm_platform.definitions import build_definitions

            job = build_definitions().resolve_job_def(FULL_BUILD)
            with dg.DagsterInstance.get() as instance:
                if through_queue:
                    # a daemon started here runs the demo's runs only: no schedule or sensor of its own
                    os.environ["DTM_AUTOMATION"] = "off"
                    run_ids, changed = queued_full_build(job, instance, settings)
                else:
                    results, changed = execute_full_build(
                        job,
                        instance,
                        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
                        log=lambda line: print(line, flush=True),
                    )
                    run_ids = [result.run_id for result in results]
                return outcome_of_runs(instance, job, run_ids, changed)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def queued_full_build(job: dg.JobDefinition, instance: dg.DagsterInstance, settings, say=None):
    """full_build's two parts submitted to the run queue, run by a daemon started for them
    (as the UI's runs are: with the job's own executor, Celery's included), and followed to
    their end, a line per step to ``say`` (printed by default)."""
    from dtm_platform import run_queue

    if say is None:

        def say(line: str) -> None:
            print(line, flush=True)

    # not under DAGSTER_HOME/logs: the daemon clears that folder when it starts
    daemon_log = settings.home / "logs" / "demo_daemon.log"
    say(f"The runs' full logs: the Dagster UI (`make dev`), and {daemon_log}")

    def through_the_queue(assets, tags) -> str:
        if tags[PART_TAG] == SOURCES:
            say("Sources: every form's ingestion and the imports, with their gates")
        else:
            say(f"What is not current: {len(assets)} asset(s), with their gates")
        # The code location is loaded for each submission and closed before the run is followed:
        # a code server left idle through a long run can time out on a loaded machine.
        with run_queue.workspace(instance) as workspace:
            run_id = run_queue.submit(workspace, FULL_BUILD, assets=list(assets), tags=tags)
        run_queue.follow(instance, run_id, say)
        return run_id

    with run_queue.daemon_running(instance, daemon_log, say):
        return build_in_two_parts(job, instance, through_the_queue, tags={TRIGGER_TAG: DEMO_TRIGGER}, log=say)


def outcome_of_runs(
    instance: dg.DagsterInstance, job: dg.JobDefinition, run_ids: list[str], changed: WhatChanged
) -> DemoOutcome:
    """What the runs did, read from their events in the instance."""
    runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
    outcome = DemoOutcome(
        success=all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs),
        run_id=run_ids[-1],
        run_ids=list(run_ids),
    )
    for run_id in run_ids:
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
            evaluation = entry.dagster_event.asset_check_evaluation_data
            name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
            if evaluation.passed:
                outcome.checks_passed.append(name)
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                outcome.checks_warned.append(name)
            else:
                outcome.checks_failed.append(name)
            outcome.check_metadata[name] = {k: v.value for k, v in evaluation.metadata.items()}
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
            materialization = entry.asset_materialization
            key = materialization.asset_key.to_user_string()
            outcome.materialized.append(key)
            if key == "reports/dtm_situation_report":
                outcome.report_path = materialization.metadata["path"].value
    all_assets = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    unchanged = {key.to_user_string() for key in changed.current}
    outcome.stale = {key.to_user_string(): why for key, why in changed.stale.items()}
    outcome.waiting = {key.to_user_string(): why for key, why in changed.waiting.items()}
    outcome.unchanged = sorted(unchanged - set(outcome.materialized))
    outcome.not_built = sorted(all_assets - set(outcome.materialized) - unchanged - set(outcome.waiting))
    return outcome


def drop_demo_finance_export(settings) -> None:
    """The demo's finance export in the finance inbox, once per home (while nothing was ever
    imported), dated back past the drop folder's settling wait so that this build imports it."""
    if (settings.finance_dir / IMPORTED_DIR).exists():
        return
    from dtm_platform.transform.project import DBT_PROJECT_DIR

    inbox = settings.finance_dir / FINANCE_INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    export = inbox / "export_finance_demo.xlsx"
    export.write_bytes(finance_export.build(DBT_PROJECT_DIR / "seeds", settings.mock_seed).xlsx_bytes())
    settled = time.time() - 6 * SETTLE_SECONDS
    os.utime(export, (settled, settled))


def rows_per_layer(warehouse) -> dict[str, dict[str, int]]:
    if not warehouse_exists(warehouse):
        return {}
    with connect_duckdb(warehouse, read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (" + ", ".join("?" for _ in LAYERS) + ")",
            list(LAYERS),
        ).fetchall()
        tables.sort(key=lambda t: (LAYERS.index(t[0]), t[1]))
        return {
            f"{schema}.{table}": con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in tables
        }


def main(bad_batch: bool = False) -> int:
    settings = load_settings()
    print(f"DTM platform demo: DTM_HOME={settings.home}", flush=True)
    if bad_batch:
        print(
            "Injecting a bad batch: 25 submissions a broken bulk import left without a form "
            "version and with a 1970 submission time. The raw gate should stop the build.",
            flush=True,
        )
    outcome = run_full_build(bad_batch=25 if bad_batch else 0, through_queue=True)

    print("\n=== What was built ===")
    counts = rows_per_layer(settings.warehouse)
    for table, rows in counts.items():
        print(f"  {table:<55} {rows:>8,} rows")
    print(f"\nAssets materialized: {len(outcome.materialized)}")
    if outcome.unchanged:
        print(
            f"Assets left as they were (nothing they are built from changed since the last build): "
            f"{len(outcome.unchanged)}"
        )
    print(
        f"Checks passed: {len(outcome.checks_passed)}   warned: {len(outcome.checks_warned)}   "
        f"failed: {len(outcome.checks_failed)}"
    )
    for name in outcome.checks_warned:
        print(f"  WARNING {name} (flagged, not blocking: see its metadata in the UI)")
    for name in outcome.checks_failed:
        print(f"  FAILED {name}")
    if outcome.not_built:
        print(f"Not built, because a gate upstream failed: {', '.join(outcome.not_built)}")
    for key, why in outcome.waiting.items():
        print(f"Left to its schedule: {key} ({why})")
    if outcome.report_path:
        print(f"\nSituation report: {outcome.report_path}")
    if "reports/dtm_site_profiles" in outcome.materialized:
        print(
            f"Site and sub-prefecture profiles: {settings.reports_dir / 'profiles' / 'index_en.html'} "
            "(and index_fr.html; one page per site and sub-prefecture, and its PDF as last printed)"
        )
    if "reports/me_indicator_tracker" in outcome.materialized:
        print(
            f"M&E indicator tracker: {settings.reports_dir / 'me_indicator_tracker_en.xlsx'} "
            "(and _fr.xlsx, and the HTML summaries beside them)"
        )
    if "cleaning/verification_workbooks" in outcome.materialized:
        print(
            f"Verification workbooks for the field teams: {settings.cleaning_dir / 'verification'} "
            "(answered ones come back with `dtm cleaning import FILE`); the supervisors' page: "
            f"{settings.cleaning_dir / 'enumerators_en.html'} (and _fr.html)"
        )
    if "serving/marts_snapshot" in outcome.materialized:
        print(
            "Serving snapshot for Power BI and analysts (open it read-only): "
            f"{settings.home / 'serving' / 'marts.duckdb'}"
        )
        print(f"Parquet, CSV and HDX exports: {settings.home / 'exports'}")
    print(
        f"Run{'s' if len(outcome.run_ids) > 1 else ''} {', '.join(outcome.run_ids)}: open "
        f"{'them' if len(outcome.run_ids) > 1 else 'it'} with `make dev` (Dagster UI on http://127.0.0.1:3000)."
    )

    if bad_batch:
        stopped = not outcome.report_path and bool(outcome.checks_failed)
        print(
            "\nThe gate stopped the report, as it should."
            if stopped
            else "\nThe bad batch was NOT stopped: this is a bug."
        )
        print("The bad rows stay in raw (nothing is deleted): run `make clean` to start afresh.")
        return 0 if stopped else 1
    return 0 if outcome.success else 1


if __name__ == "__main__":
    sys.exit(main("--bad-batch" in sys.argv))

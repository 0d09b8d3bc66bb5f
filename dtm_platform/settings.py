"""Every setting of the platform, read once from the environment (``DTM_*`` variables).

The README lists each one with its default. Secrets (the Kobo token, the hash salt, the
alert webhook, the Dagster Postgres URL, the serving Postgres URL, the Celery broker and
result backend URLs) are kept out of ``repr`` so that printing the settings never leaks them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dtm_platform.secrets import without_credentials
from dtm_platform.warehouse import DuckLake, WarehouseLocation

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The embedded mock server's address and token: the defaults, so the demo needs no credentials.
MOCK_DEFAULT_PORT = 8765
MOCK_DEFAULT_TOKEN = "dtm-mock-token"
# Longest statement a reader of the published marts may run: a Power BI import of the
# largest mart takes seconds; a runaway query should not hold a connection for hours.
DEFAULT_READER_TIMEOUT_SECONDS = 300
# The most an answer of the Kobo API may weigh (a page of 1000 ordinary submissions is 1 to
# 8 MB) and an attachment (a long audio recording, a short video).
DEFAULT_MAX_PAGE_MB = 16
DEFAULT_MAX_ATTACHMENT_MB = 100
# Where the warehouse lives: one DuckDB file (one writing process) or DuckLake (a Postgres
# catalog and Parquet files, written by several processes at once).
WAREHOUSE_KINDS = ("duckdb", "ducklake")
# How a run's steps execute (defs/automation/executor.py): one at a time in the run's own
# process, or each on a Celery worker.
EXECUTORS = ("in_process", "celery")
DEFAULT_CELERY_BROKER = "pyamqp://guest@127.0.0.1:5672//"
DEFAULT_CELERY_BACKEND = "rpc://"
# The queue dagster-celery sends steps to, unless a step's `dagster-celery/queue` tag names another.
DEFAULT_CELERY_QUEUE = "dagster"
# Runs at once with the Celery executor (dagster.yaml, instance.py); one with the in-process one.
DEFAULT_CELERY_CONCURRENT_RUNS = 4


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _bool(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be on or off, got {raw!r}")


def _cron(name: str, default: str) -> str:
    raw = (os.environ.get(name) or "").strip() or default
    if len(raw.split()) != 5:
        raise ValueError(f"{name} must be a five-field cron string, got {raw!r}")
    return raw


def _timezone(name: str, default: str) -> str:
    raw = (os.environ.get(name) or "").strip() or default
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name} must be an IANA time zone such as Africa/Bangui, got {raw!r}") from None
    return raw


def _date(name: str) -> date | None:
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{name} must be a date such as 2026-12-31, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def _positive_int(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _kobo_url(name: str, default: str) -> str:
    """The KPI server's root. Credentials in it (``https://user:password@host``) are refused:
    httpx would send them as Basic auth in place of the ``Authorization: Token`` header, so
    they can never work, and a URL that carries them leaks them into every message naming it.
    The error names the variable and the host, never what stood before the ``@``."""
    raw = (os.environ.get(name) or "").strip() or default
    shown = without_credentials(raw)
    if shown != raw:
        raise ValueError(
            f"{name} must not carry credentials (user:password@ before the host): the Kobo API "
            f"authenticates with DTM_KOBO_TOKEN alone, and credentials in the URL would replace the "
            f"token; set {name} to {shown}"
        )
    try:
        parts = urlsplit(raw)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(f"{name} must be the server's root, such as https://kf.kobotoolbox.org, got {raw!r}")
    return raw


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (os.environ.get(name) or "").strip().lower() or default
    if raw not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _role_name(name: str, default: str) -> str:
    raw = (os.environ.get(name) or "").strip() or default
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", raw):
        raise ValueError(f"{name} must be a lower-case Postgres role name ([a-z_][a-z0-9_]*), got {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    home: Path
    kobo_url: str
    kobo_token: str = field(repr=False)
    forms_file: Path
    hash_salt: str = field(repr=False)
    kobo_page_size: int
    kobo_max_in_flight: int
    kobo_timeout_seconds: float
    kobo_max_retries: int
    mock_seed: int
    mock_localities_per_admin2: int
    # Reports (dtm_platform/reports/): optional boundary polygons and the PDF printer.
    boundaries_geojson: Path | None
    chromium: str | None
    # Automation (defs/automation/ and each domain's schedules and sensors): read when the code location loads.
    timezone: str
    full_build_cron: str
    reconcile_cron: str
    reports_cron: str
    automation_on: bool
    probe_interval_seconds: int
    freshness_raw_warn_hours: float
    freshness_raw_fail_hours: float
    freshness_marts_warn_hours: float
    freshness_marts_fail_hours: float
    alert_webhook: str | None = field(repr=False)
    ui_url: str
    # Where `dtm docs` serves the gates' Data Docs pages (quality/docs_server.py); unset: the
    # checks link to the files themselves.
    docs_url: str | None
    dagster_postgres_url: str | None = field(repr=False)
    # Serving (dtm_platform/serving/): disclosure control and the Postgres publication.
    min_cell_count: int = 5
    postgres_url: str | None = field(default=None, repr=False)
    postgres_reader_role: str = "dtm_reader"
    postgres_reader_timeout_seconds: int = DEFAULT_READER_TIMEOUT_SECONDS
    # The M&E results published to IATI (reports/me_results_iati.xml): the activity's IATI
    # identifier and the reporting organisation's (IOM's, XM-DAC-47066, by default).
    iati_activity_id: str = "XM-DAC-47066-CF-PSC"
    iati_reporting_org: str = "XM-DAC-47066"
    iati_reporting_org_name: str = "International Organization for Migration"
    # The site and locality profiles (reports/dtm_site_profiles): print their PDFs (a few
    # hundred pages, one Chromium) or write the HTML only.
    profile_pdfs: bool = True
    # The day the marts' figures are as of (what is overdue, late, due): the day of the build
    # unless set, to rebuild a report for a past day, or to build twice on the same day's terms.
    as_of_date: date | None = None
    # Bounds on what the Kobo server may send (kobo/transfer.py): an answer's bytes (pages aim
    # at a quarter), and an attachment's (a larger one is recorded, not downloaded).
    kobo_max_page_mb: int = DEFAULT_MAX_PAGE_MB
    kobo_max_attachment_mb: int = DEFAULT_MAX_ATTACHMENT_MB
    # The warehouse (warehouse.py): "duckdb", one file under the home (one writer), or
    # "ducklake", the catalog in Postgres (a libpq string or URL, which may carry a password)
    # and the data as Parquet files under the data path.
    warehouse_kind: str = "duckdb"
    ducklake_catalog: str | None = field(default=None, repr=False)
    ducklake_data_path: str | None = None
    # How steps execute and where the Celery workers are (defs/automation/executor.py); the
    # broker's and backend's URLs may carry a password.
    executor: str = "in_process"
    celery_broker: str = field(default=DEFAULT_CELERY_BROKER, repr=False)
    celery_backend: str = field(default=DEFAULT_CELERY_BACKEND, repr=False)
    # Runs the run queue starts at once (dagster.yaml): 1 unless steps run on Celery workers.
    max_concurrent_runs: int = 1

    @property
    def warehouse_path(self) -> Path:
        """The DuckDB file; with a DuckLake warehouse, nothing is written there."""
        return self.home / "warehouse.duckdb"

    @property
    def warehouse(self) -> WarehouseLocation:
        """Where every connection of the platform and dbt's goes (``connect_duckdb``)."""
        if self.warehouse_kind == "ducklake":
            return DuckLake(self.ducklake_catalog or "", self.ducklake_data_path or str(self.home / "lake"))
        return self.warehouse_path

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def quality_dir(self) -> Path:
        return self.home / "quality"

    @property
    def cleaning_dir(self) -> Path:
        """Verification workbooks out, returned ones in, the ledger of imported answers."""
        return self.home / "cleaning"

    @property
    def finance_dir(self) -> Path:
        """Finance exports in (inbox), the expenditure ledger, rejection reports."""
        return self.home / "finance"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def load_settings() -> Settings:
    """Read the settings from the environment.

    Cheap, so steps call it when they run: a test or a deployment that changes the
    environment is seen without restarting the code location.
    """
    home = Path(os.environ.get("DTM_HOME") or PROJECT_ROOT / "var").resolve()
    executor = _choice("DTM_EXECUTOR", "in_process", EXECUTORS)
    return Settings(
        home=home,
        kobo_url=_kobo_url("DTM_KOBO_URL", f"http://127.0.0.1:{MOCK_DEFAULT_PORT}"),
        kobo_token=os.environ.get("DTM_KOBO_TOKEN") or MOCK_DEFAULT_TOKEN,
        forms_file=Path(
            os.environ.get("DTM_FORMS_FILE") or PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml"
        ).resolve(),
        hash_salt=os.environ.get("DTM_HASH_SALT") or "dtm-demo-salt-change-me",
        kobo_page_size=_int("DTM_KOBO_PAGE_SIZE", 1000),
        kobo_max_in_flight=_int("DTM_KOBO_MAX_IN_FLIGHT", 4),
        kobo_timeout_seconds=_float("DTM_KOBO_TIMEOUT_SECONDS", 60.0),
        kobo_max_retries=_int("DTM_KOBO_MAX_RETRIES", 6),
        kobo_max_page_mb=_positive_int("DTM_KOBO_MAX_PAGE_MB", DEFAULT_MAX_PAGE_MB),
        kobo_max_attachment_mb=_positive_int("DTM_KOBO_MAX_ATTACHMENT_MB", DEFAULT_MAX_ATTACHMENT_MB),
        mock_seed=_int("DTM_MOCK_SEED", 2026),
        mock_localities_per_admin2=_int("DTM_MOCK_LOCALITIES_PER_ADMIN2", 12),
        boundaries_geojson=Path(os.environ["DTM_BOUNDARIES_GEOJSON"]).resolve()
        if os.environ.get("DTM_BOUNDARIES_GEOJSON")
        else None,
        chromium=os.environ.get("DTM_CHROMIUM") or None,
        timezone=_timezone("DTM_TIMEZONE", "Africa/Bangui"),
        full_build_cron=_cron("DTM_FULL_BUILD_CRON", "0 3 * * *"),
        reconcile_cron=_cron("DTM_RECONCILE_CRON", "0 1 * * *"),
        reports_cron=_cron("DTM_REPORTS_CRON", "0 6 * * 1"),
        automation_on=_bool("DTM_AUTOMATION", True),
        probe_interval_seconds=_int("DTM_PROBE_INTERVAL_SECONDS", 300),
        freshness_raw_warn_hours=_float("DTM_FRESHNESS_RAW_WARN_HOURS", 3.0),
        freshness_raw_fail_hours=_float("DTM_FRESHNESS_RAW_FAIL_HOURS", 25.0),
        freshness_marts_warn_hours=_float("DTM_FRESHNESS_MARTS_WARN_HOURS", 26.0),
        freshness_marts_fail_hours=_float("DTM_FRESHNESS_MARTS_FAIL_HOURS", 50.0),
        alert_webhook=os.environ.get("DTM_ALERT_WEBHOOK") or None,
        ui_url=(os.environ.get("DTM_UI_URL") or "http://127.0.0.1:3000").rstrip("/"),
        docs_url=(os.environ.get("DTM_DOCS_URL") or "").rstrip("/") or None,
        dagster_postgres_url=os.environ.get("DTM_DAGSTER_POSTGRES_URL") or None,
        min_cell_count=_positive_int("DTM_MIN_CELL_COUNT", 5),
        postgres_url=os.environ.get("DTM_POSTGRES_URL") or None,
        postgres_reader_role=_role_name("DTM_POSTGRES_READER_ROLE", "dtm_reader"),
        postgres_reader_timeout_seconds=_positive_int(
            "DTM_POSTGRES_READER_TIMEOUT_SECONDS", DEFAULT_READER_TIMEOUT_SECONDS
        ),
        iati_activity_id=os.environ.get("DTM_IATI_ACTIVITY_ID") or "XM-DAC-47066-CF-PSC",
        iati_reporting_org=os.environ.get("DTM_IATI_REPORTING_ORG") or "XM-DAC-47066",
        iati_reporting_org_name=os.environ.get("DTM_IATI_REPORTING_ORG_NAME")
        or "International Organization for Migration",
        profile_pdfs=_bool("DTM_PROFILE_PDFS", True),
        as_of_date=_date("DTM_AS_OF_DATE"),
        **_warehouse(home),
        executor=executor,
        celery_broker=(os.environ.get("DTM_CELERY_BROKER") or "").strip() or DEFAULT_CELERY_BROKER,
        celery_backend=(os.environ.get("DTM_CELERY_BACKEND") or "").strip() or DEFAULT_CELERY_BACKEND,
        max_concurrent_runs=_concurrent_runs(executor),
    )


def _warehouse(home: Path) -> dict:
    kind = _choice("DTM_WAREHOUSE", "duckdb", WAREHOUSE_KINDS)
    catalog = (os.environ.get("DTM_DUCKLAKE_CATALOG") or "").strip() or None
    if kind == "ducklake" and catalog is None:
        raise ValueError(
            "DTM_WAREHOUSE=ducklake needs DTM_DUCKLAKE_CATALOG, the Postgres database of the lake's "
            "catalog, such as 'dbname=dtm_lake host=127.0.0.1 user=dtm'"
        )
    data_path = (os.environ.get("DTM_DUCKLAKE_DATA_PATH") or "").strip() or str(home / "lake")
    return {"warehouse_kind": kind, "ducklake_catalog": catalog, "ducklake_data_path": data_path}


def _concurrent_runs(executor: str) -> int:
    """DTM_MAX_CONCURRENT_RUNS: honoured with the Celery executor only. The in-process
    executor serves the DuckDB warehouse, whose single writer allows one run at a time."""
    if executor != "celery":
        value = _positive_int("DTM_MAX_CONCURRENT_RUNS", 1)
        if value != 1:
            raise ValueError(
                f"DTM_MAX_CONCURRENT_RUNS={value} needs DTM_EXECUTOR=celery: with the in-process "
                "executor runs go one at a time (warehouse.duckdb has a single writer)"
            )
        return value
    return _positive_int("DTM_MAX_CONCURRENT_RUNS", DEFAULT_CELERY_CONCURRENT_RUNS)

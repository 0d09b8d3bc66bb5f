"""Every setting of the platform, read once from the environment (``DTM_*`` variables).

The README lists each one with its default. Secrets (the Kobo token, the hash salt) are
kept out of ``repr`` so that printing the settings never leaks them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The embedded mock server's address and token: the defaults, so the demo needs no credentials.
MOCK_DEFAULT_PORT = 8765
MOCK_DEFAULT_TOKEN = "dtm-mock-token"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


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

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def quality_dir(self) -> Path:
        return self.home / "quality"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"


def load_settings() -> Settings:
    """Read the settings from the environment.

    Cheap, so steps call it when they run: a test or a deployment that changes the
    environment is seen without restarting the code location.
    """
    home = Path(os.environ.get("DTM_HOME") or PROJECT_ROOT / "var").resolve()
    return Settings(
        home=home,
        kobo_url=os.environ.get("DTM_KOBO_URL") or f"http://127.0.0.1:{MOCK_DEFAULT_PORT}",
        kobo_token=os.environ.get("DTM_KOBO_TOKEN") or MOCK_DEFAULT_TOKEN,
        forms_file=Path(
            os.environ.get("DTM_FORMS_FILE") or PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml"
        ).resolve(),
        hash_salt=os.environ.get("DTM_HASH_SALT") or "dtm-demo-salt-change-me",
        kobo_page_size=_int("DTM_KOBO_PAGE_SIZE", 1000),
        kobo_max_in_flight=_int("DTM_KOBO_MAX_IN_FLIGHT", 4),
        kobo_timeout_seconds=_float("DTM_KOBO_TIMEOUT_SECONDS", 60.0),
        kobo_max_retries=_int("DTM_KOBO_MAX_RETRIES", 6),
        mock_seed=_int("DTM_MOCK_SEED", 2026),
        mock_localities_per_admin2=_int("DTM_MOCK_LOCALITIES_PER_ADMIN2", 12),
    )


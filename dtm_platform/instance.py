"""The Dagster instance under DTM_HOME: DAGSTER_HOME is DTM_HOME/dagster (DESIGN.md §4)."""

from __future__ import annotations

import os
from pathlib import Path

from dtm_platform.settings import Settings

DAGSTER_YAML = """\
# Written by the platform (dtm_platform/instance.py). SQLite storage under this folder.
telemetry:
  enabled: false
"""


def prepare_dagster_home(settings: Settings) -> Path:
    """Create DAGSTER_HOME with its dagster.yaml and point this process at it."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home

"""The resources every domain's assets and sensors are given: the settings, the warehouse and
the Kobo API.

Each reads the ``DTM_*`` settings (``settings.py``, the one reader of the environment, with
its defaults and checks) when a step or a sensor tick starts, so a deployment changes a
setting the way it always has. A test gives them explicitly instead: its own home, its own
server and token (``platform_resources``). What the UI shows of them is their configuration:
the Kobo token is configured as ``EnvVar("DTM_KOBO_TOKEN")`` (its name, never its value) or
not at all, and nothing else they hold is a secret.
"""

import dataclasses
import os
from pathlib import Path

import dagster as dg
import duckdb

from dtm_platform.kobo.client import KoboClient
from dtm_platform.settings import Settings, load_settings
from dtm_platform.warehouse import WarehouseLocation, connect_duckdb

# A sensor tick must end within a minute: the probe's client retries little and waits less;
# the next tick tries again.
PROBE_MAX_TIMEOUT_SECONDS = 20.0
PROBE_MAX_RETRIES = 2


class PlatformSettings(dg.ConfigurableResource):
    """The platform's settings; ``home`` set, the platform's home is that folder instead of DTM_HOME."""

    home: str | None = None

    def get(self) -> Settings:
        settings = load_settings()
        return settings if self.home is None else dataclasses.replace(settings, home=Path(self.home))


class Warehouse(dg.ConfigurableResource):
    """The warehouse: the home's DuckDB file (one writer at a time) or the DuckLake
    (DTM_WAREHOUSE; warehouse.py, ARCHITECTURE.md)."""

    platform: PlatformSettings

    @property
    def location(self) -> WarehouseLocation:
        return self.platform.get().warehouse

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A connection to use in a ``with`` block (warehouse.connect_duckdb)."""
        return connect_duckdb(self.location)


class KoboApi(dg.ConfigurableResource):
    """The KoboToolbox API: DTM_KOBO_URL, its token and the client's limits (DTM_KOBO_*)."""

    platform: PlatformSettings
    url: str | None = None  # None: DTM_KOBO_URL (the embedded server by default)
    token: str | None = None  # None: DTM_KOBO_TOKEN (the embedded server's by default)

    def client(self) -> KoboClient:
        """The ingestion's client: the configured timeout, retries, requests in flight and page size."""
        s = self.platform.get()
        return self._client(
            s, timeout=s.kobo_timeout_seconds, max_retries=s.kobo_max_retries, page_size=s.kobo_page_size
        )

    def probe_client(self) -> KoboClient:
        """The new-submissions sensor's client: few, short retries, so a tick ends in time."""
        s = self.platform.get()
        return self._client(
            s,
            timeout=min(s.kobo_timeout_seconds, PROBE_MAX_TIMEOUT_SECONDS),
            max_retries=min(s.kobo_max_retries, PROBE_MAX_RETRIES),
        )

    def _client(self, s: Settings, **limits) -> KoboClient:
        return KoboClient(
            self.url or s.kobo_url,
            self.token or s.kobo_token,
            max_in_flight=s.kobo_max_in_flight,
            max_page_bytes=s.kobo_max_page_mb * 2**20,
            **limits,
        )


def platform_resources(home: Path | str | None = None, *, kobo_url: str | None = None, kobo_token=None) -> dict:
    """Every resource the platform's definitions use, by key.

    Left unset, each follows the DTM_* settings when used; a test passes its own home, server and token.
    In a deployment, the token is configured from DTM_KOBO_TOKEN as an EnvVar, shown by name only.
    """
    if kobo_token is None and os.environ.get("DTM_KOBO_TOKEN"):
        kobo_token = dg.EnvVar("DTM_KOBO_TOKEN")
    platform = PlatformSettings(home=None if home is None else str(home))
    return {
        "platform": platform,
        "warehouse": Warehouse(platform=platform),
        "kobo": KoboApi(platform=platform, url=kobo_url, token=kobo_token),
    }

"""Shared fixtures: an isolated DTM_HOME per platform run, and a fixed secret salt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

TEST_SALT = "test-salt-9f8e7d"


@pytest.fixture(scope="session")
def isolated_home(tmp_path_factory):
    """Returns a function that points DTM_HOME (and DAGSTER_HOME) at a fresh folder."""
    patches: list[pytest.MonkeyPatch] = []

    def make(name: str) -> Path:
        home = tmp_path_factory.mktemp(name)
        patch = pytest.MonkeyPatch()
        patch.setenv("DTM_HOME", str(home))
        patch.setenv("DAGSTER_HOME", str(home / "dagster"))
        patch.setenv("DTM_HASH_SALT", TEST_SALT)
        patches.append(patch)
        return home

    yield make
    for patch in reversed(patches):
        patch.undo()

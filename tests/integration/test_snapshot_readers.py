"""The serving snapshot is replaced while another process keeps reading it: no read fails,
and each read sees one whole snapshot, old or new."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from dtm_platform.serving.personal import load_personal_fields
from dtm_platform.serving.snapshot import build_snapshot
from tests.serving_warehouse import ADMIN2, FORMS, make_warehouse

# A reader such as Power BI or an analyst's script. "reopen": opens the snapshot read-only,
# queries two tables, closes, again and again. "hold": keeps one connection open all along
# (DuckDB shares one open database among a process's connections to the same path, so
# the two kinds of reader run in processes of their own).
READER = r"""
import json, os, sys, time
import duckdb

mode, path, ready, stop = sys.argv[1:5]
reads, failures, errors, totals = 0, 0, [], set()
held = duckdb.connect(path, read_only=True) if mode == "hold" else None
query = "select sum(idp_individuals), count(*) from marts.dtm_idp_returnees_by_admin2"
suppressed = "select count(*) from marts.me_pdm_satisfaction where is_suppressed"
while not os.path.exists(stop):
    try:
        con = held or duckdb.connect(path, read_only=True)
        total, rows = con.execute(query).fetchone()
        assert (rows, con.execute(suppressed).fetchone()[0]) == (6, 2)
        if not held:
            con.close()
        totals.add(int(total))
        reads += 1
        if reads == 1:
            open(ready, "w").close()
    except Exception as error:
        failures += 1
        errors.append(repr(error)[:300])
print(json.dumps({"reads": reads, "failures": failures, "errors": errors[:5], "totals": sorted(totals)}))
"""

REPLACEMENTS = 6


def test_a_reader_in_another_process_never_fails_while_the_snapshot_is_replaced(tmp_path):
    warehouse = make_warehouse(tmp_path / "warehouse.duckdb")
    personal = load_personal_fields(warehouse, FORMS)
    target = tmp_path / "serving" / "marts.duckdb"

    def build(bump: int) -> None:
        make_warehouse(warehouse, bump=bump)
        build_snapshot(
            warehouse, target, min_count=5, personal=personal, run_id=f"run-{bump}", refreshed_at=datetime.now(UTC)
        )

    build(0)
    stop = tmp_path / "stop"
    readers = {}
    for mode in ("reopen", "hold"):
        ready = tmp_path / f"{mode}.ready"
        readers[mode] = (
            ready,
            subprocess.Popen(
                [sys.executable, "-c", READER, mode, str(target), str(ready), str(stop)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
    reports = {}
    try:
        deadline = time.monotonic() + 60
        for ready, process in readers.values():
            while not ready.exists():
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "a reader never read the snapshot"
                time.sleep(0.05)
        for replacement in range(1, REPLACEMENTS + 1):
            build(replacement * 1000)
            time.sleep(0.15)  # let the reader open the new file a few times
    finally:
        stop.touch()
        for mode, (_, process) in readers.items():
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
            reports[mode] = json.loads(out)
    base = sum(row[6] for row in ADMIN2)
    possible = {base + bump * len(ADMIN2) for bump in [0, *(r * 1000 for r in range(1, REPLACEMENTS + 1))]}
    for mode, report in reports.items():
        assert report["failures"] == 0, (mode, report["errors"])
        assert report["reads"] >= 20, mode
        assert set(report["totals"]) <= possible, mode  # whole snapshots only
    assert len(reports["reopen"]["totals"]) >= 3  # a reader that reconnects sees the new snapshots
    assert reports["hold"]["totals"] == [base]  # one that stays connected keeps its snapshot
    assert sorted(p.name for p in target.parent.iterdir()) == ["marts.duckdb"]

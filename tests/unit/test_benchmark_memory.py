"""The build benchmark's memory sampler (benchmarks/process_memory.py) reports each process of
the tree by name with its own peak, the ones that ended before the end included, and what the
tree's total was made of at its peak: a fake tree of a "dbt" layer and another child, each
holding a known amount."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from benchmarks.process_memory import PeakMemory, describe

MIB = 2**20

# holds N MiB (written, so resident and anonymous: b"x" * n fills every page) for S seconds
HOLD = textwrap.dedent(
    """
    import sys, time
    held = b"x" * (int(sys.argv[-2]) * 2**20)
    time.sleep(float(sys.argv[-1]))
    """
)

# the build's stand-in: a dbt layer (200 MiB for 2 s) and another child (100 MiB, ending after
# 1 s) side by side, then nothing more
ROOT = textwrap.dedent(
    """
    import os, subprocess, sys
    tmp = sys.argv[1]
    env = {**os.environ, "DBT_TARGET_PATH": os.path.join(tmp, "target", "dbt_cleaned-k3j9x")}
    dbt = subprocess.Popen([sys.executable, os.path.join(tmp, "dbt"), "build", "--select", "fqn:a fqn:b", "200", "2"],
                           env=env)
    other = subprocess.Popen([sys.executable, os.path.join(tmp, "hold.py"), "100", "1"])
    other.wait()
    dbt.wait()
    """
)


def test_each_process_is_named_with_its_own_peak_and_its_share_of_the_total_peak(tmp_path):
    for name in ("dbt", "hold.py"):
        (tmp_path / name).write_text(HOLD)
    root = subprocess.Popen([sys.executable, "-c", ROOT, str(tmp_path)])
    with PeakMemory(root.pid, interval=0.1, root_name="the build") as memory:
        root.wait(timeout=30)
    assert root.returncode == 0
    summary = memory.summary()
    by_name = {p["name"]: p for p in summary["processes"]}
    other = next(name for name in by_name if name.startswith("hold.py (pid "))
    assert set(by_name) == {"the build", "dbt build (dbt_cleaned)", other}, by_name
    dbt, held = by_name["dbt build (dbt_cleaned)"], by_name[other]
    # each its own peak, though both had ended when sampling stopped
    assert dbt["peak_gib"] * 2**30 >= 200 * MIB
    assert held["peak_gib"] * 2**30 >= 100 * MIB
    assert 100 * MIB <= held["peak_gib"] * 2**30 < 200 * MIB
    # the total peaked while both were held: both are in it, each with its anonymous part
    assert dbt["at_peak_anon_gib"] * 2**30 >= 200 * MIB and held["at_peak_anon_gib"] * 2**30 >= 100 * MIB
    assert summary["peak_gib"] * 2**30 >= 300 * MIB
    assert abs(sum(p["at_peak_gib"] for p in summary["processes"]) - summary["peak_gib"]) < 1e-9
    assert held["seconds"][1] < dbt["seconds"][1]  # the other child ended first
    assert summary["samples"] >= 10 and summary["slowest_sample_seconds"] < 0.2  # it keeps up


def test_names_from_command_lines():
    python = "/work/.venv/bin/python3.11"
    assert describe([python, "-m", "benchmarks.build_run", "--url", "x"], 7) == "python -m benchmarks.build_run (pid 7)"
    assert describe([python, "/v/bin/dbt", "--version"], 8) == "dbt --version"
    assert describe([python, "/v/bin/dbt", "parse", "--quiet"], 9) == "dbt parse (pid 9)"
    assert describe([python, "/v/bin/dbt", "build", "--select", "staging"], 9) == "dbt build (staging)"
    layer = {"DBT_TARGET_PATH": "/p/target/dbt_marts-abc123/"}
    assert describe([python, "/v/bin/dbt", "build", "--select", "fqn:" * 50], 9, layer) == "dbt build (dbt_marts)"
    assert describe(["/opt/chromium/chrome", "--type=renderer", "--headless"], 3) == "chromium (renderer)"
    assert describe(["/usr/bin/chromium", "--headless", "about:blank"], 3) == "chromium (browser)"
    assert describe([], 4) == "process 4"

"""The resident memory of a process tree, sampled in the background, per process (issue #17).

``PeakMemory(pid)`` samples the process and all its descendants every 0.2 s, reading each
one's RSS (``/proc/PID/statm``, about 20 µs a process). It keeps the peak of the tree's total
(``peak_bytes``, the figure the memory target is set on), and for every process seen, the
ones that ended included, its own peak, a name that says what it was (the build process
itself; each dbt invocation by its layer; Chromium by its role; any other child by its
command) and what it held at the sample where the total peaked, so a report can say which
process makes the peak rather than guess.

RSS counts a page shared by several processes once in each: mostly the libraries' code
(file-backed, about 170 MB in a Python process that imports Dagster and DuckDB). Each sample
also keeps the anonymous part (RSS less its file-backed and shared-memory pages, the same
statm read), which these processes do not share: the heaps, DuckDB's buffers, pandas' frames.
USS (``memory_full_info``) would be exact but reads ``smaps``: about 10 ms a process per
sample at 300 MB, growing with the process, against 0.02 ms; at several GiB and a handful of
processes it would not keep up with 0.2 s, and would take the kernel's lock on the address
space of the process it measures for as long.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass

import psutil


@dataclass
class Seen:
    """One process of the tree, from the first sample that found it to the last."""

    pid: int
    name: str
    cmdline: tuple[str, ...]
    first_seen: float
    last_seen: float
    peak_bytes: int = 0
    at_peak_bytes: int = 0  # its RSS in the sample where the tree's total peaked (0: not alive then)
    at_peak_anon_bytes: int = 0  # the anonymous part of that


def describe(cmdline: list[str] | tuple[str, ...], pid: int, environ: dict[str, str] | None = None) -> str:
    """A recognisable name for a process from its command line (and, for dbt, the target
    folder dagster-dbt gives each invocation, which carries the step's name)."""
    argv = list(cmdline)
    if not argv:
        return f"process {pid}"
    program = os.path.basename(argv[0])
    rest = argv[1:]
    if program.startswith("python"):
        while rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
            rest = rest[2:] if rest[0] in ("-X", "-W") else rest[1:]  # the interpreter's own options
        if rest[:1] == ["-m"] and len(rest) > 1:
            program, rest = f"python -m {rest[1]}", rest[2:]
        elif rest[:1] == ["-c"]:
            program, rest = "python -c", rest[2:]
        elif rest:
            program, rest = os.path.basename(rest[0]), rest[1:]
    if program == "dbt":
        return _describe_dbt(rest, pid, environ or {})
    if program == "python -m dtm_platform.cli" and rest[:1] == ["worker"] and "--name" in rest[:-1]:
        return f"Celery worker {rest[rest.index('--name') + 1]} (pid {pid})"  # its pool's child shows the same
    if "chrom" in program.lower() or program == "headless_shell":
        role = next((a.split("=", 1)[1] for a in rest if a.startswith("--type=")), "browser")
        return f"chromium ({role})"
    return f"{program} (pid {pid})"


def _describe_dbt(args: list[str], pid: int, environ: dict[str, str]) -> str:
    command = next((a for a in args if not a.startswith("-")), None) or (args[0] if args else "")
    if command in ("--version", "-v"):
        return "dbt --version"
    # dagster-dbt runs each invocation with DBT_TARGET_PATH=<target>/dbt_<layer>-<random> (the
    # platform names the folders after the step: transform/project.py, invocation_target)
    target = os.path.basename(environ.get("DBT_TARGET_PATH", "").rstrip("/"))
    if target.startswith("dbt_") and "-" in target:
        return f"dbt {command} ({target.rsplit('-', 1)[0]})"
    select = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--select", "-s")), "")
    if select and len(select) <= 40:
        return f"dbt {command} ({select})"
    return f"dbt {command} (pid {pid})"


class PeakMemory:
    """The peak resident memory of a process and its descendants, in total and per process,
    sampled in a background thread while the ``with`` block runs."""

    def __init__(self, pid: int, interval: float = 0.2, root_name: str | None = None, also: tuple[int, ...] = ()):
        self.peak_bytes, self._pid, self._interval, self._root_name = 0, pid, interval, root_name
        self._also = also  # other processes whose trees count too (Celery workers, started before)
        self.peak_at = 0.0  # seconds from the start to the sample where the total peaked
        self.samples, self.slowest_sample = 0, 0.0
        self.seen: dict[tuple[int, float], Seen] = {}  # (pid, create time): a reused pid is a new process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._started = time.monotonic()

    def __enter__(self) -> PeakMemory:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        try:
            root = psutil.Process(self._pid)
        except psutil.Error:
            return
        others = []
        for pid in self._also:
            with contextlib.suppress(psutil.Error):
                others.append(psutil.Process(pid))
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            for other in others:
                with contextlib.suppress(psutil.Error):
                    tree += [other, *other.children(recursive=True)]
            now, total, sample = began - self._started, 0, []
            for process in tree:
                with contextlib.suppress(psutil.Error):
                    memory = process.memory_info()
                    total += memory.rss  # counted even if its name cannot be read
                    seen = self._seen(process, now)
                    seen.last_seen, seen.peak_bytes = now, max(seen.peak_bytes, memory.rss)
                    sample.append((seen, memory.rss, max(memory.rss - memory.shared, 0)))
            if total > self.peak_bytes:
                self.peak_bytes, self.peak_at = total, now
                for seen in self.seen.values():
                    seen.at_peak_bytes = seen.at_peak_anon_bytes = 0
                for seen, rss, anon in sample:
                    seen.at_peak_bytes, seen.at_peak_anon_bytes = rss, anon
            self.samples += 1
            self.slowest_sample = max(self.slowest_sample, time.monotonic() - began)
            try:
                if root.status() == psutil.STATUS_ZOMBIE:  # it ended; the caller has yet to reap it
                    return
            except psutil.Error:
                return
            self._stop.wait(self._interval)

    def _seen(self, process: psutil.Process, now: float) -> Seen:
        key = (process.pid, process.create_time())
        cmdline = tuple(process.cmdline())
        seen = self.seen.get(key)
        # named again when the command line changes: a child found between fork and exec
        # still shows its parent's (a process that ended and is not yet reaped shows none)
        if seen is None or (cmdline and seen.cmdline != cmdline):
            if process.pid == self._pid and self._root_name:
                name = self._root_name
            else:
                environ = {}
                if any(os.path.basename(a) == "dbt" for a in cmdline[:2]):
                    with contextlib.suppress(psutil.Error):
                        environ = process.environ()
                name = describe(cmdline, process.pid, environ)
            if seen is None:
                seen = self.seen[key] = Seen(process.pid, name, cmdline, now, now)
            else:
                seen.name, seen.cmdline = name, cmdline
        return seen

    def summary(self) -> dict:
        """For the results: the total's peak and when, and every process seen, largest first."""
        gib = 2**30
        return {
            "interval_seconds": self._interval,
            "samples": self.samples,
            "slowest_sample_seconds": round(self.slowest_sample, 4),
            "peak_gib": self.peak_bytes / gib,
            "peak_at_seconds": round(self.peak_at, 1),
            "processes": [
                {
                    "name": s.name,
                    "pid": s.pid,
                    "peak_gib": s.peak_bytes / gib,
                    "at_peak_gib": s.at_peak_bytes / gib,
                    "at_peak_anon_gib": s.at_peak_anon_bytes / gib,
                    "seconds": [round(s.first_seen, 1), round(s.last_seen, 1)],
                }
                for s in sorted(self.seen.values(), key=lambda s: (-s.at_peak_bytes, -s.peak_bytes))
            ],
        }

"""The embedded Kobo server in its own process, so the server's work is not charged to the
client being measured (the two would otherwise share one interpreter and its lock).

``python -m benchmarks.serve '{"dtm_locality": 200000}' --latency 0.3 --cache`` builds the
forms (a count per dataset, rounded to what the synthetic generators produce; every other form
of the registry at the demo's size, so that a build finds each one), prints ``READY <url>
<counts as JSON>`` and serves until killed. ``'"demo"'`` serves the demo's forms as ``dtm demo``
does. With ``--withhold 0.01`` the last
1% of each form is held back until ``CHANGE <edit share> <delete share>`` arrives on stdin,
which also edits and deletes those shares of each form (for the incremental benchmark).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from dtm_platform.kobo_mock.catalogue import default_forms, locality_mock_form
from dtm_platform.kobo_mock.forms import FORM_MODULES
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.kobo_mock.store import LazySource, ListSource

TOKEN = "benchmark-token"
SEED = 2026
# Submissions each generator yields at scale 1 (the locality form: per locality per admin2)
PER_SCALE_1 = {
    "dtm_site": 123,
    "dtm_flow_counts": 3000,
    "dtm_flow_survey": 410,
    "me_activity": 155,
    "me_pdm": 308,
    "me_perception": 611,
}
LOCALITY_SUBMISSIONS_PER_LOCALITY_PER_ADMIN2 = 148  # 72 sub-prefectures x 2 rounds x 1.03


DEMO = "demo"
DEMO_LOCALITIES_PER_ADMIN2 = 12  # DTM_MOCK_LOCALITIES_PER_ADMIN2's default


def build_forms(counts: dict[str, int] | str) -> list:
    if counts == DEMO:
        return default_forms(SEED, DEMO_LOCALITIES_PER_ADMIN2)
    forms = []
    for dataset, count in counts.items():
        if dataset == "dtm_locality":
            localities = max(1, round(count / LOCALITY_SUBMISSIONS_PER_LOCALITY_PER_ADMIN2))
            forms.append(locality_mock_form(generate(SEED, localities_per_admin2=localities)))
            continue
        module = next(m for m in FORM_MODULES if m.DATASET == dataset)
        forms.append(module.build(SEED, count / PER_SCALE_1[dataset]).form)
    forms += [module.build(SEED, 1.0).form for module in FORM_MODULES if module.DATASET not in counts]
    return forms


class Withheld:
    """The last ``share`` of a form's submissions, held back from the server until released:
    the new submissions of an incremental run, consistent with the rest of the form."""

    def __init__(self, form, share: float):
        source = form.store.source
        self.form, self.hidden = form, round(len(source) * share)
        if isinstance(source, LazySource):  # builds by position: hide the tail positions
            source.count -= self.hidden
            self.tail: list[dict] = []
        else:
            self.tail = source._submissions[len(source) - self.hidden :]
            form.store.source = ListSource(source._submissions[: len(source) - self.hidden])

    def release(self) -> int:
        source = self.form.store.source
        if isinstance(source, LazySource):
            source.count += self.hidden
        else:
            self.form.store.receive(self.tail)
        return self.hidden


def change_between_runs(forms: list, withheld: list[Withheld], edit_share: float, delete_share: float) -> dict:
    """New arrivals (what was withheld), and a share of the form edited and deleted, spread
    evenly across its history, as happens on a server between two builds."""
    changes = {"new": 0, "edited": 0, "deleted": 0}
    for form, held in zip(forms, withheld):
        changes["new"] += held.release()
        lazy = isinstance(form.store.source, LazySource)  # every id in the source once released
        ids = None if lazy else [s["_id"] for s in form.store.iter_after(None)]
        count = form.store.count()
        for k in range(round(count * (edit_share + delete_share))):
            position = (k * 7919) % count
            submission_id = ids[position] if ids is not None else form.store.source.id_at(position)
            if form.store.get(submission_id) is None:
                continue
            if k % 2:
                form.store.delete(submission_id)
                changes["deleted"] += 1
            else:
                form.store.edit(submission_id, {})  # re-saved in Kobo's web form: a new instance uuid
                changes["edited"] += 1
    return changes


def _compact(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"))  # no spaces: the line splits on them


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("counts", help='submissions per dataset, as JSON: {"dtm_locality": 200000}, or "demo"')
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each data request")
    parser.add_argument("--cache", action="store_true", help="serve repeated requests from rendered bytes")
    parser.add_argument(
        "--withhold", type=float, default=0.0, help="share of each form held back until the CHANGE command on stdin"
    )
    args = parser.parse_args()
    forms = build_forms(json.loads(args.counts))
    withheld = [Withheld(form, args.withhold) for form in forms]
    server = MockKoboServer(token=TOKEN, forms=forms)
    server.latency_seconds, server.cache_pages = args.latency, args.cache
    served = {f.uid: f.store.count() for f in forms}
    print(f"READY {server.url} {_compact(served)}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for line in sys.stdin:  # CHANGE <edit share> <delete share>
        if line.startswith("CHANGE "):
            _, edit_share, delete_share = line.split()
            changes = change_between_runs(forms, withheld, float(edit_share), float(delete_share))
            served = {f.uid: f.store.count() for f in forms}
            print(f"CHANGED {_compact(changes)} {_compact(served)}", flush=True)


@dataclass
class ServedForms:
    url: str
    counts: dict[str, int]  # form uid -> submissions served
    process: subprocess.Popen

    def change(self, edit_share: float, delete_share: float) -> dict:
        """Release the withheld submissions and edit and delete shares of every form."""
        self.process.stdin.write(f"CHANGE {edit_share} {delete_share}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line.startswith("CHANGED "):
            raise RuntimeError(f"the benchmark server did not apply the change: {line!r}")
        _, changes, counts = line.split(" ", 2)
        self.counts = json.loads(counts)
        return json.loads(changes)


@contextlib.contextmanager
def served(
    counts: dict[str, int] | str, *, latency: float = 0.0, cache: bool = False, withhold: float = 0.0
) -> Iterator[ServedForms]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.serve",
        json.dumps(counts),
        "--latency",
        str(latency),
        "--withhold",
        str(withhold),
    ]
    if cache:
        command.append("--cache")
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("READY "):
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        _, url, served_counts = line.split(" ", 2)
        yield ServedForms(url=url, counts=json.loads(served_counts), process=process)
    finally:
        process.kill()
        process.wait()


if __name__ == "__main__":
    main()

"""Kobo's audit log of a submission, as Collect writes it when a form has the ``audit``
question: an ``audit.csv`` attachment with one row per event (``event,node,start,end``,
times in milliseconds since the epoch), ``question`` events giving how long each answered
question was on screen. The generator writes one per interview of a form that collects it
(MockForm.attachment_bodies); the embedded server answers it for the attachment's URL.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime

AUDIT_XPATH = "meta/audit"
AUDIT_FILE = "audit.csv"
AUDIT_MIMETYPE = "text/csv"


def audit_csv(
    root: str,
    answered: list[str],
    started: datetime,
    ended: datetime,
    *,
    seconds_per_question: tuple[int, int],
    rng: random.Random,
) -> bytes:
    """An audit log of ``answered`` (question paths, in the order asked) between ``started``
    and ``ended``: each question on screen for a number of seconds drawn from
    ``seconds_per_question``, the rest of the time the form open on no question (a pause,
    the tablet in a pocket). ``root`` is the form's root element."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("event", "node", "start", "end"))
    begin, finish = int(started.timestamp() * 1000), int(ended.timestamp() * 1000)
    writer.writerow(("form start", "", begin, ""))
    moment = begin + 1000
    for path in answered:
        shown = rng.randint(*seconds_per_question) * 1000 + rng.randint(0, 999)
        if moment + shown > finish - 2000:  # never past the end the submission records
            break
        writer.writerow(("question", f"/{root}/{path}", moment, moment + shown))
        moment += shown + rng.randint(200, 1500)
    writer.writerow(("end screen", "", finish - 1500, finish - 200))
    writer.writerow(("form save", "", finish - 200, ""))
    writer.writerow(("form exit", "", finish, ""))
    return out.getvalue().encode("utf-8")

"""How a returned verification workbook's row is judged (dtm_platform/cleaning/answers.py),
on hand-made context: no build needed."""

from __future__ import annotations

import os
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from dtm_platform.cleaning.answers import (
    Context,
    NoQueueError,
    WorkbookError,
    check_row,
    import_answers,
    issue_key,
    read_workbook,
)
from dtm_platform.cleaning.columns import COLUMNS, SHEET
from dtm_platform.cleaning.workbooks import workbook_row

ISSUE = {
    "issue_key": issue_key("dtm_site", 7, "household_size", "individuals"),
    "team": "t",
    "supervisor": None,
    "form": "dtm_site",
    "submission_id": 7,
    "submitted_at": datetime(2026, 9, 3, 10),
    "enumerator_id": "ENUM-01",
    "place": "Bambari / Site A",
    "field": "individuals",
    "question_name": "individuals",
    "question_label_en": "Individuals",
    "question_label_fr": "Individus",
    "current_value": "4210",
    "is_correctable": True,
    "is_answerable": True,
    "value_type": "integer",
    "rule": "household_size",
    "severity": "blocking",
    "rule_description_en": "Too many",
    "rule_description_fr": "Trop",
}
SITE_TYPE = {
    **ISSUE,
    "issue_key": issue_key("dtm_site", 7, "unknown_code", "site_type"),
    "field": "site_type",
    "question_name": "site_type",
    "current_value": "camp",
    "value_type": "varchar",
    "rule": "unknown_code",
}
GPS = {
    **ISSUE,
    "issue_key": issue_key("dtm_site", 7, "gps_outside_car", "gps"),
    "field": "gps",
    "question_name": "gps",
    "current_value": "1 2",
    "is_correctable": False,
    "value_type": None,
    "rule": "gps_outside_car",
}


def context(**answered) -> Context:
    return Context(
        queue={i["issue_key"]: i for i in (ISSUE, SITE_TYPE, GPS)},
        targets={
            ("dtm_site", 7, "individuals"): {"value_type": "integer", "current_value": "4210"},
            ("dtm_site", 7, "site_type"): {"value_type": "varchar", "current_value": "camp"},
        },
        submissions={("dtm_site", 7)},
        answered=answered,
    )


def sent(issue: dict, **answer) -> dict:
    """The row as the workbook showed it, with the team's answer."""
    return {**workbook_row({**issue, "submitted_on": issue["submitted_at"].strftime("%Y-%m-%d")}), **answer}


def test_a_valid_correction_becomes_an_entry_with_the_value_seen():
    outcome, reason, entry = check_row(2, sent(ISSUE, decision="change_response", new_value=421.0), context())
    assert outcome == "accepted", reason
    assert entry["old_value"] == "4210" and entry["new_value"] == "421" and entry["rule"] == "household_size"
    assert entry["reason"] == "change_response (household_size)"


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"decision": "change_response", "new_value": "beaucoup"}, "is not a whole number"),
        ({"decision": "change_response", "new_value": 12.5}, "is not a whole number"),
        ({"decision": "change_response"}, "without a new value"),
        ({"decision": "supprimer"}, "unknown decision 'supprimer'"),
        ({"decision": "no_action", "new_value": 5}, "a new value with no_action"),
        ({"decision": "no_action", "place": "Ailleurs"}, "a protected column was edited: Lieu / Place"),
        ({"decision": "no_action", "current_value": "42"}, "a protected column was edited: Valeur actuelle"),
        ({"decision": "no_action", "issue_key": "0" * 32}, "the issue no longer exists"),
    ],
)
def test_a_malformed_answer_is_refused_with_its_reason(answer, why):
    outcome, reason, entry = check_row(2, sent(ISSUE, **answer), context())
    assert outcome == "rejected" and why in reason and entry is None


def test_an_answer_to_a_value_changed_since_is_refused_and_a_form_the_log_does_not_cover_too():
    ctx = context()
    ctx.targets[("dtm_site", 7, "individuals")]["current_value"] = "4200"
    outcome, reason, _ = check_row(2, sent(ISSUE, decision="no_action"), ctx)
    assert outcome == "rejected" and "the value changed since the workbook was made" in reason
    flow = {
        **GPS,
        "form": "dtm_flow_counts",
        "is_answerable": False,
        "issue_key": issue_key("dtm_flow_counts", 7, "gps_outside_car", "gps"),
    }
    ctx = context()
    ctx.queue[flow["issue_key"]] = flow
    outcome, reason, _ = check_row(2, sent(flow, decision="no_action"), ctx)
    assert outcome == "rejected" and "does not cover form 'dtm_flow_counts'" in reason


def test_a_select_answer_must_be_one_of_the_questions_codes():
    assert (
        check_row(2, sent(SITE_TYPE, decision="change_response", new_value="planned_camp"), context())[0] == "accepted"
    )
    outcome, reason, _ = check_row(2, sent(SITE_TYPE, decision="change_response", new_value="camp_x"), context())
    assert outcome == "rejected" and "'camp_x' is not a code of 'site_type' (planned_camp" in reason


def test_an_answer_the_log_cannot_correct_can_only_be_confirmed_or_removed():
    assert check_row(2, sent(GPS, decision="no_action"), context())[0] == "accepted"
    outcome, reason, _ = check_row(2, sent(GPS, decision="change_response", new_value="3 4"), context())
    assert outcome == "rejected" and "cannot correct it" in reason


def test_an_issue_answered_before_says_where():
    ctx = context()  # before the next build too: the issue is still in the queue
    ctx.answered[ISSUE["issue_key"]] = "dtm-ouest.xlsx, row 4"
    assert check_row(2, sent(ISSUE, decision="no_action"), ctx)[1] == "already answered (dtm-ouest.xlsx, row 4)"


def test_a_row_without_an_answer_is_unanswered_and_a_row_added_by_hand_names_its_cell():
    assert check_row(2, sent(ISSUE), context())[0] == "unanswered"
    added = {
        "form": "dtm_site",
        "submission_id": "8",
        "field": "individuals",
        "decision": "change_response",
        "new_value": 3,
    }
    assert check_row(9, added, context())[1] == "unknown submission 8 of form 'dtm_site'"
    added = {**added, "submission_id": "7", "field": "colour"}
    assert "unknown question 'colour'" in check_row(9, added, context())[1]


def test_a_file_that_is_not_a_verification_workbook_is_refused_whole(tmp_path: Path):
    (tmp_path / "a.xlsx").write_text("form,submission_id\n")
    with pytest.raises(WorkbookError, match="not an XLSX workbook"):
        read_workbook(tmp_path / "a.xlsx")
    workbook = openpyxl.Workbook()
    workbook.active.title = SHEET
    workbook.active.append([c.header for c in COLUMNS if c.key != "decision"])
    workbook.save(tmp_path / "b.xlsx")
    with pytest.raises(WorkbookError, match=r"the columns were changed .missing: Décision / Decision"):
        read_workbook(tmp_path / "b.xlsx")


def test_a_workbook_dropped_in_the_inbox_starts_an_import_once(tmp_path: Path, monkeypatch):
    import dagster as dg

    from dtm_platform.defs.cleaning.assets import inbox_files
    from dtm_platform.defs.cleaning.sensors import INBOX_SENSOR, inbox_request
    from dtm_platform.settings import load_settings

    monkeypatch.setenv("DTM_HOME", str(tmp_path))
    settings = load_settings()
    assert isinstance(inbox_request(settings, None)[0], dg.SkipReason)
    inbox = tmp_path / "cleaning" / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "~$dtm-ouest.xlsx").write_bytes(b"Excel's lock file")
    assert isinstance(inbox_request(settings, None)[0], dg.SkipReason)
    returned = inbox / "dtm-ouest.xlsx"
    with zipfile.ZipFile(returned, "w") as archive:  # an XLSX is a zip archive
        archive.writestr("xl/workbook.xml", "<workbook/>")
    # just written: it may still be being copied
    assert isinstance(inbox_request(settings, None)[0], dg.SkipReason)
    settled = time.time() - 60
    os.utime(returned, (settled, settled))
    request, cursor = inbox_request(settings, None)
    assert isinstance(request, dg.RunRequest) and request.tags["dtm/trigger"] == INBOX_SENSOR
    assert isinstance(inbox_request(settings, cursor)[0], dg.SkipReason)
    # a file that is no whole archive yet waits, until it is clearly not being copied any more
    (inbox / "dtm-est.xlsx").write_bytes(b"PK half a workbook")
    os.utime(inbox / "dtm-est.xlsx", (settled, settled))
    assert [p.name for p in inbox_files(settings)] == ["dtm-ouest.xlsx"]
    assert [p.name for p in inbox_files(settings, now=time.time() + 600)] == ["dtm-est.xlsx", "dtm-ouest.xlsx"]


def test_a_workbook_imported_before_any_build_is_refused_and_left_where_it_was(tmp_path: Path):
    returned = tmp_path / "dtm-ouest.xlsx"
    openpyxl.Workbook().save(returned)
    with pytest.raises(
        NoQueueError, match=r"dtm-ouest.xlsx: no build has made the verification queue .* run one first"
    ):
        import_answers(
            returned,
            warehouse=tmp_path / "warehouse.duckdb",
            cleaning_dir=tmp_path / "cleaning",
            imported_by="test",
            now=datetime(2026, 12, 4, tzinfo=UTC),
            move=True,
        )
    assert returned.is_file() and not (tmp_path / "cleaning" / "imported").exists()

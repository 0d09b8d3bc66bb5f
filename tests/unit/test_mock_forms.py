"""The synthetic forms of ``kobo_mock/forms/``: deterministic, served in a real KPI server's
shapes, several versions each, the large form lazy, the seeded errors at their rates and
visible in the submissions, and truth objects that agree with a recomputation from the
served submissions (never with the platform's own SQL)."""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
import tracemalloc
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

import httpx
import pytest

from dtm_platform.kobo.registry import load_registry
from dtm_platform.kobo_mock import locality_form
from dtm_platform.kobo_mock.catalogue import default_forms, synthetic_forms
from dtm_platform.kobo_mock.forms import (
    FORM_MODULES,
    common,
    flow_counts,
    flow_survey,
    me_activity,
    me_feedback,
    me_partner_report,
    me_pdm,
    me_perception,
    site,
)
from dtm_platform.kobo_mock.generator import generate
from dtm_platform.kobo_mock.reference import admin_areas
from dtm_platform.kobo_mock.served import SyntheticForm
from dtm_platform.kobo_mock.server import MockKoboServer
from dtm_platform.settings import PROJECT_ROOT

TOKEN = "forms-token"
METADATA = {
    "_id",
    "formhub/uuid",
    "start",
    "end",
    "__version__",
    "meta/instanceID",
    "meta/rootUuid",
    "meta/deprecatedID",
    "_xform_id_string",
    "_uuid",
    "_attachments",
    "_status",
    "_geolocation",
    "_submission_time",
    "_tags",
    "_notes",
    "_validation_status",
    "_submitted_by",
}
LOCAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+01:00")
SERVER_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
DATASETS = [m.DATASET for m in FORM_MODULES]
_, ADMIN2 = admin_areas()
KNOWN_ADMIN2 = {a.pcode for a in ADMIN2}


@pytest.fixture(scope="module")
def forms() -> dict[str, SyntheticForm]:
    return {s.dataset: s for s in synthetic_forms(2026)}


@pytest.fixture(scope="module")
def served(forms) -> dict[str, list[dict]]:
    return {dataset: s.form.submissions for dataset, s in forms.items()}


@pytest.fixture(scope="module")
def seeded(forms) -> dict[str, dict[int, str]]:
    """Each form's seeded errors as a plain dict (the large form's are computed lazily)."""
    return {dataset: dict(s.errors) for dataset, s in forms.items()}


def module(dataset: str):
    return next(m for m in FORM_MODULES if m.DATASET == dataset)


def questions(content: dict) -> dict[str, dict]:
    return {row["$xpath"]: row for row in content["survey"] if row["type"] not in ("end_group", "end_repeat")}


def choice_codes(content: dict) -> dict[str, set[str]]:
    codes: dict[str, set[str]] = defaultdict(set)
    for choice in content["choices"]:
        codes[choice["list_name"]].add(choice["name"])
    return codes


def answers_of(submission: dict) -> dict:
    return {k: v for k, v in submission.items() if k not in METADATA}


def kept(errors: dict[int, str], blocking, submissions: list[dict]) -> list[dict]:
    """The served submissions a correct cleaning keeps: no second copies, no blocking errors."""
    copies = ("duplicate", "soft_duplicate")
    return [s for s in submissions if errors.get(s["_id"]) not in copies and errors.get(s["_id"]) not in blocking]


# --- the catalogue and the registry -----------------------------------------------------------


def test_catalogue_order_and_the_locality_form_unchanged(forms):
    assert list(forms) == ["dtm_locality", *DATASETS]
    locality = forms["dtm_locality"]
    dataset = generate(2026, idps_on_sites=forms["dtm_site"].truth.idps_on_sites())
    assert locality.form.uid == locality_form.FORM_UID
    assert locality.form.submissions == dataset.submissions
    assert locality.truth.ground_truth() == dataset.ground_truth()
    assert locality.errors == dataset.errors
    # the sites' figures add the question on sites and nothing else: every other answer,
    # id and error is the generator's alone
    alone = generate(2026)
    question = "grp_idp/idp_on_sites"
    assert [{k: v for k, v in s.items() if k != question} for s in dataset.submissions] == alone.submissions
    assert {i: e for i, e in dataset.errors.items() if e != "sites_misreported"} == alone.errors
    assert not any(question in s for s in alone.submissions)
    assert [f.uid for f in default_forms(2026, localities_per_admin2=1)] == [s.form.uid for s in forms.values()]


def test_uids_and_versions_are_kobo_like_and_unique(forms):
    uids = [s.form.uid for s in forms.values()]
    assert all(re.fullmatch(r"a[A-Za-z0-9]{21}", uid) for uid in uids), uids
    assert len(set(uids)) == len(uids)
    versions = [v.uid for s in forms.values() for v in s.form.versions]
    assert all(re.fullmatch(r"v[A-Za-z0-9]{21}", v) for v in versions), versions
    assert len(set(versions)) == len(versions)
    for m in FORM_MODULES:
        assert forms[m.DATASET].form.uid == m.FORM_UID and forms[m.DATASET].form.name == m.FORM_NAME
        assert len(m.VERSIONS) >= 2


def test_registry_names_every_form_and_exact_personal_paths(forms):
    registry = {e.dataset: e for e in load_registry(PROJECT_ROOT / "dtm_platform" / "kobo" / "forms.yml")}
    assert set(registry) == set(forms)
    for dataset, synthetic in forms.items():
        entry = registry[dataset]
        assert entry.uid == synthetic.form.uid
        paths = {x for v in synthetic.form.versions for x in questions(v.content)}
        assert set(entry.personal_fields) <= paths, (dataset, set(entry.personal_fields) - paths)
        assert entry.kind == dataset  # each built-in form feeds its own model
    policies = {d: e.personal_fields for d, e in registry.items()}
    assert policies["dtm_flow_survey"] == {
        "grp_respondent/resp_name": "drop",
        "grp_respondent/resp_phone": "hash",
        "grp_respondent/hh_gps": "coarsen_gps",
    }
    assert policies["me_activity"] == {
        "beneficiaries/ben_name": "drop",
        "beneficiaries/ben_national_id": "hash",
        "beneficiaries/ben_phone": "hash",
    }
    assert policies["me_pdm"]["grp_respondent/resp_name"] == "drop"
    assert policies["me_pdm"]["grp_respondent/resp_phone"] == "hash"


# --- determinism ------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset", [d for d in DATASETS if d != "dtm_flow_counts"])
def test_same_seed_same_form(forms, served, dataset):
    again = module(dataset).build(2026)
    assert again.form.submissions == served[dataset]
    assert again.errors == forms[dataset].errors
    assert [v.content for v in again.form.versions] == [v.content for v in forms[dataset].form.versions]
    other = module(dataset).build(2027)
    assert {s["_uuid"] for s in other.form.submissions}.isdisjoint({s["_uuid"] for s in served[dataset]})


def test_large_form_is_a_function_of_seed_and_position(forms):
    count = forms["dtm_flow_counts"].truth.count
    again = flow_counts.build(2026)
    source, same = forms["dtm_flow_counts"].form.store.source, again.form.store.source
    for position in (0, 1, 17, count // 2, count - 1):
        assert source.at(position) == same.at(position) == source.at(position)  # built afresh each time
    assert source.at(5)["_uuid"] != flow_counts.build(2027).form.store.source.at(5)["_uuid"]


# --- content: what GET /api/v2/assets/{uid}/ holds --------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_content_shapes(forms, dataset):
    synthetic = forms[dataset]
    for version in synthetic.form.versions:
        content = version.content
        assert content["translations"] == ["English (en)", "Français (fr)"]
        assert content["settings"]["version"] == version.uid
        depth = 0
        for row in content["survey"]:
            assert {"type", "name", "$xpath"} <= set(row), row
            assert row["$xpath"].rsplit("/", 1)[-1] == row["name"]
            if "label" in row:
                assert isinstance(row["label"], list) and len(row["label"]) == 2 and all(row["label"]), row
            depth += row["type"] in ("begin_group", "begin_repeat")
            depth -= row["type"] in ("end_group", "end_repeat")
            assert depth >= 0
        assert depth == 0
        codes = choice_codes(content)
        used = {row["select_from_list_name"] for row in content["survey"] if "select_from_list_name" in row}
        assert used <= set(codes)
        for choice in content["choices"]:
            assert isinstance(choice["label"], list) and len(choice["label"]) == 2
        xpaths = [row["$xpath"] for row in content["survey"] if row["type"] not in ("end_group", "end_repeat")]
        assert len(xpaths) == len(set(xpaths))
    first, *_, last = (set(questions(v.content)) for v in synthetic.form.versions)
    assert last - first, "a later version adds or renames a question"


def test_renamed_questions():
    v1, v2 = (set(questions(flow_counts.content(v))) for v in flow_counts.VERSIONS)
    assert "grp_travel/transport_mode" in v1 - v2 and "grp_travel/means_of_transport" in v2 - v1
    v1, v2 = (set(questions(me_pdm.content(v))) for v in me_pdm.VERSIONS[:2])
    assert "grp_assistance/satisfaction" in v1 - v2 and "grp_assistance/satisfaction_level" in v2 - v1


# --- submissions: what GET /api/v2/assets/{uid}/data/ returns ---------------------------------


def check_answers(answers: dict, content_questions: dict, codes: dict, where: str) -> None:
    for key, value in answers.items():
        assert key in content_questions, f"{where}: {key} is not a question of its version"
        row = content_questions[key]
        if row["type"] == "begin_repeat":
            assert isinstance(value, list) and value, f"{where}: repeat {key} is a non-empty list"
            for item in value:
                assert isinstance(item, dict) and all(k.startswith(f"{key}/") for k in item), item
                check_answers(item, content_questions, codes, key)
            continue
        assert isinstance(value, str) and value != "", f"{where}: {key}={value!r}"
        kind = row["type"]
        if kind == "integer":
            int(value)
        elif kind == "date":
            datetime.strptime(value, "%Y-%m-%d")
        elif kind == "geopoint":
            assert len([float(x) for x in value.split()]) == 4
        elif kind == "select_one":
            # (an unknown p-code is a seeded error: admin2 answers are checked against the reference)
            assert value in codes[row["select_from_list_name"]] or row["select_from_list_name"] == "admin2", key
        elif kind == "select_multiple":
            picked = value.split(" ")
            assert all(p in codes[row["select_from_list_name"]] for p in picked) and len(set(picked)) == len(picked)


def check_submission(submission: dict, synthetic: SyntheticForm) -> None:
    versions = {v.uid: v.content for v in synthetic.form.versions}
    assert submission["__version__"] in versions
    content = versions[submission["__version__"]]
    assert isinstance(submission["_id"], int)
    assert submission["_xform_id_string"] == synthetic.form.uid
    assert re.fullmatch(r"[0-9a-f]{32}", submission["formhub/uuid"])
    assert submission["meta/instanceID"] == f"uuid:{submission['_uuid']}"
    # an edit (the case log's) keeps the root of the instance it replaces, which it names
    # an edit in Kobo gives a new instance and keeps the root (the first instance's)
    assert submission["meta/rootUuid"] == submission.get("meta/deprecatedID", submission["meta/instanceID"])
    assert SERVER_TIME.fullmatch(submission["_submission_time"])
    assert LOCAL.fullmatch(submission["start"]) and LOCAL.fullmatch(submission["end"])
    assert submission["start"] <= submission["end"]
    assert submission["_validation_status"] == {} and submission["_tags"] == [] and submission["_notes"] == []
    assert isinstance(submission["_attachments"], list) and isinstance(submission["_submitted_by"], str)
    assert isinstance(submission["_geolocation"], list) and len(submission["_geolocation"]) == 2
    top = answers_of(submission)
    check_answers(top, questions(content), choice_codes(content), "")
    repeat_paths = [x for x, r in questions(content).items() if r["type"] == "begin_repeat"]
    for key in top:  # a repeat's answers live inside its list, never at the top
        assert key in repeat_paths or not any(key.startswith(r + "/") for r in repeat_paths), key


@pytest.mark.parametrize("dataset", DATASETS)
def test_served_submissions_look_like_kpis(forms, served, dataset):
    synthetic, submissions = forms[dataset], served[dataset]
    for submission in submissions:
        check_submission(submission, synthetic)
    ids = [s["_id"] for s in submissions]
    assert ids == sorted(set(ids))
    times = [s["_submission_time"] for s in submissions]
    assert times == sorted(times)
    assert len({s["_uuid"] for s in submissions}) == len(submissions)
    # every deployed version collected something, and the newest is the deployed one
    assert {s["__version__"] for s in submissions} == {v.uid for v in synthetic.form.versions}
    assert synthetic.form.deployed.uid == module(dataset).VERSIONS[-1].uid


def test_blank_answers_are_absent(served):
    refused = [s for s in served["dtm_flow_survey"] if s["grp_consent/consent"] == "no"]
    assert refused and all(not any(k.startswith("grp_respondent/") for k in s) for s in refused)
    no_phone = [
        s
        for s in served["dtm_flow_survey"]
        if s["grp_consent/consent"] == "yes" and "grp_respondent/resp_phone" not in s
    ]
    assert no_phone
    alone = [s for s in served["dtm_flow_survey"] if s.get("grp_group/group_size") == "0"]
    assert alone and all("travel_group" not in s for s in alone)  # an empty repeat is no key at all
    assert all(s["_geolocation"] == [None, None] for s in served["dtm_flow_counts"])


def test_repeats_and_nested_repeats(served):
    members = [m for s in served["dtm_flow_survey"] for m in s.get("travel_group", [])]
    assert members and all(set(m) >= {"travel_group/member_sex", "travel_group/member_age"} for m in members)
    nested = [d for m in members for d in m.get("travel_group/documents", [])]
    assert nested and all(set(d) == {"travel_group/documents/doc_type"} for d in nested)
    assert any("travel_group/documents" not in m for m in members)
    for s in served["dtm_flow_survey"]:
        if "travel_group" in s:
            assert int(s["grp_group/group_size"]) == len(s["travel_group"])
    beneficiaries = [b for s in served["me_activity"] for b in s["beneficiaries"]]
    assert len(beneficiaries) > 1000
    wg = [b for b in beneficiaries if "beneficiaries/grp_wg/wg_seeing" in b]  # a group inside the repeat
    assert wg and len(wg) < len(beneficiaries)
    v1 = me_activity.VERSIONS[0].uid
    assert not any(
        "beneficiaries/grp_wg/wg_seeing" in b
        for s in served["me_activity"]
        if s["__version__"] == v1
        for b in s["beneficiaries"]
    )


@pytest.mark.parametrize("dataset", ["me_pdm", "me_perception"])
def test_the_last_version_asks_most_respondents_the_washington_group_set(served, dataset):
    last = module(dataset).VERSIONS[-1]
    consented = [s for s in served[dataset] if s["grp_consent/consent"] == "yes"]
    asked = [s for s in consented if "grp_wg/wg_seeing" in s]
    assert {s["__version__"] for s in asked} == {last.uid}  # only the version that has the questions
    with_last = [s for s in consented if s["__version__"] == last.uid]
    assert 0.7 < len(asked) / len(with_last) < 1  # most respondents, not all
    assert all(len([k for k in s if k.startswith("grp_wg/")]) == 6 for s in asked)
    assert min(s["grp_general/interview_date"] for s in with_last) >= last.deployed  # a date inside the period


def test_select_multiple_is_space_separated(served):
    services = [
        s["grp_services/services_available"] for s in served["dtm_site"] if "grp_services/services_available" in s
    ]
    assert any(" " in v for v in services)
    uses = [s["grp_assistance/assistance_use"] for s in served["me_pdm"] if "grp_assistance/assistance_use" in s]
    assert any(" " in v for v in uses)


def test_renamed_question_follows_the_version(served):
    for dataset, old, new in (
        ("dtm_flow_counts", "grp_travel/transport_mode", "grp_travel/means_of_transport"),
        ("me_pdm", "grp_assistance/satisfaction", "grp_assistance/satisfaction_level"),
    ):
        first = module(dataset).VERSIONS[0].uid
        for s in served[dataset]:
            assert new not in s if s["__version__"] == first else old not in s
        assert any(old in s for s in served[dataset]) and any(new in s for s in served[dataset])


def test_site_photos_have_their_attachment(served):
    with_photo = 0
    for s in served["dtm_site"]:
        photo = s.get("grp_site/site_photo")
        if photo is None:
            assert s["_attachments"] == []
            continue
        with_photo += 1
        (attachment,) = s["_attachments"]
        assert re.fullmatch(r"\d{13}\.jpg", photo)
        assert attachment["question_xpath"] == "grp_site/site_photo"
        assert attachment["mimetype"] == "image/jpeg"
        assert attachment["filename"] == f"{s['_submitted_by']}/attachments/{s['formhub/uuid']}/{s['_uuid']}/{photo}"
        assert attachment["uid"].startswith("att")
        assert attachment["download_url"] == (
            f"https://kf.kobotoolbox.org/api/v2/assets/{site.FORM_UID}/data/{s['_id']}/attachments/{attachment['uid']}/"
        )
        assert attachment["instance"] == s["_id"]
    assert 0 < with_photo < len(served["dtm_site"])
    uids = [a["uid"] for s in served["dtm_site"] for a in s["_attachments"]]
    assert len(set(uids)) == len(uids)


# --- the large form: a million submissions, none held -----------------------------------------


def test_the_large_form_serves_a_million_submissions_without_building_them():
    scale = 1_000_000 / flow_counts.SUBMISSIONS_AT_SCALE_1
    tracemalloc.start()
    try:
        synthetic = flow_counts.build(2026, scale)
        store = synthetic.form.store
        assert store.count() == 1_000_000
        with (
            MockKoboServer(token=TOKEN, forms=[synthetic.form]) as server,
            httpx.Client(base_url=server.url, headers={"Authorization": f"Token {TOKEN}"}, timeout=30) as http,
        ):
            asset = http.get(f"/api/v2/assets/{flow_counts.FORM_UID}/").json()
            assert asset["deployment__submission_count"] == 1_000_000
            data = f"/api/v2/assets/{flow_counts.FORM_UID}/data/"
            head = http.get(data, params={"format": "json", "limit": 1}).json()
            assert head["count"] == 1_000_000
            after = store.source.id_at(1_000_000 - 1001)
            body = http.get(
                data,
                params={
                    "format": "json",
                    "limit": 1000,
                    "sort": json.dumps({"_id": 1}),
                    "query": json.dumps({"_id": {"$gt": after}}),
                },
            ).json()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert body["count"] == 1000 and body["next"] is None
    results = body["results"]
    assert [s["_id"] for s in results] == [store.source.id_at(p) for p in range(999_000, 1_000_000)]
    assert results[-1]["_id"] == flow_counts.FIRST_ID + 999_999 * flow_counts.ID_STEP
    assert results[-1]["grp_point/count_date"] <= flow_counts.PERIOD[1] or synthetic.errors.get(results[-1]["_id"])
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.1f} MiB: submissions were held in memory"
    for submission in results[:50]:
        check_submission(submission, synthetic)


def test_the_large_forms_truth_and_errors_hold_nothing(forms):
    truth = forms["dtm_flow_counts"].truth
    assert vars(truth) == {"seed": 2026, "count": flow_counts.SUBMISSIONS_AT_SCALE_1}
    errors = forms["dtm_flow_counts"].errors
    first = next(iter(errors))
    assert errors[first] == errors.get(first) and errors.get(flow_counts.FIRST_ID + 1) is None  # not an id


# --- seeded errors ----------------------------------------------------------------------------

RATE_SAMPLES = {
    "dtm_site": 8,
    "dtm_flow_counts": 3,
    "dtm_flow_survey": 4,
    "me_activity": 5,
    "me_pdm": 5,
    "me_perception": 3,
}
RATE_SAMPLES["me_partner_report"] = 1  # its errors are drawn in exact numbers, at any scale
RATE_SAMPLES["me_feedback"] = 4
RATE_SAMPLES["me_field_visit"] = 4


@pytest.fixture(scope="module")
def large_samples():
    return {m.DATASET: m.build(7, RATE_SAMPLES[m.DATASET]) for m in FORM_MODULES}


def eligible(dataset: str, synthetic: SyntheticForm, kind: str) -> int:
    truth = synthetic.truth
    records = {
        "dtm_site": lambda: truth.assessments,
        "dtm_flow_counts": lambda: range(truth.count),
        "dtm_flow_survey": lambda: truth.interviews,
        "me_activity": lambda: truth.sessions,
        "me_pdm": lambda: truth.interviews,
        "me_perception": lambda: truth.interviews,
        "me_field_visit": lambda: truth.visits,
        "me_feedback": lambda: truth.cases,
    }[dataset]()
    if dataset == "me_feedback":  # closed cases, referred cases, or any
        return sum(me_feedback.error_applies(kind, case) for case in records)
    if kind == "member_age_typo":  # an interview with a member old enough for the typo to show
        return sum(r.consent and any(m.age >= flow_survey.TYPO_MIN_AGE for m in r.members) for r in records)
    if kind == "outdated_version":  # collected well after a newer version was deployed
        return sum(r.consent and flow_survey.outdated_possible(r.survey_date) for r in records)
    if kind == "agency_missing":  # a managed site, which has an agency to leave out
        return sum(r.managed for r in records)
    if kind == "short_for_household":  # a household large enough for its interview to look short
        return sum(r.consent and r.hh_size >= me_pdm.SHORT_HOUSEHOLD_MIN_SIZE for r in records)
    if kind != "duplicate" and dataset in ("dtm_flow_survey", "me_pdm", "me_perception"):
        return sum(r.consent for r in records)  # a refusal carries no answers to corrupt
    return len(records)


@pytest.mark.parametrize("dataset", DATASETS)
def test_error_counts_roughly_match_rates(large_samples, dataset):
    synthetic = large_samples[dataset]
    if getattr(module(dataset), "ERRORS_DRAWN_EXACTLY", False):
        return _exact_partner_errors(synthetic)
    observed = Counter(dict(synthetic.errors).values())
    assert set(observed) == set(module(dataset).ERROR_RATES)
    for kind, rate in module(dataset).ERROR_RATES.items():
        expected = rate * eligible(dataset, synthetic, kind)
        assert expected >= 14, (kind, expected)
        assert 0.5 * expected <= observed[kind] <= 1.6 * expected, (dataset, kind, observed[kind], expected)


@pytest.mark.parametrize("dataset", DATASETS)
def test_errors_show_in_the_submissions(forms, seeded, served, dataset):
    errors = seeded[dataset]
    by_id = {s["_id"]: s for s in served[dataset]}
    assert set(errors) <= set(by_id)
    seen = set()
    for s in served[dataset]:
        kind = errors.get(s["_id"])
        seen.add(kind)
        symptom = SYMPTOMS[dataset](s)
        if kind == "duplicate":
            earlier = [
                o
                for o in served[dataset]
                if o["_id"] < s["_id"] and o["_id"] not in errors and answers_of(o) == answers_of(s)
            ]
            assert len(earlier) == 1 and earlier[0]["_uuid"] != s["_uuid"]
        elif kind == "soft_duplicate":  # an earlier interview with one or two scores other
            answers = answers_of(s)
            earlier = [
                o
                for o in served[dataset]
                if o["_id"] < s["_id"]
                and o["_id"] not in errors
                and 1 <= sum(answers_of(o).get(k) != v for k, v in answers.items()) <= 2
                and answers_of(o).keys() == answers.keys()
            ]
            assert len(earlier) == 1, s["_id"]
        elif kind == "rushed_audit":  # the audit log, not the submission, shows it
            assert symptom is None and audit_pace(forms[dataset], s) < 3, s["_id"]
        elif kind == "short_for_household":  # the audit log against the household's size
            assert symptom is None and audit_pace(forms[dataset], s) >= 3, s["_id"]
        elif kind == "misreported":  # the activity monitoring's truth, not the submission, shows it
            assert symptom is None, s["_id"]
        elif kind in ("name_variant", None):
            assert symptom is None or kind == "name_variant", (s["_id"], symptom)
        else:
            assert symptom == kind, (s["_id"], kind, symptom)
    assert seen - {None} == set(module(dataset).ERROR_RATES) or dataset == "dtm_site"


def seconds_on_screen(synthetic: SyntheticForm, submission: dict) -> list[float]:
    """Seconds each question stayed on screen, by the submission's audit log."""
    audit = next(a for a in submission["_attachments"] if a["media_file_basename"] == "audit.csv")
    rows = csv.DictReader(io.StringIO(synthetic.form.attachment_bodies[audit["uid"]].decode()))
    return [(int(r["end"]) - int(r["start"])) / 1000 for r in rows if r["event"] == "question"]


def audit_pace(synthetic: SyntheticForm, submission: dict) -> float:
    """Median seconds a question stayed on screen, by the submission's audit log."""
    return statistics.median(seconds_on_screen(synthetic, submission))


def pdm_audit_thresholds() -> dict[str, float]:
    """The audit rules' min_value in the rules seed the platform runs."""
    seed = PROJECT_ROOT / "dbt_project" / "seeds" / "ref_dq_rules.csv"
    with seed.open(encoding="utf-8") as handle:
        return {
            r["rule"]: float(r["min_value"])
            for r in csv.DictReader(handle)
            if r["form"] == "me_pdm" and r["rule"].startswith("audit_")
        }


def test_every_consented_interview_of_the_pdm_has_an_audit_log_of_plausible_pace(forms, seeded, served):
    """Too fast a question only where rushed_audit was seeded; too little time for the
    household (at a pace not too fast, a size within the plausible range) only where
    short_for_household was."""
    synthetic, errors = forms["me_pdm"], seeded["me_pdm"]
    thresholds = pdm_audit_thresholds()
    seen = Counter()
    for s in served["me_pdm"]:
        if s["grp_consent/consent"] == "yes":
            assert s["meta/audit"] == "audit.csv"
            kind = errors.get(s["_id"])
            too_fast = audit_pace(synthetic, s) < thresholds["audit_too_fast"]
            assert too_fast == (kind == "rushed_audit"), s["_id"]
            seconds_a_person = sum(seconds_on_screen(synthetic, s)) / int(s["grp_respondent/hh_size"])
            short = not too_fast and kind != "outlier" and seconds_a_person < thresholds["audit_short_for_household"]
            assert short == (kind == "short_for_household"), (s["_id"], seconds_a_person)
            seen[kind] += 1
        else:
            assert not s["_attachments"]
    assert seen["short_for_household"] and seen["rushed_audit"]


def _date_symptom(s: dict, key: str) -> str | None:
    return "future_date" if key in s and s[key] > s["_submission_time"][:10] else None


def _short(s: dict, minimum: int) -> bool:
    started, ended = (datetime.strptime(s[k], "%Y-%m-%dT%H:%M:%S.000+01:00") for k in ("start", "end"))
    return s.get("grp_consent/consent") == "yes" and (ended - started).total_seconds() < minimum * 60


def _site_symptom(s: dict) -> str | None:
    cells = sum(int(s[f"grp_population/ind_{c}"]) for c in site.CELLS)
    individuals = int(s["grp_population/individuals"])
    if s["grp_location/admin2"] not in KNOWN_ADMIN2:
        return "unknown_pcode"
    if individuals > 5 * cells:
        return "outlier"
    if s["grp_site/site_managed"] == "yes" and "grp_site/management_agency" not in s:
        return "agency_missing"
    return "breakdown_mismatch" if cells != individuals else None


def _flow_counts_symptom(s: dict) -> str | None:
    cells = sum(int(s[f"grp_counts/ind_{c}"]) for c in flow_counts.CELLS)
    if int(s["grp_counts/total_individuals"]) >= 1000:
        return "outlier"
    if cells != int(s["grp_counts/total_individuals"]):
        return "breakdown_mismatch"
    return _date_symptom(s, "grp_point/count_date")


def _flow_survey_symptom(s: dict) -> str | None:
    if _short(s, flow_survey.MIN_INTERVIEW_MINUTES):
        return "interview_too_short"
    if int(s.get("grp_respondent/resp_age", 0)) > 120:
        return "implausible_age"
    if any(int(m["travel_group/member_age"]) > 110 for m in s.get("travel_group", [])):
        return "member_age_typo"
    if s["__version__"] == flow_survey.VERSIONS[0].uid and flow_survey.outdated_possible(
        datetime.fromisoformat(s["start"]).date()
    ):
        return "outdated_version"
    return _date_symptom(s, "grp_point/survey_date")


def _me_activity_symptom(s: dict) -> str | None:
    if s["grp_activity/admin2"] not in KNOWN_ADMIN2:
        return "unknown_pcode"
    return _date_symptom(s, "grp_activity/activity_date")


def _me_pdm_symptom(s: dict) -> str | None:
    if _short(s, me_pdm.MIN_INTERVIEW_MINUTES):
        return "interview_too_short"
    return "outlier" if int(s.get("grp_respondent/hh_size", 0)) >= 40 else None


def _me_perception_symptom(s: dict) -> str | None:
    if _short(s, me_perception.MIN_INTERVIEW_MINUTES):
        return "interview_too_short"
    return "dont_know" if "dk" in s.values() else None


def _me_partner_report_symptom(s: dict) -> str | None:
    month = s["grp_report/reporting_month"][:7]
    due = me_partner_report.due_date(s["grp_report/partner_code"], month)
    return "late" if s["grp_report/submission_date"] > due.isoformat() else None


def _me_feedback_symptom(s: dict) -> str | None:
    received, closed = s["grp_case/date_received"], s.get("grp_followup/date_closed")
    if received > (date.fromisoformat(s["_submission_time"][:10]) + timedelta(days=1)).isoformat():
        return "future_date"
    if s["grp_followup/status"] == "closed" and closed is None:
        return "closed_without_date"
    if closed is not None and closed < received:
        return "closed_before_received"
    if s["grp_followup/status"] == "closed" and "grp_followup/response" not in s:
        return "closed_without_response"
    if s["grp_followup/referred"] == "yes" and "grp_followup/referred_to" not in s:
        return "referred_without_target"
    return None


def _exact_partner_errors(synthetic: SyntheticForm) -> None:
    """Missing, late, misreported and duplicated reports: round(share x the reports eligible)."""
    reports = synthetic.truth.reports
    received = [r for r in reports if r.received]
    assert sum(not r.received for r in reports) == round(me_partner_report.MISSING_SHARE * len(reports)) > 0
    assert sum(r.status == "late" for r in reports) == round(me_partner_report.ERROR_RATES["late"] * len(received))
    assert (
        sum(r.misreported for r in reports)
        == round(me_partner_report.ERROR_RATES["misreported"] * sum(1 for r in received if r.sessions))
        > 0
    )
    assert sum(r.duplicated for r in reports) == round(me_partner_report.ERROR_RATES["duplicate"] * len(received))


SYMPTOMS = {
    "dtm_site": _site_symptom,
    "dtm_flow_counts": _flow_counts_symptom,
    "dtm_flow_survey": _flow_survey_symptom,
    "me_activity": _me_activity_symptom,
    "me_pdm": _me_pdm_symptom,
    "me_perception": _me_perception_symptom,
}
SYMPTOMS["me_partner_report"] = _me_partner_report_symptom
SYMPTOMS["me_feedback"] = _me_feedback_symptom
SYMPTOMS["me_field_visit"] = lambda s: None  # its one error, a copy, shows against the first


def test_partner_reports_are_the_seeds_partners_and_the_activity_monitorings_truth(forms, served):
    """The partners and assignments are the office's seeds; a report's figures are the true
    sessions and people of the activity (misreports MISREPORT_FACTOR above them)."""
    seeds = PROJECT_ROOT / "dbt_project" / "seeds"
    with (seeds / "ref_partners.csv").open(encoding="utf-8") as handle:
        assert [
            (r["partner_code"], r["partner_name_en"], r["partner_name_fr"], int(r["reporting_deadline_days"]))
            for r in csv.DictReader(handle)
        ] == me_partner_report.PARTNERS
    with (seeds / "ref_partner_activities.csv").open(encoding="utf-8") as handle:
        assert [tuple(r.values()) for r in csv.DictReader(handle)] == me_partner_report.ASSIGNMENTS
    truth = forms["me_partner_report"].truth
    sessions = forms["me_activity"].truth.sessions
    by_key = {
        (
            s["grp_report/partner_code"],
            s["grp_report/reporting_month"][:7],
            s["grp_report/activity_code"],
            s["grp_report/admin2"],
        ): s
        for s in served["me_partner_report"]
    }
    for r in truth.received():
        held = [
            s
            for s in sessions
            if (s.activity, s.admin2, s.activity_date.isoformat()[:7]) == (r.activity, r.admin2, r.month)
        ]
        people = {p.person_id for s in held for p in s.participants}
        served_report = by_key[(r.partner, r.month, r.activity, r.admin2)]
        sessions_held, reached = (int(served_report[f"grp_reached/{q}"]) for q in ("sessions_held", "people_reached"))
        if r.misreported:
            assert sessions_held > len(held) and reached > len(people)
        else:
            assert (sessions_held, reached) == (len(held), len(people))
        assert reached == sum(int(served_report[f"grp_reached/reached_{c}"]) for c in me_partner_report.CELLS)


def test_name_variants_keep_the_identifiers(forms, served):
    synthetic = forms["me_activity"]
    people = {p.key: p for p in synthetic.truth.people}
    errors = dict(synthetic.errors)
    for s in served["me_activity"]:
        renamed = [b for b in s["beneficiaries"] if b["beneficiaries/ben_name"] != people[_key(b)].name]
        assert len(renamed) == (1 if errors.get(s["_id"]) == "name_variant" else 0), s["_id"]


def _key(beneficiary: dict) -> str:
    return beneficiary.get("beneficiaries/ben_national_id") or beneficiary["beneficiaries/ben_phone"]


# --- truth against an independent recomputation from the served submissions -------------------


def test_site_truth(forms, served, seeded):
    synthetic = forms["dtm_site"]
    expected: dict[tuple, Counter] = defaultdict(Counter)
    errors = seeded[synthetic.dataset]
    for s in kept(seeded[synthetic.dataset], site.BLOCKING_ERRORS, served[synthetic.dataset]):
        row = expected[(int(s["grp_general/round"]), s["grp_location/admin1"], s["grp_location/admin2"])]
        row["sites_assessed"] += 1
        row["households"] += int(s["grp_population/households"])
        row["individuals"] += int(s["grp_population/individuals"])
        if errors.get(s["_id"]) != "breakdown_mismatch":
            row["sites_with_breakdown"] += 1
            for cell in site.CELLS:
                row[f"ind_{cell}"] += int(s[f"grp_population/ind_{cell}"])
    truth = {(r["round"], r["admin1_pcode"], r["admin2_pcode"]): r for r in synthetic.truth.population_by_admin2()}
    assert truth.keys() == expected.keys()
    for key, row in expected.items():
        assert {k: truth[key][k] for k in row} == dict(row), key
        assert all(truth[key][k] == 0 for k in truth[key] if k not in row and k.startswith("ind_"))
    counted = kept(seeded[synthetic.dataset], site.BLOCKING_ERRORS, served[synthetic.dataset])
    services = Counter(
        (int(s["grp_general/round"]), service)
        for s in counted
        for service in s.get("grp_services/services_available", "").split()
    )
    for row in synthetic.truth.sites_with_service():
        assert row["sites"] == services[(row["round"], row["service"])]
    types = Counter((int(s["grp_general/round"]), s["grp_site/site_type"]) for s in counted)
    assert {(r["round"], r["site_type"]): r["sites"] for r in synthetic.truth.sites_by_type()} == dict(types)


def test_flow_counts_truth(forms, served, seeded):
    synthetic = forms["dtm_flow_counts"]
    errors = seeded[synthetic.dataset]
    expected: dict[tuple, Counter] = defaultdict(Counter)
    for s in kept(seeded[synthetic.dataset], flow_counts.BLOCKING_ERRORS, served[synthetic.dataset]):
        row = expected[(s["grp_point/fmp_id"], s["grp_point/count_date"], s["grp_point/direction"])]
        row["flows"] += 1
        row["total_individuals"] += int(s["grp_counts/total_individuals"])
        if errors.get(s["_id"]) != "breakdown_mismatch":
            row["flows_with_breakdown"] += 1
            for cell in flow_counts.CELLS:
                row[f"ind_{cell}"] += int(s[f"grp_counts/ind_{cell}"])
    totals = synthetic.truth.totals()
    assert totals.keys() == expected.keys()
    for key, row in expected.items():
        assert {k: v for k, v in totals[key].items() if v} == {k: v for k, v in row.items() if v}, key
    rows = synthetic.truth.rows()
    assert len(rows) == len(totals) and all(r["admin2_pcode"] in KNOWN_ADMIN2 for r in rows)
    assert sum(synthetic.truth.by_point_and_direction().values()) == sum(r["total_individuals"] for r in rows)


def test_flow_survey_truth(forms, served, seeded):
    synthetic = forms["dtm_flow_survey"]
    counted = [
        s
        for s in kept(seeded[synthetic.dataset], flow_survey.BLOCKING_ERRORS, served[synthetic.dataset])
        if s["grp_consent/consent"] == "yes"
    ]
    by_point: dict[str, Counter] = defaultdict(Counter)
    cells: Counter = Counter()
    documents: Counter = Counter()
    for s in counted:
        row = by_point[s["grp_point/fmp_id"]]
        members = s.get("travel_group", [])
        row["respondents"] += 1
        row["female_respondents"] += s["grp_respondent/resp_sex"] == "female"
        row["travellers"] += 1 + len(members)
        cells[common.sex_age_cell(s["grp_respondent/resp_sex"], int(s["grp_respondent/resp_age"]))] += 1
        for m in members:
            cells[common.sex_age_cell(m["travel_group/member_sex"], int(m["travel_group/member_age"]))] += 1
            docs = [d["travel_group/documents/doc_type"] for d in m.get("travel_group/documents", [])]
            documents.update(docs or ["none"])
    truth = synthetic.truth
    assert {
        r["fmp_id"]: {k: r[k] for k in ("respondents", "female_respondents", "travellers")}
        for r in truth.respondents_by_point()
    } == {p: dict(r) for p, r in by_point.items()}
    assert truth.travellers_by_sex_age() == dict(cells)
    assert truth.documents() == dict(documents)
    assert truth.reasons() == dict(Counter((s["grp_point/fmp_id"], s["grp_journey/travel_reason"]) for s in counted))
    refusals = [
        s for s in kept(seeded[synthetic.dataset], (), served[synthetic.dataset]) if s["grp_consent/consent"] == "no"
    ]
    assert truth.refusals() == len(refusals) > 0


def test_me_activity_truth_counts_people_once(forms, served, seeded):
    synthetic = forms["me_activity"]
    sessions = kept(seeded[synthetic.dataset], me_activity.BLOCKING_ERRORS, served[synthetic.dataset])
    people: dict[str, dict] = {}
    by_activity: dict[str, set] = defaultdict(set)
    names = set()
    entries = 0
    for s in sessions:
        for b in s["beneficiaries"]:
            key = _key(b)
            people[key] = b
            by_activity[s["grp_activity/activity_code"]].add(key)
            names.add(b["beneficiaries/ben_name"])
            entries += 1
    expected = Counter(
        (
            b["beneficiaries/ben_sex"],
            common.age_group(int(b["beneficiaries/ben_age"])),
            b["beneficiaries/ben_displacement"],
            b["beneficiaries/ben_disability"],
        )
        for b in people.values()
    )
    truth = synthetic.truth
    assert truth.unique_beneficiaries() == len(people)
    assert truth.unique_beneficiaries_by() == dict(expected)
    assert truth.beneficiaries_by_activity() == {a: len(k) for a, k in sorted(by_activity.items())}
    assert truth.participations() == entries
    assert entries > 2 * len(people)  # people recur across activities
    assert len(names) > len(people)  # so counting by name would over-count
    assert sum(truth.beneficiaries_by_admin2().values()) == len(people)  # people belong to one area


def test_me_pdm_truth(forms, served, seeded):
    synthetic = forms["me_pdm"]
    groups: dict[str, list[dict]] = defaultdict(list)
    for s in kept(seeded[synthetic.dataset], me_pdm.BLOCKING_ERRORS, served[synthetic.dataset]):
        if s["grp_consent/consent"] == "yes":
            groups[s["grp_general/activity_code"]].append(s)
    truth = {r["activity_code"]: r for r in synthetic.truth.by_activity()}
    assert truth.keys() == groups.keys()
    for activity, interviews in groups.items():
        received = [s for s in interviews if s["grp_assistance/received_assistance"] == "yes"]
        scores = [int(s.get("grp_assistance/satisfaction") or s["grp_assistance/satisfaction_level"]) for s in received]
        row = truth[activity]
        assert row["interviews"] == len(interviews) and row["received"] == len(received)
        assert row["satisfied"] == sum(x >= 4 for x in scores)
        assert row["satisfaction_mean"] == pytest.approx(sum(scores) / len(scores))
        assert row["with_problems"] == sum(s["grp_assistance/problems"] != "none" for s in received)
        assert row["with_safety_concerns"] == sum(s["grp_assistance/safety_concerns"] == "yes" for s in received)
        assert row["mean_hh_size"] == pytest.approx(
            sum(int(s["grp_respondent/hh_size"]) for s in interviews) / len(interviews)
        )


def test_me_perception_truth(forms, served, seeded):
    synthetic = forms["me_perception"]
    items: dict[tuple, list[int]] = defaultdict(list)
    domains: dict[tuple, list[float]] = defaultdict(list)
    for s in kept(seeded[synthetic.dataset], me_perception.BLOCKING_ERRORS, served[synthetic.dataset]):
        if s["grp_consent/consent"] != "yes":
            continue
        key = (int(s["grp_general/round"]), s["grp_general/admin2"])
        for path, value in s.items():
            if path.startswith(("grp_cohesion/", "grp_trust/")) and value != "dk":
                items[(*key, path.split("/")[1])].append(int(value))
        for domain, (group, core) in me_perception.DOMAINS.items():
            scores = [int(s[f"{group}/{n}"]) for n, _, _ in core if s[f"{group}/{n}"] != "dk"]
            if scores:
                domains[(*key, domain)].append(sum(scores) / len(scores))
    truth = synthetic.truth
    got = {(r["round"], r["admin2_pcode"], r["item"]): r for r in truth.mean_scores()}
    assert got.keys() == items.keys()
    for key, scores in items.items():
        assert got[key]["respondents"] == len(scores)
        assert got[key]["mean"] == pytest.approx(sum(scores) / len(scores))
    got = {(r["round"], r["admin2_pcode"], r["domain"]): r for r in truth.domain_means()}
    assert got.keys() == domains.keys() and len(got) == 2 * 6 * 2
    for key, means in domains.items():
        assert got[key]["respondents"] == len(means)
        assert got[key]["mean"] == pytest.approx(sum(means) / len(means))
    assert any(k[2] == "ta_security_forces" and k[0] == 2 for k in items)
    assert not any(k[2] == "ta_security_forces" and k[0] == 1 for k in items)


def test_me_feedback_cases_are_closed_by_editing_the_submission_they_came_in_as(forms, served):
    """The served case log is the cases as they stand: a case closed later is the submission
    it was recorded as, edited (same _id and root uuid, a new instance naming the old one);
    its truth is what the served answers say."""
    synthetic = forms["me_feedback"]
    truth, store = synthetic.truth, synthetic.form.store
    copies = {i for i, kind in synthetic.errors.items() if kind == "duplicate"}
    by_case = {s["grp_case/case_id"]: s for s in served["me_feedback"] if s["_id"] not in copies}
    assert len(by_case) == len(truth.cases) == len(served["me_feedback"]) - len(copies)
    assert len(copies) == sum(case.error == "duplicate" for case in truth.cases) > 0
    for case in truth.cases:
        s = by_case[case.case_id]
        assert s["_id"] == truth.submission_ids[case.case_id]
        assert s["grp_followup/status"] == ("closed" if case.closed else "referred" if case.referred_to else "open")
        assert s.get("grp_followup/date_closed") == (case.served_closed.isoformat() if case.served_closed else None)
        assert s["grp_case/date_received"] == case.served_received.isoformat()
        assert synthetic.errors.get(s["_id"]) == (case.error if case.error != "duplicate" else None)
        assert s["grp_case/category"] == case.category and s["grp_case/case_type"] == case.case_type
        assert (s["grp_case/sensitive"] == "yes") == case.flagged_sensitive
        edited = s["_id"] in store.edits
        assert edited == (not case.closed_on_receipt and bool(case.closed or case.referred_to))
        if edited:
            original = store.source.at(store.source.position_after(s["_id"] - 1))
            assert original["grp_followup/status"] == "open" and "grp_followup/date_closed" not in original
            assert s["meta/deprecatedID"] == original["meta/instanceID"] != s["meta/instanceID"]
            assert s["meta/rootUuid"] == original["meta/rootUuid"]
            assert s["_submission_time"] == original["_submission_time"]
    # every kind of case the marts tell apart is there
    assert any(
        c.closed and c.closed > c.received + timedelta(days=me_feedback.deadline_days(c.case_type, c.category))
        for c in truth.cases
    )
    assert any(not c.closed for c in truth.cases)
    assert {c.category for c in truth.cases if c.sensitive} >= set(me_feedback.SENSITIVE_CATEGORIES)
    assert any(
        c.sensitive and not c.flagged_sensitive for c in truth.cases
    )  # a category is sensitive whatever the flag
    assert all(c.closed is None or c.closed <= me_feedback.LOG_END for c in truth.cases)


def test_field_visits_follow_the_plan_and_edits_close_findings(forms, served):
    """Every planned visit made is the plan's (team, place, partner) near its date or late by
    LATE_DAYS; a finding closed after the visit is closed in the served, edited submission
    (same _id, new _uuid, the replaced instance named), and was open when first sent."""
    from dtm_platform.kobo_mock.forms import me_field_visit

    synthetic = forms["me_field_visit"]
    plan = {p.code: p for p in me_field_visit.monitoring_plan()}
    for visit in synthetic.truth.visits:
        if visit.code == me_field_visit.UNPLANNED:
            continue
        planned = plan[visit.code]
        assert (visit.team, visit.admin2, visit.partner, visit.activity) == (
            planned.team,
            planned.admin2,
            planned.partner,
            planned.activity,
        )
        assert -3 <= (visit.visit_date - planned.planned).days <= me_field_visit.LATE_DAYS[1]
    edited = [s for s in served["me_field_visit"] if "meta/deprecatedID" in s]
    closed_later = [v for v in synthetic.truth.visits if any(f.closed_by_edit for f in v.findings)]
    assert edited and len(edited) == len(closed_later)
    by_code = {(s["grp_visit/visit_code"], s["grp_visit/visit_date"]): s for s in edited}
    for visit in closed_later:
        submission = by_code[(visit.code, visit.visit_date.isoformat())]
        assert submission["_uuid"] != submission["meta/deprecatedID"].removeprefix("uuid:")
        for entry, finding in zip(submission["findings"], visit.findings):
            assert entry["findings/action_status"] == ("closed" if finding.is_closed else "open")
            assert entry.get("findings/closed_date") == (finding.closed_date.isoformat() if finding.is_closed else None)
    statuses = Counter(synthetic.truth.planned_visit_status(p, date(2026, 12, 6), 7)[0] for p in plan.values())
    assert all(statuses[s] for s in ("made", "made_late", "missed", "upcoming")), statuses

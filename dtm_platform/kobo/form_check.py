"""A registry entry held against its form's deployed content (``dtm forms check``), and a
first entry written from a form on the server (``dtm forms add``).

Checks what would otherwise fail late or quietly: a mapped field or a personal field whose
path the form does not have (a typo, a renamed group), a mapped question of a type that
cannot hold the field, questions that look personal but have no policy. Each finding names
the form, the field and the path, and suggests the closest questions by name and label.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from dtm_platform.kobo.form_content import Question, choice_codes, form_questions
from dtm_platform.kobo.kinds import ENUMERATOR_QUESTION, KIND_NAMES, KindField, kind_fields, reference_content
from dtm_platform.kobo.registry import DEFAULT_SCHEDULE, FormEntry

# The question types that can hold each model field.
FIELD_TYPES = {"enumerator_id": {"text", "select_one", "calculate", "integer", "barcode", "hidden"}}
# The question types a form may use for a field of each reference type: a count may be
# computed, a category kept as text or calculated; groups and repeats stay what they are.
NUMBERS = {"integer", "decimal", "calculate", "range", "hidden"}
FITS = {
    "integer": NUMBERS,
    "decimal": NUMBERS,
    "range": NUMBERS,
    "select_one": {"select_one", "text", "calculate", "hidden"},
    "select_multiple": {"select_multiple", "text", "calculate"},
    "date": {"date", "today", "calculate", "text"},
    "begin_group": {"begin_group"},
    "begin_repeat": {"begin_repeat"},
    "geopoint": {"geopoint"},
}

# What a personal question looks like, by its name or its English or French label, and the
# policy to suggest for it. Names of places (village, site, locality) are not personal.
PERSONAL_PATTERNS = (
    ("hash", re.compile(r"phone|t[ée]l[ée]phone|(^|[_\s])t[ée]l([_\s]|$)|portable|mobile|whatsapp", re.IGNORECASE)),
    (
        "hash",
        re.compile(
            r"national[_\s]?id|(^|[_\s])(cni|nin|nid)([_\s]|$)|id[_\s]card|carte d.identit|"
            r"pi[èe]ce d.identit|passport|passeport",
            re.IGNORECASE,
        ),
    ),
    ("drop", re.compile(r"(^|[_\s])(name|nom|pr[ée]nom|surname|first[_\s]name|last[_\s]name)([_\s]|$)", re.IGNORECASE)),
)
PLACE_WORDS = re.compile(
    r"village|site|localit|quartier|place|lieu|point|école|school|market|march[ée]|"
    r"health|sant[ée]|commune|ville|town|structure|organi[sz]ation|partner|partenaire",
    re.IGNORECASE,
)
HOUSEHOLD_WORDS = re.compile(r"(^|[_/\s])(hh|household|m[ée]nage|maison|house|logement)", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    dataset: str
    severity: str  # "error": the form cannot be read as declared; "warning": look at it
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.dataset}: {self.message}"


def closest(path: str, questions: list[Question], n: int = 3) -> list[str]:
    """The questions nearest to ``path`` by their path, name or labels."""
    wanted = path.rsplit("/", 1)[-1].lower()
    scored = []
    for q in questions:
        score = max(
            difflib.SequenceMatcher(None, wanted, text.lower()).ratio()
            for text in (q.path, q.name, q.label_en, q.label_fr)
            if text
        )
        scored.append((score, q.path))
    return [p for score, p in sorted(scored, key=lambda item: (-item[0], item[1]))[:n] if score >= 0.4]


def suspected_personal(questions: list[Question]) -> dict[str, str]:
    """Questions that look like personal data, with the policy to suggest: phones and ID
    numbers hashed, names dropped, the GPS of a household coarsened."""
    suspects: dict[str, str] = {}
    for q in questions:
        if q.type == "geopoint":
            if q.in_repeat or HOUSEHOLD_WORDS.search(q.path):
                suspects[q.path] = "coarsen_gps"
            continue
        if q.type not in {"text", "integer", "barcode", "calculate"}:
            continue
        texts = (q.name, q.label_en, q.label_fr)
        for policy, pattern in PERSONAL_PATTERNS:
            if any(pattern.search(t) for t in texts if t):
                if policy == "drop" and any(PLACE_WORDS.search(t) for t in texts if t):
                    break  # a place's name
                suspects[q.path] = policy
                break
    return suspects


def check_entry(entry: FormEntry, content: dict) -> list[Finding]:
    """Every mapped and personal path of ``entry`` against the form's deployed ``content``."""
    questions = form_questions(content)
    by_path = {q.path: q for q in form_questions(content, with_groups=True)}
    findings: list[Finding] = []

    def missing(what: str, path: str) -> Finding:
        near = closest(path, questions)
        hint = f"; closest: {', '.join(near)}" if near else ""
        return Finding(entry.dataset, "error", f"{what} maps to {path!r}, which the form does not have{hint}")

    findings += _check_kind_fields(entry, content, by_path, missing)
    for path in sorted(entry.personal_fields):
        if path not in by_path:
            findings.append(missing("personal field", path))
    for path, policy in suspected_personal(questions).items():
        if path not in entry.personal_fields:
            findings.append(
                Finding(
                    entry.dataset,
                    "warning",
                    f"{path!r} looks personal ({by_path[path].label_en or by_path[path].name}) "
                    f"and has no policy: add it to personal_fields (suggested: {policy})",
                )
            )
    return findings


def _check_kind_fields(entry: FormEntry, content: dict, by_path: dict[str, Question], missing) -> list[Finding]:
    """The fields of the entry's kind (and the fields it maps) against the form (``by_path``:
    its questions, groups and repeats): a mapped path or a required field the form does not
    have, a question of a type that cannot hold the field, a select whose codes the models
    would not recognise."""
    lists = choice_codes(content)
    reference = kind_fields(entry.kind)
    personal_in_reference = (
        set(suspected_personal(form_questions(reference_content(entry.kind)))) if reference else set()
    )
    enumerator = ENUMERATOR_QUESTION.get(entry.kind)
    findings: list[Finding] = []
    absent: list[str] = []
    for name in [*reference, *sorted(set(entry.fields) - set(reference))]:
        path = entry.field_path(name)
        field = reference.get(name)
        question = by_path.get(path)
        mapped = name in entry.fields or (name == enumerator and "enumerator_id" in entry.fields)
        if question is None:
            if mapped or (field is not None and field.required and field.path not in personal_in_reference):
                findings.append(missing(f"field {name}" + ("" if mapped else " (required)"), path))
            else:
                absent.append(name)
            continue
        wanted = FITS.get(field.type, {question.type}) if field else FIELD_TYPES.get(name, {question.type})
        if question.type not in wanted:
            findings.append(
                Finding(
                    entry.dataset,
                    "error",
                    f"field {name} maps to {path!r}, a {question.type} question; "
                    f"it needs one of {', '.join(sorted(wanted))}",
                )
            )
        elif field is not None and field.choices and question.list_name:
            findings += _check_codes(entry, field, path, lists.get(question.list_name, []))
    if absent:
        findings.append(
            Finding(
                entry.dataset,
                "warning",
                f"{len(absent)} field(s) of kind {entry.kind} are not in the form and read as "
                f"empty: {', '.join(absent)} (map them in fields if the form has them elsewhere)",
            )
        )
    return findings


def _check_codes(entry: FormEntry, field: KindField, path: str, form_codes: list[str]) -> list[Finding]:
    to_model = {form: model for model, form in entry.choice_codes.get(field.name, {}).items()}
    read_as = [to_model.get(code, code) for code in form_codes]
    unknown = [code for code, model in zip(form_codes, read_as) if model not in field.choices]
    if not unknown:
        return []
    advice = (
        f"map them with fields.{field.name}.choices (the models' code: the form's code); "
        f"the models know {', '.join(field.choices)}"
    )
    if not set(read_as) & set(field.choices):
        return [
            Finding(
                entry.dataset,
                "error",
                f"field {field.name} ({path!r}): none of the form's codes ({', '.join(form_codes)}) "
                f"is one the models know: {advice}",
            )
        ]
    return [
        Finding(
            entry.dataset,
            "warning",
            f"field {field.name} ({path!r}): codes {', '.join(unknown)} are not ones the models "
            f"know and count as other answers; {advice}",
        )
    ]


# How alike a question must be to a reference question (name or label, 0..1) to be
# suggested for it, and the share of the reference's required questions a form must match
# for its kind to be suggested.
SIMILAR = 0.8
KIND_MATCH = 0.6


def suggested_mapping(content: dict) -> tuple[str | None, dict]:
    """The kind whose reference form this form resembles most, and the fields its questions
    seem to hold (only those kept elsewhere than the reference keeps them); (None, {})
    when no kind matches enough of its required questions."""
    questions = form_questions(content, with_groups=True)
    best: tuple[float, str | None, dict] = (0.0, None, {})
    for kind in KIND_NAMES:
        reference = {q.name: q for q in form_questions(reference_content(kind), with_groups=True)}
        matched: dict[str, str] = {}
        for name, wanted in reference.items():
            fits = FITS.get(wanted.type, {wanted.type})
            scored = [
                (
                    max(
                        _likeness(wanted.name, q.name),
                        _likeness(wanted.label_en, q.label_en),
                        _likeness(wanted.label_fr, q.label_fr),
                    ),
                    q.path,
                )
                for q in questions
                if q.type in fits and q.in_repeat == wanted.in_repeat
            ]
            score, path = max(scored, default=(0.0, None))
            if path and score >= SIMILAR:
                matched[name] = path
        required = [n for n, f in kind_fields(kind).items() if f.required]
        share = sum(n in matched for n in required) / len(required) if required else 0.0
        if share > best[0]:
            best = (share, kind, _concise(kind, matched, content, reference_content(kind)))
    return (best[1], best[2]) if best[0] >= KIND_MATCH else (None, {})


def _concise(kind: str, matched: dict[str, str], content: dict, reference: dict) -> dict:
    """The fields a registry entry needs for ``matched``: none that a mapped group already
    moves, and for a select whose codes differ, its codes matched by their labels."""
    fields: dict[str, object] = {}
    paths: dict[str, str] = {}
    form_lists, reference_lists = _labelled_choices(content), _labelled_choices(reference)
    by_path = {q.path: q for q in form_questions(content)}
    for name, path in matched.items():  # reference order: a group before what it holds
        field = kind_fields(kind)[name]
        implied = FormEntry(uid="x", dataset="x", title="x", kind=kind, fields=paths).field_path(name)
        codes = {}
        question = by_path.get(path)
        if field.choices and question is not None and question.list_name:
            theirs = form_lists.get(question.list_name, {})
            for code, labels in reference_lists.get(field.list_name or "", {}).items():
                own = next((c for c, theirs_labels in theirs.items() if theirs_labels & labels), None)
                if own is not None and own != code:
                    codes[code] = own
        if implied != path:
            paths[name] = path
        if codes:
            fields[name] = {"path": path, "choices": codes}
        elif implied != path:
            fields[name] = path
    return fields


def _labelled_choices(content: dict) -> dict[str, dict[str, set[str]]]:
    """list name -> code -> its labels (any language, lowercased)."""
    lists: dict[str, dict[str, set[str]]] = {}
    for choice in content.get("choices") or []:
        labels = choice.get("label")
        labels = [labels] if isinstance(labels, str) else (labels or [])
        lists.setdefault(str(choice.get("list_name")), {})[str(choice.get("name"))] = {
            _ascii(str(label)).lower() for label in labels if label
        }
    return lists


def _likeness(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, _ascii(a).lower(), _ascii(b).lower()).ratio()


def suggested_entry(asset: dict, taken: set[str]) -> tuple[dict, list[str]]:
    """A registry entry for a form as the server describes it, and what to review in it."""
    content = asset.get("content") or {}
    questions = form_questions(content)
    base = re.sub(r"[^a-z0-9]+", "_", _ascii(str(asset.get("name") or asset["uid"])).lower()).strip("_")
    base = base if re.match(r"[a-z]", base or "") else f"form_{base}"
    dataset, n = base[:40], 2
    while dataset in taken:
        dataset, n = f"{base[:37]}_{n}", n + 1
    entry: dict = {
        "uid": asset["uid"],
        "dataset": dataset,
        "title": str(asset.get("name") or dataset),
        "schedule": DEFAULT_SCHEDULE,
        "kind": "none",
    }
    review = [f"dataset {dataset!r} and title come from the form's name: rename them if you like"]
    kind, mapping = suggested_mapping(content)
    if kind:
        entry["kind"], entry["fields"] = kind, mapping
        review.append(
            f"kind {kind}: its reference form's questions matched this form's by name, label and type; "
            f"check every field (`dtm forms check` lists what is still missing)"
        )
    else:
        enumerator = next(
            (
                q.path
                for q in questions
                if re.search(r"enum|agent|enqu[êe]teur|collect", q.path, re.IGNORECASE)
                and q.type in FIELD_TYPES["enumerator_id"]
            ),
            None,
        )
        if enumerator:
            entry["fields"] = {"enumerator_id": enumerator}
            review.append(f"fields.enumerator_id {enumerator!r} is a guess from the question's name")
    personal = suspected_personal(questions)
    entry["personal_fields"] = personal
    if personal:
        review.append(
            "personal_fields are guessed from names, labels and types: check every one, and add what the guess missed"
        )
    else:
        review.append("no personal question was recognised: check the form for names, phones, IDs, household GPS")
    return entry, review


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def check_registry(client, forms: list[FormEntry]) -> list[Finding]:
    """Each form of the registry against what the server deploys now."""
    from dtm_platform.kobo.client import KoboError

    findings = []
    for entry in forms:
        try:
            asset = client.get_form(entry.uid)
        except KoboError as error:
            findings.append(Finding(entry.dataset, "error", f"form {entry.uid} cannot be read on the server: {error}"))
            continue
        findings.extend(check_entry(entry, asset.get("content") or {}))
    return findings

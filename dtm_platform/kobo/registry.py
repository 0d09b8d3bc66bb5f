"""The form registry: the YAML file that says which Kobo forms are ingested and how.

Validated on load, so that a typo fails the code location with a message naming the file
and the entry instead of surfacing later as a broken SQL model.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dtm_platform.kobo.kinds import ENUMERATOR_QUESTION, KIND_NAMES, NO_KIND, kind_fields

SQL_NAME = re.compile(r"[a-z][a-z0-9_]*")
KOBO_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(/[A-Za-z_][A-Za-z0-9_.\-]*)*")
PERSONAL_DATA_POLICIES = ("drop", "hash", "coarsen_gps")
ENTRY_KEYS = {"uid", "dataset", "title", "schedule", "kind", "fields", "personal_fields", "download_attachments"}
REQUIRED_KEYS = {"uid", "dataset"}
DEFAULT_SCHEDULE = "0 * * * *"

CHOICE_CODE = re.compile(r"[A-Za-z0-9_.\-]+")
# Fields every form may map, whatever its kind (read by the models over every form).
COMMON_FIELDS = ("enumerator_id",)


class FormRegistryError(ValueError):
    """The registry file is not valid; the message names the file and the entry."""


@dataclass(frozen=True)
class FormEntry:
    uid: str
    dataset: str
    title: str
    schedule: str = DEFAULT_SCHEDULE
    kind: str = NO_KIND
    # the kind's field (a question, group or repeat of its reference form) -> this form's path
    fields: dict[str, str] = field(default_factory=dict)
    # the kind's field -> {the models' code: this form's code}, for select questions
    choice_codes: dict[str, dict[str, str]] = field(default_factory=dict)
    personal_fields: dict[str, str] = field(default_factory=dict)
    # Download the files of the submissions' _attachments (photos may hold personal data:
    # they stay under DTM_HOME/attachments and are never exported). Off unless asked for.
    download_attachments: bool = False

    @property
    def raw_table(self) -> str:
        return f"kobo_{self.dataset}"

    def field_path(self, name: str) -> str | None:
        """Where this form keeps a field of its kind: its own mapping; else, inside a mapped
        group or repeat, the same name there; else where the reference form keeps it.
        ``enumerator_id`` is the kind's enumerator question, or what the entry maps it to."""
        if name in self.fields:
            return self.fields[name]
        if name == "enumerator_id" and self.kind != NO_KIND:
            name = ENUMERATOR_QUESTION[self.kind]
            if name in self.fields:
                return self.fields[name]
        reference = kind_fields(self.kind).get(name)
        if reference is None:
            return None
        if reference.parent is not None:
            return f"{self.field_path(reference.parent)}/{reference.name}"
        return reference.path

    def paths_in_form(self) -> dict[str, str]:
        """The reference form's path -> this form's, for every field the form keeps elsewhere."""
        moved = {}
        for name, reference in kind_fields(self.kind).items():
            path = self.field_path(name)
            if path != reference.path:
                moved[reference.path] = path
        return moved


def load_registry(path: Path) -> list[FormEntry]:
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormRegistryError(f"{path}: form registry not found (set DTM_FORMS_FILE)") from None
    except yaml.YAMLError as exc:
        raise FormRegistryError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict) or set(document) != {"forms"}:
        raise FormRegistryError(f"{path}: expected one top-level key 'forms' holding a list")
    raw_entries = document["forms"]
    if not isinstance(raw_entries, list) or not raw_entries:
        raise FormRegistryError(f"{path}: 'forms' must be a non-empty list")

    entries = [_parse_entry(path, position, raw) for position, raw in enumerate(raw_entries, 1)]
    for attribute in ("uid", "dataset"):
        seen: dict[str, int] = {}
        for position, entry in enumerate(entries, 1):
            value = getattr(entry, attribute)
            if value in seen:
                raise FormRegistryError(
                    f"{path}: entry {position} ({entry.dataset}): {attribute} {value!r} "
                    f"is already used by entry {seen[value]}"
                )
            seen[value] = position
    return entries


def _parse_entry(path: Path, position: int, raw: object) -> FormEntry:
    where = f"{path}: entry {position}"
    if not isinstance(raw, dict):
        raise FormRegistryError(f"{where}: expected a mapping, got {type(raw).__name__}")
    if isinstance(raw.get("dataset"), str):
        where = f"{where} ({raw['dataset']})"
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        raise FormRegistryError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(ENTRY_KEYS))}"
        )
    missing = sorted(REQUIRED_KEYS - set(raw))
    if missing:
        raise FormRegistryError(f"{where}: missing key(s) {', '.join(missing)}")

    uid, dataset = raw["uid"], raw["dataset"]
    if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9]+", uid):
        raise FormRegistryError(f"{where}: uid {uid!r} is not a Kobo asset uid")
    if not isinstance(dataset, str) or not SQL_NAME.fullmatch(dataset):
        raise FormRegistryError(f"{where}: dataset {dataset!r} must match [a-z][a-z0-9_]* (it becomes a table name)")
    schedule = raw.get("schedule", DEFAULT_SCHEDULE)
    if not isinstance(schedule, str) or len(schedule.split()) != 5:
        raise FormRegistryError(f"{where}: schedule {schedule!r} is not a five-field cron string")

    kind = raw.get("kind", NO_KIND)
    if kind not in (*KIND_NAMES, NO_KIND):
        raise FormRegistryError(f"{where}: kind {kind!r} is not one of {', '.join((*KIND_NAMES, NO_KIND))}")
    fields, choices = _parse_fields(where, kind, raw.get("fields") or {})

    personal = raw.get("personal_fields") or {}
    if not isinstance(personal, dict):
        raise FormRegistryError(f"{where}: personal_fields must map Kobo paths to a policy")
    for kobo_path, policy in personal.items():
        if not isinstance(kobo_path, str) or not KOBO_PATH.fullmatch(kobo_path):
            raise FormRegistryError(f"{where}: personal field {kobo_path!r} is not a Kobo path")
        if policy not in PERSONAL_DATA_POLICIES:
            raise FormRegistryError(
                f"{where}: personal field {kobo_path!r} has policy {policy!r}; "
                f"allowed: {', '.join(PERSONAL_DATA_POLICIES)}"
            )
    download_attachments = raw.get("download_attachments", False)
    if not isinstance(download_attachments, bool):
        raise FormRegistryError(f"{where}: download_attachments must be true or false, got {download_attachments!r}")
    return FormEntry(
        uid=uid,
        dataset=dataset,
        title=str(raw.get("title") or dataset),
        schedule=schedule,
        kind=kind,
        fields=fields,
        choice_codes=choices,
        personal_fields=dict(personal),
        download_attachments=download_attachments,
    )


def _parse_fields(where: str, kind: str, raw: object) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """An entry's ``fields``: each a path, or ``{path: ..., choices: {model code: form code}}``."""
    if not isinstance(raw, dict):
        raise FormRegistryError(f"{where}: fields must map the kind's fields to Kobo paths")
    known = kind_fields(kind)
    paths: dict[str, str] = {}
    codes: dict[str, dict[str, str]] = {}
    for name, mapping in raw.items():
        if name not in known and name not in COMMON_FIELDS:
            near = difflib.get_close_matches(str(name), [*known, *COMMON_FIELDS], n=3)
            hint = (
                f"; did you mean {', '.join(near)}?"
                if near
                else (f"; known: {', '.join(sorted([*known, *COMMON_FIELDS]))}")
            )
            raise FormRegistryError(f"{where}: field {name!r} is not a field of kind {kind}{hint}")
        if isinstance(mapping, dict):
            unknown = sorted(set(mapping) - {"path", "choices"})
            if unknown or "path" not in mapping:
                raise FormRegistryError(
                    f"{where}: field {name!r} must be a Kobo path or {{path: ..., choices: {{code: code}}}}"
                )
            path, field_codes = mapping["path"], mapping.get("choices") or {}
        else:
            path, field_codes = mapping, {}
        if not isinstance(path, str) or not KOBO_PATH.fullmatch(path):
            raise FormRegistryError(f"{where}: field {name!r} maps to {path!r}, which is not a Kobo path")
        paths[name] = path
        if field_codes:
            model_codes = known[name].choices if name in known else ()
            if not model_codes:
                raise FormRegistryError(
                    f"{where}: field {name!r} has no choice list the models compare with; remove its choices"
                )
            if not isinstance(field_codes, dict):
                raise FormRegistryError(f"{where}: field {name!r}: choices must map the models' codes to the form's")
            for model_code, form_code in field_codes.items():
                # Unquoted yes/no are booleans to YAML: they mean the codes "yes" and "no".
                model_code = ("yes" if model_code else "no") if isinstance(model_code, bool) else str(model_code)
                form_code = str(form_code)
                if model_code not in model_codes:
                    raise FormRegistryError(
                        f"{where}: field {name!r}: {model_code!r} is not a code the models "
                        f"know; they know {', '.join(model_codes)}"
                    )
                if not CHOICE_CODE.fullmatch(form_code):
                    raise FormRegistryError(f"{where}: field {name!r}: {form_code!r} is not a choice code")
            codes[name] = {
                ("yes" if m else "no") if isinstance(m, bool) else str(m): str(f) for m, f in field_codes.items()
            }
    return paths, codes

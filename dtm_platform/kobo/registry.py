"""The form registry: the YAML file that says which Kobo forms are ingested and how.

Validated on load, so that a typo fails the code location with a message naming the file
and the entry instead of surfacing later as a broken SQL model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SQL_NAME = re.compile(r"[a-z][a-z0-9_]*")
KOBO_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*(/[A-Za-z_][A-Za-z0-9_.\-]*)*")
PERSONAL_DATA_POLICIES = ("drop", "hash", "coarsen_gps")
ENTRY_KEYS = {"uid", "dataset", "title", "schedule", "kind", "fields", "personal_fields", "download_attachments"}
REQUIRED_KEYS = {"uid", "dataset"}
DEFAULT_SCHEDULE = "0 * * * *"

# The built-in models a form may feed, with where the built-in form keeps each field the
# generic models read. A registry entry's ``fields`` maps a field to its own question path
# instead. ``none``: the form lands in raw and is read only by the models over every form.
KINDS: dict[str, dict[str, str]] = {
    "dtm_locality": {"enumerator_id": "grp_general/enumerator_id"},
    "dtm_site": {"enumerator_id": "grp_general/enumerator_id"},
    "dtm_flow_counts": {"enumerator_id": "grp_point/enumerator_id"},
    "dtm_flow_survey": {"enumerator_id": "grp_point/enumerator_id"},
    "me_activity": {"enumerator_id": "grp_activity/facilitator_id"},
    "me_pdm": {"enumerator_id": "grp_general/enumerator_id"},
    "me_perception": {"enumerator_id": "grp_general/enumerator_id"},
    "none": {},
}
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
    kind: str = "none"
    # model field -> the form's own question path, over the kind's defaults
    fields: dict[str, str] = field(default_factory=dict)
    personal_fields: dict[str, str] = field(default_factory=dict)
    # Download the files of the submissions' _attachments (photos may hold personal data:
    # they stay under DTM_HOME/attachments and are never exported). Off unless asked for.
    download_attachments: bool = False

    @property
    def raw_table(self) -> str:
        return f"kobo_{self.dataset}"

    def field_path(self, name: str) -> str | None:
        """Where this form keeps a model field: its own mapping, else its kind's default."""
        return self.fields.get(name) or KINDS[self.kind].get(name)


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
        raise FormRegistryError(
            f"{where}: dataset {dataset!r} must match [a-z][a-z0-9_]* (it becomes a table name)"
        )
    schedule = raw.get("schedule", DEFAULT_SCHEDULE)
    if not isinstance(schedule, str) or len(schedule.split()) != 5:
        raise FormRegistryError(f"{where}: schedule {schedule!r} is not a five-field cron string")

    kind = raw.get("kind", "none")
    if kind not in KINDS:
        raise FormRegistryError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict):
        raise FormRegistryError(f"{where}: fields must map model fields to Kobo paths")
    known_fields = set(COMMON_FIELDS) | set(KINDS[kind])
    for name, kobo_path in fields.items():
        if name not in known_fields:
            raise FormRegistryError(
                f"{where}: field {name!r} is not a field of kind {kind}; known: {', '.join(sorted(known_fields))}")
        if not isinstance(kobo_path, str) or not KOBO_PATH.fullmatch(kobo_path):
            raise FormRegistryError(f"{where}: field {name!r} maps to {kobo_path!r}, which is not a Kobo path")

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
        raise FormRegistryError(
            f"{where}: download_attachments must be true or false, got {download_attachments!r}")
    return FormEntry(
        uid=uid,
        dataset=dataset,
        title=str(raw.get("title") or dataset),
        schedule=schedule,
        kind=kind,
        fields=dict(fields),
        personal_fields=dict(personal),
        download_attachments=download_attachments,
    )

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
ENTRY_KEYS = {"uid", "dataset", "title", "schedule", "personal_fields", "download_attachments"}
REQUIRED_KEYS = {"uid", "dataset"}
DEFAULT_SCHEDULE = "0 * * * *"


class FormRegistryError(ValueError):
    """The registry file is not valid; the message names the file and the entry."""


@dataclass(frozen=True)
class FormEntry:
    uid: str
    dataset: str
    title: str
    schedule: str = DEFAULT_SCHEDULE
    personal_fields: dict[str, str] = field(default_factory=dict)
    # Download the files of the submissions' _attachments (photos may hold personal data:
    # they stay under DTM_HOME/attachments and are never exported). Off unless asked for.
    download_attachments: bool = False

    @property
    def raw_table(self) -> str:
        return f"kobo_{self.dataset}"


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
        personal_fields=dict(personal),
        download_attachments=download_attachments,
    )

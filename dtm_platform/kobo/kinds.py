"""The built-in models a form may feed (its ``kind``), and the fields each reads.

Each kind's models were written against the platform's own Kobo tool for it (the forms the
embedded server serves). That tool is the kind's reference form: its questions, groups and
repeats are the fields a registry entry may map to its own question paths, by question name
(``idp_ind: grp_pdi/nb_ind_pdi``; a group or repeat mapped moves the questions inside it
too), and its short choice lists hold the codes the models compare answers with, which an
entry may map to its own codes (``idp_present: {path: ..., choices: {"yes": "1", "no": "0"}}``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from dtm_platform.kobo.form_content import choice_codes, form_questions

KIND_NAMES = (
    "dtm_locality",
    "dtm_site",
    "dtm_flow_counts",
    "dtm_flow_survey",
    "me_activity",
    "me_pdm",
    "me_perception",
    "me_partner_report",
    "me_feedback",
    "me_field_visit",
)
NO_KIND = "none"

# The question of each kind's reference form that holds who collected the submission (the
# models over every form read it as enumerator_id).
# A partner's report is the partner's own: its data-quality findings go back to the partner;
# a field visit's go back to the monitor who made it.
ENUMERATOR_QUESTION = dict.fromkeys(KIND_NAMES, "enumerator_id") | {
    "me_activity": "facilitator_id",
    "me_partner_report": "partner_code",
    "me_field_visit": "monitor_id",
}

# Lists longer than this (p-codes, flow monitoring points, countries) follow the operation,
# and their codes are checked by the cleaning rules; shorter ones are the categories the
# models compare answers with, so a form must use (or map to) their codes.
CLOSED_LIST_MAX_CODES = 20


@dataclass(frozen=True)
class KindField:
    name: str
    path: str  # where the reference form keeps it
    type: str  # its XLSForm type (begin_group, begin_repeat for a group)
    choices: tuple[str, ...]  # the codes the models know, for a select on a closed list
    required: bool  # required in the reference form: the models cannot do without it
    list_name: str | None = None  # the reference form's choice list, for a select

    @property
    def parent(self) -> str | None:
        """The name of the group or repeat it sits in."""
        return self.path.rsplit("/", 2)[-2] if "/" in self.path else None


@cache
def reference_content(kind: str) -> dict:
    """The newest version of the kind's reference form (built once; read it, never change it)."""
    # Imported here: the embedded server's forms are large modules the registry needs only
    # when a kind's fields are first asked for.
    from dtm_platform.kobo_mock import locality_form
    from dtm_platform.kobo_mock.forms import FORM_MODULES

    if kind == "dtm_locality":
        return locality_form.form_content()
    module = next(m for m in FORM_MODULES if m.DATASET == kind)
    return module.content(module.VERSIONS[-1])


@cache
def kind_fields(kind: str) -> dict[str, KindField]:
    """Question name -> field, for every question, group and repeat of the reference form."""
    if kind == NO_KIND:
        return {}
    content = reference_content(kind)
    lists = choice_codes(content)
    fields: dict[str, KindField] = {}
    for question in form_questions(content, with_groups=True):
        codes = lists.get(question.list_name or "", [])
        closed = tuple(codes) if 0 < len(codes) <= CLOSED_LIST_MAX_CODES else ()
        if question.name in fields:
            raise AssertionError(f"kind {kind}: question name {question.name} is not unique")
        fields[question.name] = KindField(
            question.name, question.path, question.type, closed, question.required, question.list_name
        )
    return fields

"""Built-in forms as a country office would have built them: the same questions under French
names and other groups, other choice codes (``1``/``0`` for yes/no) and an extra repeat the
models do not read. Each variant serves the built-in form's submissions (or some of them),
translated question by question, so the marts built from it through a registry mapping must
equal the built-in form's ground truth (ARCHITECTURE.md, Forms and kinds).

``LOCALITY_FR`` and ``ACTIVITY_PARTNER`` are the two the embedded server serves beside the
seven built-in forms; ``registry_entry`` gives the entry that maps one to its kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dtm_platform.kobo_mock.locality_form import row
from dtm_platform.kobo_mock.served import MockForm
from dtm_platform.kobo_mock.store import FormVersion, ListSource, SubmissionStore


@dataclass(frozen=True)
class Variant:
    uid: str
    dataset: str  # its name in a registry
    kind: str  # the built-in form it varies
    name: str
    # the built-in form's path of a question, group or repeat -> the variant's (a group
    # renamed moves what it holds; a question moved keeps its own name unless renamed)
    paths: dict[str, str]
    # choice list -> {built-in code: the variant's code}
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    # an extra repeat of the variant's own: (name, English label, French label)
    extra_repeat: tuple[str, str, str] | None = None
    personal_fields: dict[str, str] = field(default_factory=dict)  # the variant's paths

    def path(self, reference: str) -> str:
        """Where the variant keeps the built-in form's ``reference`` path."""
        if reference in self.paths:
            return self.paths[reference]
        if "/" in reference:
            parent, name = reference.rsplit("/", 1)
            return f"{self.path(parent)}/{name}"
        return reference

    # --- content ----------------------------------------------------------------------------

    def content(self, content: dict) -> dict:
        survey = []
        for _position, original in enumerate(content["survey"]):
            moved = dict(original)
            path = original.get("$xpath")
            if path:
                moved["$xpath"] = self.path(path)
                moved["name"] = moved["$autoname"] = moved["$xpath"].rsplit("/", 1)[-1]
            for key in ("relevant", "constraint", "choice_filter"):
                if isinstance(moved.get(key), str):
                    moved[key] = self._expression(moved[key], content)
            survey.append(moved)
        if self.extra_repeat:
            name, en, fr = self.extra_repeat
            survey += [
                row("begin_repeat", name, en, fr),
                row("text", f"{name}/observation", "Observation", "Observation"),
                row("integer", f"{name}/nombre", "Number", "Nombre"),
                row("end_repeat", name),
            ]
        choices = []
        for choice in content["choices"]:
            codes = self.codes.get(choice["list_name"], {})
            if choice["name"] in codes:
                choice = {**choice, "name": codes[choice["name"]], "$autovalue": codes[choice["name"]]}
            choices.append(choice)
        return {**content, "survey": survey, "choices": choices}

    def _expression(self, text: str, content: dict) -> str:
        """${name} references and quoted codes of an XLSForm expression, in the variant's terms."""
        names = {r["name"]: self.path(r["$xpath"]).rsplit("/", 1)[-1] for r in content["survey"] if r.get("$xpath")}
        text = re.sub(r"\$\{(\w+)\}", lambda m: "${" + names.get(m.group(1), m.group(1)) + "}", text)
        for codes in self.codes.values():
            for old, new in codes.items():
                text = text.replace(f"'{old}'", f"'{new}'")
        return text

    # --- submissions ------------------------------------------------------------------------

    def submission(self, submission: dict, content: dict) -> dict:
        selects = {
            r["$xpath"]: (r["type"], r.get("select_from_list_name"))
            for r in content["survey"]
            if str(r.get("type", "")).startswith("select")
        }
        translated = self._answers(submission, selects)
        if self.extra_repeat:
            name = self.extra_repeat[0]
            translated[name] = [{f"{name}/observation": "RAS", f"{name}/nombre": str(submission["_id"] % 5)}]
        return translated

    def _answers(self, answers: dict, selects: dict) -> dict:
        out = {}
        for key, value in answers.items():
            if key.startswith(("_", "meta/", "formhub/")) or key in ("start", "end", "__version__"):
                out[key] = value
                continue
            if isinstance(value, list):
                value = [self._answers(item, selects) if isinstance(item, dict) else item for item in value]
            elif key in selects and isinstance(value, str):
                kind, list_name = selects[key]
                codes = self.codes.get(list_name or "", {})
                parts = value.split(" ") if kind == "select_multiple" else [value]
                value = " ".join(codes.get(part, part) for part in parts)
            out[self.path(key)] = value
        return out

    def mock_form(self, form: MockForm, keep=lambda submission: True) -> MockForm:
        """``form`` as this variant: its versions' content translated, and the submissions
        ``keep`` selects, translated (each by the content of its own version)."""
        by_version = {v.uid: v.content for v in form.versions}
        versions = [
            FormVersion(v.uid, self.content(v.content), v.date_deployed, listed=v.listed) for v in form.versions
        ]
        submissions = [
            self.submission(s, by_version.get(s.get("__version__"), form.content)) for s in form.submissions if keep(s)
        ]
        return MockForm(uid=self.uid, name=self.name, versions=versions, store=SubmissionStore(ListSource(submissions)))

    def registry_entry(self, reference_content: dict) -> dict:
        """The registry entry that maps this variant to its kind: every renamed group and
        question by its built-in name, every recoded choice list on the questions using it."""
        fields: dict[str, object] = {}
        for reference, path in self.paths.items():
            fields[reference.rsplit("/", 1)[-1]] = path
        for r in reference_content["survey"]:
            codes = self.codes.get(r.get("select_from_list_name") or "")
            if codes and str(r.get("type", "")).startswith("select"):
                name = r["name"]
                fields[name] = {"path": self.path(r["$xpath"]), "choices": dict(codes)}
        return {
            "uid": self.uid,
            "dataset": self.dataset,
            "kind": self.kind,
            "title": self.name,
            "fields": fields,
            "personal_fields": dict(self.personal_fields),
        }


def keeping(form: MockForm, keep) -> MockForm:
    """``form`` serving only the submissions ``keep`` selects (another tool collects the rest)."""
    return MockForm(
        uid=form.uid,
        name=form.name,
        versions=list(form.versions),
        store=SubmissionStore(ListSource([s for s in form.submissions if keep(s)])),
    )


# The locality assessment of an office that builds its tools in French, its yes/no as 1/0.
LOCALITY_FR = Variant(
    uid="aDtmLocFr3Vb8Nm2Qx6Ws9",
    dataset="evaluation_localites",
    kind="dtm_locality",
    name="Évaluation des localités (outil du bureau)",
    paths={
        "grp_general": "infos_generales",
        "grp_general/round": "infos_generales/numero_round",
        "grp_general/enumerator_id": "infos_generales/code_enqueteur",
        "grp_location": "localisation",
        "grp_location/locality_name": "localisation/nom_localite",
        "grp_location/gps": "localisation/coordonnees",
        "grp_idp": "pdi",
        "grp_idp/idp_present": "pdi/presence_pdi",
        "grp_idp/idp_hh": "pdi/nb_menages_pdi",
        "grp_idp/idp_ind": "pdi/nb_individus_pdi",
        "grp_ret": "retournes",
        "grp_needs": "besoins",
        "grp_needs/priority_needs": "besoins/besoins_prioritaires",
        "key_informants": "informateurs",
        "key_informants/ki_name": "informateurs/nom_informateur",
        "key_informants/ki_phone": "informateurs/telephone_informateur",
    },
    codes={"yes_no": {"yes": "1", "no": "0"}},
    extra_repeat=("observations_terrain", "Field observations", "Observations de terrain"),
    personal_fields={"informateurs/nom_informateur": "drop", "informateurs/telephone_informateur": "hash"},
)

# The activity monitoring form of an implementing partner: other groups and names, and
# disability answered 1/0.
ACTIVITY_PARTNER = Variant(
    uid="aMeActPt7Hj4Kl9Zx2Cv5B",
    dataset="suivi_activites_partenaire",
    kind="me_activity",
    name="Suivi des activités (partenaire de mise en oeuvre)",
    paths={
        "grp_activity": "activite",
        "grp_activity/activity_code": "activite/code_activite",
        "grp_activity/activity_date": "activite/date_activite",
        "grp_activity/venue": "activite/lieu",
        "grp_activity/facilitator_id": "activite/code_animateur",
        "beneficiaries": "participants",
        "beneficiaries/ben_name": "participants/nom",
        "beneficiaries/ben_national_id": "participants/numero_cni",
        "beneficiaries/ben_phone": "participants/telephone",
        "beneficiaries/ben_sex": "participants/sexe",
        "beneficiaries/ben_age": "participants/age",
        "beneficiaries/ben_disability": "participants/handicap",
    },
    codes={"yes_no": {"yes": "1", "no": "0"}},
    extra_repeat=("photos_seance", "Session photos", "Photos de la séance"),
    personal_fields={"participants/nom": "drop", "participants/numero_cni": "hash", "participants/telephone": "hash"},
)

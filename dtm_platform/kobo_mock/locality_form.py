"""The DTM locality assessment form as KPI serves it: survey rows, choices, translations.

Built in the shapes of ``GET /api/v2/assets/{uid}/`` (ARCHITECTURE.md, Kobo) so that code written
against it works against a real KoboToolbox server.
"""

from __future__ import annotations

import zlib
from typing import Any

from dtm_platform.kobo_mock.reference import admin_areas

FORM_UID = "aDtmLoc7Kq2xY9mN4pR8sT"
FORM_NAME = "DTM RCA - Evaluation des localites / Locality assessment"
TRANSLATIONS = ["English (en)", "Français (fr)"]
# Round 18 was collected with the first version, round 19 with the second.
VERSIONS = {18: "vR18kQ2wXbN7cYp4ZtLm9A", 19: "vR19hF6sDjP3aVe8GuKn2B"}
SITES_QUESTION_ROUND = 19  # the first round whose version asks for the IDPs on sites
ROUNDS = {  # round -> (first day, last day) of data collection
    18: ("2026-08-03", "2026-08-28"),
    19: ("2026-10-05", "2026-10-30"),
}

SEX_AGE_CELLS = [
    ("m_0_5", "Boys 0-5", "Garçons 0-5"),
    ("f_0_5", "Girls 0-5", "Filles 0-5"),
    ("m_6_17", "Boys 6-17", "Garçons 6-17"),
    ("f_6_17", "Girls 6-17", "Filles 6-17"),
    ("m_18_59", "Men 18-59", "Hommes 18-59"),
    ("f_18_59", "Women 18-59", "Femmes 18-59"),
    ("m_60", "Men 60+", "Hommes 60+"),
    ("f_60", "Women 60+", "Femmes 60+"),
]

CHOICE_LISTS: dict[str, list[tuple[str, str, str]]] = {
    "yes_no": [("yes", "Yes", "Oui"), ("no", "No", "Non")],
    "displacement_reason": [
        ("armed_conflict", "Armed conflict", "Conflit armé"),
        ("intercommunal_violence", "Intercommunal violence", "Violence intercommunautaire"),
        ("transhumance_tension", "Transhumance-related tension", "Tensions liées à la transhumance"),
        ("natural_disaster", "Natural disaster (floods)", "Catastrophe naturelle (inondations)"),
        ("other", "Other", "Autre"),
    ],
    "arrival_period": [
        ("lt_3_months", "Less than 3 months ago", "Il y a moins de 3 mois"),
        ("3_6_months", "3 to 6 months ago", "Il y a 3 à 6 mois"),
        ("6_12_months", "6 to 12 months ago", "Il y a 6 à 12 mois"),
        ("gt_12_months", "More than 12 months ago", "Il y a plus de 12 mois"),
    ],
    "priority_need": [
        ("food", "Food", "Nourriture"),
        ("shelter", "Shelter", "Abri"),
        ("wash", "Water, sanitation and hygiene", "Eau, hygiène et assainissement"),
        ("health", "Health", "Santé"),
        ("education", "Education", "Éducation"),
        ("protection", "Protection", "Protection"),
        ("livelihoods", "Livelihoods", "Moyens de subsistance"),
        ("nfi", "Non-food items", "Articles non alimentaires"),
    ],
    "ki_role": [
        ("chief", "Village or neighbourhood chief", "Chef de village ou de quartier"),
        ("religious_leader", "Religious leader", "Leader religieux"),
        ("women_rep", "Women's representative", "Représentante des femmes"),
        ("youth_rep", "Youth representative", "Représentant des jeunes"),
        ("health_worker", "Health worker", "Agent de santé"),
    ],
    "sex": [("male", "Male", "Homme"), ("female", "Female", "Femme")],
}

PRIORITY_NEEDS = [code for code, _, _ in CHOICE_LISTS["priority_need"]]
DISPLACEMENT_REASONS = [code for code, _, _ in CHOICE_LISTS["displacement_reason"]]
ARRIVAL_PERIODS = [code for code, _, _ in CHOICE_LISTS["arrival_period"]]
KI_ROLES = [code for code, _, _ in CHOICE_LISTS["ki_role"]]


def row(kind: str, xpath: str, en: str | None = None, fr: str | None = None, **extra: Any) -> dict:
    """One row of a form's ``survey`` as KPI serves it: every synthetic form builds its rows so."""
    name = xpath.rsplit("/", 1)[-1]
    question: dict[str, Any] = {"type": kind, "name": name, "$xpath": xpath, "$autoname": name}
    question["$kuid"] = f"k{zlib.crc32(xpath.encode()):08x}"
    if en is not None:
        question["label"] = [en, fr if fr is not None else en]
    question.update(extra)
    return question


def _survey(version_round: int) -> list[dict]:
    rows = [
        row("start", "start"),
        row("end", "end"),
        row("begin_group", "grp_general", "General information", "Informations générales"),
        row("integer", "grp_general/round", "DTM round", "Round DTM", required=True),
        row("text", "grp_general/enumerator_id", "Enumerator code", "Code de l'enquêteur", required=True),
        row("end_group", "grp_general"),
        row("begin_group", "grp_location", "Location", "Localisation"),
        row(
            "select_one",
            "grp_location/admin1",
            "Prefecture",
            "Préfecture",
            select_from_list_name="admin1",
            required=True,
        ),
        row(
            "select_one",
            "grp_location/admin2",
            "Sub-prefecture",
            "Sous-préfecture",
            select_from_list_name="admin2",
            choice_filter="admin1=${admin1}",
            required=True,
        ),
        row("text", "grp_location/locality_name", "Locality name", "Nom de la localité", required=True),
        row("geopoint", "grp_location/gps", "GPS of the locality centre", "GPS du centre de la localité"),
        row("end_group", "grp_location"),
        row("begin_group", "grp_idp", "Internally displaced persons", "Personnes déplacées internes"),
        row(
            "select_one",
            "grp_idp/idp_present",
            "Are there IDPs in the locality?",
            "Y a-t-il des PDI dans la localité ?",
            select_from_list_name="yes_no",
            required=True,
        ),
        row("integer", "grp_idp/idp_hh", "IDP households", "Ménages PDI", relevant="${idp_present}='yes'"),
        row("integer", "grp_idp/idp_ind", "IDP individuals", "Individus PDI", relevant="${idp_present}='yes'"),
    ]
    for cell, en, fr in SEX_AGE_CELLS:
        rows.append(
            row("integer", f"grp_idp/idp_{cell}", f"IDPs: {en}", f"PDI : {fr}", relevant="${idp_present}='yes'")
        )
    rows += [
        row(
            "select_one",
            "grp_idp/displacement_reason",
            "Main reason for displacement",
            "Raison principale du déplacement",
            select_from_list_name="displacement_reason",
            relevant="${idp_present}='yes'",
        ),
        row(
            "select_one",
            "grp_idp/arrival_period",
            "When did most IDPs arrive?",
            "Quand la plupart des PDI sont-elles arrivées ?",
            select_from_list_name="arrival_period",
            relevant="${idp_present}='yes'",
        ),
        row("end_group", "grp_idp"),
        row("begin_group", "grp_ret", "Returnees", "Retournés"),
        row(
            "select_one",
            "grp_ret/ret_present",
            "Are there returnees in the locality?",
            "Y a-t-il des retournés dans la localité ?",
            select_from_list_name="yes_no",
            required=True,
        ),
        row(
            "integer",
            "grp_ret/ret_internal_hh",
            "Returnee households (former IDPs)",
            "Ménages retournés (anciens PDI)",
            relevant="${ret_present}='yes'",
        ),
        row(
            "integer",
            "grp_ret/ret_internal_ind",
            "Returnee individuals (former IDPs)",
            "Individus retournés (anciens PDI)",
            relevant="${ret_present}='yes'",
        ),
        row(
            "integer",
            "grp_ret/ret_abroad_hh",
            "Returnee households from abroad",
            "Ménages retournés de l'étranger",
            relevant="${ret_present}='yes'",
        ),
        row(
            "integer",
            "grp_ret/ret_abroad_ind",
            "Returnee individuals from abroad",
            "Individus retournés de l'étranger",
            relevant="${ret_present}='yes'",
        ),
        row("end_group", "grp_ret"),
        row("begin_group", "grp_needs", "Needs", "Besoins"),
        row(
            "select_multiple",
            "grp_needs/priority_needs",
            "Priority needs (up to three)",
            "Besoins prioritaires (trois au plus)",
            select_from_list_name="priority_need",
        ),
        row("end_group", "grp_needs"),
        row("begin_repeat", "key_informants", "Key informants", "Informateurs clés"),
        row("text", "key_informants/ki_name", "Name of the key informant", "Nom de l'informateur clé"),
        row("select_one", "key_informants/ki_role", "Role", "Rôle", select_from_list_name="ki_role"),
        row("select_one", "key_informants/ki_sex", "Sex", "Sexe", select_from_list_name="sex"),
        row(
            "integer",
            "key_informants/ki_idp_estimate",
            "IDP individuals in the locality, by this informant",
            "Individus PDI dans la localité, selon cet informateur",
            relevant="${idp_present}='yes'",
        ),
        row("text", "key_informants/ki_phone", "Phone number", "Numéro de téléphone"),
        row("end_repeat", "key_informants"),
    ]
    if version_round >= SITES_QUESTION_ROUND:
        # Added in the second version: the enumerator's comment on access to the locality, and
        # the IDPs on displacement sites in the locality (the site assessment counts them
        # site by site: the two are triangulated per sub-prefecture).
        rows.insert(-6, row("text", "grp_needs/access_comment", "Comment on access", "Commentaire sur l'accès"))
        after_arrival = next(i for i, r in enumerate(rows) if r["$xpath"] == "grp_idp/arrival_period") + 1
        rows.insert(
            after_arrival,
            row(
                "integer",
                "grp_idp/idp_on_sites",
                "IDP individuals living on displacement sites in the locality",
                "Individus PDI vivant sur des sites de déplacés dans la localité",
            ),
        )
    return rows


def _choices() -> list[dict]:
    admin1, admin2 = admin_areas()
    choices: list[dict] = []
    for area in admin1:
        choices.append({"list_name": "admin1", "name": area.pcode, "label": [area.name, area.name]})
    for area in admin2:
        choices.append(
            {"list_name": "admin2", "name": area.pcode, "label": [area.name, area.name], "admin1": area.parent_pcode}
        )
    for list_name, options in CHOICE_LISTS.items():
        for code, en, fr in options:
            choices.append({"list_name": list_name, "name": code, "label": [en, fr]})
    for position, choice in enumerate(choices):
        choice["$kuid"] = f"c{position:07d}"
        choice["$autovalue"] = choice["name"]
    return choices


def form_content(version_round: int = max(VERSIONS)) -> dict:
    return {
        "schema": "1",
        "survey": _survey(version_round),
        "choices": _choices(),
        "settings": {"default_language": "English (en)", "version": VERSIONS[version_round]},
        "translated": ["label"],
        "translations": TRANSLATIONS,
    }

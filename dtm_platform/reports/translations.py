"""The words of the information products, in English and French. Labels of Kobo choices
come from the form's own translations (the marts' *_label_en / *_label_fr columns)."""

from __future__ import annotations

LANGUAGES = ("en", "fr")

TEXT = {
    "en": {
        "title": "Central African Republic: Displacement Tracking Matrix",
        "subtitle": "Mobility tracking, locality assessments, round {round}",
        "generated": "generated {when}",
        "key_figures": "Key figures",
        "idp_individuals": "IDP individuals",
        "idp_households": "IDP households",
        "returnee_individuals": "Returnee individuals",
        "localities_assessed": "Localities assessed",
        "since_round": "since round {round}",
        "chart_idps": "IDP individuals by prefecture",
        "map_title": "IDPs by sub-prefecture",
        "map_note": "Circle area proportional to IDP individuals, placed at the centre of the sub-prefecture's assessed localities.",
        "table_title": "IDPs and returnees by prefecture",
        "prefecture": "Prefecture",
        "localities": "Localities",
        "returnee_households": "Returnee households",
        "change": "Change in IDPs",
        "total": "Total",
        "reasons_title": "Main reasons for displacement",
        "reason": "Reason",
        "needs_title": "Priority needs",
        "need": "Need",
        "share_localities": "Share of localities",
        "methodology_title": "Methodology",
        "methodology": ("Figures come from key informant interviews in each assessed locality, collected with "
                        "KoboToolbox, corrected through the data officers' cleaning log and checked by automated "
                        "data-quality rules before publication. Returnees include former IDPs who returned and "
                        "people returned from abroad."),
        "quality_title": "Data quality",
        "quality": ("{submissions} submissions were received for this round; {excluded} were left out because "
                    "of a blocking issue (duplicates, unknown p-codes, implausible household sizes) and "
                    "{flagged} more carry a warning but are counted. {corrected} were corrected through the "
                    "cleaning log. Every check that gates this report passed."),
        "disclosure_title": "Disclosure",
        "disclosure": ("These figures aggregate key informant estimates per locality; no household or individual "
                       "is identifiable from them. Names and phone numbers of key informants never leave the "
                       "raw data store."),
        "pcodes": "P-codes: OCHA common operational dataset (COD-AB), boundaries valid from 2015-06-15.",
    },
    "fr": {
        "title": "République centrafricaine : Matrice de suivi des déplacements",
        "subtitle": "Suivi des mouvements, évaluation des localités, round {round}",
        "generated": "produit le {when}",
        "key_figures": "Chiffres clés",
        "idp_individuals": "Personnes déplacées internes",
        "idp_households": "Ménages déplacés internes",
        "returnee_individuals": "Personnes retournées",
        "localities_assessed": "Localités évaluées",
        "since_round": "depuis le round {round}",
        "chart_idps": "Personnes déplacées internes par préfecture",
        "map_title": "PDI par sous-préfecture",
        "map_note": "Surface des cercles proportionnelle au nombre de PDI, placés au centre des localités évaluées de la sous-préfecture.",
        "table_title": "PDI et retournés par préfecture",
        "prefecture": "Préfecture",
        "localities": "Localités",
        "returnee_households": "Ménages retournés",
        "change": "Évolution des PDI",
        "total": "Total",
        "reasons_title": "Principales raisons du déplacement",
        "reason": "Raison",
        "needs_title": "Besoins prioritaires",
        "need": "Besoin",
        "share_localities": "Part des localités",
        "methodology_title": "Méthodologie",
        "methodology": ("Les chiffres proviennent d'entretiens avec des informateurs clés dans chaque localité "
                        "évaluée, collectés avec KoboToolbox, corrigés par le journal de nettoyage des chargés "
                        "de données et contrôlés par des règles automatiques de qualité avant publication. Les "
                        "retournés comprennent les anciens PDI revenus et les personnes revenues de l'étranger."),
        "quality_title": "Qualité des données",
        "quality": ("{submissions} soumissions ont été reçues pour ce round ; {excluded} ont été écartées pour un "
                    "problème bloquant (doublons, p-codes inconnus, tailles de ménage invraisemblables) et "
                    "{flagged} autres portent un avertissement mais sont comptées. {corrected} ont été corrigées "
                    "par le journal de nettoyage. Tous les contrôles qui conditionnent ce rapport ont réussi."),
        "disclosure_title": "Confidentialité",
        "disclosure": ("Ces chiffres agrègent les estimations des informateurs clés par localité ; aucun ménage ni "
                       "aucune personne n'y est identifiable. Les noms et numéros de téléphone des informateurs "
                       "ne quittent jamais l'entrepôt des données brutes."),
        "pcodes": "P-codes : jeu de données opérationnel commun d'OCHA (COD-AB), limites valables depuis le 15/06/2015.",
    },
}


def number(value: float, language: str, decimals: int = 0) -> str:
    """12 345 in both languages (narrow no-break space); 12.5 / 12,5 for decimals."""
    text = f"{value:,.{decimals}f}".replace(",", "\u202f")
    return text.replace(".", ",") if language == "fr" else text

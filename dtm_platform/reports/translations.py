"""The words of the information products, in English and French. Labels of Kobo choices
come from the form's own translations (the marts' *_label_en / *_label_fr columns)."""

from __future__ import annotations

LANGUAGES = ("en", "fr")

TEXT = {
    "en": {
        "title": "Central African Republic: Displacement Tracking Matrix",
        "subtitle": "Mobility tracking, locality and site assessments, round {round}",
        "collection_period": "collected {start} to {end}",
        "idp_split": "{in_sites} on sites, {in_families} with host families",
        "generated": "generated {when}",
        "key_figures": "Key figures",
        "idp_individuals": "IDP individuals (sites and host families)",
        "idp_households": "IDP households",
        "returnee_individuals": "Returnee individuals",
        "localities_assessed": "Localities assessed",
        "since_round": "since round {round}",
        "chart_idps": "IDP individuals by prefecture",
        "map_title": "IDPs by sub-prefecture",
        "map_note": "Circle area proportional to IDP individuals (on sites and with host families), placed at the centre of the sub-prefecture's assessed localities; prefectures shaded by their IDP individuals.",
        "map_size_legend": "IDP individuals by sub-prefecture",
        "map_shading_legend": "IDP individuals by prefecture",
        "table_title": "IDPs and returnees by prefecture",
        "prefecture": "Prefecture",
        "localities": "Localities",
        "returnee_households": "Returnee households",
        "change": "Change in IDPs",
        "total": "Total",
        "reasons_title": "Main reasons for displacement (IDPs with host families)",
        "reason": "Reason",
        "needs_title": "Priority needs",
        "need": "Need",
        "share_localities": "Share of localities",
        "methodology_title": "Methodology",
        "methodology": ("Figures come from key informant interviews in each assessed locality and on each "
                        "assessed IDP site, collected with KoboToolbox, corrected through the data officers' "
                        "cleaning log and checked by automated data-quality rules before publication. IDPs are "
                        "those living on sites (site assessment) and those living with host families (locality "
                        "assessment). Returnees include former IDPs who returned and people returned from abroad."),
        "quality_title": "Data quality",
        # counts after a colon: reads right for 0, 1 or many in both languages
        "quality": ("Submissions received for this round: {submissions}; left out because of a blocking issue "
                    "(duplicates, unknown p-codes, implausible household sizes): {excluded}; counted with a "
                    "warning: {flagged}; corrected through the cleaning log: {corrected}. Every check that "
                    "gates this report passed."),
        "disclosure_title": "Disclosure",
        "disclosure": ("These figures aggregate key informant estimates per locality; no household or individual "
                       "is identifiable from them. Names and phone numbers of key informants never leave the "
                       "raw data store."),
        "pcodes": "P-codes: OCHA common operational dataset (COD-AB), boundaries valid from 2015-06-15.",
        # flow monitoring and sites sections
        "flow_title": "Flow monitoring",
        "flow_period": "Travellers counted at {points} flow monitoring points over the last {weeks} weeks of counts, {start} to {end}.",
        "flow_none": "No flow monitoring count is available yet.",
        "travellers": "Travellers",
        "flows": "Groups",
        "incoming": "Incoming",
        "outgoing": "Outgoing",
        "flow_point": "Flow monitoring point",
        "chart_flows": "Travellers by flow monitoring point and direction",
        "flow_reasons_title": "Main reasons for travel",
        "flow_transport_title": "Main means of transport",
        "share_travellers": "Share of travellers",
        "sites_title": "IDPs on sites and with host families",
        "sites_intro": "{sites} IDP sites assessed in round {round} host {in_sites} IDPs ({share} of all IDPs); {in_families} IDPs live with host families in the assessed localities.",
        "sites_none": "No IDP site was assessed in round {round}.",
        "idps_in_sites": "IDPs on sites",
        "idps_in_host_families": "IDPs with host families",
        "all_idps": "All IDPs",
        "share_in_sites": "Share on sites",
        "sites_assessed": "Sites assessed",
        "chart_sites": "IDPs on sites and with host families by prefecture",
        "site_type": "Site type",
        "sites": "Sites",
        "managed_sites": "Managed sites",
    },
    "fr": {
        "title": "République centrafricaine : Matrice de suivi des déplacements",
        "subtitle": "Suivi des mouvements, évaluations des localités et des sites, round {round}",
        "collection_period": "collecte du {start} au {end}",
        "idp_split": "{in_sites} sur sites, {in_families} en familles d'accueil",
        "generated": "produit le {when}",
        "key_figures": "Chiffres clés",
        "idp_individuals": "Personnes déplacées internes (sites et familles d'accueil)",
        "idp_households": "Ménages déplacés internes",
        "returnee_individuals": "Personnes retournées",
        "localities_assessed": "Localités évaluées",
        "since_round": "depuis le round {round}",
        "chart_idps": "Personnes déplacées internes par préfecture",
        "map_title": "PDI par sous-préfecture",
        "map_note": "Surface des cercles proportionnelle au nombre de PDI (sur sites et en familles d'accueil), placés au centre des localités évaluées de la sous-préfecture ; préfectures colorées selon leur nombre de PDI.",
        "map_size_legend": "PDI (individus) par sous-préfecture",
        "map_shading_legend": "PDI (individus) par préfecture",
        "table_title": "PDI et retournés par préfecture",
        "prefecture": "Préfecture",
        "localities": "Localités",
        "returnee_households": "Ménages retournés",
        "change": "Évolution des PDI",
        "total": "Total",
        "reasons_title": "Principales raisons du déplacement (PDI en familles d'accueil)",
        "reason": "Raison",
        "needs_title": "Besoins prioritaires",
        "need": "Besoin",
        "share_localities": "Part des localités",
        "methodology_title": "Méthodologie",
        "methodology": ("Les chiffres proviennent d'entretiens avec des informateurs clés dans chaque localité "
                        "évaluée et sur chaque site de PDI évalué, collectés avec KoboToolbox, corrigés par le "
                        "journal de nettoyage des chargés de données et contrôlés par des règles automatiques de "
                        "qualité avant publication. Les PDI sont celles qui vivent sur des sites (évaluation des "
                        "sites) et celles qui vivent en familles d'accueil (évaluation des localités). Les "
                        "retournés comprennent les anciens PDI revenus et les personnes revenues de l'étranger."),
        "quality_title": "Qualité des données",
        "quality": ("Soumissions reçues pour ce round : {submissions} ; écartées pour un problème bloquant "
                    "(doublons, p-codes inconnus, tailles de ménage invraisemblables) : {excluded} ; comptées "
                    "avec un avertissement : {flagged} ; corrigées par le journal de nettoyage : {corrected}. "
                    "Tous les contrôles qui conditionnent ce rapport ont réussi."),
        "disclosure_title": "Confidentialité",
        "disclosure": ("Ces chiffres agrègent les estimations des informateurs clés par localité ; aucun ménage ni "
                       "aucune personne n'y est identifiable. Les noms et numéros de téléphone des informateurs "
                       "ne quittent jamais l'entrepôt des données brutes."),
        "pcodes": "P-codes : jeu de données opérationnel commun d'OCHA (COD-AB), limites valables depuis le 15/06/2015.",
        # sections suivi des flux et sites
        "flow_title": "Suivi des flux",
        "flow_period": "Voyageurs comptés à {points} points de suivi des flux pendant les {weeks} dernières semaines de comptage, du {start} au {end}.",
        "flow_none": "Aucun comptage de suivi des flux n'est encore disponible.",
        "travellers": "Voyageurs",
        "flows": "Groupes",
        "incoming": "Entrants",
        "outgoing": "Sortants",
        "flow_point": "Point de suivi des flux",
        "chart_flows": "Voyageurs par point de suivi des flux et direction",
        "flow_reasons_title": "Principales raisons du voyage",
        "flow_transport_title": "Principaux moyens de transport",
        "share_travellers": "Part des voyageurs",
        "sites_title": "PDI sur sites et en familles d'accueil",
        "sites_intro": "Les {sites} sites de PDI évalués au round {round} accueillent {in_sites} PDI ({share} de l'ensemble des PDI) ; {in_families} PDI vivent en familles d'accueil dans les localités évaluées.",
        "sites_none": "Aucun site de PDI n'a été évalué au round {round}.",
        "idps_in_sites": "PDI sur sites",
        "idps_in_host_families": "PDI en familles d'accueil",
        "all_idps": "Ensemble des PDI",
        "share_in_sites": "Part sur sites",
        "sites_assessed": "Sites évalués",
        "chart_sites": "PDI sur sites et en familles d'accueil par préfecture",
        "site_type": "Type de site",
        "sites": "Sites",
        "managed_sites": "Sites gérés",
    },
}


# The M&E indicator performance tracker (reports/indicator_tracker.py): XLSX and HTML.
TRACKER_TEXT = {
    "en": {
        "title": "Community stabilization programme, Central African Republic",
        "subtitle": "Indicator performance tracking, reporting period {period} ({start} to {end})",
        "generated": "generated {when}",
        "in_progress": "The period is not over yet: its figures are progress to date.",
        "key_figures": "Key figures",
        "indicators": "Indicators tracked",
        "with_target": "With a target this period",
        "on_track": "On track (90% or more)",
        "share_on_track": "Share on track",
        "levels": {"impact": "Impact", "outcome": "Outcome", "output": "Output"},
        "chart_achieved": "% achieved from the baseline to date, by indicator (a running count against its pro-rated target)",
        "chart_lop": "% of the life-of-project target achieved to date, by indicator",
        "code": "Code",
        "parent": "Contributes to",
        "indicator": "Indicator",
        "unit": "Unit",
        "units": {"people": "people", "sessions": "sessions", "score": "score (1-5)", "percent": "%"},
        "period": "Period",
        "disaggregation": "Disaggregation",
        "disaggregations": {"total": "Total", "sex": "Sex", "age_group": "Age group",
                            "displacement_status": "Displacement status", "disability": "Disability"},
        "category": "Category",
        "baseline": "Baseline",
        "target": "Target (period)",
        "actual": "Actual (period)",
        "percent_achieved": "% achieved from baseline (period)",
        "percent_of_target": "Actual / target (period)",
        "prorated_note": "Period running: judged against the target pro-rated to {share} of the period",
        "status": "Status",
        "statuses": {"on_track": "On track", "behind": "Behind", "off_track": "Off track",
                     "no_target": "No target", "not_measured": "Not measured", "suppressed": "Withheld"},
        "cumulative": "Cumulative",
        "life_of_project_target": "Life-of-project target",
        "percent_of_lop": "% of life-of-project target",
        "respondents": "People / respondents",
        "data_source": "Data source",
        "note": "Note",
        "suppressed_note": "Withheld: fewer than {min} respondents",
        "notes_sheet": "Notes",
        "project": "Project",
        "reporting_period": "Reporting period",
        "periods_covered": "Periods covered",
        "generated_at": "Generated at",
        "source": "Data source",
        "source_text": ("marts.me_indicator_tracking of the DTM CAR data platform: KoboToolbox forms me_activity "
                        "(attendance lists and sessions), me_pdm (post-distribution monitoring) and me_perception "
                        "(perception survey); results framework, baselines and targets from the M&E unit's seeds "
                        "ref_results_framework and ref_indicator_targets. Only data that passed every "
                        "data-quality gate is used; submissions with a blocking issue are not counted."),
        "thresholds_title": "Status thresholds",
        "thresholds": ("% achieved is measured from the baseline: (actual - baseline) / (target - baseline), so "
                       "an indicator still at its baseline has achieved 0%; the plain ratio actual / target is "
                       "shown beside it. While a period runs, a count (people, sessions) is judged against its "
                       "target pro-rated to the share of the period elapsed; a score or share against the whole "
                       "target. Green: 90% or more (on track); amber: 60% to under 90% (behind); red: under 60% "
                       "(off track); no colour where the period has no target or the indicator was not measured."),
        "method_title": "How figures are computed",
        "method": ("People are counted once per period, and once over the life of the project in the cumulative "
                   "column; sessions add up; scores and shares are levels, whose cumulative is the latest "
                   "measurement. Targets are set on totals only; disaggregated rows show actuals."),
        "disclosure_title": "Disclosure",
        "disclosure": ("Figures aggregate attendance lists and interviews; no person is identifiable from them. "
                       "People are recognised through keyed pseudonyms of their ID or phone; names and phone "
                       "numbers never leave the raw data store. Scores and shares computed from fewer than {min} "
                       "respondents are withheld."),
        "status_legend": "Legend",
        "sheets": "Sheets",
        "iati_description": ("Results of the community stabilization programme in the Central African Republic, "
                             "per indicator of its results framework and reporting period, from the M&E data "
                             "the DTM CAR data platform checked."),
        "indicators_sheet_note": "One sheet per results-framework level; one row per indicator, period and disaggregation.",
    },
    "fr": {
        "title": "Programme de stabilisation communautaire, République centrafricaine",
        "subtitle": "Suivi de la performance des indicateurs, période {period} (du {start} au {end})",
        "generated": "produit le {when}",
        "in_progress": "La période n'est pas terminée : ses chiffres sont les progrès à ce jour.",
        "key_figures": "Chiffres clés",
        "indicators": "Indicateurs suivis",
        "with_target": "Avec une cible pour la période",
        "on_track": "En bonne voie (90 % ou plus)",
        "share_on_track": "Part en bonne voie",
        "levels": {"impact": "Impact", "outcome": "Effets", "output": "Produits"},
        "chart_achieved": "% atteint depuis la référence à ce jour, par indicateur (un décompte en cours sur sa cible au prorata)",
        "chart_lop": "% de la cible du projet atteint à ce jour, par indicateur",
        "code": "Code",
        "parent": "Contribue à",
        "indicator": "Indicateur",
        "unit": "Unité",
        "units": {"people": "personnes", "sessions": "séances", "score": "score (1-5)", "percent": "%"},
        "period": "Période",
        "disaggregation": "Désagrégation",
        "disaggregations": {"total": "Total", "sex": "Sexe", "age_group": "Tranche d'âge",
                            "displacement_status": "Statut de déplacement", "disability": "Handicap"},
        "category": "Catégorie",
        "baseline": "Valeur de référence",
        "target": "Cible (période)",
        "actual": "Réalisé (période)",
        "percent_achieved": "% atteint depuis la référence (période)",
        "percent_of_target": "Réalisé / cible (période)",
        "prorated_note": "Période en cours : jugé sur la cible au prorata de {share} de la période",
        "status": "Statut",
        "statuses": {"on_track": "En bonne voie", "behind": "En retard", "off_track": "Hors trajectoire",
                     "no_target": "Sans cible", "not_measured": "Non mesuré", "suppressed": "Masqué"},
        "cumulative": "Cumul",
        "life_of_project_target": "Cible du projet",
        "percent_of_lop": "% de la cible du projet",
        "respondents": "Personnes / répondants",
        "data_source": "Source des données",
        "note": "Note",
        "suppressed_note": "Masqué : moins de {min} répondants",
        "notes_sheet": "Notes",
        "project": "Projet",
        "reporting_period": "Période de rapport",
        "periods_covered": "Périodes couvertes",
        "generated_at": "Produit le",
        "source": "Source des données",
        "source_text": ("marts.me_indicator_tracking de la plateforme de données DTM RCA : formulaires KoboToolbox "
                        "me_activity (listes de présence et séances), me_pdm (suivi post-distribution) et "
                        "me_perception (enquête de perception) ; cadre de résultats, valeurs de référence et cibles "
                        "des tables ref_results_framework et ref_indicator_targets de l'unité S&E. Seules les "
                        "données qui ont passé tous les contrôles de qualité sont utilisées ; les soumissions avec "
                        "un problème bloquant ne sont pas comptées."),
        "thresholds_title": "Seuils de statut",
        "thresholds": ("Le % atteint se mesure depuis la valeur de référence : (réalisé - référence) / (cible - "
                       "référence) ; un indicateur resté à sa valeur de référence a atteint 0 %. Le rapport simple "
                       "réalisé / cible est donné à côté. Tant qu'une période est en cours, un décompte "
                       "(personnes, séances) est jugé sur sa cible au prorata de la part écoulée de la période ; un "
                       "score ou une part sur la cible entière. Vert : 90 % ou plus (en bonne voie) ; orange : de "
                       "60 % à moins de 90 % (en retard) ; rouge : moins de 60 % (hors trajectoire) ; sans couleur "
                       "quand la période n'a pas de cible ou que l'indicateur n'a pas été mesuré."),
        "method_title": "Calcul des chiffres",
        "method": ("Les personnes sont comptées une fois par période, et une fois sur la durée du projet dans la "
                   "colonne cumul ; les séances s'additionnent ; les scores et les parts sont des niveaux, dont "
                   "le cumul est la dernière mesure. Les cibles portent sur les totaux ; les lignes désagrégées "
                   "donnent les réalisations."),
        "disclosure_title": "Confidentialité",
        "disclosure": ("Les chiffres agrègent des listes de présence et des entretiens ; aucune personne n'y est "
                       "identifiable. Les personnes sont reconnues par des pseudonymes à clé de leur pièce "
                       "d'identité ou de leur téléphone ; les noms et numéros de téléphone ne quittent jamais "
                       "l'entrepôt des données brutes. Les scores et parts calculés sur moins de {min} répondants "
                       "sont masqués."),
        "status_legend": "Légende",
        "sheets": "Feuilles",
        "iati_description": ("Résultats du programme de stabilisation communautaire en République centrafricaine, "
                             "par indicateur de son cadre de résultats et période de rapport, à partir des données "
                             "de S&E contrôlées par la plateforme de données DTM RCA."),
        "indicators_sheet_note": "Une feuille par niveau du cadre de résultats ; une ligne par indicateur, période et désagrégation.",
    },
}


def number(value: float, language: str, decimals: int = 0) -> str:
    """12 345 in both languages (narrow no-break space); 12.5 / 12,5 for decimals."""
    text = f"{value:,.{decimals}f}".replace(",", "\u202f")
    return text.replace(".", ",") if language == "fr" else text


def percent(value: float, language: str, decimals: int = 0) -> str:
    """``value`` already in percent: 23% in English, 23 % (narrow no-break space) in French."""
    return number(value, language, decimals) + ("\u202f%" if language == "fr" else "%")


def day(value, language: str) -> str:
    """A date (or the date of a datetime): 30/10/2026 in French, 30 Oct 2026 in English."""
    return value.strftime("%d/%m/%Y") if language == "fr" else f"{value.day} {value:%b %Y}"


def period_label(code: str, language: str) -> str:
    """A reporting period's code as readers write it: 2026-Q4 is Q4 2026 in English and T4 2026
    (trimestre) in French; a code of another shape is shown as it is."""
    year, _, part = code.partition("-Q")
    if year.isdigit() and part.isdigit():
        return f"{'T' if language == 'fr' else 'Q'}{part} {year}"
    return code


def moment(value, language: str) -> str:
    """A UTC timestamp as the products print when they were generated."""
    return f"{day(value, language)} {value:%H:%M} UTC"

"""The words of the information products, in English and French. Labels of Kobo choices
come from the form's own translations (the marts' *_label_en / *_label_fr columns)."""

from __future__ import annotations

from datetime import date

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
        "map_note": (
            "Circle area proportional to IDP individuals (on sites and with host families), placed at the centre of "
            "the sub-prefecture's assessed localities; prefectures shaded by their IDP individuals."
        ),
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
        "methodology": (
            "Figures come from key informant interviews in each assessed locality and on each "
            "assessed IDP site, collected with KoboToolbox, corrected through the data officers' "
            "cleaning log and checked by automated data-quality rules before publication. IDPs are "
            "those living on sites (site assessment) and those living with host families (locality "
            "assessment). Returnees include former IDPs who returned and people returned from abroad."
        ),
        "quality_title": "Data quality",
        # counts after a colon: reads right for 0, 1 or many in both languages
        "quality": (
            "Submissions received for this round: {submissions}; left out because of a blocking issue "
            "(duplicates, unknown p-codes, implausible household sizes): {excluded}; counted with a "
            "warning: {flagged}; corrected through the cleaning log: {corrected}. Every check that "
            "gates this report passed."
        ),
        "disclosure_title": "Disclosure",
        "disclosure": (
            "These figures aggregate key informant estimates per locality; no household or individual "
            "is identifiable from them. Names and phone numbers of key informants never leave the "
            "raw data store."
        ),
        "pcodes": "P-codes: OCHA common operational dataset (COD-AB), boundaries valid from 2015-06-15.",
        # flow monitoring and sites sections
        "flow_title": "Flow monitoring",
        "flow_period": (
            "Travellers counted at {points} flow monitoring points over the last {weeks} weeks of counts, {start} to "
            "{end}."
        ),
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
        "sites_intro": (
            "{sites} IDP sites assessed in round {round} host {in_sites} IDPs ({share} of all IDPs); {in_families} "
            "IDPs live with host families in the assessed localities."
        ),
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
        "map_note": (
            "Surface des cercles proportionnelle au nombre de PDI (sur sites et en familles d'accueil), placés au "
            "centre des localités évaluées de la sous-préfecture ; préfectures colorées selon leur nombre de PDI."
        ),
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
        "methodology": (
            "Les chiffres proviennent d'entretiens avec des informateurs clés dans chaque localité "
            "évaluée et sur chaque site de PDI évalué, collectés avec KoboToolbox, corrigés par le "
            "journal de nettoyage des chargés de données et contrôlés par des règles automatiques de "
            "qualité avant publication. Les PDI sont celles qui vivent sur des sites (évaluation des "
            "sites) et celles qui vivent en familles d'accueil (évaluation des localités). Les "
            "retournés comprennent les anciens PDI revenus et les personnes revenues de l'étranger."
        ),
        "quality_title": "Qualité des données",
        "quality": (
            "Soumissions reçues pour ce round : {submissions} ; écartées pour un problème bloquant "
            "(doublons, p-codes inconnus, tailles de ménage invraisemblables) : {excluded} ; comptées "
            "avec un avertissement : {flagged} ; corrigées par le journal de nettoyage : {corrected}. "
            "Tous les contrôles qui conditionnent ce rapport ont réussi."
        ),
        "disclosure_title": "Confidentialité",
        "disclosure": (
            "Ces chiffres agrègent les estimations des informateurs clés par localité ; aucun ménage ni "
            "aucune personne n'y est identifiable. Les noms et numéros de téléphone des informateurs "
            "ne quittent jamais l'entrepôt des données brutes."
        ),
        "pcodes": (
            "P-codes : jeu de données opérationnel commun d'OCHA (COD-AB), limites valables depuis le 15/06/2015."
        ),
        # sections suivi des flux et sites
        "flow_title": "Suivi des flux",
        "flow_period": (
            "Voyageurs comptés à {points} points de suivi des flux pendant les {weeks} dernières semaines de "
            "comptage, du {start} au {end}."
        ),
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
        "sites_intro": (
            "Les {sites} sites de PDI évalués au round {round} accueillent {in_sites} PDI ({share} de l'ensemble des "
            "PDI) ; {in_families} PDI vivent en familles d'accueil dans les localités évaluées."
        ),
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
        "chart_achieved": (
            "% achieved from the baseline to date, by indicator (a running count against its pro-rated target)"
        ),
        "chart_lop": "% of the life-of-project target achieved to date, by indicator",
        "code": "Code",
        "parent": "Contributes to",
        "indicator": "Indicator",
        "unit": "Unit",
        "units": {"people": "people", "sessions": "sessions", "score": "score (1-5)", "percent": "%"},
        "period": "Period",
        "disaggregation": "Disaggregation",
        "disaggregations": {
            "total": "Total",
            "sex": "Sex",
            "age_group": "Age group",
            "displacement_status": "Displacement status",
            "disability": "Disability",
        },
        "category": "Category",
        "baseline": "Baseline",
        "target": "Target (period)",
        "actual": "Actual (period)",
        "percent_achieved": "% achieved from baseline (period)",
        "percent_of_target": "Actual / target (period)",
        "prorated_note": "Period running: judged against the target pro-rated to {share} of the period",
        "status": "Status",
        "statuses": {
            "on_track": "On track",
            "behind": "Behind",
            "off_track": "Off track",
            "no_target": "No target",
            "not_measured": "Not measured",
            "suppressed": "Withheld",
        },
        "cumulative": "Cumulative",
        "life_of_project_target": "Life-of-project target",
        "percent_of_lop": "% of life-of-project target",
        "respondents": "People / respondents",
        "data_source": "Data source",
        "note": "Note",
        "suppressed_note": "Withheld: fewer than {min} respondents",
        "complementary_note": "Withheld: with the total, it would give away a category of fewer than {min} respondents",
        "carried_note": "Cumulative withheld: the latest measurement it repeats was withheld",
        "notes_sheet": "Notes",
        "project": "Project",
        "reporting_period": "Reporting period",
        "periods_covered": "Periods covered",
        "generated_at": "Generated at",
        "source": "Data source",
        "source_text": (
            "marts.me_indicator_tracking of the DTM CAR data platform: KoboToolbox forms me_activity "
            "(attendance lists and sessions), me_pdm (post-distribution monitoring) and me_perception "
            "(perception survey); results framework, baselines and targets from the M&E unit's seeds "
            "ref_results_framework, ref_indicator_targets and ref_indicator_milestones. Only data that "
            "passed every data-quality gate is used; submissions with a blocking issue are not counted."
        ),
        "thresholds_title": "Status thresholds",
        "thresholds": (
            "% achieved is measured from the baseline: (actual - baseline) / (target - baseline), so "
            "an indicator still at its baseline has achieved 0%; the plain ratio actual / target is "
            "shown beside it. While a period runs, a count (people, sessions) is judged against its "
            "target pro-rated to the share of the period elapsed; a score or share against the whole "
            "target. Green: 90% or more (on track); amber: 60% to under 90% (behind); red: under 60% "
            "(off track); no colour where the period has no target or the indicator was not measured."
        ),
        "method_title": "How figures are computed",
        "method": (
            "People are counted once per period, and once over the life of the project in the cumulative "
            "column; sessions add up; scores and shares are levels, whose cumulative is the latest "
            "measurement. Targets are set on totals only; disaggregated rows show actuals."
        ),
        "disability_title": "Disability",
        "disability_method": (
            "A person has a disability by the Washington Group short set's recommended cut-off: "
            'at least one of its six domains answered "a lot of difficulty" or "cannot do '
            'at all" (other cut-offs exist; this one is used throughout). Someone who gave no '
            "Washington Group answers is counted by their own answer to the activity form's "
            "disability question; survey respondents not asked the set (before version 3 of the "
            "PDM and perception forms) are in the totals only."
        ),
        "disclosure_title": "Disclosure",
        "disclosure": (
            "Figures aggregate attendance lists and interviews; no person is identifiable from them. "
            "People are recognised through keyed pseudonyms of their ID or phone; names and phone "
            "numbers never leave the raw data store. Scores and shares computed from fewer than {min} "
            "respondents are withheld."
        ),
        "status_legend": "Legend",
        "sheets": "Sheets",
        "iati_description": (
            "Results of the community stabilization programme in the Central African Republic, "
            "per indicator of its results framework and reporting period, from the M&E data "
            "the DTM CAR data platform checked."
        ),
        "indicators_sheet_note": (
            "One sheet per results-framework level (one row per indicator, period and "
            "disaggregation); then every target beside its actual (periods, midline, endline, "
            "life of project) and every indicator's actuals and targets period by period."
        ),
        "targets_sheet": "Targets vs actuals",
        "by_period_sheet": "By period",
        "targets_title": "Targets versus actuals",
        "targets_note": (
            "A period's target is set against the period's actual; the midline's, the endline's and "
            "the project's against the value reached to date (people counted once since the start, "
            "sessions added up, the latest score or share). A milestone not yet due shows the "
            "progress so far, without a status."
        ),
        "by_period_title": "Actuals and targets by period",
        "target_kind": "Period or milestone",
        "target_kinds": {"midline": "Midline", "endline": "Endline", "life_of_project": "Life of project"},
        "due_date": "Due",
        "target_value": "Target",
        "value_to_date": "Actual",
        "measured_through": "Measured through",
        "percent_achieved_any": "% achieved from baseline",
        "ratio_any": "Actual / target",
        "period_target": "{period}: target",
        "period_actual": "{period}: actual",
        "not_due": "Not yet due",
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
        "chart_achieved": (
            "% atteint depuis la référence à ce jour, par indicateur (un décompte en cours sur sa cible au prorata)"
        ),
        "chart_lop": "% de la cible du projet atteint à ce jour, par indicateur",
        "code": "Code",
        "parent": "Contribue à",
        "indicator": "Indicateur",
        "unit": "Unité",
        "units": {"people": "personnes", "sessions": "séances", "score": "score (1-5)", "percent": "%"},
        "period": "Période",
        "disaggregation": "Désagrégation",
        "disaggregations": {
            "total": "Total",
            "sex": "Sexe",
            "age_group": "Tranche d'âge",
            "displacement_status": "Statut de déplacement",
            "disability": "Handicap",
        },
        "category": "Catégorie",
        "baseline": "Valeur de référence",
        "target": "Cible (période)",
        "actual": "Réalisé (période)",
        "percent_achieved": "% atteint depuis la référence (période)",
        "percent_of_target": "Réalisé / cible (période)",
        "prorated_note": "Période en cours : jugé sur la cible au prorata de {share} de la période",
        "status": "Statut",
        "statuses": {
            "on_track": "En bonne voie",
            "behind": "En retard",
            "off_track": "Hors trajectoire",
            "no_target": "Sans cible",
            "not_measured": "Non mesuré",
            "suppressed": "Masqué",
        },
        "cumulative": "Cumul",
        "life_of_project_target": "Cible du projet",
        "percent_of_lop": "% de la cible du projet",
        "respondents": "Personnes / répondants",
        "data_source": "Source des données",
        "note": "Note",
        "suppressed_note": "Masqué : moins de {min} répondants",
        "complementary_note": "Masqué : avec le total, il révélerait une catégorie de moins de {min} répondants",
        "carried_note": "Cumul masqué : la dernière mesure qu'il reprend est masquée",
        "notes_sheet": "Notes",
        "project": "Projet",
        "reporting_period": "Période de rapport",
        "periods_covered": "Périodes couvertes",
        "generated_at": "Produit le",
        "source": "Source des données",
        "source_text": (
            "marts.me_indicator_tracking de la plateforme de données DTM RCA : formulaires KoboToolbox "
            "me_activity (listes de présence et séances), me_pdm (suivi post-distribution) et "
            "me_perception (enquête de perception) ; cadre de résultats, valeurs de référence et cibles "
            "des tables ref_results_framework, ref_indicator_targets et ref_indicator_milestones de "
            "l'unité S&E. Seules les "
            "données qui ont passé tous les contrôles de qualité sont utilisées ; les soumissions avec "
            "un problème bloquant ne sont pas comptées."
        ),
        "thresholds_title": "Seuils de statut",
        "thresholds": (
            "Le % atteint se mesure depuis la valeur de référence : (réalisé - référence) / (cible - "
            "référence) ; un indicateur resté à sa valeur de référence a atteint 0 %. Le rapport simple "
            "réalisé / cible est donné à côté. Tant qu'une période est en cours, un décompte "
            "(personnes, séances) est jugé sur sa cible au prorata de la part écoulée de la période ; un "
            "score ou une part sur la cible entière. Vert : 90 % ou plus (en bonne voie) ; orange : de "
            "60 % à moins de 90 % (en retard) ; rouge : moins de 60 % (hors trajectoire) ; sans couleur "
            "quand la période n'a pas de cible ou que l'indicateur n'a pas été mesuré."
        ),
        "method_title": "Calcul des chiffres",
        "method": (
            "Les personnes sont comptées une fois par période, et une fois sur la durée du projet dans la "
            "colonne cumul ; les séances s'additionnent ; les scores et les parts sont des niveaux, dont "
            "le cumul est la dernière mesure. Les cibles portent sur les totaux ; les lignes désagrégées "
            "donnent les réalisations."
        ),
        "disability_title": "Handicap",
        "disability_method": (
            "Une personne est en situation de handicap selon le seuil recommandé des questions "
            "courtes du Washington Group : au moins un des six domaines répondu « beaucoup de "
            "difficultés » ou « ne peut pas du tout » (d'autres seuils existent ; celui-ci est "
            "appliqué partout). Une personne sans réponse au Washington Group est comptée selon sa "
            "propre réponse à la question sur le handicap du formulaire d'activité ; les "
            "répondants des enquêtes à qui les questions n'ont pas été posées (avant la version 3 "
            "des formulaires PDM et de perception) ne figurent que dans les totaux."
        ),
        "disclosure_title": "Confidentialité",
        "disclosure": (
            "Les chiffres agrègent des listes de présence et des entretiens ; aucune personne n'y est "
            "identifiable. Les personnes sont reconnues par des pseudonymes à clé de leur pièce "
            "d'identité ou de leur téléphone ; les noms et numéros de téléphone ne quittent jamais "
            "l'entrepôt des données brutes. Les scores et parts calculés sur moins de {min} répondants "
            "sont masqués."
        ),
        "status_legend": "Légende",
        "sheets": "Feuilles",
        "iati_description": (
            "Résultats du programme de stabilisation communautaire en République centrafricaine, "
            "par indicateur de son cadre de résultats et période de rapport, à partir des données "
            "de S&E contrôlées par la plateforme de données DTM RCA."
        ),
        "indicators_sheet_note": (
            "Une feuille par niveau du cadre de résultats (une ligne par indicateur, période "
            "et désagrégation) ; puis chaque cible face à sa réalisation (périodes, "
            "mi-parcours, évaluation finale, durée du projet) et les réalisations et cibles de "
            "chaque indicateur période par période."
        ),
        "targets_sheet": "Cibles et réalisations",
        "by_period_sheet": "Par période",
        "targets_title": "Cibles et réalisations",
        "targets_note": (
            "La cible d'une période est comparée à la réalisation de la période ; celles de "
            "mi-parcours, d'évaluation finale et du projet à la valeur atteinte à ce jour (personnes "
            "comptées une fois depuis le début, séances additionnées, dernier score ou dernière part). "
            "Une échéance à venir montre les progrès à ce jour, sans statut."
        ),
        "by_period_title": "Réalisations et cibles par période",
        "target_kind": "Période ou jalon",
        "target_kinds": {
            "midline": "Mi-parcours",
            "endline": "Évaluation finale",
            "life_of_project": "Durée du projet",
        },
        "due_date": "Échéance",
        "target_value": "Cible",
        "value_to_date": "Réalisé",
        "measured_through": "Mesuré jusqu'à",
        "percent_achieved_any": "% atteint depuis la référence",
        "ratio_any": "Réalisé / cible",
        "period_target": "{period} : cible",
        "period_actual": "{period} : réalisé",
        "not_due": "Échéance à venir",
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


MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def period_label(code: str, language: str) -> str:
    """A reporting period's code as readers write it: 2026-Q4 is Q4 2026 in English and T4 2026
    (trimestre) in French; a month, 2026-06, is Jun 2026 and juin 2026; a code of another shape
    is shown as it is."""
    year, _, part = code.partition("-Q")
    if year.isdigit() and part.isdigit():
        return f"{'T' if language == 'fr' else 'Q'}{part} {year}"
    year, _, month = code.partition("-")
    if len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit() and 1 <= int(month) <= 12:
        return f"{MONTHS_FR[int(month) - 1]} {year}" if language == "fr" else f"{date(int(year), int(month), 1):%b %Y}"
    return code


def moment(value, language: str) -> str:
    """A UTC timestamp as the products print when they were generated."""
    return f"{day(value, language)} {value:%H:%M} UTC"


# The indicator tracker's programme-oversight sections (reports/oversight.py): per section
# key, {key}_title, {key}_sheet (31 characters at most) and {key}_note; column headers; the
# values of status columns.
OVERSIGHT_TEXT = {
    "en": {
        "empty": "Nothing to show.",
        "timeline_title": "Workplan: planned and actual dates",
        "timeline_sheet": "Workplan timeline",
        "timeline_note": (
            "One row per activity and sub-prefecture of the workplan, late lines first. The actual end "
            "is the day the planned sessions were all delivered; slippage is the actual end minus the "
            "planned end in days (for a line not done past its end, the days since)."
        ),
        "activity_code": "Code",
        "activity": "Activity",
        "admin2": "Sub-prefecture",
        "indicators_served": "Indicators served",
        "planned_start": "Planned start",
        "planned_end": "Planned end",
        "actual_start": "Actual start",
        "actual_end": "Actual end",
        "sessions_delivered": "Sessions delivered",
        "sessions_planned": "Sessions planned",
        "end_slippage": "Slippage (days)",
        "status": "Status",
        "budget_title": "Budget against delivery",
        "budget_sheet": "Budget vs delivery",
        "budget_note": (
            "Per budget line and period: what was spent (the finance system's exports, imported) against "
            "the budget, beside the % of its output's target achieved (counted as 100% beyond the "
            "target). A line is flagged when its burn rate runs ahead of delivery, or behind it, by more "
            "than {gap_threshold_points} percentage points. Lines to explain first."
        ),
        "budget_line": "Budget line",
        "budget_line_name": "Line",
        "period": "Period",
        "output": "Output",
        "currency": "Currency",
        "budget": "Budget",
        "spent": "Spent",
        "burn_rate": "Burn rate",
        "output_achieved": "Output achieved",
        "gap_points": "Gap (points)",
        "spending_flag": "Spending",
        "feedback_title": "Complaints and feedback: cases and deadlines",
        "feedback_sheet": "Complaints and feedback",
        "feedback_note": (
            "Cases received per month, type and channel: closed, still open, closed after their "
            "deadline (days per type and category, kept by the M&E officer) and overdue (open past "
            "the deadline on the day of the build); overdue first. Sensitive cases are counted here, "
            "never listed. Counts under the minimum cell size are withheld (blank), as in the "
            "published tables."
        ),
        "feedback_categories_title": "Complaints and feedback by category",
        "feedback_categories_sheet": "Feedback by category",
        "feedback_categories_note": (
            "Cases received per reporting period and category, with the period's total. "
            "Protection, sexual exploitation and abuse, fraud or corruption are sensitive: "
            "shown only as counts of at least the minimum cell size; a blank is withheld, "
            "and so is one more where the total would give it back."
        ),
        "month_received": "Month received",
        "case_type": "Type",
        "channel": "Channel",
        "category": "Category",
        "cases_received": "Received",
        "cases_closed": "Closed",
        "cases_open": "Still open",
        "closed_late": "Closed late",
        "overdue": "Overdue",
        "median_days": "Median days to close",
        "statuses": {
            "done": "Done",
            "on_track": "On track",
            "late": "Late",
            "not_started": "Not started",
            "not_in_workplan": "Not in the workplan",
            "ahead_of_delivery": "Ahead of delivery",
            "behind_delivery": "Behind delivery",
            "in_step": "In step",
            "no_delivery_measure": "No output measure",
            "unbudgeted": "Not budgeted",
            "partner_reports_more": "Partner reports more",
            "partner_reports_less": "Partner reports less",
            "not_monitored": "Not monitored",
        },
        "partner_reporting_title": "Partners' reporting: completeness and timeliness",
        "partner_reporting_sheet": "Partners' reporting",
        "partner_reporting_note": (
            "Per partner and month: the reports expected (one for each activity and "
            "sub-prefecture the partner implements, each month of its planned period), "
            "received, on time (submitted by the month's end plus the partner's deadline), late "
            "and missing. Completeness is received / expected and timeliness on time / expected, "
            "as DHIS2's reporting rates. Partners with missing reports first."
        ),
        "partner_figures_title": "Partners' figures against activity monitoring",
        "partner_figures_sheet": "Partners vs monitoring",
        "partner_figures_note": (
            "Each partner's report against the sessions and people the platform's own activity "
            "monitoring recorded for the same activity, sub-prefecture and month. A report is "
            "flagged when a figure differs from the monitored one beyond the tolerance of the "
            "data-quality rule partner_figures_differ, or monitoring has none. Only flagged "
            "reports are listed, the largest difference first: verify them with the partner "
            "(every report is in marts.me_partner_figures_vs_monitoring)."
        ),
        "partner_code": "Partner code",
        "partner": "Partner",
        "month": "Month",
        "due_date": "Due",
        "expected_reports": "Expected",
        "received_reports": "Received",
        "on_time_reports": "On time",
        "late_reports": "Late",
        "missing_reports": "Missing",
        "completeness_rate": "Completeness",
        "timeliness_rate": "Timeliness",
        "missing_report_names": "Missing reports",
        "sessions_reported": "Sessions reported",
        "sessions_monitored": "Sessions monitored",
        "people_reported": "People reported",
        "people_monitored": "People monitored",
        "finding": "Finding",
    },
    "fr": {
        "empty": "Rien à signaler.",
        "timeline_title": "Plan de travail : dates prévues et réelles",
        "timeline_sheet": "Calendrier du plan de travail",
        "timeline_note": (
            "Une ligne par activité et sous-préfecture du plan de travail, les lignes en retard "
            "d'abord. La fin réelle est le jour où toutes les séances prévues ont été réalisées ; le "
            "décalage est la fin réelle moins la fin prévue, en jours (pour une ligne non terminée "
            "après sa fin prévue, les jours écoulés depuis)."
        ),
        "activity_code": "Code",
        "activity": "Activité",
        "admin2": "Sous-préfecture",
        "indicators_served": "Indicateurs servis",
        "planned_start": "Début prévu",
        "planned_end": "Fin prévue",
        "actual_start": "Début réel",
        "actual_end": "Fin réelle",
        "sessions_delivered": "Séances réalisées",
        "sessions_planned": "Séances prévues",
        "end_slippage": "Décalage (jours)",
        "status": "Statut",
        "budget_title": "Budget et réalisations",
        "budget_sheet": "Budget et réalisations",
        "budget_note": (
            "Par ligne budgétaire et période : les dépenses (exports du système financier, importés) "
            "rapportées au budget, à côté du pourcentage de la cible de son produit atteint (compté "
            "100 % au-delà de la cible). Une ligne est signalée quand son taux d'exécution devance les "
            "réalisations, ou reste en deçà, de plus de {gap_threshold_points} points de pourcentage. Les lignes à "
            "expliquer d'abord."
        ),
        "budget_line": "Ligne budgétaire",
        "budget_line_name": "Ligne",
        "period": "Période",
        "output": "Produit",
        "currency": "Devise",
        "budget": "Budget",
        "spent": "Dépensé",
        "burn_rate": "Taux d'exécution",
        "output_achieved": "Produit atteint",
        "gap_points": "Écart (points)",
        "spending_flag": "Dépenses",
        "feedback_title": "Plaintes et retours : cas et délais",
        "feedback_sheet": "Plaintes et retours",
        "feedback_note": (
            "Cas reçus par mois, type et canal : clôturés, encore ouverts, clôturés après leur délai "
            "(jours par type et catégorie, tenus par le chargé de S&E) et en retard (ouverts au-delà "
            "du délai le jour de la production) ; les retards d'abord. Les cas sensibles sont comptés "
            "ici, jamais listés. Les effectifs sous le seuil minimal sont masqués (vides), comme dans "
            "les tables publiées."
        ),
        "feedback_categories_title": "Plaintes et retours par catégorie",
        "feedback_categories_sheet": "Retours par catégorie",
        "feedback_categories_note": (
            "Cas reçus par période de rapport et catégorie, avec le total de la période. "
            "Protection, exploitation et abus sexuels, fraude ou corruption sont sensibles : "
            "seulement des effectifs d'au moins le seuil minimal ; une case vide est "
            "masquée, et une de plus quand le total permettrait de la retrouver."
        ),
        "month_received": "Mois de réception",
        "case_type": "Type",
        "channel": "Canal",
        "category": "Catégorie",
        "cases_received": "Reçus",
        "cases_closed": "Clôturés",
        "cases_open": "Encore ouverts",
        "closed_late": "Clôturés en retard",
        "overdue": "En retard",
        "median_days": "Jours médians jusqu'à clôture",
        "statuses": {
            "done": "Terminée",
            "on_track": "Dans les temps",
            "late": "En retard",
            "not_started": "Pas commencée",
            "not_in_workplan": "Hors plan de travail",
            "ahead_of_delivery": "En avance sur les réalisations",
            "behind_delivery": "En retard sur les réalisations",
            "in_step": "En phase",
            "no_delivery_measure": "Sans mesure de produit",
            "unbudgeted": "Non budgétisé",
            "partner_reports_more": "Le partenaire déclare plus",
            "partner_reports_less": "Le partenaire déclare moins",
            "not_monitored": "Non suivi",
        },
        "partner_reporting_title": "Rapports des partenaires : complétude et ponctualité",
        "partner_reporting_sheet": "Rapports des partenaires",
        "partner_reporting_note": (
            "Par partenaire et par mois : les rapports attendus (un pour chaque activité et "
            "sous-préfecture que le partenaire met en œuvre, chaque mois de sa période prévue), "
            "reçus, à temps (soumis au plus tard à la fin du mois plus le délai du partenaire), "
            "en retard et manquants. La complétude est reçus / attendus et la ponctualité "
            "à temps / attendus, comme les taux de rapportage de DHIS2. Les partenaires ayant "
            "des rapports manquants d'abord."
        ),
        "partner_figures_title": "Chiffres des partenaires et suivi des activités",
        "partner_figures_sheet": "Partenaires et suivi",
        "partner_figures_note": (
            "Le rapport de chaque partenaire face aux séances et aux personnes que le suivi des "
            "activités de la plateforme a enregistrées pour la même activité, la même "
            "sous-préfecture et le même mois. Un rapport est signalé quand un chiffre s'écarte "
            "du chiffre suivi au-delà de la tolérance fixée dans les règles de qualité des "
            "données, ou quand le suivi n'en a aucun. Seuls les rapports signalés sont listés, "
            "le plus grand écart d'abord : les vérifier avec le partenaire (tous les rapports "
            "sont dans marts.me_partner_figures_vs_monitoring)."
        ),
        "partner_code": "Code du partenaire",
        "partner": "Partenaire",
        "month": "Mois",
        "due_date": "Échéance",
        "expected_reports": "Attendus",
        "received_reports": "Reçus",
        "on_time_reports": "À temps",
        "late_reports": "En retard",
        "missing_reports": "Manquants",
        "completeness_rate": "Complétude",
        "timeliness_rate": "Ponctualité",
        "missing_report_names": "Rapports manquants",
        "sessions_reported": "Séances déclarées",
        "sessions_monitored": "Séances suivies",
        "people_reported": "Personnes déclarées",
        "people_monitored": "Personnes suivies",
        "finding": "Constat",
    },
}

# The field monitoring visits' sections (marts.me_monitoring_visits, me_monitoring_findings),
# added section by section so that each oversight section's texts sit together.
OVERSIGHT_TEXT["en"].update(
    {
        "visits_title": "Field monitoring visits: planned and made",
        "visits_sheet": "Monitoring visits",
        "visits_note": (
            "One row per visit of the monitoring plan, and per visit made outside it; missed and late "
            "visits first. A visit made more than {grace_days} days after its planned date is late; one not "
            "made {grace_days} days after it is missed. Days late: after the planned date (for a missed "
            "visit, the days since). Findings are those the visit recorded."
        ),
        "visit_code": "Visit",
        "partner": "Partner",
        "monitoring_team": "Team",
        "planned_date": "Planned",
        "made_date": "Made",
        "days_late": "Days late",
        "findings": "Findings",
        "findings_open": "Open",
        "findings_high_critical": "High or critical",
        "findings_title": "Field visit findings: follow-up by partner",
        "findings_sheet": "Visit findings",
        "findings_note": (
            "Per implementing partner and sub-prefecture: the findings of the field visits, their "
            "follow-up actions open, overdue (open past their due date) and closed; overdue first."
        ),
        "findings_overdue": "Overdue",
        "findings_closed": "Closed",
        "findings_critical": "Critical",
        "findings_high": "High",
        "findings_medium": "Medium",
        "findings_low": "Low",
        "oldest_overdue_days": "Oldest overdue (days)",
        "follow_up": "Follow-up",
    }
)
OVERSIGHT_TEXT["en"]["statuses"].update(
    {
        "made": "Made",
        "made_late": "Made late",
        "missed": "Missed",
        "upcoming": "Upcoming",
        "unplanned": "Unplanned",
        "overdue": "Overdue",
        "open": "Open",
        "closed": "All closed",
        "no_findings": "No findings",
    }
)
OVERSIGHT_TEXT["fr"].update(
    {
        "visits_title": "Visites de suivi terrain : prévues et réalisées",
        "visits_sheet": "Visites de suivi",
        "visits_note": (
            "Une ligne par visite du plan de suivi, et par visite réalisée hors plan ; les visites manquées "
            "et en retard d'abord. Une visite réalisée plus de {grace_days} jours après la date prévue est en "
            "retard ; non réalisée {grace_days} jours après, elle est manquée. Jours de retard : après la date "
            "prévue (pour une visite manquée, les jours écoulés depuis). Les constats sont ceux de la visite."
        ),
        "visit_code": "Visite",
        "partner": "Partenaire",
        "monitoring_team": "Équipe",
        "planned_date": "Prévue",
        "made_date": "Réalisée",
        "days_late": "Jours de retard",
        "findings": "Constats",
        "findings_open": "En cours",
        "findings_high_critical": "Élevés ou critiques",
        "findings_title": "Constats des visites : suivi par partenaire",
        "findings_sheet": "Constats des visites",
        "findings_note": (
            "Par partenaire de mise en œuvre et sous-préfecture : les constats des visites de terrain, "
            "leurs actions de suivi en cours, en souffrance (en cours après la date prévue) et clôturées ; "
            "les retards d'abord."
        ),
        "findings_overdue": "En souffrance",
        "findings_closed": "Clôturés",
        "findings_critical": "Critiques",
        "findings_high": "Élevés",
        "findings_medium": "Moyens",
        "findings_low": "Faibles",
        "oldest_overdue_days": "Plus ancien retard (jours)",
        "follow_up": "Suivi",
    }
)
OVERSIGHT_TEXT["fr"]["statuses"].update(
    {
        "made": "Réalisée",
        "made_late": "Réalisée en retard",
        "missed": "Manquée",
        "upcoming": "À venir",
        "unplanned": "Hors plan",
        "overdue": "Actions en souffrance",
        "open": "Actions en cours",
        "closed": "Toutes clôturées",
        "no_findings": "Aucun constat",
    }
)


# The site and locality profiles (reports/profiles.py): one A4 page per IDP site and per
# sub-prefecture of the latest round.
PROFILE_TEXT = {
    "en": {
        "programme": "Central African Republic: Displacement Tracking Matrix",
        "site_kicker": "IDP site profile",
        "locality_kicker": "Sub-prefecture profile",
        "round": "Round {round}",
        "assessed_on": "site assessed on {day}",
        "collection_period": "collected {start} to {end}",
        "generated": "generated {when}",
        "site_id": "Site ID",
        "prefecture": "Prefecture",
        "sub_prefecture": "Sub-prefecture",
        "site_type": "Site type",
        "management": "Management agency",
        "not_managed": "None: the site is not managed",
        "agency_not_given": "Managed, agency not given",
        "eviction_risk": "Risk of eviction",
        "yes": "Yes",
        "no": "No",
        "not_asked": "Not asked",
        "water_points": "Functioning water points",
        "gps": "GPS point",
        "gps_value": "{latitude}° N, {longitude}° E",
        "gps_none": "Not available (no GPS point, or one a data-quality rule flagged)",
        "map_title": "Location in the Central African Republic",
        "individuals": "IDPs on the site",
        "households": "IDP households",
        "since_round": "{change} since round {round}",
        "first_round": "first assessed in this round",
        "women_and_girls": "Women and girls",
        "children": "Children under 18",
        "of_idps": "of the IDPs",
        "not_available": "not available",
        "pyramid_title": "IDPs on the site by sex and age",
        "pyramid_note": "Share of the site's IDPs in each group.",
        "no_breakdown": (
            "The breakdown by sex and age reported for this site does not add up to its IDPs: it is not shown."
        ),
        "male": "Men and boys",
        "female": "Women and girls",
        "trend_title": "IDPs on the site by round",
        "services_title": "Services and gaps ({count} of {listed} available)",
        "service": "Service",
        "on_site": "On this site",
        "available": "Available",
        "gap": "Gap",
        "prefecture_share": "Sites of the prefecture with it",
        "site_needs_title": "Priority needs in the sub-prefecture",
        "site_needs_note": (
            "Named by the assessed localities of {admin2}; the site assessment does not ask about needs."
        ),
        "need": "Need",
        "localities": "Localities",
        "share_localities": "Share of localities",
        "needs_none": "No locality of the sub-prefecture was assessed in this round.",
        "idp_individuals": "IDPs (sites and host families)",
        "idp_split": "{in_sites} on sites, {in_families} with host families",
        "idp_households": "IDP households",
        "returnee_individuals": "Returnees",
        "share_in_sites": "Share of IDPs on sites",
        "localities_assessed": "Localities assessed",
        "sites_assessed": "IDP sites assessed",
        "rounds_assessed": "Rounds assessed",
        "map_from_localities": "Marked at the centre of its assessed localities.",
        "map_from_sites": "Marked at the mean of its sites' GPS points.",
        "map_none": "No usable GPS point: not marked.",
        "locality_trend_title": "IDPs by round",
        "in_sites": "On sites",
        "in_host_families": "With host families",
        "round_column": "Round",
        "idps": "IDPs",
        "returnees": "Returnees",
        "reasons_title": "Main reasons for displacement",
        "reasons_note": (
            "IDPs living with host families, by the main reason their locality gave; the site assessment does not ask."
        ),
        "reason": "Reason",
        "share_idps": "Share",
        "reasons_none": "No reason for displacement was reported in this round.",
        "needs_title": "Priority needs",
        "sites_title": "IDP sites in the sub-prefecture",
        "site": "Site",
        "more_sites": "Sites not listed here: {count} (see the index of profiles).",
        "sites_none": "No IDP site was assessed in this round.",
        "source": (
            "Source: DTM locality and site assessments (key informant interviews, KoboToolbox), corrected "
            "through the cleaning log and checked by the platform's data-quality gates; assessments with a "
            "blocking issue are not counted."
        ),
        "disclosure": (
            "Figures aggregate key informant estimates per locality and site; no household or individual "
            "is identifiable from them, and no key informant is named."
        ),
        "pcodes": "P-codes: OCHA common operational dataset (COD-AB), boundaries valid from 2015-06-15.",
        "boundaries": "Map: Natural Earth boundaries (public domain), for orientation only.",
        "index_title": "DTM site and sub-prefecture profiles, round {round}",
        "index_intro": "One page per IDP site and per sub-prefecture assessed in round {round}.",
        "index_pdfs": (
            "PDFs: last printed {when}; the weekly reports print again the pages that changed since, and "
            "until then a page's PDF can show older figures than its web page."
        ),
        "index_pdfs_none": "PDFs: not printed yet; they are printed with the weekly reports.",
        "index_sites": "IDP site profiles ({count})",
        "index_localities": "Sub-prefecture profiles ({count})",
        "page": "Page",
        "other_language": "French version",
    },
    "fr": {
        "programme": "République centrafricaine : Matrice de suivi des déplacements",
        "site_kicker": "Profil de site de PDI",
        "locality_kicker": "Profil de sous-préfecture",
        "round": "Round {round}",
        "assessed_on": "site évalué le {day}",
        "collection_period": "collecte du {start} au {end}",
        "generated": "produit le {when}",
        "site_id": "Code du site",
        "prefecture": "Préfecture",
        "sub_prefecture": "Sous-préfecture",
        "site_type": "Type de site",
        "management": "Agence de gestion",
        "not_managed": "Aucune : le site n'est pas géré",
        "agency_not_given": "Géré, agence non précisée",
        "eviction_risk": "Risque d'expulsion",
        "yes": "Oui",
        "no": "Non",
        "not_asked": "Question non posée",
        "water_points": "Points d'eau fonctionnels",
        "gps": "Point GPS",
        "gps_value": "{latitude}° N, {longitude}° E",
        "gps_none": "Non disponible (pas de point GPS, ou un point signalé par une règle de qualité)",
        "map_title": "Localisation en République centrafricaine",
        "individuals": "PDI sur le site",
        "households": "Ménages de PDI",
        "since_round": "{change} depuis le round {round}",
        "first_round": "première évaluation à ce round",
        "women_and_girls": "Femmes et filles",
        "children": "Enfants de moins de 18 ans",
        "of_idps": "des PDI",
        "not_available": "non disponible",
        "pyramid_title": "PDI sur le site par sexe et âge",
        "pyramid_note": "Part des PDI du site dans chaque groupe.",
        "no_breakdown": (
            "La répartition par sexe et âge déclarée pour ce site ne correspond pas au total de ses PDI : elle n'est "
            "pas présentée."
        ),
        "male": "Hommes et garçons",
        "female": "Femmes et filles",
        "trend_title": "PDI sur le site par round",
        "services_title": "Services et lacunes ({count} sur {listed} disponibles)",
        "service": "Service",
        "on_site": "Sur ce site",
        "available": "Disponible",
        "gap": "Manquant",
        "prefecture_share": "Sites de la préfecture qui l'ont",
        "site_needs_title": "Besoins prioritaires dans la sous-préfecture",
        "site_needs_note": (
            "Cités par les localités évaluées de {admin2} ; l'évaluation des sites ne porte pas sur les besoins."
        ),
        "need": "Besoin",
        "localities": "Localités",
        "share_localities": "Part des localités",
        "needs_none": "Aucune localité de la sous-préfecture n'a été évaluée à ce round.",
        "idp_individuals": "PDI (sites et familles d'accueil)",
        "idp_split": "{in_sites} sur sites, {in_families} en familles d'accueil",
        "idp_households": "Ménages de PDI",
        "returnee_individuals": "Personnes retournées",
        "share_in_sites": "Part des PDI sur sites",
        "localities_assessed": "Localités évaluées",
        "sites_assessed": "Sites de PDI évalués",
        "rounds_assessed": "Rounds d'évaluation",
        "map_from_localities": "Placée au centre de ses localités évaluées.",
        "map_from_sites": "Placée à la moyenne des points GPS de ses sites.",
        "map_none": "Aucun point GPS utilisable : non placée.",
        "locality_trend_title": "PDI par round",
        "in_sites": "Sur sites",
        "in_host_families": "En familles d'accueil",
        "round_column": "Round",
        "idps": "PDI",
        "returnees": "Retournés",
        "reasons_title": "Principales raisons du déplacement",
        "reasons_note": (
            "PDI vivant en familles d'accueil, selon la raison principale donnée par leur localité ; l'évaluation "
            "des sites ne la demande pas."
        ),
        "reason": "Raison",
        "share_idps": "Part",
        "reasons_none": "Aucune raison de déplacement n'a été déclarée à ce round.",
        "needs_title": "Besoins prioritaires",
        "sites_title": "Sites de PDI de la sous-préfecture",
        "site": "Site",
        "more_sites": "Sites non listés ici : {count} (voir l'index des profils).",
        "sites_none": "Aucun site de PDI n'a été évalué à ce round.",
        "source": (
            "Source : évaluations DTM des localités et des sites (entretiens avec des informateurs clés, "
            "KoboToolbox), corrigées par le journal de nettoyage et contrôlées par les règles de qualité de la "
            "plateforme ; les évaluations présentant un problème bloquant ne sont pas comptées."
        ),
        "disclosure": (
            "Ces chiffres agrègent les estimations des informateurs clés par localité et par site ; aucun "
            "ménage ni aucune personne n'y est identifiable, et aucun informateur n'est nommé."
        ),
        "pcodes": (
            "P-codes : jeu de données opérationnel commun d'OCHA (COD-AB), limites valables depuis le 15/06/2015."
        ),
        "boundaries": "Carte : limites Natural Earth (domaine public), à titre indicatif.",
        "index_title": "Profils DTM des sites et des sous-préfectures, round {round}",
        "index_intro": "Une page par site de PDI et par sous-préfecture évalués au round {round}.",
        "index_pdfs": (
            "PDF : imprimés le {when} ; les rapports hebdomadaires réimpriment les pages modifiées depuis, "
            "et d'ici là le PDF d'une page peut montrer des chiffres plus anciens que sa page web."
        ),
        "index_pdfs_none": "PDF : pas encore imprimés ; ils le sont avec les rapports hebdomadaires.",
        "index_sites": "Profils des sites de PDI ({count})",
        "index_localities": "Profils des sous-préfectures ({count})",
        "page": "Page",
        "other_language": "Version anglaise",
    },
}

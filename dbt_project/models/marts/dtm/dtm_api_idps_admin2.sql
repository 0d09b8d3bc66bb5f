-- The DTM figures in the shape of DTM's public API v3 (IDP data by admin 2), for the
-- Regional Data Hub: one row per round, sub-prefecture, assessment type and reason for
-- displacement. The locality assessment (assessmentType BA, baseline area assessment)
-- gives the IDPs with host families by the reason the key informants name; the site
-- assessment (SA) the IDPs on sites, whose reason it does not ask. Neither form asks the
-- prefecture of origin (idpOriginAdmin1* stay empty). numberMales and numberFemales add up
-- the sex and age cells of the assessments whose breakdown matches their total (empty
-- where none does). Assessments with a blocking issue are left out, as in every mart.
with localities as (
    select
        round, admin1_pcode, admin2_pcode, 'BA' as assessment_type, displacement_reason,
        sum(idp_individuals) as idp_individuals,
        sum({{ sex_age_sum('idp_', 'm') }}) filter (where {{ sex_age_sum('idp_') }} = idp_individuals) as males,
        sum({{ sex_age_sum('idp_', 'f') }}) filter (where {{ sex_age_sum('idp_') }} = idp_individuals) as females
    from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue and idp_individuals > 0
    group by all
),

sites as (
    select
        round, admin1_pcode, admin2_pcode, 'SA' as assessment_type, null as displacement_reason,
        sum(individuals) as idp_individuals,
        sum({{ sex_age_sum('ind_', 'm') }}) filter (where breakdown_matches_total) as males,
        sum({{ sex_age_sum('ind_', 'f') }}) filter (where breakdown_matches_total) as females
    from {{ ref('cln_dtm_site_assessments') }}
    where not has_blocking_issue and individuals > 0
    group by all
),

figures as (
    select * from localities
    union all
    select * from sites
),

rounds as (
    select round, collection_end from {{ ref('ref_dtm_rounds') }} where form = 'dtm_locality'
)

select
    'Central African Republic' as "admin0Name",
    'CAF' as "admin0Pcode",
    admin1.name as "admin1Name",
    figures.admin1_pcode as "admin1Pcode",
    admin2.name as "admin2Name",
    figures.admin2_pcode as "admin2Pcode",
    cast(figures.idp_individuals as bigint) as "numPresentIdpInd",
    rounds.collection_end as "reportingDate",
    year(rounds.collection_end) as "yearReportingDate",
    month(rounds.collection_end) as "monthReportingDate",
    figures.round as "roundNumber",
    reasons.label_en as "displacementReason",
    cast(figures.males as bigint) as "numberMales",
    cast(figures.females as bigint) as "numberFemales",
    cast(null as varchar) as "idpOriginAdmin1Name",
    cast(null as varchar) as "idpOriginAdmin1Pcode",
    figures.assessment_type as "assessmentType",
    '{{ var("dtm_operation") }}' as "operation"
from figures
left join rounds using (round)
left join {{ ref('ref_admin_pcodes') }} as admin1 on admin1.pcode = figures.admin1_pcode
left join {{ ref('ref_admin_pcodes') }} as admin2 on admin2.pcode = figures.admin2_pcode
{{ join_choice_labels('dtm_locality', 'displacement_reason', 'figures.displacement_reason', 'reasons') }}
order by "roundNumber", "admin2Pcode", "assessmentType", "displacementReason"

-- IDP sites as assessed in each round: type, place, management, population and services,
-- one row per site and round, from assessments without a blocking data-quality issue. The
-- sex/age breakdown is given only where it adds up to the individuals reported.
with assessments as (
    select * from {{ ref('cln_dtm_site_assessments') }}
    where not has_blocking_issue
)

select
    assessments.round,
    assessments.site_id,
    assessments.site_name,
    assessments.admin1_pcode,
    assessments.admin1_name,
    assessments.admin2_pcode,
    assessments.admin2_name,
    assessments.gps_latitude,
    assessments.gps_longitude,
    assessments.site_type,
    site_type.label_en as site_type_label_en,
    site_type.label_fr as site_type_label_fr,
    assessments.is_managed,
    assessments.management_agency,
    agency.label_en as management_agency_label_en,
    agency.label_fr as management_agency_label_fr,
    assessments.is_at_risk_of_eviction,
    assessments.households,
    assessments.individuals,
    assessments.breakdown_matches_total,
    {%- for cell in sex_age_cells() %}
    case when assessments.breakdown_matches_total then assessments.ind_{{ cell }} end as ind_{{ cell }},
    {%- endfor %}
    assessments.services_available,
    len(assessments.services_available) as services_count,
    {#- the service choice list of the form (grp_services/services_available) #}
    {%- for service in ['water', 'latrines', 'health', 'education', 'food_distribution'] %}
    list_contains(assessments.services_available, '{{ service }}') as has_{{ service }},
    {%- endfor %}
    assessments.water_points,
    cast(assessments.interview_started_at as date) as assessed_on,
    assessments.submission_id
from assessments
{{ join_choice_labels('dtm_site', 'site_type', 'assessments.site_type', 'site_type') }}
{{ join_choice_labels('dtm_site', 'agency', 'assessments.management_agency', 'agency') }}

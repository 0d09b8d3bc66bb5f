-- Each IDP site in each round as its profile (reports/dtm_site_profiles) shows it: the row
-- of dtm_sites with the figures the profile prints beside it, so that the profile selects
-- and renders only: its IDPs by sex and the children among them (where the sex/age
-- breakdown adds up), the change since the site's previous assessed round, the services it
-- has out of the form's list, and where the locator map marks it (the site's GPS point,
-- unless a GPS rule flagged it). One row per site and round.
with sites as (
    select * from {{ ref('dtm_sites') }}
),

gps_flags as (
    select submission_id, list_has_any(dq_rules_failed, ['gps_outside_car']) as is_gps_flagged
    from {{ ref('cln_dtm_site_assessments') }}
),

service_list as (
    select count(*) as services_listed
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'dtm_site' and choice_list = 'service'
),

profiled as (
    select
        sites.round,
        sites.site_id,
        sites.site_name,
        sites.admin1_pcode,
        sites.admin1_name,
        sites.admin2_pcode,
        sites.admin2_name,
        case when not coalesce(gps_flags.is_gps_flagged, false) then sites.gps_latitude end as map_latitude,
        case when not coalesce(gps_flags.is_gps_flagged, false) then sites.gps_longitude end as map_longitude,
        sites.site_type,
        sites.site_type_label_en,
        sites.site_type_label_fr,
        sites.is_managed,
        sites.management_agency,
        sites.management_agency_label_en,
        sites.management_agency_label_fr,
        sites.is_at_risk_of_eviction,
        sites.households,
        sites.individuals,
        sites.breakdown_matches_total,
        {{ sex_age_sum('sites.ind_', 'f') }} as female_individuals,
        {{ sex_age_sum('sites.ind_', 'm') }} as male_individuals,
        sites.ind_m_0_5 + sites.ind_f_0_5 + sites.ind_m_6_17 + sites.ind_f_6_17 as children_individuals,
        sites.services_count,
        service_list.services_listed,
        sites.water_points,
        sites.assessed_on
    from sites
    left join gps_flags on gps_flags.submission_id = sites.submission_id
    cross join service_list
)

select
    round,
    site_id,
    site_name,
    admin1_pcode,
    admin1_name,
    admin2_pcode,
    admin2_name,
    map_latitude,
    map_longitude,
    site_type,
    site_type_label_en,
    site_type_label_fr,
    is_managed,
    management_agency,
    management_agency_label_en,
    management_agency_label_fr,
    is_at_risk_of_eviction,
    households,
    individuals,
    lag(round) over previous as previous_round,
    lag(individuals) over previous as previous_individuals,
    individuals - lag(individuals) over previous as individuals_change,
    row_number() over previous as rounds_assessed,
    breakdown_matches_total,
    female_individuals,
    male_individuals,
    children_individuals,
    round(female_individuals / nullif(individuals, 0), 4) as share_female,
    round(children_individuals / nullif(individuals, 0), 4) as share_children,
    services_count,
    services_listed,
    water_points,
    assessed_on
from profiled
window previous as (partition by site_id order by round)

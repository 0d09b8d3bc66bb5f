-- The published DTM figures by round, prefecture and sub-prefecture: every IDP (on sites
-- and with host families, from dtm_idps_in_sites_and_host_families, the one home of that
-- split) and the returnees the locality assessments count, with the change since the
-- sub-prefecture's previous assessed round. Assessments with a blocking data-quality issue
-- are left out. A sub-prefecture with sites but no locality assessed is here too (its
-- localities_assessed is 0, and the map has no centre for it).
with idps as (
    select * from {{ ref('dtm_idps_in_sites_and_host_families') }}
),

returnees as (
    select
        round,
        admin2_pcode,
        sum(returnee_internal_households) as returnee_internal_households,
        sum(returnee_internal_individuals) as returnee_internal_individuals,
        sum(returnee_abroad_households) as returnee_abroad_households,
        sum(returnee_abroad_individuals) as returnee_abroad_individuals,
        -- Where the map draws the sub-prefecture's symbol: the median of its localities' GPS
        -- points, leaving out points a GPS rule flagged.
        median(gps_latitude) filter (where not list_has_any(dq_rules_failed, ['gps_outside_car', 'gps_far_from_admin2']))
            as centre_latitude,
        median(gps_longitude) filter (where not list_has_any(dq_rules_failed, ['gps_outside_car', 'gps_far_from_admin2']))
            as centre_longitude
    from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue
    group by round, admin2_pcode
),

by_admin2 as (
    select
        idps.round,
        idps.admin1_pcode,
        idps.admin1_name,
        idps.admin2_pcode,
        idps.admin2_name,
        idps.localities_assessed,
        idps.sites_assessed,
        idps.idp_households,
        idps.idp_individuals,
        idps.idp_households_in_sites,
        idps.idp_individuals_in_sites,
        idps.idp_households_in_host_families,
        idps.idp_individuals_in_host_families,
        idps.share_in_sites,
        coalesce(returnees.returnee_internal_households, 0) as returnee_internal_households,
        coalesce(returnees.returnee_internal_individuals, 0) as returnee_internal_individuals,
        coalesce(returnees.returnee_abroad_households, 0) as returnee_abroad_households,
        coalesce(returnees.returnee_abroad_individuals, 0) as returnee_abroad_individuals,
        coalesce(returnees.returnee_internal_households + returnees.returnee_abroad_households, 0)
            as returnee_households,
        coalesce(returnees.returnee_internal_individuals + returnees.returnee_abroad_individuals, 0)
            as returnee_individuals,
        returnees.centre_latitude,
        returnees.centre_longitude
    from idps
    left join returnees using (round, admin2_pcode)
)

select
    *,
    lag(round) over previous as previous_round,
    idp_individuals - lag(idp_individuals) over previous as idp_individuals_change,
    returnee_individuals - lag(returnee_individuals) over previous as returnee_individuals_change
from by_admin2
window previous as (partition by admin2_pcode order by round)

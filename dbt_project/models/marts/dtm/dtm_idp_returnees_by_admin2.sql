-- IDP and returnee households and individuals by round, prefecture and sub-prefecture,
-- from locality assessments without a blocking data-quality issue, with the change since
-- the sub-prefecture's previous assessed round.
with assessments as (
    select * from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue
),

by_admin2 as (
select
    round,
    admin1_pcode,
    admin1_name,
    admin2_pcode,
    admin2_name,
    count(*) as localities_assessed,
    sum(idp_households) as idp_households,
    sum(idp_individuals) as idp_individuals,
    sum(returnee_internal_households) as returnee_internal_households,
    sum(returnee_internal_individuals) as returnee_internal_individuals,
    sum(returnee_abroad_households) as returnee_abroad_households,
    sum(returnee_abroad_individuals) as returnee_abroad_individuals,
    sum(returnee_internal_households + returnee_abroad_households) as returnee_households,
    sum(returnee_internal_individuals + returnee_abroad_individuals) as returnee_individuals,
    -- Where the map draws the sub-prefecture's symbol: the median of its localities' GPS
    -- points, leaving out points a GPS rule flagged.
    median(gps_latitude) filter (where not list_has_any(dq_rules_failed, ['gps_outside_car', 'gps_far_from_admin2']))
        as centre_latitude,
    median(gps_longitude) filter (where not list_has_any(dq_rules_failed, ['gps_outside_car', 'gps_far_from_admin2']))
        as centre_longitude
from assessments
group by round, admin1_pcode, admin1_name, admin2_pcode, admin2_name
)

select
    *,
    lag(round) over previous as previous_round,
    idp_individuals - lag(idp_individuals) over previous as idp_individuals_change,
    returnee_individuals - lag(returnee_individuals) over previous as returnee_individuals_change
from by_admin2
window previous as (partition by admin2_pcode order by round)

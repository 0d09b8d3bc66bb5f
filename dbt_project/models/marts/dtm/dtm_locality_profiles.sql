-- Each sub-prefecture in each round as its locality profile (reports/dtm_site_profiles)
-- places it: the rows of dtm_idp_returnees_by_admin2 (whose figures the profile prints),
-- with where its locator map marks the sub-prefecture: the centre of its assessed
-- localities (the mart's centre_latitude and centre_longitude), or, where no locality was
-- assessed, the mean of its sites' GPS points (dtm_site_profiles' map position), and how
-- many rounds it was assessed in up to this one. One row per sub-prefecture and round.
with admin2 as (
    select * from {{ ref('dtm_idp_returnees_by_admin2') }}
),

sites as (
    select round, admin2_pcode, avg(map_latitude) as latitude, avg(map_longitude) as longitude
    from {{ ref('dtm_site_profiles') }}
    where map_latitude is not null and map_longitude is not null
    group by round, admin2_pcode
)

select
    admin2.round,
    admin2.admin1_pcode,
    admin2.admin1_name,
    admin2.admin2_pcode,
    admin2.admin2_name,
    coalesce(admin2.centre_latitude, sites.latitude) as map_latitude,
    coalesce(admin2.centre_longitude, sites.longitude) as map_longitude,
    case
        when admin2.centre_latitude is not null then 'localities'
        when sites.latitude is not null then 'sites'
    end as map_position_source,
    row_number() over (partition by admin2.admin2_pcode order by admin2.round) as rounds_assessed
from admin2
left join sites on sites.round = admin2.round and sites.admin2_pcode = admin2.admin2_pcode

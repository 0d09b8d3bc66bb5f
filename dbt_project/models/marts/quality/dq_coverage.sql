-- Coverage of the locality assessment against the plan, per round and sub-prefecture: the
-- localities planned (ref_planned_localities, its p-codes mapped through the boundary
-- crosswalk as the data's are), how many were assessed (at least one submission for the
-- round, sub-prefecture and locality name, whatever its data-quality flags), how many of
-- those reach the marts (a submission without a blocking issue), the ones missing (count and
-- names), and the localities assessed that the plan did not list. A round is covered once
-- it is in the plan, before any submission arrives (everything missing).
with planned as (
    select distinct
        round,
        {{ crosswalked_pcode('admin1_pcode') }} as admin1_pcode,
        {{ crosswalked_pcode('admin2_pcode') }} as admin2_pcode,
        trim(locality_name) as locality_name,
        lower(trim(locality_name)) as locality_key
    from {{ ref('ref_planned_localities') }}
),

assessed as (
    select
        round,
        admin2_pcode,
        lower(trim(locality_name)) as locality_key,
        bool_or(not has_blocking_issue) as reaches_marts
    from {{ ref('cln_dtm_locality_assessments') }}
    where round is not null and admin2_pcode is not null and locality_name is not null
    group by round, admin2_pcode, locality_key
),

planned_localities as (
    select
        planned.*,
        assessed.locality_key is not null as is_assessed,
        coalesce(assessed.reaches_marts, false) as reaches_marts
    from planned
    left join assessed using (round, admin2_pcode, locality_key)
),

per_admin2 as (
    select
        round,
        admin2_pcode,
        -- the plan's prefecture for the sub-prefecture (the first, should a plan disagree)
        min(admin1_pcode) as admin1_pcode,
        count(*) as localities_planned,
        count(*) filter (where is_assessed) as localities_assessed,
        count(*) filter (where reaches_marts) as localities_in_marts,
        count(*) filter (where not is_assessed) as localities_missing,
        string_agg(locality_name, '; ' order by locality_name) filter (where not is_assessed) as missing_localities
    from planned_localities
    group by round, admin2_pcode
),

not_planned as (
    select assessed.round, assessed.admin2_pcode, count(*) as localities_not_planned
    from assessed
    left join planned using (round, admin2_pcode, locality_key)
    where planned.locality_key is null
    group by assessed.round, assessed.admin2_pcode
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
)

select
    per_admin2.round,
    per_admin2.admin1_pcode,
    admin1.name as admin1_name,
    per_admin2.admin2_pcode,
    admin2.name as admin2_name,
    per_admin2.localities_planned,
    per_admin2.localities_assessed,
    per_admin2.localities_in_marts,
    per_admin2.localities_missing,
    round(per_admin2.localities_assessed / per_admin2.localities_planned, 4) as coverage_share,
    coalesce(per_admin2.missing_localities, '') as missing_localities,
    coalesce(not_planned.localities_not_planned, 0) as localities_not_planned
from per_admin2
left join not_planned using (round, admin2_pcode)
left join admin_names as admin1 on admin1.pcode = per_admin2.admin1_pcode
left join admin_names as admin2 on admin2.pcode = per_admin2.admin2_pcode

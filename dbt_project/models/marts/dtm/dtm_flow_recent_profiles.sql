-- Travellers counted over the weeks of dtm_flow_recent_weeks by reason for travel, means
-- of transport and nationality (dtm_flow_weekly_profiles added up over the points), each
-- category's share of every traveller counted then and its rank in its breakdown (1 = most
-- travellers): the situation report lists the first few.
with report_window as (
    select first_week_start, travellers as all_travellers from {{ ref('dtm_flow_recent_weeks') }}
),

categories as (
    select
        profiles.breakdown,
        profiles.category,
        any_value(profiles.category_label_en) as category_label_en,
        any_value(profiles.category_label_fr) as category_label_fr,
        sum(profiles.total_individuals)::bigint as travellers,
        round(sum(profiles.total_individuals) / nullif(any_value(report_window.all_travellers), 0), 4)
            as share_of_travellers
    from {{ ref('dtm_flow_weekly_profiles') }} as profiles, report_window
    where profiles.week_start >= report_window.first_week_start
    group by profiles.breakdown, profiles.category
)

select
    *,
    row_number() over (partition by breakdown order by travellers desc, category asc) as rank_in_breakdown
from categories

-- The weeks the situation report's flow monitoring section covers: the latest
-- var('flow_report_weeks') ISO weeks with counts, the days counted in them, and the travellers
-- counted at every point over them. One row; none before the first count.
with report_weeks as (
    select distinct week_start from {{ ref('dtm_flow_weekly') }}
    order by week_start desc
    limit {{ var('flow_report_weeks') }}
),

report_window as (
    select min(week_start) as first_week_start, max(week_start) as last_week_start, count(*) as weeks
    from report_weeks
),

days as (
    select min(daily.count_date) as first_count_date, max(daily.count_date) as last_count_date
    from {{ ref('dtm_flow_daily') }} as daily, report_window
    where daily.week_start >= report_window.first_week_start
)

select
    report_window.first_week_start,
    report_window.last_week_start,
    report_window.weeks,
    days.first_count_date,
    days.last_count_date,
    count(distinct weekly.fmp_id) as points,
    sum(weekly.flows)::bigint as flows,
    coalesce(sum(weekly.total_individuals) filter (where weekly.direction = 'incoming'), 0)::bigint as incoming,
    coalesce(sum(weekly.total_individuals) filter (where weekly.direction = 'outgoing'), 0)::bigint as outgoing,
    sum(weekly.total_individuals)::bigint as travellers
from {{ ref('dtm_flow_weekly') }} as weekly, report_window, days
where weekly.week_start >= report_window.first_week_start
group by all

-- Travellers counted at each flow monitoring point, by direction, over the weeks of
-- dtm_flow_recent_weeks (the situation report's flow monitoring section), with the point's
-- share of every traveller counted then.
with report_window as (
    select first_week_start, travellers as all_travellers from {{ ref('dtm_flow_recent_weeks') }}
)

select
    weekly.fmp_id,
    any_value(weekly.fmp_name) as fmp_name,
    any_value(weekly.fmp_label_en) as fmp_label_en,
    any_value(weekly.fmp_label_fr) as fmp_label_fr,
    any_value(weekly.admin1_pcode) as admin1_pcode,
    any_value(weekly.admin1_name) as admin1_name,
    sum(weekly.flows)::bigint as flows,
    coalesce(sum(weekly.total_individuals) filter (where weekly.direction = 'incoming'), 0)::bigint as incoming,
    coalesce(sum(weekly.total_individuals) filter (where weekly.direction = 'outgoing'), 0)::bigint as outgoing,
    sum(weekly.total_individuals)::bigint as travellers,
    round(sum(weekly.total_individuals) / nullif(any_value(report_window.all_travellers), 0), 4) as share_of_travellers
from {{ ref('dtm_flow_weekly') }} as weekly, report_window
where weekly.week_start >= report_window.first_week_start
group by weekly.fmp_id

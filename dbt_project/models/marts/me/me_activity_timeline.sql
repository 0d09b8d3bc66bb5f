-- The workplan's timeline against what happened, per activity and sub-prefecture (one row per
-- workplan line, plus any place an activity was delivered outside the workplan): planned and
-- actual start and end, slippage in days, and a status the M&E officer can sort on.
--
--   actual start  the first session delivered (sessions with a blocking issue do not count)
--   actual end    the day the planned number of sessions was reached (sessions after it are
--                 extra, not a later end); null while fewer were delivered
--   slippage      actual minus planned, in days; a start or end that is due but has not
--                 happened slips by the days since it was due (the as-of day minus planned),
--                 so a line that never started shows how late it is; null when not yet due
--   status        done         the planned sessions were all delivered
--                 not_started  nothing delivered and the planned start is still ahead
--                 late         due to start and nothing delivered, or past the planned end
--                              and not done
--                 on_track     started, not done, and the planned end is still ahead
--                 not_in_workplan  delivered where the workplan plans nothing
-- Output windows are the span of their activities' windows. The indicators an activity serves
-- are its workplan output plus every results-framework indicator that lists the activity.
with sessions as (
    select activity_code, admin2_pcode, activity_date,
           row_number() over (partition by activity_code, admin2_pcode order by activity_date, submission_id)
               as session_number
    from {{ ref('cln_me_activity_sessions') }}
    where not has_blocking_issue
),

delivered as (
    select activity_code, admin2_pcode, count(*) as sessions_delivered, min(activity_date) as actual_start
    from sessions
    group by activity_code, admin2_pcode
),

workplan as (
    select activity_code, admin2_pcode, output_indicator_code, planned_start, planned_end, sessions_planned,
           min(planned_start) over (partition by output_indicator_code) as output_planned_start,
           max(planned_end) over (partition by output_indicator_code) as output_planned_end
    from {{ ref('ref_workplan') }}
),

lines as (
    select
        coalesce(workplan.activity_code, delivered.activity_code) as activity_code,
        coalesce(workplan.admin2_pcode, delivered.admin2_pcode) as admin2_pcode,
        workplan.output_indicator_code,
        workplan.planned_start,
        workplan.planned_end,
        workplan.output_planned_start,
        workplan.output_planned_end,
        workplan.sessions_planned,
        coalesce(delivered.sessions_delivered, 0) as sessions_delivered,
        delivered.actual_start,
        completion.activity_date as actual_end,
        {{ as_of_date() }} as as_of_date
    from workplan
    full outer join delivered
        on delivered.activity_code = workplan.activity_code and delivered.admin2_pcode = workplan.admin2_pcode
    left join sessions as completion
        on completion.activity_code = workplan.activity_code and completion.admin2_pcode = workplan.admin2_pcode
        and completion.session_number = workplan.sessions_planned
),

served as (
    -- every indicator an activity serves: its workplan output, and the framework's indicators
    -- measured on it (activity_codes is a space-separated list)
    select activity_code, string_agg(distinct indicator_code, ' ' order by indicator_code) as indicators_served
    from (
        select activity_code, output_indicator_code as indicator_code from {{ ref('ref_workplan') }}
        union
        select unnest(string_split(framework.activity_codes, ' ')) as activity_code, framework.indicator_code
        from {{ ref('ref_results_framework') }} as framework
        where coalesce(framework.activity_codes, '') <> ''
    )
    group by activity_code
),

activities as (
    select choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'me_activity' and choice_list = 'activity'
),

workplan_names as (
    select distinct activity_code, activity_name_en, activity_name_fr from {{ ref('ref_workplan') }}
),

admin_names as (
    select pcode, name, parent_pcode from {{ ref('ref_admin_pcodes') }}
),

judged as (
    select
        lines.*,
        case
            when lines.actual_start is not null then datediff('day', lines.planned_start, lines.actual_start)
            when lines.as_of_date > lines.planned_start then datediff('day', lines.planned_start, lines.as_of_date)
        end as start_slippage_days,
        case
            when lines.actual_end is not null then datediff('day', lines.planned_end, lines.actual_end)
            when lines.as_of_date > lines.planned_end then datediff('day', lines.planned_end, lines.as_of_date)
        end as end_slippage_days,
        case
            when lines.sessions_planned is null then 'not_in_workplan'
            when lines.sessions_delivered >= lines.sessions_planned then 'done'
            when lines.sessions_delivered = 0 and lines.as_of_date <= lines.planned_start then 'not_started'
            when lines.sessions_delivered = 0 or lines.as_of_date > lines.planned_end then 'late'
            else 'on_track'
        end as timeline_status
    from lines
)

select
    judged.activity_code,
    coalesce(activities.label_en, workplan_names.activity_name_en) as activity_label_en,
    coalesce(activities.label_fr, workplan_names.activity_name_fr) as activity_label_fr,
    judged.output_indicator_code,
    served.indicators_served,
    admin2.parent_pcode as admin1_pcode,
    admin1.name as admin1_name,
    judged.admin2_pcode,
    admin2.name as admin2_name,
    judged.planned_start,
    judged.planned_end,
    judged.output_planned_start,
    judged.output_planned_end,
    judged.sessions_planned,
    judged.sessions_delivered,
    judged.actual_start,
    judged.actual_end,
    judged.start_slippage_days,
    judged.end_slippage_days,
    judged.timeline_status,
    judged.as_of_date
from judged
left join served on served.activity_code = judged.activity_code
left join activities on activities.choice_code = judged.activity_code
left join workplan_names on workplan_names.activity_code = judged.activity_code
left join admin_names as admin2 on admin2.pcode = judged.admin2_pcode
left join admin_names as admin1 on admin1.pcode = admin2.parent_pcode

-- Activity progress against the workplan (ref_workplan), by activity and sub-prefecture:
-- sessions delivered and people taking part against what was planned, and how much of the
-- planned period has passed. A session delivered where the workplan plans nothing still
-- appears (planned figures null). Sessions with a blocking data-quality issue do not count.
-- participants counts each person once within the activity and sub-prefecture
-- (me_beneficiaries_reached counts them once across activities).
with sessions as (
    select * from {{ ref('cln_me_activity_sessions') }}
    where not has_blocking_issue
),

attendance as (
    select * from {{ ref('cln_me_activity_participants') }}
    where not has_blocking_issue
),

delivered as (
    select
        sessions.activity_code,
        sessions.admin2_pcode,
        count(*) as sessions_delivered,
        min(sessions.activity_date) as first_session_on,
        max(sessions.activity_date) as last_session_on
    from sessions
    group by sessions.activity_code, sessions.admin2_pcode
),

reached as (
    select activity_code, admin2_pcode,
           count(distinct person_key) as participants_reached,
           count(*) as participations
    from attendance
    group by activity_code, admin2_pcode
),

workplan as (
    select * from {{ ref('ref_workplan') }}
),

admin_names as (
    select pcode, name, parent_pcode from {{ ref('ref_admin_pcodes') }}
),

activities as (
    select choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'me_activity' and choice_list = 'activity'
),

joined as (
    select
        coalesce(workplan.activity_code, delivered.activity_code) as activity_code,
        coalesce(workplan.admin2_pcode, delivered.admin2_pcode) as admin2_pcode,
        workplan.output_indicator_code,
        workplan.planned_start,
        workplan.planned_end,
        workplan.sessions_planned,
        coalesce(delivered.sessions_delivered, 0) as sessions_delivered,
        workplan.participants_planned,
        coalesce(reached.participants_reached, 0) as participants_reached,
        coalesce(reached.participations, 0) as participations,
        delivered.first_session_on,
        delivered.last_session_on
    from workplan
    full outer join delivered
        on delivered.activity_code = workplan.activity_code and delivered.admin2_pcode = workplan.admin2_pcode
    left join reached
        on reached.activity_code = coalesce(workplan.activity_code, delivered.activity_code)
        and reached.admin2_pcode = coalesce(workplan.admin2_pcode, delivered.admin2_pcode)
)

select
    joined.activity_code,
    coalesce(activities.label_en, any_value(workplan.activity_name_en) over (partition by joined.activity_code))
        as activity_label_en,
    coalesce(activities.label_fr, any_value(workplan.activity_name_fr) over (partition by joined.activity_code))
        as activity_label_fr,
    joined.output_indicator_code,
    admin2.parent_pcode as admin1_pcode,
    admin1.name as admin1_name,
    joined.admin2_pcode,
    admin2.name as admin2_name,
    joined.planned_start,
    joined.planned_end,
    joined.sessions_planned,
    joined.sessions_delivered,
    round(joined.sessions_delivered / nullif(joined.sessions_planned, 0), 4) as share_of_sessions_delivered,
    joined.participants_planned,
    joined.participants_reached,
    round(joined.participants_reached / nullif(joined.participants_planned, 0), 4) as share_of_participants_reached,
    joined.participations,
    joined.first_session_on,
    joined.last_session_on,
    round(least(greatest(datediff('day', joined.planned_start, {{ as_of_date() }})
                         / nullif(datediff('day', joined.planned_start, joined.planned_end), 0), 0), 1), 4)
        as share_of_period_elapsed,
    case
        when joined.sessions_planned is null then 'not_in_workplan'
        when joined.sessions_delivered >= joined.sessions_planned then 'completed'
        when joined.sessions_delivered = 0 and {{ as_of_date() }} < joined.planned_start then 'not_started'
        when joined.sessions_delivered / joined.sessions_planned
             >= least(greatest(datediff('day', joined.planned_start, {{ as_of_date() }})
                               / nullif(datediff('day', joined.planned_start, joined.planned_end), 0), 0), 1)
            then 'on_track'
        else 'behind'
    end as progress_status
from joined
left join workplan
    on workplan.activity_code = joined.activity_code and workplan.admin2_pcode = joined.admin2_pcode
left join activities on activities.choice_code = joined.activity_code
left join admin_names as admin2 on admin2.pcode = joined.admin2_pcode
left join admin_names as admin1 on admin1.pcode = admin2.parent_pcode

-- Each partner's report against the platform's own activity monitoring of the same
-- activity, sub-prefecture and month: the sessions the partner reports held against the
-- sessions monitored (cln_me_activity_sessions), the people the partner reports reached
-- against the people on the monitored attendance lists, each once in the month
-- (cln_me_activity_participants' person_key); each side without a blocking issue. A
-- figure differing from the monitored one by more than max_value of it (rule
-- partner_figures_differ of ref_dq_rules), or reported where monitoring has none, flags
-- the report for the officer to verify with the partner: an over-report, or sessions the
-- monitoring missed.
with threshold as (
    -- without the rule's threshold nothing could be judged: stop the build, naming the seed's row
    select coalesce(
        (select max_value from {{ ref('ref_dq_rules') }}
         where form = 'me_partner_report' and rule = 'partner_figures_differ'),
        error('ref_dq_rules.csv: rule partner_figures_differ of form me_partner_report needs its max_value '
              || '(the tolerance, a share of the monitored figure)')) as tolerance
),

reports as (
    select * from {{ ref('cln_me_partner_reports') }}
    where not has_blocking_issue
),

sessions as (
    select activity_code, admin2_pcode, cast(date_trunc('month', activity_date) as date) as reporting_month,
           count(*) as sessions_monitored
    from {{ ref('cln_me_activity_sessions') }}
    where not has_blocking_issue
    group by all
),

people as (
    select activity_code, admin2_pcode, cast(date_trunc('month', activity_date) as date) as reporting_month,
           count(distinct person_key) as people_monitored
    from {{ ref('cln_me_activity_participants') }}
    where not has_blocking_issue
    group by all
),

activities as (
    select choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'me_partner_report' and choice_list = 'activity'
),

compared as (
    select
        reports.submission_id,
        reports.partner_code,
        reports.partner_name_en,
        reports.partner_name_fr,
        reports.reporting_month,
        reports.activity_code,
        reports.admin1_pcode,
        reports.admin2_pcode,
        reports.admin2_name,
        reports.sessions_held as sessions_reported,
        coalesce(sessions.sessions_monitored, 0) as sessions_monitored,
        reports.people_reached as people_reported,
        coalesce(people.people_monitored, 0) as people_monitored
    from reports
    left join sessions using (activity_code, admin2_pcode, reporting_month)
    left join people using (activity_code, admin2_pcode, reporting_month)
),

judged as (
    select
        compared.*,
        case when sessions_monitored = 0 then sessions_reported > 0
             else abs(sessions_reported - sessions_monitored) > threshold.tolerance * sessions_monitored
        end as sessions_differ,
        case when people_monitored = 0 then people_reported > 0
             else abs(people_reported - people_monitored) > threshold.tolerance * people_monitored
        end as people_differ
    from compared
    cross join threshold
)

select
    judged.partner_code,
    judged.partner_name_en,
    judged.partner_name_fr,
    judged.reporting_month,
    strftime(judged.reporting_month, '%Y-%m') as period,
    judged.activity_code,
    activities.label_en as activity_label_en,
    activities.label_fr as activity_label_fr,
    judged.admin1_pcode,
    judged.admin2_pcode,
    judged.admin2_name,
    judged.submission_id,
    judged.sessions_reported,
    judged.sessions_monitored,
    judged.sessions_reported - judged.sessions_monitored as sessions_difference,
    judged.people_reported,
    judged.people_monitored,
    judged.people_reported - judged.people_monitored as people_difference,
    round((judged.people_reported - judged.people_monitored) / nullif(judged.people_monitored, 0), 4)
        as people_difference_share,
    coalesce(judged.sessions_differ, false) or coalesce(judged.people_differ, false) as is_flagged,
    case
        when not (coalesce(judged.sessions_differ, false) or coalesce(judged.people_differ, false)) then null
        when judged.sessions_monitored = 0 and judged.people_monitored = 0 then 'not_monitored'
        when judged.sessions_reported > judged.sessions_monitored or judged.people_reported > judged.people_monitored
            then 'partner_reports_more'
        else 'partner_reports_less'
    end as finding
from judged
left join activities on activities.choice_code = judged.activity_code
order by judged.partner_code, judged.reporting_month, judged.activity_code, judged.admin2_pcode

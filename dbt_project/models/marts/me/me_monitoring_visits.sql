-- The monitoring plan against the field visits made: one row per planned visit, plus one
-- per unplanned visit, with the findings each visit recorded. Visits with a blocking issue
-- (a copy sent twice, a code the plan does not know) are not counted.
--
--   made_date   the first visit made for the planned visit (visits_made says how many)
--   days_late   made: the made date minus the planned date (0 when early); missed: the
--               days since the planned date on the as-of day; otherwise null
--   status      made       made by the planned date plus visit_grace_days
--                          (ref_programme_thresholds)
--               made_late  made after that
--               missed     not made, and the planned date plus the grace has passed on the
--                          as-of day (macros/as_of_date.sql)
--               upcoming   not made, and still within the planned date plus the grace
--               unplanned  a visit outside the plan
with visits as (
    select * from {{ ref('cln_me_field_visits') }}
    where not has_blocking_issue
),

findings as (
    select
        submission_id,
        count(*) as findings,
        count(*) filter (where action_status = 'open') as findings_open,
        count(*) filter (where severity = 'critical') as findings_critical,
        count(*) filter (where severity = 'high') as findings_high,
        count(*) filter (where severity = 'medium') as findings_medium,
        count(*) filter (where severity = 'low') as findings_low
    from {{ ref('cln_me_field_visit_findings') }}
    where not has_blocking_issue
    group by submission_id
),

visit_findings as (
    select visits.*, findings.* exclude (submission_id)
    from visits
    left join findings using (submission_id)
),

grace as (
    select cast(value as integer) as grace_days
    from {{ ref('ref_programme_thresholds') }}
    where threshold = 'visit_grace_days'
),

made_for_plan as (
    select
        visit_code,
        min(visit_date) as made_date,
        count(*) as visits_made,
        sum(coalesce(findings, 0)) as findings,
        sum(coalesce(findings_open, 0)) as findings_open,
        sum(coalesce(findings_critical, 0)) as findings_critical,
        sum(coalesce(findings_high, 0)) as findings_high,
        sum(coalesce(findings_medium, 0)) as findings_medium,
        sum(coalesce(findings_low, 0)) as findings_low
    from visit_findings
    where visit_code <> 'unplanned'
    group by visit_code
),

rows as (
    select
        plan.visit_code,
        null::bigint as submission_id,
        true as is_planned,
        plan.activity_code,
        plan.admin2_pcode,
        plan.partner_code,
        plan.monitoring_team,
        plan.planned_date,
        made.made_date,
        coalesce(made.visits_made, 0) as visits_made,
        coalesce(made.findings, 0) as findings,
        coalesce(made.findings_open, 0) as findings_open,
        coalesce(made.findings_critical, 0) as findings_critical,
        coalesce(made.findings_high, 0) as findings_high,
        coalesce(made.findings_medium, 0) as findings_medium,
        coalesce(made.findings_low, 0) as findings_low
    from {{ ref('ref_monitoring_plan') }} as plan
    left join made_for_plan as made using (visit_code)

    union all
    select
        visit_code, submission_id, false, activity_code, admin2_pcode, partner_code, monitoring_team,
        null::date, visit_date, 1,
        coalesce(findings, 0), coalesce(findings_open, 0), coalesce(findings_critical, 0),
        coalesce(findings_high, 0), coalesce(findings_medium, 0), coalesce(findings_low, 0)
    from visit_findings
    where visit_code = 'unplanned'
),

judged as (
    select
        rows.*,
        grace.grace_days,
        {{ as_of_date() }} as as_of_date,
        case
            when not rows.is_planned then 'unplanned'
            when rows.made_date is not null and rows.made_date <= rows.planned_date + grace.grace_days then 'made'
            when rows.made_date is not null then 'made_late'
            when {{ as_of_date() }} > rows.planned_date + grace.grace_days then 'missed'
            else 'upcoming'
        end as visit_status
    from rows
    cross join grace
),

workplan_names as (
    select distinct activity_code, activity_name_en, activity_name_fr from {{ ref('ref_workplan') }}
),

admin_names as (
    select pcode, name, parent_pcode from {{ ref('ref_admin_pcodes') }}
)

select
    judged.visit_code,
    judged.submission_id,
    judged.is_planned,
    judged.activity_code,
    workplan_names.activity_name_en as activity_label_en,
    workplan_names.activity_name_fr as activity_label_fr,
    admin2.parent_pcode as admin1_pcode,
    admin1.name as admin1_name,
    judged.admin2_pcode,
    admin2.name as admin2_name,
    judged.partner_code,
    judged.monitoring_team,
    judged.planned_date,
    judged.made_date,
    judged.visits_made,
    case
        when judged.visit_status in ('made', 'made_late') then greatest(datediff('day', judged.planned_date, judged.made_date), 0)
        when judged.visit_status = 'missed' then datediff('day', judged.planned_date, judged.as_of_date)
    end as days_late,
    judged.visit_status,
    judged.findings,
    judged.findings_open,
    judged.findings_critical,
    judged.findings_high,
    judged.findings_medium,
    judged.findings_low,
    judged.grace_days,
    judged.as_of_date
from judged
left join workplan_names using (activity_code)
left join admin_names as admin2 on admin2.pcode = judged.admin2_pcode
left join admin_names as admin1 on admin1.pcode = admin2.parent_pcode

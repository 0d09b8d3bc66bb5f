-- The follow-up of the field visits' findings, per implementing partner and sub-prefecture
-- (every pair the monitoring plan or a counted visit names; zeros where no finding): the
-- findings recorded, open, overdue, closed, and by severity. Status and closing dates are
-- each submission's current ones (a finding closed by an edit of the visit is closed).
-- Visits with a blocking issue (a copy sent twice) are not counted.
--
--   findings_overdue  open findings whose action was due before the as-of day
--                     (macros/as_of_date.sql)
--   oldest_overdue_days  the days since the due date of the longest overdue one
--   follow_up_status  overdue (an overdue finding), open (open ones, none overdue),
--                     closed (every finding closed), no_findings
with findings as (
    select * from {{ ref('cln_me_field_visit_findings') }}
    where not has_blocking_issue
),

visits as (
    select partner_code, admin2_pcode, count(*) as visits_made
    from {{ ref('cln_me_field_visits') }}
    where not has_blocking_issue
    group by partner_code, admin2_pcode
),

pairs as (
    select distinct partner_code, admin2_pcode from {{ ref('ref_monitoring_plan') }}
    union
    select partner_code, admin2_pcode from visits
),

counted as (
    select
        partner_code,
        admin2_pcode,
        count(*) as findings,
        count(*) filter (where action_status = 'open') as findings_open,
        count(*) filter (where action_status = 'open' and action_due_date < {{ as_of_date() }}) as findings_overdue,
        count(*) filter (where action_status = 'closed') as findings_closed,
        count(*) filter (where severity = 'critical') as findings_critical,
        count(*) filter (where severity = 'high') as findings_high,
        count(*) filter (where severity = 'medium') as findings_medium,
        count(*) filter (where severity = 'low') as findings_low,
        count(*) filter (where action_status = 'open' and action_due_date < {{ as_of_date() }}
                         and severity in ('high', 'critical')) as overdue_high_or_critical,
        max(datediff('day', action_due_date, {{ as_of_date() }}))
            filter (where action_status = 'open' and action_due_date < {{ as_of_date() }}) as oldest_overdue_days
    from findings
    group by partner_code, admin2_pcode
),

admin_names as (
    select pcode, name, parent_pcode from {{ ref('ref_admin_pcodes') }}
)

select
    pairs.partner_code,
    admin2.parent_pcode as admin1_pcode,
    admin1.name as admin1_name,
    pairs.admin2_pcode,
    admin2.name as admin2_name,
    coalesce(visits.visits_made, 0) as visits_made,
    coalesce(counted.findings, 0) as findings,
    coalesce(counted.findings_open, 0) as findings_open,
    coalesce(counted.findings_overdue, 0) as findings_overdue,
    coalesce(counted.findings_closed, 0) as findings_closed,
    coalesce(counted.findings_critical, 0) as findings_critical,
    coalesce(counted.findings_high, 0) as findings_high,
    coalesce(counted.findings_medium, 0) as findings_medium,
    coalesce(counted.findings_low, 0) as findings_low,
    coalesce(counted.overdue_high_or_critical, 0) as overdue_high_or_critical,
    counted.oldest_overdue_days,
    case
        when coalesce(counted.findings_overdue, 0) > 0 then 'overdue'
        when coalesce(counted.findings_open, 0) > 0 then 'open'
        when coalesce(counted.findings, 0) > 0 then 'closed'
        else 'no_findings'
    end as follow_up_status,
    {{ as_of_date() }} as as_of_date
from pairs
left join counted using (partner_code, admin2_pcode)
left join visits using (partner_code, admin2_pcode)
left join admin_names as admin2 on admin2.pcode = pairs.admin2_pcode
left join admin_names as admin1 on admin1.pcode = admin2.parent_pcode

-- Partners' reporting completeness and timeliness, per partner and month, as DHIS2 counts
-- reporting rates: a report is expected for each activity and sub-prefecture a partner
-- implements (ref_partner_activities) in each month of the activity's planned period
-- (ref_workplan) that has ended by the as-of date; it is received when a report on it
-- without a blocking issue is in, on time when the partner submitted it by the month's end
-- plus the partner's reporting deadline (ref_partners), late after it; a report not
-- received is missing once its deadline has passed, awaited until then. A report on
-- something not expected counts nowhere here (dq_issues: report_not_expected).
with expected as (
    select assignments.partner_code, assignments.activity_code, assignments.admin2_pcode,
           cast(unnest(generate_series(date_trunc('month', workplan.planned_start),
                                       date_trunc('month', workplan.planned_end), interval 1 month)) as date)
               as reporting_month
    from {{ ref('ref_partner_activities') }} as assignments
    join {{ ref('ref_workplan') }} as workplan using (activity_code, admin2_pcode)
),

-- the first report received on each expected one (a second is a near duplicate, blocked)
received as (
    select partner_code, activity_code, admin2_pcode, reporting_month, min(submission_date) as submission_date
    from {{ ref('cln_me_partner_reports') }}
    where not has_blocking_issue
    group by all
),

reports as (
    select
        expected.*,
        cast(last_day(expected.reporting_month) + partners.reporting_deadline_days as date) as due_date,
        received.submission_date
    from expected
    join {{ ref('ref_partners') }} as partners using (partner_code)
    left join received using (partner_code, activity_code, admin2_pcode, reporting_month)
    where last_day(expected.reporting_month) < {{ as_of_date() }}
),

statuses as (
    select
        reports.*,
        case
            when reports.submission_date <= reports.due_date then 'on_time'
            when reports.submission_date is not null then 'late'
            when reports.due_date < {{ as_of_date() }} then 'missing'
            else 'awaited'
        end as report_status
    from reports
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
),

per_month as (
    select
        statuses.partner_code,
        statuses.reporting_month,
        min(statuses.due_date) as due_date,
        count(*) as expected_reports,
        count(*) filter (where report_status in ('on_time', 'late')) as received_reports,
        count(*) filter (where report_status = 'on_time') as on_time_reports,
        count(*) filter (where report_status = 'late') as late_reports,
        count(*) filter (where report_status = 'missing') as missing_reports,
        count(*) filter (where report_status = 'awaited') as awaited_reports,
        string_agg(statuses.activity_code || ' ' || coalesce(admin2.name, statuses.admin2_pcode), ', '
                   order by statuses.activity_code, statuses.admin2_pcode)
            filter (where report_status = 'missing') as missing_report_names
    from statuses
    left join admin_names as admin2 on admin2.pcode = statuses.admin2_pcode
    group by statuses.partner_code, statuses.reporting_month
)

select
    per_month.partner_code,
    partners.partner_name_en,
    partners.partner_name_fr,
    per_month.reporting_month,
    strftime(per_month.reporting_month, '%Y-%m') as period,
    per_month.due_date,
    per_month.expected_reports,
    per_month.received_reports,
    per_month.on_time_reports,
    per_month.late_reports,
    per_month.missing_reports,
    per_month.awaited_reports,
    per_month.missing_report_names,
    round(per_month.received_reports / per_month.expected_reports, 4) as completeness_rate,
    round(per_month.on_time_reports / per_month.expected_reports, 4) as timeliness_rate
from per_month
join {{ ref('ref_partners') }} as partners using (partner_code)
order by per_month.partner_code, per_month.reporting_month

-- Partners' monthly reports, corrected by the cleaning log, with the partner's names, admin
-- names, the report's due date (the month's end plus the partner's reporting deadline in
-- ref_partners) and data-quality flags. Every staged report is here: a blocking issue
-- flags the row and the marts do not count it.
with reports as (
    select * from {{ ref('cln_me_partner_report_corrected') }}
),

flags as (
    {{ dq_flags('me_partner_report') }}
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
)

select
    reports.*,
    partners.partner_name_en,
    partners.partner_name_fr,
    admin1.name as admin1_name,
    admin2.name as admin2_name,
    cast(last_day(reports.reporting_month) + partners.reporting_deadline_days as date) as due_date,
    reports.submission_date <= last_day(reports.reporting_month) + partners.reporting_deadline_days as is_on_time,
    coalesce(flags.has_blocking_issue, false) as has_blocking_issue,
    coalesce(flags.dq_rules_failed, []) as dq_rules_failed
from reports
left join {{ ref('ref_partners') }} as partners on partners.partner_code = reports.partner_code
left join flags on flags.submission_id = reports.submission_id
left join admin_names as admin1 on admin1.pcode = reports.admin1_pcode
left join admin_names as admin2 on admin2.pcode = reports.admin2_pcode

-- Locality assessments, corrected by the cleaning log, with their admin names and
-- data-quality flags. Every submission of staging is here: a blocking issue flags the row
-- (has_blocking_issue) and the marts leave it out; a warning is only listed in
-- dq_rules_failed.
with assessments as (
    select * from {{ ref('cln_dtm_locality_corrected') }}
),

issues_per_submission as (
    select
        submission_id,
        bool_or(severity = 'blocking') as has_blocking_issue,
        list(rule order by rule) as dq_rules_failed
    from {{ ref('dq_issues') }}
    where form = 'dtm_locality'
    group by submission_id
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
)

select
    assessments.*,
    admin1.name as admin1_name,
    admin2.name as admin2_name,
    coalesce(issues_per_submission.has_blocking_issue, false) as has_blocking_issue,
    coalesce(issues_per_submission.dq_rules_failed, []) as dq_rules_failed
from assessments
left join issues_per_submission on issues_per_submission.submission_id = assessments.submission_id
left join admin_names as admin1 on admin1.pcode = assessments.admin1_pcode
left join admin_names as admin2 on admin2.pcode = assessments.admin2_pcode

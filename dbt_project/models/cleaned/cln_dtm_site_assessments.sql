-- IDP site assessments, corrected by the cleaning log, with admin names and data-quality
-- flags. Every staged submission is here: a blocking issue flags the row
-- (has_blocking_issue) and the marts leave it out; breakdown_matches_total says whether the
-- sex/age breakdown may be used (a site whose breakdown does not add up still counts in
-- the totals).
with assessments as (
    select * from {{ ref('cln_dtm_site_corrected') }}
),

flags as (
    {{ dq_flags('dtm_site') }}
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
)

select
    assessments.*,
    admin1.name as admin1_name,
    admin2.name as admin2_name,
    {{ sex_age_sum('assessments.ind_') }} = assessments.individuals as breakdown_matches_total,
    coalesce(flags.has_blocking_issue, false) as has_blocking_issue,
    coalesce(flags.dq_rules_failed, []) as dq_rules_failed
from assessments
left join flags on flags.submission_id = assessments.submission_id
left join admin_names as admin1 on admin1.pcode = assessments.admin1_pcode
left join admin_names as admin2 on admin2.pcode = assessments.admin2_pcode

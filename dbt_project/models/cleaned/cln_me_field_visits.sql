-- Field monitoring visits with admin names and data-quality flags. Every staged visit is
-- here: a visit sent twice is flagged (duplicate_submission, blocking) on its later copy, so
-- the marts count it once; the findings of a blocked visit are not counted either.
with visits as (
    select * from {{ ref('stg_kobo__me_field_visit') }}
),

flags as (
    {{ dq_flags('me_field_visit') }}
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
)

select
    visits.*,
    admin1.name as admin1_name,
    admin2.name as admin2_name,
    coalesce(flags.has_blocking_issue, false) as has_blocking_issue,
    coalesce(flags.dq_rules_failed, []) as dq_rules_failed
from visits
left join flags on flags.submission_id = visits.submission_id
left join admin_names as admin1 on admin1.pcode = visits.admin1_pcode
left join admin_names as admin2 on admin2.pcode = visits.admin2_pcode

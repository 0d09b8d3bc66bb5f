-- Activity sessions, corrected by the cleaning log, with admin names and data-quality
-- flags. Every staged session is here: a blocking issue flags the row and its attendance
-- does not count in the marts.
with sessions as (
    select * from {{ ref('cln_me_activity_corrected') }}
),

flags as (
    {{ dq_flags('me_activity') }}
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
)

select
    sessions.*,
    admin1.name as admin1_name,
    admin2.name as admin2_name,
    coalesce(flags.has_blocking_issue, false) as has_blocking_issue,
    coalesce(flags.dq_rules_failed, []) as dq_rules_failed
from sessions
left join flags on flags.submission_id = sessions.submission_id
left join admin_names as admin1 on admin1.pcode = sessions.admin1_pcode
left join admin_names as admin2 on admin2.pcode = sessions.admin2_pcode

-- Perception survey interviews, corrected by the cleaning log, with admin names, the
-- respondent's age group, disability status and data-quality flags. Every staged interview is here, refusals
-- included: the marts count consented interviews without a blocking issue.
with interviews as (
    select * from {{ ref('cln_me_perception_corrected') }}
),

flags as (
    {{ dq_flags('me_perception') }}
),

admin_names as (
    select pcode, name from {{ ref('ref_admin_pcodes') }}
)

select
    interviews.*,
    admin1.name as admin1_name,
    admin2.name as admin2_name,
    {{ age_group('interviews.respondent_age') }} as respondent_age_group,
    -- the respondent's disability status by the WG-SS cut-off (macros/disability.sql); the
    -- form has no other disability question, so without WG answers it is not known (null)
    {{ disability_status(wg_disability('interviews.')) }} as disability,
    {{ disability_source(wg_disability('interviews.')) }} as disability_source,
    coalesce(flags.has_blocking_issue, false) as has_blocking_issue,
    coalesce(flags.dq_rules_failed, []) as dq_rules_failed
from interviews
left join flags on flags.submission_id = interviews.submission_id
left join admin_names as admin1 on admin1.pcode = interviews.admin1_pcode
left join admin_names as admin2 on admin2.pcode = interviews.admin2_pcode

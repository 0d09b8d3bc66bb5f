-- One row per post-distribution monitoring interview: Kobo's answers typed and renamed. The
-- respondent's name and the free-text "other problem" (which can name people) are dropped
-- and the phone pseudonymized, as the form registry declares. Version 2 renamed
-- grp_assistance/satisfaction to grp_assistance/satisfaction_level: both read into
-- satisfaction. A refusal keeps only the consent answer. Deleted submissions are left out.
with source as (
    select * from {{ source('kobo', 'kobo_me_pdm') }}
    where deleted_at is null
)

select
    {{ kobo_submission_columns() }},
    {{ kobo_text('grp_general/activity_code') }} as activity_code,
    {{ kobo_text('grp_general/admin1') }} as admin1_pcode,
    {{ kobo_text('grp_general/admin2') }} as admin2_pcode,
    {{ kobo_date('grp_general/interview_date') }} as interview_date,
    {{ kobo_text('grp_general/enumerator_id') }} as enumerator_id,
    {{ kobo_yes_no('grp_consent/consent') }} as has_consented,
    {{ personal_field('me_pdm', 'grp_respondent/resp_name', kobo_text('grp_respondent/resp_name'), 'respondent_name') }}
    {{ personal_field('me_pdm', 'grp_respondent/resp_phone', kobo_text('grp_respondent/resp_phone'), 'respondent_phone') }}
    {{ personal_field('me_pdm', 'grp_assistance/problems_other', kobo_text('grp_assistance/problems_other'), 'problems_other') }}
    {{ kobo_text('grp_respondent/resp_sex') }} as respondent_sex,
    {{ kobo_int('grp_respondent/resp_age') }} as respondent_age,
    {{ kobo_int('grp_respondent/hh_size') }} as household_size,
    {{ kobo_yes_no('grp_assistance/received_assistance') }} as received_assistance,
    try_cast(coalesce({{ kobo_text('grp_assistance/satisfaction_level') }}, {{ kobo_text('grp_assistance/satisfaction') }})
             as integer) as satisfaction,
    {{ kobo_multiple('grp_assistance/assistance_use') }} as assistance_uses,
    {{ kobo_multiple('grp_assistance/problems') }} as problems,
    {{ kobo_yes_no('grp_assistance/safety_concerns') }} as has_safety_concerns,
    {{ kobo_multiple('grp_assistance/safety_issues') }} as safety_issues,
    {{ kobo_yes_no('grp_aap/knows_feedback_channel') }} as knows_feedback_channel
from source

-- One row per perception survey interview: Kobo's answers typed and renamed. The Likert
-- items keep their Kobo codes ('1' to '5', or 'dk' for "don't know"): "don't know" is an
-- answer, not a score, and the cleaned layer and marts decide what to do with it. Version 2
-- added ta_security_forces (null in round 1). Deleted submissions are left out.
with source as (
    select * from {{ source('kobo', 'kobo_me_perception') }}
    where deleted_at is null
)

select
    {{ kobo_submission_columns() }},
    {{ kobo_int('grp_general/round') }} as round,
    {{ kobo_text('grp_general/admin1') }} as admin1_pcode,
    {{ kobo_text('grp_general/admin2') }} as admin2_pcode,
    {{ kobo_date('grp_general/interview_date') }} as interview_date,
    {{ kobo_text('grp_general/enumerator_id') }} as enumerator_id,
    {{ kobo_yes_no('grp_consent/consent') }} as has_consented,
    {{ kobo_text('grp_respondent/resp_sex') }} as respondent_sex,
    {{ kobo_int('grp_respondent/resp_age') }} as respondent_age,
    {{ kobo_text('grp_respondent/resp_displacement') }} as respondent_displacement_status,
    {%- for item in perception_items() %}
    {{ kobo_text(item.path) }} as {{ item.name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from source

-- One row per post-distribution monitoring interview: Kobo's answers typed and renamed. The
-- respondent's name and the free-text "other problem" (which can name people) are dropped
-- and the phone pseudonymized, as the form registry declares. Version 2 renamed
-- grp_assistance/satisfaction to grp_assistance/satisfaction_level: both read into
-- satisfaction. Version 3 added the Washington Group short set about the respondent
-- (wg_*, Kobo codes; null before, or when not asked). A refusal keeps only the consent answer. Deleted submissions are left out.
{% for form in kobo_forms_of_kind('me_pdm') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_text('grp_general/activity_code', form=form) }} as activity_code,
    {{ kobo_text('grp_general/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_general/admin2', form=form) }} as admin2_pcode,
    {{ kobo_date('grp_general/interview_date', form=form) }} as interview_date,
    {{ kobo_text('grp_general/enumerator_id', form=form) }} as enumerator_id,
    {{ kobo_yes_no('grp_consent/consent', form=form) }} as has_consented,
    {{ personal_field('me_pdm', 'grp_respondent/resp_name', kobo_text('grp_respondent/resp_name', form=form), 'respondent_name', form=form) }}
    {{ personal_field('me_pdm', 'grp_respondent/resp_phone', kobo_text('grp_respondent/resp_phone', form=form), 'respondent_phone', form=form) }}
    {{ personal_field('me_pdm', 'grp_assistance/problems_other', kobo_text('grp_assistance/problems_other', form=form), 'problems_other', form=form) }}
    {{ kobo_text('grp_respondent/resp_sex', form=form) }} as respondent_sex,
    {{ kobo_int('grp_respondent/resp_age', form=form) }} as respondent_age,
    {{ kobo_int('grp_respondent/hh_size', form=form) }} as household_size,
    {{ kobo_yes_no('grp_assistance/received_assistance', form=form) }} as received_assistance,
    try_cast(coalesce({{ kobo_text('grp_assistance/satisfaction_level', form=form) }}, {{ kobo_text('grp_assistance/satisfaction', form=form) }})
             as integer) as satisfaction,
    {{ kobo_multiple('grp_assistance/assistance_use', form=form) }} as assistance_uses,
    {{ kobo_multiple('grp_assistance/problems', form=form) }} as problems,
    {{ kobo_yes_no('grp_assistance/safety_concerns', form=form) }} as has_safety_concerns,
    {{ kobo_multiple('grp_assistance/safety_issues', form=form) }} as safety_issues,
    {{ kobo_yes_no('grp_aap/knows_feedback_channel', form=form) }} as knows_feedback_channel,
    {%- for domain in wg_domains() %}
    {{ kobo_text('grp_wg/wg_' ~ domain, form=form) }} as wg_{{ domain }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ kobo_submissions(form) }} as source
{%- endfor %}

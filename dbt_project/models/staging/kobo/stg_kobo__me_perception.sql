-- One row per perception survey interview: Kobo's answers typed and renamed. The Likert
-- items keep their Kobo codes ('1' to '5', or 'dk' for "don't know"): "don't know" is an
-- answer, not a score, and the cleaned layer and marts decide what to do with it. Version 2
-- added ta_security_forces (null in round 1); version 3 (from mid round 2) the Washington Group
-- short set about the respondent (wg_*, Kobo codes; null before, or when not asked). Deleted submissions are left out.
{% for form in kobo_forms_of_kind('me_perception') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_int('grp_general/round', form=form) }} as round,
    {{ kobo_text('grp_general/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_general/admin2', form=form) }} as admin2_pcode,
    {{ kobo_date('grp_general/interview_date', form=form) }} as interview_date,
    {{ kobo_text('grp_general/enumerator_id', form=form) }} as enumerator_id,
    {{ kobo_yes_no('grp_consent/consent', form=form) }} as has_consented,
    {{ kobo_text('grp_respondent/resp_sex', form=form) }} as respondent_sex,
    {{ kobo_int('grp_respondent/resp_age', form=form) }} as respondent_age,
    {{ kobo_text('grp_respondent/resp_displacement', form=form) }} as respondent_displacement_status,
    {%- for item in perception_items() %}
    {{ kobo_text(item.path, form=form) }} as {{ item.name }},
    {%- endfor %}
    {%- for domain in wg_domains() %}
    {{ kobo_text('grp_wg/wg_' ~ domain, form=form) }} as wg_{{ domain }}{% if not loop.last %},{% endif %}
    {%- endfor %}
from {{ kobo_submissions(form) }} as source
{%- endfor %}

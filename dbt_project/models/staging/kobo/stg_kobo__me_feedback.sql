-- One row per complaints and feedback case: Kobo's answers typed and renamed. A case is
-- one submission, edited in Kobo as it is followed up (referred, answered, closed): raw
-- holds its current version (what an edit replaced is in raw.kobo_submission_history), so
-- this is the case as it stands. The person's name and what they said are dropped and their
-- phone pseudonymized, as the form registry declares. Deleted submissions are left out.
{% for form in kobo_forms_of_kind('me_feedback') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_text('grp_case/case_id', form=form) }} as case_id,
    {{ kobo_date('grp_case/date_received', form=form) }} as date_received,
    {{ kobo_text('grp_case/channel', form=form) }} as channel,
    {{ kobo_text('grp_case/case_type', form=form) }} as case_type,
    {{ kobo_text('grp_case/category', form=form) }} as category,
    {{ kobo_yes_no('grp_case/sensitive', form=form) }} as is_flagged_sensitive,
    {{ kobo_text('grp_case/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_case/admin2', form=form) }} as admin2_pcode,
    {{ kobo_text('grp_case/activity_code', form=form) }} as activity_code,
    {{ kobo_text('grp_case/enumerator_id', form=form) }} as enumerator_id,
    {{ personal_field('me_feedback', 'grp_case/description', kobo_text('grp_case/description', form=form), 'description', form=form) }}
    {{ personal_field('me_feedback', 'grp_complainant/complainant_name', kobo_text('grp_complainant/complainant_name', form=form), 'complainant_name', form=form) }}
    {{ personal_field('me_feedback', 'grp_complainant/complainant_phone', kobo_text('grp_complainant/complainant_phone', form=form), 'complainant_phone', form=form) }}
    {{ kobo_text('grp_complainant/complainant_sex', form=form) }} as complainant_sex,
    {{ kobo_yes_no('grp_followup/referred', form=form) }} as is_referred,
    {{ kobo_text('grp_followup/referred_to', form=form) }} as referred_to,
    {{ kobo_text('grp_followup/response', form=form) }} as response,
    {{ kobo_text('grp_followup/status', form=form) }} as status,
    {{ kobo_date('grp_followup/date_closed', form=form) }} as date_closed,
    {{ kobo_yes_no('grp_followup/complainant_informed', form=form) }} as is_complainant_informed,
    -- Kobo names the version an edit replaced: the case was followed up after it was recorded
    {{ kobo_text('meta/deprecatedID', recode=false) }} is not null as is_edited
from {{ kobo_submissions(form) }} as source
{%- endfor %}

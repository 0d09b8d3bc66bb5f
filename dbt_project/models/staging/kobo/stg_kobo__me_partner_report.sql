-- One row per partner's monthly report on one activity in one sub-prefecture: Kobo's
-- answers typed and renamed (the M&E officer keys in the report the partner sends).
-- reporting_month is the first day of the month reported on (the form asks month and year);
-- submission_date is the day the partner submitted it, which timeliness is judged by.
-- Deleted submissions are left out.
{% for form in kobo_forms_of_kind('me_partner_report') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_text('grp_report/partner_code', form=form) }} as partner_code,
    cast(date_trunc('month', {{ kobo_date('grp_report/reporting_month', form=form) }}) as date) as reporting_month,
    {{ kobo_text('grp_report/activity_code', form=form) }} as activity_code,
    {{ kobo_text('grp_report/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_report/admin2', form=form) }} as admin2_pcode,
    {{ kobo_date('grp_report/submission_date', form=form) }} as submission_date,
    {{ kobo_text('grp_report/activity_status', form=form) }} as activity_status,
    {{ kobo_int('grp_reached/sessions_held', form=form) }} as sessions_held,
    {{ kobo_int('grp_reached/people_reached', form=form) }} as people_reached,
    {%- for cell in sex_age_cells() %}
    {{ kobo_int('grp_reached/reached_' ~ cell, form=form) }} as reached_{{ cell }},
    {%- endfor %}
    {{ kobo_int('grp_reached/reached_disability_m', form=form) }} as reached_disability_m,
    {{ kobo_int('grp_reached/reached_disability_f', form=form) }} as reached_disability_f
from {{ kobo_submissions(form) }} as source
{%- endfor %}

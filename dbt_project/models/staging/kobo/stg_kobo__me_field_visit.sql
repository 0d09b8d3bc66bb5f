-- One row per field monitoring visit: Kobo's answers typed and renamed; the findings are
-- stg_kobo__me_field_visit__findings. The observations (a free text that names the people
-- met) are dropped, as the form registry declares. A submission edited in Kobo (a finding
-- closed since the visit) is one row: raw keeps its current payload. Deleted submissions
-- are left out.
{% for form in kobo_forms_of_kind('me_field_visit') %}
{%- if not loop.first %}

union all
{% endif %}
select
    {{ kobo_submission_columns(form=form) }},
    {{ kobo_text('grp_visit/visit_code', form=form) }} as visit_code,
    {{ kobo_date('grp_visit/visit_date', form=form) }} as visit_date,
    {{ kobo_text('grp_visit/team', form=form) }} as monitoring_team,
    {{ kobo_text('grp_visit/monitor_id', form=form) }} as monitor_id,
    {{ kobo_text('grp_visit/activity_code', form=form) }} as activity_code,
    {{ kobo_text('grp_visit/admin1', form=form) }} as admin1_pcode,
    {{ kobo_text('grp_visit/admin2', form=form) }} as admin2_pcode,
    {{ kobo_text('grp_visit/partner', form=form) }} as partner_code,
    {{ personal_field('me_field_visit', 'grp_visit/observations', kobo_text('grp_visit/observations', form=form), 'observations', form=form) }}
    {{ kobo_int('grp_visit/people_met', form=form) }} as people_met,
    coalesce(json_array_length(payload -> {{ kobo_json_path('findings', form) }}), 0) as findings_recorded
from {{ kobo_submissions(form) }} as source
{%- endfor %}

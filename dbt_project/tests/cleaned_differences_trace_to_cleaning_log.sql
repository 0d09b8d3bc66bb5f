-- Every value that differs between staging and cleaned traces to an applied row of the
-- cleaning log, or for a p-code to the boundary crosswalk: cleaned never changes data on its
-- own (every form the log covers).
{%- set cleaned = {
    'dtm_locality': 'cln_dtm_locality_assessments',
    'dtm_site': 'cln_dtm_site_assessments',
    'dtm_flow_survey': 'cln_dtm_flow_survey_interviews',
    'me_activity': 'cln_me_activity_sessions',
    'me_partner_report': 'cln_me_partner_reports',
    'me_pdm': 'cln_me_pdm_interviews',
    'me_perception': 'cln_me_perception_interviews',
} %}
with differences as (
    {%- for form, staging_model in cleaning_log_forms().items() %}
    {%- set form_loop = loop %}
    {%- for field in correctable_fields(form) %}
    select '{{ form }}' as form, staged.submission_id, '{{ field }}' as field,
           cast(staged.{{ field }} as varchar) as staged_value, cast(cleaned.{{ field }} as varchar) as cleaned_value
    from {{ ref(staging_model) }} as staged
    join {{ ref(cleaned[form]) }} as cleaned using (submission_id)
    where staged.{{ field }} is distinct from cleaned.{{ field }}
    {% if not (loop.last and form_loop.last) %}union all{% endif %}
    {%- endfor %}
    {%- endfor %}
)

select differences.*
from differences
left join {{ ref('cln_cleaning_log') }} as log
    on log.form = differences.form and log.submission_id = differences.submission_id
    and log.field = differences.field and log.status = 'applied'
left join {{ ref('ref_admin_pcode_crosswalk') }} as crosswalk
    on differences.field like '%\_pcode' escape '\'
    and crosswalk.old_pcode = differences.staged_value and crosswalk.new_pcode = differences.cleaned_value
where log.submission_id is null and crosswalk.old_pcode is null

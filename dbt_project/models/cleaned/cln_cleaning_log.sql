-- Every row of the cleaning log with what became of it. A correction is applied only when
-- its old value still matches the data: otherwise the data changed since (an edit in
-- Kobo, an earlier correction) and the officer must look again. A correction for a form
-- the log does not cover (see cleaning_log_forms) is reported as unknown_field. A row may
-- name the form by its registry dataset or by the built-in model it feeds (its kind): the
-- corrections apply to the kind's models, which every form of the kind feeds.
{%- set forms = cleaning_log_forms() %}
with log as (
    select * replace ({{ kobo_quality_form('form') }} as form)
    from {{ ref('ref_cleaning_log') }}
),

current_values as (
    {%- for form, model in forms.items() %}
    select '{{ form }}' as form, * from ({{ current_values(form, ref(model)) }})
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

submissions as (
    {%- for form, model in forms.items() %}
    select '{{ form }}' as form, submission_id from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

correctable as (
    {%- for form in forms %}
    {%- for field in correctable_fields(form) %}
    select '{{ form }}' as form, '{{ field }}' as field
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    log.form,
    log.submission_id,
    log.field,
    log.old_value,
    log.new_value,
    log.reason,
    log.changed_by,
    log.changed_at,
    current_values.current_value,
    case
        when submissions.submission_id is null then 'unknown_submission'
        when correctable.field is null then 'unknown_field'
        when current_values.current_value is not distinct from log.old_value then 'applied'
        else 'stale_old_value'
    end as status
from log
left join submissions
    on submissions.form = log.form and submissions.submission_id = log.submission_id
left join correctable
    on correctable.form = log.form and correctable.field = log.field
left join current_values
    on current_values.form = log.form
    and current_values.submission_id = log.submission_id
    and current_values.field = log.field

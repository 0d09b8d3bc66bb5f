-- What the cleaning log may correct, as it stands in staging now: one row per submission
-- of a form the log covers and per field it may correct (correctable_fields), with the
-- field's type and its value as text. A view: the cleaning log and the import of returned
-- verification workbooks (dtm_platform/cleaning/answers.py) read only the cells they name.
{{ config(materialized='view') }}
{%- set forms = cleaning_log_forms() %}
{%- for form, model in forms.items() %}
{%- set fields = correctable_fields(form) %}
{%- for field, type in fields.items() %}
select '{{ form }}' as form, submission_id, '{{ field }}' as field, '{{ type }}' as value_type,
       cast({{ field }} as varchar) as current_value
from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% if not loop.last %}union all{% endif %}
{%- endfor %}

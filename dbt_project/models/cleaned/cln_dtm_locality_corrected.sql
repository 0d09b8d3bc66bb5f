-- Staging's locality assessments with the applicable cleaning-log corrections applied and
-- p-codes mapped through the boundary crosswalk (ref_admin_pcode_crosswalk); nothing else
-- changes. Data-quality rules run on this, so a corrected value is judged,
-- not the typo it replaced.
{%- set fields = correctable_fields('dtm_locality') %}
with assessments as (
    select * from {{ ref('stg_kobo__dtm_locality') }}
),

corrections as (
    select
        submission_id,
        {%- for field in fields %}
        max(new_value) filter (where field = '{{ field }}') as {{ field }}__new{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('cln_cleaning_log') }}
    where form = 'dtm_locality' and status = 'applied'
    group by submission_id
)

select
    assessments.* replace (
        {%- for field, type in fields.items() %}
        {%- set corrected = 'coalesce(cast(corrections.' ~ field ~ '__new as ' ~ type ~ '), assessments.' ~ field ~ ')' %}
        {% if field.endswith('_pcode') %}{{ crosswalked_pcode(corrected) }}{% else %}{{ corrected }}{% endif %} as {{ field }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    ),
    corrections.submission_id is not null as is_corrected
from assessments
left join corrections on corrections.submission_id = assessments.submission_id

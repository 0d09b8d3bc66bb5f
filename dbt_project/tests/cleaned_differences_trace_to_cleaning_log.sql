-- Every value that differs between staging and cleaned traces to an applied row of the
-- cleaning log: cleaned never changes data on its own.
{%- set fields = correctable_fields('dtm_locality') %}
with differences as (
    {%- for field in fields %}
    select staged.submission_id, '{{ field }}' as field
    from {{ ref('stg_kobo__dtm_locality') }} as staged
    join {{ ref('cln_dtm_locality_assessments') }} as cleaned using (submission_id)
    where staged.{{ field }} is distinct from cleaned.{{ field }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select differences.*
from differences
left join {{ ref('cln_cleaning_log') }} as log
    on log.form = 'dtm_locality' and log.submission_id = differences.submission_id
    and log.field = differences.field and log.status = 'applied'
where log.submission_id is null

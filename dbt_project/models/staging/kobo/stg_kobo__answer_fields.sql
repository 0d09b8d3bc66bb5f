-- Which answer fields each form version's submissions actually carry, with how many
-- submissions carry each: the cheap way to see a question added, renamed or removed
-- between versions (compare with stg_kobo__form_questions). Kobo's own metadata
-- (_id, meta/..., formhub/...) is left out.
{% for dataset in var('kobo_datasets') %}
{% if not loop.first %}union all{% endif %}
select
    '{{ dataset }}' as dataset,
    form_version,
    field_path,
    count(*) as submissions,
    min(_id) as first_submission_id
from (
    select _id, form_version, unnest(json_keys(payload)) as field_path
    from {{ source('kobo', 'kobo_' ~ dataset) }}
    where deleted_at is null
)
where not (field_path like '\_%' escape '\' or field_path like 'meta/%' or field_path like 'formhub/%')
group by form_version, field_path
{% endfor %}

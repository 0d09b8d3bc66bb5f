-- Submissions deleted on the Kobo server, of every form: the form models leave them out,
-- this model keeps them countable (how many, when, by whom collected). Raw keeps their
-- payload; nothing here but metadata and the enumerator's code.
{% for dataset in var('kobo_datasets') %}
{% if not loop.first %}union all{% endif %}
select
    '{{ dataset }}' as form,
    _id as submission_id,
    submission_time as submitted_at,
    {{ kobo_enumerator_id(dataset) }} as enumerator_id,
    deleted_at
from {{ source('kobo', 'kobo_' ~ dataset) }}
where deleted_at is not null
{% endfor %}

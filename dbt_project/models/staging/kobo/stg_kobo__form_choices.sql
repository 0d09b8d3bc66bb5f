-- One row per choice of each choice list of each deployed form version, with English and
-- French labels. is_latest_version marks the labels people should read today.
with versions as (
    select
        *,
        row_number() over (partition by form_uid order by date_deployed desc, version_id asc) = 1
            as is_latest_version
    from {{ source('kobo', 'kobo_form_content') }}
)

select
    versions.form_uid,
    versions.dataset,
    versions.version_id,
    versions.is_latest_version,
    choice.value ->> 'list_name' as choice_list,
    choice.value ->> 'name' as choice_code,
    {{ kobo_label("choice.value -> 'label'", "versions.content -> 'translations'", 'en') }} as label_en,
    {{ kobo_label("choice.value -> 'label'", "versions.content -> 'translations'", 'fr') }} as label_fr
from versions, json_each(versions.content, '$.choices') as choice

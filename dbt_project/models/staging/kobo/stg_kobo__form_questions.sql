-- One row per question of each deployed form version: its path, type, choice list and
-- English and French labels. Groups and repeats are rows too (type begin_group/begin_repeat).
with versions as (
    select * from {{ source('kobo', 'kobo_form_content') }}
)

select
    versions.form_uid,
    versions.dataset,
    versions.version_id,
    try_cast(versions.date_deployed as timestamp) as version_deployed_at,
    cast(question.key as integer) + 1 as question_position,
    question.value ->> '$."$xpath"' as question_path,
    question.value ->> 'name' as question_name,
    question.value ->> 'type' as question_type,
    question.value ->> 'select_from_list_name' as choice_list,
    coalesce(try_cast(question.value ->> 'required' as boolean), false) as is_required,
    question.value ->> 'relevant' as relevance,
    {{ kobo_label("question.value -> 'label'", "versions.content -> 'translations'", 'en') }} as label_en,
    {{ kobo_label("question.value -> 'label'", "versions.content -> 'translations'", 'fr') }} as label_fr
from versions, json_each(versions.content, '$.survey') as question
where question.value ->> 'type' not in ('end_group', 'end_repeat')

-- Answer fields present in submissions that the submission's form version does not define:
-- a question renamed or added on devices still running another version, or a broken
-- import. Neither ingestion nor staging breaks on them; this model names them. A version
-- whose content the server would not give at all (an old deployment) is one row per form
-- and version, form_version_without_content.
with seen as (
    select * from {{ ref('stg_kobo__answer_fields') }}
),

defined as (
    select distinct dataset, version_id, question_path from {{ ref('stg_kobo__form_questions') }}
),

versions_with_content as (
    select distinct dataset, version_id from defined
),

versions_without_content as (
    -- the submissions of the version: those of its most common field
    select seen.dataset, seen.form_version, max(seen.submissions) as submissions,
           min(seen.first_submission_id) as first_submission_id
    from seen
    where not exists (select 1 from versions_with_content as known
                      where known.dataset = seen.dataset and known.version_id = seen.form_version)
    group by seen.dataset, seen.form_version
)

select
    dataset as form,
    form_version,
    cast(null as varchar) as field,
    submissions,
    first_submission_id,
    'form_version_without_content' as rule,
    'warning' as severity,
    current_timestamp as detected_at
from versions_without_content

union all

select
    seen.dataset as form,
    seen.form_version,
    seen.field_path as field,
    seen.submissions,
    seen.first_submission_id,
    'field_not_in_form_version' as rule,
    'warning' as severity,
    current_timestamp as detected_at
from seen
join versions_with_content as known
    on known.dataset = seen.dataset
    and known.version_id = seen.form_version
left join defined
    on defined.dataset = seen.dataset
    and defined.version_id = seen.form_version
    and defined.question_path = seen.field_path
where defined.question_path is null

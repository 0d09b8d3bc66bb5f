-- Answer fields present in submissions that the submission's form version does not define:
-- a question renamed or added on devices still running another version, or a broken
-- import. Neither ingestion nor staging breaks on them; this model names them.
with seen as (
    select * from {{ ref('stg_kobo__answer_fields') }}
),

defined as (
    select distinct dataset, version_id, question_path from {{ ref('stg_kobo__form_questions') }}
)

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
left join defined
    on defined.dataset = seen.dataset
    and defined.version_id = seen.form_version
    and defined.question_path = seen.field_path
where defined.question_path is null

-- Every row of the cleaning log with what became of it. A correction is applied only when
-- its old value still matches the data: otherwise the data changed since (an edit in
-- Kobo, an earlier correction) and the officer must look again.
with log as (
    select * from {{ ref('ref_cleaning_log') }}
),

current_locality as (
    {{ current_values('dtm_locality', ref('stg_kobo__dtm_locality')) }}
),

submissions as (
    select 'dtm_locality' as form, submission_id from {{ ref('stg_kobo__dtm_locality') }}
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
    current_locality.current_value,
    case
        when submissions.submission_id is null then 'unknown_submission'
        when log.field not in ({% for f in correctable_fields('dtm_locality') %}'{{ f }}'{% if not loop.last %}, {% endif %}{% endfor %})
            then 'unknown_field'
        when current_locality.current_value is not distinct from log.old_value then 'applied'
        else 'stale_old_value'
    end as status
from log
left join submissions
    on submissions.form = log.form and submissions.submission_id = log.submission_id
left join current_locality
    on log.form = 'dtm_locality'
    and current_locality.submission_id = log.submission_id
    and current_locality.field = log.field

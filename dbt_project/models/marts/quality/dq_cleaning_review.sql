-- The review of the cleaning after a build: every cleaning-log entry (seeded or imported
-- from a verification workbook) with what the data shows now, one row per entry.
--   applied                  the correction, blank or confirmation holds, the removal too
--   no_longer_applies        the value changed at the source since the entry was made
--                            (an edit in Kobo): the entry is not applied, look again
--   removed_but_in_marts     marked for removal, yet the marts still count the survey (a
--                            form whose cleaned model does not follow the cleaning log)
--   conflicting              entries of the same time give the cell different answers:
--                            none applies until one is withdrawn or a newer one is made
--   superseded               a newer entry answered the same cell
--   not_applicable           the entry names an unknown submission, field or decision,
--                            or a value the field cannot hold
-- needs_attention marks the rows a data officer must act on.
with log as (
    select * from {{ ref('cln_cleaning_log') }}
),

submissions as (
    {{ dq_all_submissions() }}
)

select
    log.form,
    log.submission_id,
    log.field,
    log.decision,
    log.old_value,
    log.new_value,
    log.current_value,
    log.status as log_status,
    case
        when log.status = 'applied' and log.decision = 'remove_survey' and submissions.in_marts
            then 'removed_but_in_marts'
        when log.status = 'applied' then 'applied'
        when log.status = 'stale_old_value' then 'no_longer_applies'
        when log.status in ('conflicting', 'superseded') then log.status
        else 'not_applicable'
    end as review,
    log.source_file,
    log.source_row,
    -- who verified stays in cleaned.cln_cleaning_log: the marts are published
    log.changed_at,
    case
        when log.status = 'applied' then coalesce(log.decision = 'remove_survey' and submissions.in_marts, false)
        else log.status <> 'superseded'
    end as needs_attention
from log
left join submissions on submissions.form = log.form and submissions.submission_id = log.submission_id
where {{ publishable_submission('log.form', 'log.submission_id') }}

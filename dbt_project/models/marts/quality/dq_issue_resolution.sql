-- Issue resolution, one row per submission that has a data-quality issue now or a
-- cleaning-log correction: the issues still open (rules run on the corrected data, so an
-- issue a correction fixed is no longer open), the corrections applied and those not
-- applied (the data changed since, or the log names an unknown submission or field), and a
-- resolution status:
--   resolved                  corrections applied, no blocking issue left
--   partially_resolved        corrections applied, a blocking issue still open
--   correction_not_applied    the log has corrections for it that could not be applied
--   open_blocking             a blocking issue, no correction yet: kept out of the marts
--   open_warning              warnings only: counted in the marts, flagged for follow-up
with submissions as (
    {{ dq_all_submissions() }}
),

issues as (
    select
        form,
        submission_id,
        count(*) as open_issues,
        count(*) filter (where severity = 'blocking') as open_blocking_issues,
        list(distinct rule order by rule) as open_rules
    from {{ ref('dq_issues') }}
    group by form, submission_id
),

corrections as (
    select
        form,
        submission_id,
        count(*) filter (where status = 'applied') as corrections_applied,
        count(*) filter (where status not in ('applied', 'superseded')) as corrections_not_applied,
        list(field order by field) filter (where status = 'applied') as fields_corrected,
        max(changed_at) as last_changed_at
    from {{ ref('cln_cleaning_log') }}
    group by form, submission_id
)

select
    coalesce(issues.form, corrections.form) as form,
    coalesce(issues.submission_id, corrections.submission_id) as submission_id,
    submissions.enumerator_id,
    coalesce(issues.open_issues, 0) as open_issues,
    coalesce(issues.open_blocking_issues, 0) as open_blocking_issues,
    coalesce(issues.open_rules, []) as open_rules,
    coalesce(corrections.corrections_applied, 0) as corrections_applied,
    coalesce(corrections.corrections_not_applied, 0) as corrections_not_applied,
    coalesce(corrections.fields_corrected, []) as fields_corrected,
    corrections.last_changed_at as last_corrected_on,
    case
        when coalesce(corrections.corrections_applied, 0) > 0 and coalesce(issues.open_blocking_issues, 0) = 0
            then 'resolved'
        when coalesce(corrections.corrections_applied, 0) > 0 then 'partially_resolved'
        when coalesce(corrections.corrections_not_applied, 0) > 0 then 'correction_not_applied'
        when issues.open_blocking_issues > 0 then 'open_blocking'
        else 'open_warning'
    end as resolution_status
from issues
full outer join corrections
    on corrections.form = issues.form and corrections.submission_id = issues.submission_id
left join submissions
    on submissions.form = coalesce(issues.form, corrections.form)
    and submissions.submission_id = coalesce(issues.submission_id, corrections.submission_id)
where {{ publishable_submission('coalesce(issues.form, corrections.form)', 'coalesce(issues.submission_id, corrections.submission_id)') }}

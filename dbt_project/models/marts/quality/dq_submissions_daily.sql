-- Submissions and data-quality issues per day (the day the server received the
-- submission, UTC), form and enumerator: live submissions, deleted ones (still counted
-- here, left out of every other model), submissions with an issue and with a blocking
-- issue, and the issues found. A row exists for every day, form and enumerator with a
-- submission, live or deleted.
with submissions as (
    {{ dq_all_submissions() }}
),

issues as (
    select
        form,
        submission_id,
        count(*) as issues,
        count(*) filter (where severity = 'blocking') as blocking_issues,
        count(*) filter (where severity = 'warning') as warnings
    from {{ ref('dq_issues') }}
    group by form, submission_id
),

live as (
    select
        submissions.form,
        cast(submissions.submitted_at as date) as submission_date,
        coalesce(submissions.enumerator_id, 'unknown') as enumerator_id,
        count(*) as submissions,
        count(issues.submission_id) as submissions_with_issues,
        count(*) filter (where issues.blocking_issues > 0) as submissions_with_blocking_issues,
        coalesce(sum(issues.issues), 0) as issues,
        coalesce(sum(issues.blocking_issues), 0) as blocking_issues,
        coalesce(sum(issues.warnings), 0) as warnings
    from submissions
    left join issues on issues.form = submissions.form and issues.submission_id = submissions.submission_id
    group by all
),

deleted as (
    select form, cast(submitted_at as date) as submission_date, coalesce(enumerator_id, 'unknown') as enumerator_id,
           count(*) as deleted_submissions
    from {{ ref('stg_kobo__deleted_submissions') }}
    group by all
)

select
    coalesce(live.form, deleted.form) as form,
    coalesce(live.submission_date, deleted.submission_date) as submission_date,
    coalesce(live.enumerator_id, deleted.enumerator_id) as enumerator_id,
    coalesce(live.submissions, 0) as submissions,
    coalesce(deleted.deleted_submissions, 0) as deleted_submissions,
    coalesce(live.submissions_with_issues, 0) as submissions_with_issues,
    coalesce(live.submissions_with_blocking_issues, 0) as submissions_with_blocking_issues,
    coalesce(live.issues, 0) as issues,
    coalesce(live.blocking_issues, 0) as blocking_issues,
    coalesce(live.warnings, 0) as warnings
from live
full outer join deleted
    on deleted.form = live.form and deleted.submission_date = live.submission_date
    and deleted.enumerator_id = live.enumerator_id

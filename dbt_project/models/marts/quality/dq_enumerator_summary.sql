-- Each enumerator's last verification_window_days of each form's collection at a glance, for
-- the supervisor's page (cleaning/enumerator_view): submissions, issues per 100 submissions,
-- blocking issues, the median interview duration, days flagged as productivity outliers,
-- the three rules they trip most, and the same rate for the whole form, to compare with.
with submissions as (
    {{ dq_all_submissions() }}
),

recent as (
    select daily.*
    from {{ ref('dq_enumerator_daily') }} as daily
    qualify daily.submission_date > max(daily.submission_date) over (partition by daily.form)
        - to_days({{ var('verification_window_days') }})
),

enumerators as (
    select
        form, team, any_value(supervisor) as supervisor, enumerator_id,
        min(submission_date) as first_day, max(submission_date) as last_day,
        count(*) as days_worked,
        sum(submissions) as submissions,
        sum(issues) as issues,
        sum(blocking_issues) as blocking_issues,
        median(median_duration_minutes) as median_duration_minutes,
        count(*) filter (where is_productivity_outlier) as outlier_days
    from recent
    group by form, team, enumerator_id
),

window_start as (
    select form, min(submission_date) as first_day from recent group by form
),

rules as (
    select issues.form, coalesce(submissions.enumerator_id, 'unknown') as enumerator_id, issues.rule,
           count(*) as issues
    from {{ ref('dq_issues') }} as issues
    join submissions on submissions.form = issues.form and submissions.submission_id = issues.submission_id
    join window_start on window_start.form = issues.form
    where cast(submissions.submitted_at as date) >= window_start.first_day
    group by all
),

top_rules as (
    select form, enumerator_id, list(rule order by issues desc, rule asc)[1:3] as top_rules
    from rules
    group by form, enumerator_id
),

forms as (
    select form, round(100.0 * sum(issues) / sum(submissions), 1) as form_issues_per_100_submissions
    from enumerators group by form
)

select
    enumerators.*,
    {{ var('verification_window_days') }} as window_days,
    round(100.0 * enumerators.issues / enumerators.submissions, 1) as issues_per_100_submissions,
    forms.form_issues_per_100_submissions,
    coalesce(top_rules.top_rules, []) as top_rules
from enumerators
join forms using (form)
left join top_rules using (form, enumerator_id)

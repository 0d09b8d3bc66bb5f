-- Each enumerator's day, per form: submissions received, issues found on them (per 100
-- submissions), blocking ones, the median interview duration and whether the day's count
-- is a productivity outlier for the form: more submissions than the median enumerator-day
-- plus three median absolute deviations, than twice the median and than 95% of the form's
-- enumerator-days (counts of a few a day make the median's spread zero: the percentile
-- keeps a busy but ordinary day from being flagged). The team comes from
-- ref_enumerator_teams (`unassigned` when not listed); the round, for a form collected in
-- rounds, is the latest of the day's submissions.
with submissions as (
    {{ dq_all_submissions() }}
),

interviews as (
    -- the duration of each interview, where the form records the tablet's start and end
    {%- set timed = {
        'dtm_locality': 'cln_dtm_locality_assessments', 'dtm_site': 'cln_dtm_site_assessments',
        'dtm_flow_counts': 'cln_dtm_flow_counts', 'dtm_flow_survey': 'cln_dtm_flow_survey_interviews',
        'me_activity': 'cln_me_activity_sessions', 'me_partner_report': 'cln_me_partner_reports',
        'me_pdm': 'cln_me_pdm_interviews',
        'me_perception': 'cln_me_perception_interviews'} %}
    {%- set rounds = ('dtm_locality', 'dtm_site', 'me_perception') %}
    {%- for form, model in timed.items() %}
    select '{{ form }}' as form, submission_id,
           {% if form in rounds %}round{% else %}null::integer{% endif %} as round,
           date_diff('second', interview_started_at, interview_ended_at) / 60.0 as duration_minutes
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

issues as (
    select form, submission_id, count(*) as issues, count(*) filter (where severity = 'blocking') as blocking_issues
    from {{ ref('dq_issues') }}
    group by form, submission_id
),

days as (
    select
        submissions.form,
        coalesce(submissions.enumerator_id, 'unknown') as enumerator_id,
        cast(submissions.submitted_at as date) as submission_date,
        max(interviews.round) as round,
        count(*) as submissions,
        count(issues.submission_id) as submissions_with_issues,
        coalesce(sum(issues.issues), 0) as issues,
        coalesce(sum(issues.blocking_issues), 0) as blocking_issues,
        median(interviews.duration_minutes) filter (where interviews.duration_minutes between 0 and 24 * 60)
            as median_duration_minutes
    from submissions
    left join issues on issues.form = submissions.form and issues.submission_id = submissions.submission_id
    left join interviews on interviews.form = submissions.form and interviews.submission_id = submissions.submission_id
    group by all
),

spread as (
    select form, median(submissions) as median_per_day, quantile_cont(submissions, 0.95) as p95_per_day
    from days group by form
),

deviation as (
    select days.form, spread.median_per_day, spread.p95_per_day,
           median(abs(days.submissions - spread.median_per_day)) as mad_per_day
    from days join spread using (form)
    group by days.form, spread.median_per_day, spread.p95_per_day
)

select
    days.form,
    coalesce(teams.team, 'unassigned') as team,
    teams.supervisor,
    days.enumerator_id,
    days.submission_date,
    days.round,
    days.submissions,
    days.submissions_with_issues,
    days.issues,
    days.blocking_issues,
    round(100.0 * days.issues / days.submissions, 1) as issues_per_100_submissions,
    round(days.median_duration_minutes, 1) as median_duration_minutes,
    days.submissions > deviation.median_per_day + 3 * deviation.mad_per_day
        and days.submissions > 2 * deviation.median_per_day
        and days.submissions > deviation.p95_per_day as is_productivity_outlier
from days
join deviation on deviation.form = days.form
left join {{ ref('ref_enumerator_teams') }} as teams on teams.enumerator_id = days.enumerator_id

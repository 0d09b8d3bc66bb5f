-- How long each interview with an audit log really took: the questions timed, their time
-- on screen added up (active time, pauses left out), the median seconds a question stayed
-- on screen, and the span of the whole log. One row per submission with a current log;
-- rules audit_too_fast and audit_short_for_household (dq_issues) read it.
select
    {{ kobo_quality_form('dataset') }} as form,
    submission_id,
    count(*) filter (where event = 'question' and seconds >= 0) as questions_timed,
    coalesce(sum(seconds) filter (where event = 'question' and seconds >= 0), 0) as active_seconds,
    median(seconds) filter (where event = 'question' and seconds >= 0) as median_seconds_per_question,
    epoch(max(coalesce(ended_at, started_at)) - min(started_at)) as logged_seconds
from {{ ref('stg_kobo__audit_events') }}
group by all

-- The data quality of each round of the locality assessment, the situation report's
-- data-quality note: submissions received (cln_dtm_locality_assessments), left out of the
-- marts for a blocking issue, counted with a warning only, and corrected through the
-- cleaning log. A round of the plan (ref_dtm_rounds) without a submission counts zeros.
with submissions as (
    select * from {{ ref('cln_dtm_locality_assessments') }}
),

rounds as (
    select round from submissions
    union
    select round from {{ ref('ref_dtm_rounds') }} where form = 'dtm_locality'
)

select
    rounds.round,
    count(submissions.round) as submissions,
    count(*) filter (where submissions.has_blocking_issue) as submissions_excluded,
    count(*) filter (where not submissions.has_blocking_issue and len(submissions.dq_rules_failed) > 0)
        as submissions_with_warning,
    count(*) filter (where submissions.is_corrected) as submissions_corrected
from rounds
left join submissions on submissions.round = rounds.round
group by rounds.round

-- Post-distribution monitoring results by activity and the respondent's disability status:
-- households interviewed, those that received the assistance, their satisfaction, problems
-- and safety concerns, as in me_pdm_results. The status is cln_me_pdm_interviews': by the
-- Washington Group short set's cut-off (macros/disability.sql) where version 3 of the form
-- asked it, not_known otherwise (the form has no other disability question), so the rows of
-- an activity add up to its households. Consented interviews without a blocking issue only.
with interviews as (
    select *, coalesce(disability, 'not_known') as disability_status
    from {{ ref('cln_me_pdm_interviews') }}
    where has_consented and not has_blocking_issue
),

counted as (
    select
        activity_code,
        disability_status as disability,
        disability_source,
        count(*) as respondents,
        count(*) filter (where received_assistance) as received_assistance,
        count(satisfaction) filter (where received_assistance) as satisfaction_respondents,
        count(*) filter (where received_assistance and satisfaction >= 4) as satisfied,
        avg(satisfaction) filter (where received_assistance) as satisfaction_mean,
        count(*) filter (where received_assistance and len(list_filter(problems, p -> p <> 'none')) > 0)
            as with_problems,
        count(*) filter (where received_assistance and has_safety_concerns) as with_safety_concerns
    from interviews
    group by all
)

select
    counted.activity_code,
    activity.label_en as activity_label_en,
    activity.label_fr as activity_label_fr,
    counted.disability,
    {{ disability_label('counted.disability', 'en') }} as disability_label_en,
    {{ disability_label('counted.disability', 'fr') }} as disability_label_fr,
    counted.disability_source,
    {{ disability_label('counted.disability_source', 'en') }} as disability_source_label_en,
    {{ disability_label('counted.disability_source', 'fr') }} as disability_source_label_fr,
    counted.respondents,
    counted.received_assistance,
    counted.satisfaction_respondents,
    counted.satisfied,
    round(counted.satisfied / nullif(counted.received_assistance, 0), 4) as share_satisfied,
    round(counted.satisfaction_mean, 3) as satisfaction_mean,
    counted.with_problems,
    round(counted.with_problems / nullif(counted.received_assistance, 0), 4) as share_with_problems,
    counted.with_safety_concerns,
    round(counted.with_safety_concerns / nullif(counted.received_assistance, 0), 4) as share_with_safety_concerns
from counted
{{ join_choice_labels('me_pdm', 'activity', 'counted.activity_code', 'activity') }}

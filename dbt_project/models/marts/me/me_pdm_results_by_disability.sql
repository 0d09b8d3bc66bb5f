-- Post-distribution monitoring results by activity and the respondent's disability status,
-- with a total row per activity (row_level 'total'): households interviewed, those that
-- received the assistance, their satisfaction, problems and safety concerns, by the formulas
-- of me_pdm_results (macros/pdm.sql, pdm_results). The status is cln_me_pdm_interviews': by
-- the Washington Group short set's cut-off (macros/disability.sql) where version 3 of the form
-- asked it, not_known otherwise (the form has no other disability question), so the rows of
-- an activity add up to its total row. Consented interviews without a blocking issue only.
-- Published with small counts withheld, and one more wherever the total row would give a
-- withheld one back (serving/disclosure.py, MARGINS).
with interviews as (
    select * replace (coalesce(disability, 'not_known') as disability)
    from {{ ref('cln_me_pdm_interviews') }}
),

results as (
    select 'disability' as row_level, *
    from ({{ pdm_results('interviews', ['activity_code', 'disability', 'disability_source']) }}) as by_status

    union all by name
    select 'total' as row_level, *
    from ({{ pdm_results('interviews', ['activity_code']) }}) as per_activity
)

select
    results.activity_code,
    activity.label_en as activity_label_en,
    activity.label_fr as activity_label_fr,
    results.row_level,
    results.disability,
    case when results.row_level = 'total' then 'All households'
         else {{ disability_label('results.disability', 'en') }} end as disability_label_en,
    case when results.row_level = 'total' then 'Tous les ménages'
         else {{ disability_label('results.disability', 'fr') }} end as disability_label_fr,
    results.disability_source,
    {{ disability_label('results.disability_source', 'en') }} as disability_source_label_en,
    {{ disability_label('results.disability_source', 'fr') }} as disability_source_label_fr,
    results.respondents,
    results.received_assistance,
    results.satisfaction_respondents,
    results.satisfied,
    results.share_satisfied,
    results.satisfaction_mean,
    results.with_problems,
    results.share_with_problems,
    results.with_safety_concerns,
    results.share_with_safety_concerns
from results
{{ join_choice_labels('me_pdm', 'activity', 'results.activity_code', 'activity') }}

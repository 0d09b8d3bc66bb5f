-- Post-distribution monitoring results by activity and sub-prefecture: households
-- interviewed, those that received the assistance, their satisfaction (1 very dissatisfied
-- to 5 very satisfied), problems and safety concerns met, and whether they know how to give
-- feedback. Consented interviews without a blocking data-quality issue only; satisfaction,
-- problems and safety were asked of households that received the assistance, the feedback
-- question only from version 2 of the form (feedback_channel_asked). The formulas are
-- macros/pdm.sql's (pdm_results), shared with me_pdm_results_by_disability.
with results as (
    {{ pdm_results(ref('cln_me_pdm_interviews'),
                   ['activity_code', 'admin1_pcode', 'admin1_name', 'admin2_pcode', 'admin2_name']) }}
)

select
    results.activity_code,
    activity.label_en as activity_label_en,
    activity.label_fr as activity_label_fr,
    results.admin1_pcode,
    results.admin1_name,
    results.admin2_pcode,
    results.admin2_name,
    results.respondents,
    results.female_respondents,
    results.received_assistance,
    results.satisfaction_respondents,
    results.satisfied,
    results.share_satisfied,
    results.satisfaction_mean,
    results.with_problems,
    results.share_with_problems,
    results.with_safety_concerns,
    results.share_with_safety_concerns,
    results.feedback_channel_asked,
    results.knows_feedback_channel,
    results.share_knows_feedback_channel,
    results.mean_household_size
from results
{{ join_choice_labels('me_pdm', 'activity', 'results.activity_code', 'activity') }}

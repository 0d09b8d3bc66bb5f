-- Post-distribution monitoring results by activity and sub-prefecture: households
-- interviewed, those that received the assistance, their satisfaction (1 very dissatisfied
-- to 5 very satisfied), problems and safety concerns met, and whether they know how to give
-- feedback. Consented interviews without a blocking data-quality issue only; satisfaction,
-- problems and safety were asked of households that received the assistance, the feedback
-- question only from version 2 of the form (feedback_channel_asked).
with interviews as (
    select * from {{ ref('cln_me_pdm_interviews') }}
    where has_consented and not has_blocking_issue
),

counted as (
    select
        activity_code,
        admin1_pcode,
        admin1_name,
        admin2_pcode,
        admin2_name,
        count(*) as respondents,
        count(*) filter (where respondent_sex = 'female') as female_respondents,
        count(*) filter (where received_assistance) as received_assistance,
        count(satisfaction) filter (where received_assistance) as satisfaction_respondents,
        count(*) filter (where received_assistance and satisfaction >= 4) as satisfied,
        avg(satisfaction) filter (where received_assistance) as satisfaction_mean,
        count(*) filter (where received_assistance and len(list_filter(problems, p -> p <> 'none')) > 0)
            as with_problems,
        count(*) filter (where received_assistance and has_safety_concerns) as with_safety_concerns,
        count(knows_feedback_channel) as feedback_channel_asked,
        count(*) filter (where knows_feedback_channel) as knows_feedback_channel,
        avg(household_size) as mean_household_size
    from interviews
    group by activity_code, admin1_pcode, admin1_name, admin2_pcode, admin2_name
)

select
    counted.activity_code,
    activity.label_en as activity_label_en,
    activity.label_fr as activity_label_fr,
    counted.admin1_pcode,
    counted.admin1_name,
    counted.admin2_pcode,
    counted.admin2_name,
    counted.respondents,
    counted.female_respondents,
    counted.received_assistance,
    counted.satisfaction_respondents,
    counted.satisfied,
    round(counted.satisfied / nullif(counted.received_assistance, 0), 4) as share_satisfied,
    round(counted.satisfaction_mean, 3) as satisfaction_mean,
    counted.with_problems,
    round(counted.with_problems / nullif(counted.received_assistance, 0), 4) as share_with_problems,
    counted.with_safety_concerns,
    round(counted.with_safety_concerns / nullif(counted.received_assistance, 0), 4) as share_with_safety_concerns,
    counted.feedback_channel_asked,
    counted.knows_feedback_channel,
    round(counted.knows_feedback_channel / nullif(counted.feedback_channel_asked, 0), 4) as share_knows_feedback_channel,
    round(counted.mean_household_size, 2) as mean_household_size
from counted
{{ join_choice_labels('me_pdm', 'activity', 'counted.activity_code', 'activity') }}

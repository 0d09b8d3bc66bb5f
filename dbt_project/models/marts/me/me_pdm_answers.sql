-- Post-distribution monitoring answers by activity: for each question (satisfaction, what
-- the assistance was used for, problems met, safety issues, knowing how to give feedback)
-- and answer, the households giving it and their share of the households asked. Consented
-- interviews without a blocking data-quality issue only. Multiple-choice questions
-- (assistance_use, problems, safety_issues) can add up to more than 1.
{%- set questions = {
    'assistance_use': ('assistance_uses', 'assistance_use', 'received_assistance'),
    'problems': ('problems', 'problem', 'received_assistance'),
    'safety_issues': ('safety_issues', 'safety_issue', 'has_safety_concerns'),
} %}
with interviews as (
    select * from {{ ref('cln_me_pdm_interviews') }}
    where has_consented and not has_blocking_issue
),

answers as (
    select submission_id, activity_code, 'satisfaction' as question, 'satisfaction' as choice_list,
           cast(satisfaction as varchar) as answer
    from interviews
    where received_assistance and satisfaction is not null
    union all
    select submission_id, activity_code, 'knows_feedback_channel', 'yes_no',
           case when knows_feedback_channel then 'yes' else 'no' end
    from interviews
    where knows_feedback_channel is not null
    {%- for question, (column, choice_list, asked_when) in questions.items() %}
    union all
    select submission_id, activity_code, '{{ question }}', '{{ choice_list }}', unnest({{ column }})
    from interviews
    where {{ asked_when }} and {{ column }} is not null
    {%- endfor %}
),

asked as (
    select activity_code, 'satisfaction' as question, count(*) filter (where received_assistance and satisfaction is not null) as respondents_asked
    from interviews group by activity_code
    union all
    select activity_code, 'knows_feedback_channel', count(knows_feedback_channel) from interviews group by activity_code
    {%- for question, (column, choice_list, asked_when) in questions.items() %}
    union all
    select activity_code, '{{ question }}', count(*) filter (where {{ asked_when }}) from interviews group by activity_code
    {%- endfor %}
),

labels as (
    select choice_list, choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'me_pdm'
),

counted as (
    select activity_code, question, any_value(choice_list) as choice_list, answer,
           count(distinct submission_id) as respondents
    from answers
    group by activity_code, question, answer
)

select
    counted.activity_code,
    activity.label_en as activity_label_en,
    activity.label_fr as activity_label_fr,
    counted.question,
    counted.answer,
    labels.label_en as answer_label_en,
    labels.label_fr as answer_label_fr,
    counted.respondents,
    asked.respondents_asked,
    round(counted.respondents / nullif(asked.respondents_asked, 0), 4) as share_of_respondents
from counted
join asked on asked.activity_code = counted.activity_code and asked.question = counted.question
left join labels on labels.choice_list = counted.choice_list and labels.choice_code = counted.answer
{{ join_choice_labels('me_pdm', 'activity', 'counted.activity_code', 'activity') }}

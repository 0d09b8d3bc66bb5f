-- Who the travellers interviewed at the flow monitoring points are, by month and point:
-- one row per question and answer (respondent's sex, age group and nationality, country of
-- departure and destination, reason for travel, intended length of stay, vulnerabilities in
-- the group, main need), with the respondents giving it and the share of the respondents
-- asked. Consented interviews without a blocking data-quality issue only. vulnerability is
-- a multiple choice: its shares can add up to more than 1. main_need was added in version 2
-- of the form: respondents_asked counts only those asked.
{%- set questions = {
    'respondent_sex': 'sex', 'respondent_nationality': 'nationality', 'origin_country': 'country',
    'destination_country': 'country', 'travel_reason': 'travel_reason',
    'intended_duration': 'intended_duration', 'main_need': 'priority_need'} %}
with interviews as (
    select *, cast(date_trunc('month', survey_date) as date) as survey_month
    from {{ ref('cln_dtm_flow_survey_interviews') }}
    where has_consented and not has_blocking_issue
),

answers as (
    {%- for question, choice_list in questions.items() %}
    select submission_id, survey_month, fmp_id, '{{ question }}' as question, '{{ choice_list }}' as choice_list,
           {{ question }} as answer
    from interviews
    where {{ question }} is not null
    union all
    {%- endfor %}
    select submission_id, survey_month, fmp_id, 'respondent_age_group', null, respondent_age_group
    from interviews
    where respondent_age_group is not null
    union all
    select submission_id, survey_month, fmp_id, 'vulnerability', 'vulnerability', unnest(vulnerabilities)
    from interviews
    where vulnerabilities is not null
),

asked as (
    select survey_month, fmp_id, question, count(distinct submission_id) as respondents_asked
    from answers
    group by survey_month, fmp_id, question
),

labels as (
    select choice_list, choice_code, label_en, label_fr
    from {{ ref('stg_kobo__kind_choices') }}
    where kind = 'dtm_flow_survey'
),

points as (
    select fmp_id, name, admin1_pcode, admin2_pcode from {{ ref('ref_flow_monitoring_points') }}
),

counted as (
    select survey_month, fmp_id, question, any_value(choice_list) as choice_list, answer,
           count(distinct submission_id) as respondents
    from answers
    group by survey_month, fmp_id, question, answer
)

select
    counted.survey_month,
    counted.fmp_id,
    points.name as fmp_name,
    points.admin1_pcode,
    points.admin2_pcode,
    counted.question,
    counted.answer,
    coalesce(labels.label_en, {{ age_group_label('counted.answer', 'en') }}) as answer_label_en,
    coalesce(labels.label_fr, {{ age_group_label('counted.answer', 'fr') }}) as answer_label_fr,
    counted.respondents,
    asked.respondents_asked,
    round(counted.respondents / asked.respondents_asked, 4) as share_of_respondents
from counted
join asked using (survey_month, fmp_id, question)
left join points on points.fmp_id = counted.fmp_id
left join labels on labels.choice_list = counted.choice_list and labels.choice_code = counted.answer

-- Perception survey items by round, prefecture and sub-prefecture: for each Likert item,
-- the respondents who scored it, its mean score (1 to 5), the share who agree (4 or 5) and
-- how many answered "don't know" (not a score, left out of the mean). Labels are the
-- form's own question labels. ta_security_forces was added in round 2 and belongs to no
-- index. Consented interviews without a blocking data-quality issue only.
{%- set domains = perception_domains() %}
with interviews as (
    select * from {{ ref('cln_me_perception_interviews') }}
    where has_consented and not has_blocking_issue
),

answers as (
    {{ perception_answers('interviews') }}
),

labels as (
    select question_name, label_en, label_fr
    from {{ ref('stg_kobo__kind_questions') }}
    where kind = 'me_perception'
)

select
    interviews.round,
    interviews.admin1_pcode,
    interviews.admin1_name,
    interviews.admin2_pcode,
    interviews.admin2_name,
    answers.item,
    labels.label_en as item_label_en,
    labels.label_fr as item_label_fr,
    answers.domain,
    count(answers.score) as respondents,
    round(avg(answers.score), 4) as mean_score,
    count(*) filter (where answers.score >= 4) as respondents_agreeing,
    round(count(*) filter (where answers.score >= 4) / nullif(count(answers.score), 0), 4) as share_agreeing,
    count(*) filter (where answers.answer_code = 'dk') as answers_dont_know
from answers
join interviews on interviews.submission_id = answers.submission_id
left join labels on labels.question_name = answers.item
where answers.answer_code is not null
group by all

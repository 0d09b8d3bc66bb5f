-- Perception survey indices by round, prefecture and sub-prefecture: social cohesion and
-- trust in local authorities, each the mean over respondents of the respondent's own mean
-- score (1 strongly disagree to 5 strongly agree) on the index's items. "Don't know" is not
-- a score: it is left out of the respondent's mean, and a respondent who scored none of an
-- index's items is left out of that index (respondents says how many count). Consented
-- interviews without a blocking data-quality issue only. The items are in
-- me_perception_item_scores.
{%- set domains = perception_domains() %}
with interviews as (
    select * from {{ ref('cln_me_perception_interviews') }}
    where has_consented and not has_blocking_issue
),

answers as (
    {{ perception_answers('interviews') }}
),

respondent_means as (
    select
        interviews.round,
        interviews.admin1_pcode,
        interviews.admin1_name,
        interviews.admin2_pcode,
        interviews.admin2_name,
        answers.domain,
        answers.submission_id,
        avg(answers.score) as respondent_mean,
        count(answers.score) as items_scored,
        count(*) filter (where answers.answer_code = 'dk') as items_dont_know
    from answers
    join interviews on interviews.submission_id = answers.submission_id
    where answers.domain is not null and answers.answer_code is not null
    group by all
)

select
    round,
    admin1_pcode,
    admin1_name,
    admin2_pcode,
    admin2_name,
    domain,
    case domain {% for domain, (en, fr) in domains.items() %} when '{{ domain }}' then '{{ en }}'{% endfor %} end
        as domain_label_en,
    case domain {% for domain, (en, fr) in domains.items() %} when '{{ domain }}' then '{{ fr }}'{% endfor %} end
        as domain_label_fr,
    count(respondent_mean) as respondents,
    round(avg(respondent_mean), 4) as mean_score,
    count(*) filter (where respondent_mean > 3) as respondents_positive,
    round(count(*) filter (where respondent_mean > 3) / nullif(count(respondent_mean), 0), 4) as share_positive,
    count(*) filter (where respondent_mean is null) as respondents_dont_know_only,
    sum(items_dont_know) as answers_dont_know
from respondent_means
group by round, admin1_pcode, admin1_name, admin2_pcode, admin2_name, domain

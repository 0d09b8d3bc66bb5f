-- Perception survey indices by round and the respondent's disability status, programme-wide:
-- social cohesion and trust in local authorities, each the mean over respondents of their own
-- mean score on the index's items, "don't know" left out, as in me_perception_scores. The
-- status is cln_me_perception_interviews': by the Washington Group short set's cut-off
-- (macros/disability.sql) where version 3 of the form asked it (from mid round 2),
-- not_known otherwise, so the rows of a round and index add up to its respondents.
-- Consented interviews without a blocking data-quality issue only.
{%- set domains = perception_domains() %}
with interviews as (
    select *, coalesce(disability, 'not_known') as disability_status
    from {{ ref('cln_me_perception_interviews') }}
    where has_consented and not has_blocking_issue
),

answers as (
    {{ perception_answers('interviews') }}
),

respondent_means as (
    select
        interviews.round,
        interviews.disability_status as disability,
        interviews.disability_source,
        answers.domain,
        answers.submission_id,
        avg(answers.score) as respondent_mean
    from answers
    join interviews on interviews.submission_id = answers.submission_id
    where answers.domain is not null and answers.answer_code is not null
    group by all
)

select
    round,
    domain,
    case domain {% for domain, (en, fr) in domains.items() %} when '{{ domain }}' then '{{ en }}'{% endfor %} end
        as domain_label_en,
    case domain {% for domain, (en, fr) in domains.items() %} when '{{ domain }}' then '{{ fr }}'{% endfor %} end
        as domain_label_fr,
    disability,
    {{ disability_label('disability', 'en') }} as disability_label_en,
    {{ disability_label('disability', 'fr') }} as disability_label_fr,
    disability_source,
    {{ disability_label('disability_source', 'en') }} as disability_source_label_en,
    {{ disability_label('disability_source', 'fr') }} as disability_source_label_fr,
    count(respondent_mean) as respondents,
    round(avg(respondent_mean), 4) as mean_score,
    count(*) filter (where respondent_mean > 3) as respondents_positive,
    round(count(*) filter (where respondent_mean > 3) / nullif(count(respondent_mean), 0), 4) as share_positive
from respondent_means
group by all

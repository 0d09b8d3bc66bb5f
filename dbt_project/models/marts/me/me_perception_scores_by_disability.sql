-- Perception survey indices by round and the respondent's disability status, programme-wide,
-- with a total row per round and index (row_level 'total'): social cohesion and trust in
-- local authorities, each the mean over respondents of their own mean score on the index's
-- items, "don't know" left out, by the formulas of me_perception_scores (macros/perception.sql,
-- perception_index_scores). The status is cln_me_perception_interviews': by the Washington
-- Group short set's cut-off (macros/disability.sql) where version 3 of the form asked it (from
-- mid round 2), not_known otherwise, so the rows of a round and index add up to its total
-- row. Consented interviews without a blocking data-quality issue only. Published with small
-- counts withheld, and one more wherever the total row would give a withheld one back
-- (serving/disclosure.py, MARGINS).
with interviews as (
    select * replace (coalesce(disability, 'not_known') as disability)
    from {{ ref('cln_me_perception_interviews') }}
),

scores as (
    select 'disability' as row_level, *
    from ({{ perception_index_scores('interviews', ['round', 'disability', 'disability_source']) }}) as by_status

    union all by name
    select 'total' as row_level, *
    from ({{ perception_index_scores('interviews', ['round']) }}) as per_round
)

select
    round,
    domain,
    domain_label_en,
    domain_label_fr,
    row_level,
    disability,
    case when row_level = 'total' then 'All respondents'
         else {{ disability_label('disability', 'en') }} end as disability_label_en,
    case when row_level = 'total' then 'Tous les répondants'
         else {{ disability_label('disability', 'fr') }} end as disability_label_fr,
    disability_source,
    {{ disability_label('disability_source', 'en') }} as disability_source_label_en,
    {{ disability_label('disability_source', 'fr') }} as disability_source_label_fr,
    respondents,
    mean_score,
    respondents_positive,
    share_positive
from scores

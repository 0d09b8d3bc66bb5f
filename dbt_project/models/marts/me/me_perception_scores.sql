-- Perception survey indices by round, prefecture and sub-prefecture: social cohesion and
-- trust in local authorities, each the mean over respondents of the respondent's own mean
-- score (1 strongly disagree to 5 strongly agree) on the index's items. "Don't know" is not
-- a score: it is left out of the respondent's mean, and a respondent who scored none of an
-- index's items is left out of that index (respondents says how many count). Consented
-- interviews without a blocking data-quality issue only. The formulas are
-- macros/perception.sql's (perception_index_scores), shared with
-- me_perception_scores_by_disability; the items are in me_perception_item_scores.
with scores as (
    {{ perception_index_scores(ref('cln_me_perception_interviews'),
                               ['round', 'admin1_pcode', 'admin1_name', 'admin2_pcode', 'admin2_name']) }}
)

select
    round,
    admin1_pcode,
    admin1_name,
    admin2_pcode,
    admin2_name,
    domain,
    domain_label_en,
    domain_label_fr,
    respondents,
    mean_score,
    respondents_positive,
    share_positive,
    respondents_dont_know_only,
    answers_dont_know
from scores

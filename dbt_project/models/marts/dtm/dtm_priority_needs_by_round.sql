-- The country's priority needs per round: localities naming each need over every locality
-- assessed in the round (dtm_priority_needs added up over the prefectures), the rows the
-- situation report lists.
with assessed as (
    select round, sum(localities_assessed)::bigint as localities_assessed
    from {{ ref('dtm_idp_returnees_by_admin2') }}
    group by round
)

select
    needs.round,
    needs.priority_need,
    needs.priority_need_label_en,
    needs.priority_need_label_fr,
    sum(needs.localities_reporting)::bigint as localities_reporting,
    assessed.localities_assessed,
    round(sum(needs.localities_reporting) / assessed.localities_assessed, 4) as share_of_localities
from {{ ref('dtm_priority_needs') }} as needs
join assessed using (round)
group by needs.round, needs.priority_need, needs.priority_need_label_en, needs.priority_need_label_fr,
         assessed.localities_assessed

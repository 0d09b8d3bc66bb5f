-- The country's DTM figures per round, the situation report's key figures: every
-- published measure of dtm_idp_returnees_by_admin2 added up, the share of IDPs on sites,
-- and each measure's change since the previous round.
{% set measures = dtm_published_measures() %}
with by_round as (
    select
        round,
        {%- for measure in measures %}
        sum({{ measure }})::bigint as {{ measure }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('dtm_idp_returnees_by_admin2') }}
    group by round
)

select
    by_round.*,
    round(idp_individuals_in_sites / nullif(idp_individuals, 0), 4) as share_in_sites,
    rounds.collection_start,
    rounds.collection_end,
    lag(by_round.round) over previous as previous_round,
    {%- for measure in measures %}
    {{ measure }} - lag({{ measure }}) over previous as {{ measure }}_change{% if not loop.last %},{% endif %}
    {%- endfor %}
from by_round
left join {{ ref('ref_dtm_rounds') }} as rounds on rounds.form = 'dtm_locality' and rounds.round = by_round.round
window previous as (order by by_round.round)

-- The published DTM figures by round and prefecture: dtm_idp_returnees_by_admin2 added up,
-- with the share of IDPs on sites and the change since the prefecture's previous assessed
-- round. The situation report's table and HDX's prefecture file select these rows.
{% set measures = dtm_published_measures() %}
with by_admin1 as (
    select
        round,
        admin1_pcode,
        admin1_name,
        {%- for measure in measures %}
        sum({{ measure }})::bigint as {{ measure }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ ref('dtm_idp_returnees_by_admin2') }}
    group by round, admin1_pcode, admin1_name
)

select
    *,
    round(idp_individuals_in_sites / nullif(idp_individuals, 0), 4) as share_in_sites,
    lag(round) over previous as previous_round,
    idp_individuals - lag(idp_individuals) over previous as idp_individuals_change,
    returnee_individuals - lag(returnee_individuals) over previous as returnee_individuals_change
from by_admin1
window previous as (partition by admin1_pcode order by round)

-- The country's reasons for displacement per round: dtm_displacement_reasons added up over
-- the prefectures, the rows the situation report charts.
select
    round,
    displacement_reason,
    displacement_reason_label_en,
    displacement_reason_label_fr,
    sum(localities)::bigint as localities,
    sum(idp_individuals_in_host_families)::bigint as idp_individuals_in_host_families,
    sum(idp_households_in_host_families)::bigint as idp_households_in_host_families
from {{ ref('dtm_displacement_reasons') }}
group by all

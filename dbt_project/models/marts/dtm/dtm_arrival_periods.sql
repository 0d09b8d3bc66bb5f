-- When most IDPs arrived, by round and prefecture: localities and the IDPs living there
-- with host families (the locality assessment asks; the site assessment does not), with labels.
with assessments as (
    select * from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue and has_idps and arrival_period is not null
)

select
    assessments.round,
    assessments.admin1_pcode,
    assessments.admin1_name,
    assessments.arrival_period,
    labels.label_en as arrival_period_label_en,
    labels.label_fr as arrival_period_label_fr,
    count(*) as localities,
    sum(assessments.idp_individuals) as idp_individuals_in_host_families
from assessments
{{ join_choice_labels('dtm_locality', 'arrival_period', 'assessments.arrival_period', 'labels') }}
group by all

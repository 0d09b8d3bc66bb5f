-- Main reason for displacement by round and prefecture: localities reporting it and the
-- IDPs living there with host families, with English and French labels. The locality
-- assessment asks the reason; the site assessment does not, so IDPs on sites are not here.
with assessments as (
    select * from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue and has_idps and displacement_reason is not null
)

select
    assessments.round,
    assessments.admin1_pcode,
    assessments.admin1_name,
    assessments.displacement_reason,
    labels.label_en as displacement_reason_label_en,
    labels.label_fr as displacement_reason_label_fr,
    count(*) as localities,
    sum(assessments.idp_individuals) as idp_individuals_in_host_families,
    sum(assessments.idp_households) as idp_households_in_host_families
from assessments
{{ join_choice_labels('dtm_locality', 'displacement_reason', 'assessments.displacement_reason', 'labels') }}
group by all

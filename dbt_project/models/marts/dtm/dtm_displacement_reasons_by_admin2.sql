-- Main reason for displacement by round and sub-prefecture: localities giving it and the
-- IDPs living there with host families, their share of the sub-prefecture's IDPs with host
-- families whose localities gave a reason, and the reason's rank (1: the most IDPs). The
-- locality assessment asks the reason; the site assessment does not, so IDPs on sites are
-- not here. Assessments with a blocking data-quality issue are left out.
with assessments as (
    select * from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue and has_idps and displacement_reason is not null
),

by_reason as (
    select
        assessments.round,
        assessments.admin1_pcode,
        assessments.admin1_name,
        assessments.admin2_pcode,
        assessments.admin2_name,
        assessments.displacement_reason,
        labels.label_en as displacement_reason_label_en,
        labels.label_fr as displacement_reason_label_fr,
        count(*) as localities,
        sum(assessments.idp_individuals)::bigint as idp_individuals_in_host_families,
        sum(assessments.idp_households)::bigint as idp_households_in_host_families
    from assessments
    {{ join_choice_labels('dtm_locality', 'displacement_reason', 'assessments.displacement_reason', 'labels') }}
    group by all
)

select
    *,
    round(idp_individuals_in_host_families
          / nullif(sum(idp_individuals_in_host_families) over (partition by round, admin2_pcode), 0), 4)
        as share_of_idps_in_host_families,
    row_number() over (partition by round, admin2_pcode
                       order by idp_individuals_in_host_families desc, localities desc, displacement_reason asc)
        as reason_rank
from by_reason

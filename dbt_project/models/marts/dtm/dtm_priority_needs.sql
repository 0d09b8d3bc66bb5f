-- Priority needs by round and prefecture: how many assessed localities name each need
-- among their (up to three) priorities, and their share of the prefecture's localities.
with assessments as (
    select * from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue
),

localities as (
    select round, admin1_pcode, count(*) as localities_assessed
    from assessments group by round, admin1_pcode
),

needs as (
    select round, admin1_pcode, admin1_name, unnest(priority_needs) as priority_need
    from assessments
)

select
    needs.round,
    needs.admin1_pcode,
    needs.admin1_name,
    needs.priority_need,
    labels.label_en as priority_need_label_en,
    labels.label_fr as priority_need_label_fr,
    count(*) as localities_reporting,
    localities.localities_assessed,
    round(count(*) / localities.localities_assessed, 4) as share_of_localities
from needs
join localities using (round, admin1_pcode)
{{ join_choice_labels('dtm_locality', 'priority_need', 'needs.priority_need', 'labels') }}
group by needs.round, needs.admin1_pcode, needs.admin1_name, needs.priority_need,
         labels.label_en, labels.label_fr, localities.localities_assessed

-- Priority needs by round and sub-prefecture: how many assessed localities name each need
-- among their (up to three) priorities, their share of the sub-prefecture's localities and
-- the need's rank there (1: named by the most localities). The locality and site profiles
-- list the first ones. Assessments with a blocking data-quality issue are left out.
with assessments as (
    select * from {{ ref('cln_dtm_locality_assessments') }}
    where not has_blocking_issue
),

localities as (
    select round, admin2_pcode, count(*) as localities_assessed
    from assessments
    group by round, admin2_pcode
),

needs as (
    select round, admin1_pcode, admin1_name, admin2_pcode, admin2_name, unnest(priority_needs) as priority_need
    from assessments
),

counted as (
    select
        needs.round,
        needs.admin1_pcode,
        needs.admin1_name,
        needs.admin2_pcode,
        needs.admin2_name,
        needs.priority_need,
        labels.label_en as priority_need_label_en,
        labels.label_fr as priority_need_label_fr,
        count(*) as localities_reporting,
        localities.localities_assessed
    from needs
    join localities on localities.round = needs.round and localities.admin2_pcode = needs.admin2_pcode
    {{ join_choice_labels('dtm_locality', 'priority_need', 'needs.priority_need', 'labels') }}
    group by all
)

select
    *,
    round(localities_reporting / localities_assessed, 4) as share_of_localities,
    row_number() over (partition by round, admin2_pcode order by localities_reporting desc, priority_need asc)
        as need_rank
from counted

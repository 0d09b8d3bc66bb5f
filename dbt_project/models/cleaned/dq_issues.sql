-- Every data-quality finding, one row per submission and rule. Rules, severities and
-- thresholds come from the ref_dq_rules seed. `value` shows what tripped the rule and
-- never carries a personal field.
{% set box = var('car_bounding_box') %}
with assessments as (
    select * from {{ ref('stg_kobo__dtm_locality') }}
),

rules as (
    select * from {{ ref('ref_dq_rules') }}
),

admin2 as (
    select pcode, parent_pcode from {{ ref('ref_admin_pcodes') }} where admin_level = 2
),

ranked as (
    select
        submission_id,
        locality_name,
        first_value(submission_id) over same_place as first_submission_id
    from assessments
    window same_place as (
        partition by round, admin2_pcode, lower(locality_name) order by submission_id
    )
),

findings as (
    select submission_id, 'duplicate_submission' as rule,
           'same locality as submission ' || first_submission_id as value
    from ranked
    where submission_id <> first_submission_id

    union all
    select submission_id, 'unknown_admin2_pcode', admin2_pcode
    from assessments
    where admin2_pcode not in (select pcode from admin2)

    union all
    select assessments.submission_id, 'admin2_outside_admin1',
           assessments.admin2_pcode || ' is not in ' || assessments.admin1_pcode
    from assessments
    join admin2 on admin2.pcode = assessments.admin2_pcode
    where admin2.parent_pcode <> assessments.admin1_pcode

    union all
    select submission_id, 'idp_household_size',
           idp_individuals || ' individuals in ' || idp_households || ' households'
    from assessments, rules
    where rules.rule = 'idp_household_size'
      and idp_individuals > 0
      and (idp_households = 0
           or idp_individuals / idp_households not between rules.min_value and rules.max_value)

    union all
    select submission_id, 'returnee_household_size',
           returnee_internal_individuals || ' individuals in ' || returnee_internal_households || ' households'
    from assessments, rules
    where rules.rule = 'returnee_household_size'
      and returnee_internal_individuals > 0
      and (returnee_internal_households = 0
           or returnee_internal_individuals / returnee_internal_households
              not between rules.min_value and rules.max_value)

    union all
    select submission_id, 'idp_breakdown_mismatch',
           'breakdown ' || (idp_m_0_5 + idp_f_0_5 + idp_m_6_17 + idp_f_6_17
                            + idp_m_18_59 + idp_f_18_59 + idp_m_60 + idp_f_60)
           || ' vs total ' || idp_individuals
    from assessments
    where has_idps
      and idp_m_0_5 + idp_f_0_5 + idp_m_6_17 + idp_f_6_17
          + idp_m_18_59 + idp_f_18_59 + idp_m_60 + idp_f_60 <> idp_individuals

    union all
    select submission_id, 'gps_outside_car', gps_latitude || ' ' || gps_longitude
    from assessments
    where gps_latitude not between {{ box.min_latitude }} and {{ box.max_latitude }}
       or gps_longitude not between {{ box.min_longitude }} and {{ box.max_longitude }}
)

select
    'dtm_locality' as form,
    findings.submission_id,
    assessments.enumerator_id,
    findings.rule,
    rules.field,
    findings.value,
    rules.severity,
    rules.description,
    current_timestamp as detected_at
from findings
join rules on rules.rule = findings.rule and rules.form = 'dtm_locality'
join assessments on assessments.submission_id = findings.submission_id
